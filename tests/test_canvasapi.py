"""canvasapi 3.6.0, unmodified, against a real TCP server: the compatibility promise."""

from __future__ import annotations

import asyncio
import io

from canvasapi import Canvas

from tests.helpers import USERS_CSV, make_zip, wait_for_canvasapi_import



def _import_from_path(canvas: Canvas, path: str):
    account = canvas.get_account(1)
    created = account.create_sis_import(path, import_type="instructure_csv")
    assert created.workflow_state == "created" and created.account_id == 1
    return wait_for_canvasapi_import(account, created)


def _import_from_buffers(canvas: Canvas):
    account = canvas.get_account(1)
    from_csv = account.create_sis_import(io.BytesIO(USERS_CSV.encode()))
    from_zip = account.create_sis_import(io.BytesIO(make_zip({"u.csv": USERS_CSV})), extension="zip")
    return wait_for_canvasapi_import(account, from_csv), wait_for_canvasapi_import(account, from_zip)


async def test_create_from_a_path_and_poll_to_imported(canvas, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(USERS_CSV)
    done = await asyncio.to_thread(_import_from_path, canvas, str(path))
    assert done.workflow_state == "imported" and done.progress == 100
    assert done.data["counts"]["users"] == 2
    assert str(done) == f"imported ({done.id})"


async def test_create_from_bytesio_with_and_without_extension(canvas):
    from_csv, from_zip = await asyncio.to_thread(_import_from_buffers, canvas)
    assert from_csv.workflow_state == "imported" and from_csv.data["counts"]["users"] == 2
    assert from_zip.workflow_state == "imported" and from_zip.data["counts"]["users"] == 2


def _list_and_abort(canvas: Canvas):
    account = canvas.get_account(1)
    created = [account.create_sis_import(io.BytesIO(USERS_CSV.encode())) for _ in range(3)]
    for item in created:
        wait_for_canvasapi_import(account, item)
    listed = [i.id for i in account.get_sis_imports(per_page=2)]
    aborted = account.abort_sis_imports_pending()
    running = list(account.get_sis_imports_running())
    return [c.id for c in created], listed, aborted, running


async def test_list_paginates_through_link_headers(canvas):
    created, listed, aborted, running = await asyncio.to_thread(_list_and_abort, canvas)
    assert listed == list(reversed(created))
    assert aborted is True
    assert running == []
