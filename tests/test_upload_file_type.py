"""How a multipart upload's file type is decided, as Canvas decides it (issue 9).

Canvas's create action reads the uploaded file's name; ``extension`` only matters here when that
name has no ``.csv``/``.zip`` ending (canvasapi's in-memory uploads are named ``attachment``).
"""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import USERS_CSV, create_sis_import, make_zip, wait_for_import


async def test_a_csv_name_wins_over_another_extension(client: TestClient) -> None:
    created = await create_sis_import(client, USERS_CSV, "users.csv", extension="txt")
    done = await wait_for_import(client, created["id"])
    assert done["workflow_state"] == "imported", done
    assert done["data"]["counts"]["users"] == 2


async def test_extension_names_the_type_of_a_file_without_csv_or_zip_ending(
        client: TestClient) -> None:
    created = await create_sis_import(client, USERS_CSV, "export.txt", extension="csv")
    done = await wait_for_import(client, created["id"])
    assert done["workflow_state"] == "imported", done
    assert done["data"]["counts"]["users"] == 2


async def test_a_file_named_txt_without_extension_is_skipped_with_a_warning(
        client: TestClient) -> None:
    created = await create_sis_import(client, USERS_CSV, "export.txt")
    done = await wait_for_import(client, created["id"])
    assert done["workflow_state"] == "imported_with_messages", done
    assert done["processing_warnings"] == [["export.txt", "Skipping unknown file type"]]


async def test_sis_script_sends_its_options_inside_the_extension_value(client: TestClient) -> None:
    # Instructure's sis_script.sh posts extension=zip&import_type=instructure_csv&... as one value.
    archive = make_zip({"users.csv": USERS_CSV})
    created = await create_sis_import(client, archive, "attachment",
                                      extension="zip&import_type=instructure_csv&batch_mode=false")
    done = await wait_for_import(client, created["id"])
    assert done["workflow_state"] == "imported", done
    assert done["data"]["supplied_batches"] == ["user"]
