"""The Outcome Imports API through the real server: the seed's curl calls, states, scoping."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from service.app import create_app
from service.appkeys import QUEUE
from service.outcomes.runner import progress_after
from service.sis.objects_json import token_user_json
from service.states import OUTCOME_TERMINAL
from tests.helpers import AUTH, COURSES_CSV, import_and_wait, multipart
from tests.outcomes.support import HEADERS, csv_text, group, row

ACCOUNT = "/api/v1/accounts/1/outcome_imports"
OUTCOMES_CSV = csv_text([HEADERS, group(vendor_guid="g1", title="Group 1"),
                         group(vendor_guid="g2", title="Group 2", parent_guids="g1"),
                         row(vendor_guid="o1", title="Outcome 1", parent_guids="g2")])
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def post_outcomes(client: TestClient, content: str | bytes, path: str = ACCOUNT,
                        query: str = "?import_type=instructure_csv", **params: str) -> dict[str, Any]:
    """``curl -F attachment=@<filename> ...`` and the JSON answered (asserting 200)."""
    response = await client.post(f"{path}{query}", data=multipart(content, "outcomes.csv", **params),
                                 headers=AUTH)
    body = await response.json()
    assert response.status == 200, body
    return body


async def wait_for_outcomes(client: TestClient, import_id: int, path: str = ACCOUNT,
                            timeout_s: float = 30.0) -> dict[str, Any]:
    """Poll an outcome import until it succeeds or fails; returns its final JSON."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = await client.get(f"{path}/{import_id}", headers=AUTH)
        body = await response.json()
        assert response.status == 200, body
        if body["workflow_state"] in OUTCOME_TERMINAL:
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.02)


async def test_multipart_create_answers_created_then_succeeds(client: TestClient,
                                                             database: sqlite3.Connection) -> None:
    created = await post_outcomes(client, OUTCOMES_CSV)
    assert TIMESTAMP.match(created["created_at"]) and TIMESTAMP.match(created["updated_at"])
    assert created == {
        "id": created["id"], "created_at": created["created_at"], "ended_at": None,
        "updated_at": created["updated_at"], "progress": 0, "workflow_state": "created",
        "data": {"import_type": "instructure_csv"}, "processing_errors": [],
        "user": token_user_json(),
    }
    done = await wait_for_outcomes(client, created["id"])
    assert TIMESTAMP.match(done["ended_at"])
    assert done == {**created, "ended_at": done["ended_at"], "updated_at": done["updated_at"],
                    "progress": 100, "workflow_state": "succeeded"}
    titles = {r["vendor_guid"]: r["title"] for r in database.execute(
        "SELECT vendor_guid, title FROM learning_outcome_groups WHERE outcome_import_id = ?",
        (created["id"],))}
    assert titles == {"g1": "Group 1", "g2": "Group 2"}
    assert database.execute("SELECT title FROM learning_outcomes").fetchall()[0][0] == "Outcome 1"

    response = await client.get(f"{ACCOUNT}/{created['id']}/created_group_ids", headers=AUTH)
    group_ids = [str(r[0]) for r in database.execute(
        "SELECT id FROM learning_outcome_groups WHERE vendor_guid IS NOT NULL ORDER BY id")]
    assert (response.status, await response.json()) == (200, group_ids)


@pytest.mark.parametrize("headers", [{"Content-Type": "text/csv"}, {"Content-Type": "text/plain"},
                                     {"Content-Type": "application/octet-stream"}, {}])
async def test_raw_body_is_a_csv_whatever_its_type(client: TestClient, database: sqlite3.Connection,
                                                   headers: dict[str, str]) -> None:
    # curl -H 'Content-Type: text/csv' --data-binary @<filename>.csv ...
    response = await client.post(f"{ACCOUNT}?import_type=instructure_csv",
                                 data=OUTCOMES_CSV.encode(), headers={**AUTH, **headers},
                                 skip_auto_headers=() if headers else ("Content-Type",))
    created = await response.json()
    assert response.status == 200, created
    assert (await wait_for_outcomes(client, created["id"]))["workflow_state"] == "succeeded"
    stored = database.execute(
        "SELECT f.display_name, f.content_type FROM outcome_imports i JOIN files f"
        " ON f.id = i.upload_file_id WHERE i.id = ?", (created["id"],)).fetchone()
    expected_type = headers.get("Content-Type", "application/x-www-form-urlencoded")
    assert tuple(stored) == ("outcome_import.csv", expected_type)


async def test_a_charset_other_than_utf8_is_refused(client: TestClient,
                                                    database: sqlite3.Connection) -> None:
    response = await client.post(ACCOUNT, data=OUTCOMES_CSV.encode("latin-1"),
                                 headers={**AUTH, "Content-Type": "text/csv; charset=ISO-8859-1"})
    assert (response.status, await response.json()) == (
        400, {"error": "Invalid content type, UTF-8 required"})
    assert database.execute("SELECT count(*) FROM outcome_imports").fetchone()[0] == 0


@pytest.mark.parametrize("where", ["query", "form"])
async def test_a_bad_import_type_is_a_400(client: TestClient, database: sqlite3.Connection,
                                          where: str) -> None:
    query = "?import_type=bogus" if where == "query" else ""
    form = {} if where == "query" else {"import_type": "bogus"}
    response = await client.post(f"{ACCOUNT}{query}", data=multipart(OUTCOMES_CSV, **form),
                                 headers=AUTH)
    assert (response.status, await response.json()) == (
        400, {"errors": [{"message": "invalid import type parameter"}]})
    assert database.execute("SELECT count(*) FROM outcome_imports").fetchone()[0] == 0


async def test_a_form_body_is_read_as_the_csv(client: TestClient) -> None:
    # A urlencoded body is a raw post: Canvas imports the body itself, and so fails it.
    response = await client.post(ACCOUNT, data={"import_type": "instructure_csv"}, headers=AUTH)
    created = await response.json()
    assert response.status == 200, created
    done = await wait_for_outcomes(client, created["id"])
    assert (done["workflow_state"], done["processing_errors"]) == (
        "failed", [[1, 'Missing required fields: ["title", "vendor_guid", "object_type"]']])


async def test_a_multipart_body_without_attachment_is_refused(client: TestClient, database) -> None:
    form = FormData(default_to_multipart=True)
    form.add_field("import_type", "instructure_csv")
    response = await client.post(ACCOUNT, data=form, headers=AUTH)
    assert (response.status, await response.json()) == (
        400, {"error": True, "error_message": "Missing attachment"})
    assert database.execute("SELECT count(*) FROM outcome_imports").fetchone()[0] == 0


async def test_file_level_failure_keeps_progress_and_sets_ended_at(client: TestClient) -> None:
    created = await post_outcomes(client, "vendor_guid,title,object_type\n")
    done = await wait_for_outcomes(client, created["id"])
    assert (done["workflow_state"], done["progress"], done["processing_errors"]) == (
        "failed", 0, [[1, "File has no outcomes data"]])
    assert TIMESTAMP.match(done["ended_at"])
    response = await client.get(f"{ACCOUNT}/{created['id']}/created_group_ids", headers=AUTH)
    assert (response.status, await response.json()) == (404, {"message": "Import has failed"})


async def test_a_malformed_record_after_the_first_batch_fails_with_the_batch_progress(
        client: TestClient, database: sqlite3.Connection) -> None:
    content = csv_text([HEADERS] + [group(vendor_guid=f"g{n}") for n in range(1500)])
    content += 'bad,"unclosed,group\n'
    done = await wait_for_outcomes(client, (await post_outcomes(client, content))["id"])
    # The first slice (header + 999 rows) committed: floor(1000 / 1502 * 100) = 66.
    assert (done["workflow_state"], done["progress"], done["processing_errors"]) == (
        "failed", 66, [[1, "Invalid CSV File"]])
    assert database.execute("SELECT count(*) FROM learning_outcome_groups"
                            " WHERE vendor_guid IS NOT NULL").fetchone()[0] == 999


async def test_row_errors_still_succeed_and_show_the_first_25_by_row(client: TestClient) -> None:
    rows = [HEADERS] + [row(vendor_guid=f"bad {n}") for n in range(30)] + [row(vendor_guid="good")]
    done = await wait_for_outcomes(client, (await post_outcomes(client, csv_text(rows)))["id"])
    assert (done["workflow_state"], done["progress"]) == ("succeeded", 100)
    assert done["processing_errors"] == [
        [line, 'The "vendor_guid" field must have no spaces'] for line in range(2, 27)]


async def test_an_unknown_target_group_fails_unexpectedly(client: TestClient) -> None:
    created = await post_outcomes(client, OUTCOMES_CSV, path=f"{ACCOUNT}/group/424242")
    done = await wait_for_outcomes(client, created["id"])
    assert done["workflow_state"] == "failed"
    [[line, message]] = done["processing_errors"]
    assert line == 1 and re.fullmatch(r"An unexpected error has occurred: see error report \d+", message)


@pytest.mark.parametrize("how", ["path", "form field"])
async def test_target_group_from_the_path_or_a_form_field(client: TestClient,
                                                          database: sqlite3.Connection,
                                                          how: str) -> None:
    first = await post_outcomes(client, csv_text([HEADERS, group(vendor_guid="target")]))
    await wait_for_outcomes(client, first["id"])
    target = database.execute(
        "SELECT id FROM learning_outcome_groups WHERE vendor_guid = 'target'").fetchone()[0]
    content = csv_text([HEADERS, row(vendor_guid="placed")])
    if how == "path":
        created = await post_outcomes(client, content, path=f"{ACCOUNT}/group/{target}")
    else:
        created = await post_outcomes(client, content, learning_outcome_group_id=str(target))
    assert (await wait_for_outcomes(client, created["id"]))["processing_errors"] == []
    linked = database.execute(
        "SELECT l.group_id FROM learning_outcome_links l JOIN learning_outcomes o"
        " ON o.id = l.outcome_id WHERE o.vendor_guid = 'placed'").fetchall()
    assert [r[0] for r in linked] == [target]
    assert database.execute("SELECT learning_outcome_group_id FROM outcome_imports WHERE id = ?",
                            (created["id"],)).fetchone()[0] == target


async def test_show_and_latest_and_their_404s(client: TestClient) -> None:
    response = await client.get(f"{ACCOUNT}/latest", headers=AUTH)
    assert (response.status, await response.json()) == (
        404, {"message": "ActiveRecord::RecordNotFound"})
    response = await client.get(f"{ACCOUNT}/999", headers=AUTH)
    assert (response.status, await response.json()) == (
        404, {"message": "Couldn't find OutcomeImport with 'id'=999"})

    first = await post_outcomes(client, OUTCOMES_CSV)
    second = await post_outcomes(client, OUTCOMES_CSV)
    # Decision 20: latest is the most recently created import, even before its job starts.
    response = await client.get(f"{ACCOUNT}/latest.json", headers=AUTH)
    assert (response.status, (await response.json())["id"]) == (200, second["id"])
    done = await wait_for_outcomes(client, first["id"])
    response = await client.get(f"{ACCOUNT}/{first['id']}/", headers=AUTH)
    assert await response.json() == done
    await wait_for_outcomes(client, second["id"])

    response = await client.get(f"{ACCOUNT}/{first['id']}",
                                headers={**AUTH, "Accept": "application/json+canvas-string-ids"})
    assert (await response.json())["id"] == str(first["id"])


async def test_created_group_ids_in_every_state(client: TestClient,
                                                database: sqlite3.Connection) -> None:
    # With the queue stopped, an import stays where the test puts it.
    await client.server.app[QUEUE].stop(0)
    created = await post_outcomes(client, OUTCOMES_CSV)
    url = f"{ACCOUNT}/{created['id']}/created_group_ids"
    for state, message in (("created", "Import is still being processed"),
                           ("importing", "Import is still being processed"),
                           ("failed", "Import has failed")):
        database.execute("UPDATE outcome_imports SET workflow_state = ? WHERE id = ?",
                         (state, created["id"]))
        database.commit()
        response = await client.get(url, headers=AUTH)
        assert (response.status, await response.json()) == (404, {"message": message})
        response = await client.get(f"{ACCOUNT}/latest/created_group_ids", headers=AUTH)
        assert (response.status, await response.json()) == (404, {"message": message})


async def test_course_imports_are_scoped_to_their_course(client: TestClient,
                                                         database: sqlite3.Connection) -> None:
    await import_and_wait(client, COURSES_CSV, "courses.csv")
    course_id, course_name = database.execute("SELECT id, name FROM courses").fetchone()
    course = f"/api/v1/courses/{course_id}/outcome_imports"
    by_sis_id = "/api/v1/courses/sis_course_id:c1/outcome_imports"

    in_course = await post_outcomes(client, OUTCOMES_CSV, path=course)
    assert (await wait_for_outcomes(client, in_course["id"], course))["workflow_state"] == "succeeded"
    root = database.execute("SELECT title FROM learning_outcome_groups WHERE context_type = 'Course'"
                            " AND parent_group_id IS NULL").fetchone()
    assert root[0] == course_name
    in_account = await post_outcomes(client, OUTCOMES_CSV)
    await wait_for_outcomes(client, in_account["id"])

    response = await client.get(f"{by_sis_id}/latest", headers=AUTH)
    assert (response.status, (await response.json())["id"]) == (200, in_course["id"])
    response = await client.get(f"{course}/{in_account['id']}", headers=AUTH)
    assert (response.status, await response.json()) == (
        404, {"message": f"Couldn't find OutcomeImport with 'id'={in_account['id']}"})
    response = await client.get(f"{ACCOUNT}/{in_course['id']}/created_group_ids", headers=AUTH)
    assert response.status == 404
    response = await client.get(f"{course}/{in_course['id']}/created_group_ids", headers=AUTH)
    assert response.status == 200 and len(await response.json()) == 2

    response = await client.post("/api/v1/courses/424242/outcome_imports",
                                 data=multipart(OUTCOMES_CSV), headers=AUTH)
    assert (response.status, await response.json()) == (
        404, {"errors": [{"message": "The specified resource does not exist."}]})


async def test_the_list_is_newest_first_and_filters_by_state(client: TestClient) -> None:
    succeeded = [await post_outcomes(client, OUTCOMES_CSV) for _ in range(2)]
    failed = await post_outcomes(client, "vendor_guid,title,object_type\n")
    for created in (*succeeded, failed):
        await wait_for_outcomes(client, created["id"])

    async def listed(query: str) -> list[tuple[int, str]]:
        response = await client.get(f"{ACCOUNT}?{query}", headers=AUTH)
        assert response.status == 200
        return [(i["id"], i["workflow_state"]) for i in (await response.json())["outcome_imports"]]

    everything = [(failed["id"], "failed"), (succeeded[1]["id"], "succeeded"),
                  (succeeded[0]["id"], "succeeded")]
    assert await listed("") == everything
    assert await listed("workflow_state[]=succeeded") == everything[1:]
    assert await listed("workflow_state=failed") == everything[:1]
    assert await listed("workflow_state[]=failed&workflow_state[]=succeeded") == everything
    assert await listed("workflow_state[]=importing") == []
    # As in the SIS list, unknown states are dropped, and none left means no filter.
    assert await listed("workflow_state[]=imported") == everything
    response = await client.get(f"{ACCOUNT}?workflow_state[]=succeeded&per_page=1", headers=AUTH)
    assert [i["id"] for i in (await response.json())["outcome_imports"]] == [succeeded[1]["id"]]
    assert "workflow_state%5B%5D=succeeded&page=2&per_page=1>; rel=\"next\"" in response.headers["Link"]


async def test_requests_need_a_token(client: TestClient) -> None:
    response = await client.get(f"{ACCOUNT}/latest")
    assert response.status == 401


def test_progress_is_floored_and_held_below_100_while_running() -> None:
    assert [progress_after(line, 4) for line in (1, 2, 3, 4)] == [25, 50, 75, 99]
    assert progress_after(10, 3) == 99  # a file of CR line endings has more records than lines


async def test_an_interrupted_import_runs_again_from_the_start(aiohttp_client, settings,
                                                               database: sqlite3.Connection) -> None:
    first = await aiohttp_client(create_app(settings))
    await first.server.app[QUEUE].stop(0)
    created = await post_outcomes(first, OUTCOMES_CSV)
    await first.close()
    # As if a crash had struck after the first batch: a group stamped, an error recorded.
    database.execute("INSERT INTO learning_outcome_groups (context_type, context_id,"
                     " root_account_id, vendor_guid, title, outcome_import_id, created_at,"
                     " updated_at) VALUES ('Account', 1, 1, 'g1', 'Half done', ?, 'x', 'x')",
                     (created["id"],))
    database.execute("INSERT INTO outcome_import_errors (outcome_import_id, row, message)"
                     " VALUES (?, 9, 'from the crashed run')", (created["id"],))
    database.execute("UPDATE outcome_imports SET workflow_state = 'importing', progress = 50"
                     " WHERE id = ?", (created["id"],))
    database.commit()

    second = await aiohttp_client(create_app(settings))
    done = await wait_for_outcomes(second, created["id"])
    assert (done["workflow_state"], done["progress"], done["processing_errors"]) == (
        "succeeded", 100, [])
    titles = [r[0] for r in database.execute(
        "SELECT title FROM learning_outcome_groups WHERE vendor_guid = 'g1'")]
    assert titles == ["Group 1"]  # updated by the rerun, not duplicated


async def test_a_database_error_fails_the_import(client: TestClient,
                                                 database: sqlite3.Connection) -> None:
    # A real SQLite error, not a mock: the table the import writes no longer exists.
    database.execute("DROP TABLE outcome_friendly_descriptions")
    database.commit()
    done = await wait_for_outcomes(client, (await post_outcomes(client, OUTCOMES_CSV))["id"])
    assert (done["workflow_state"], done["processing_errors"]) == (
        "failed", [[1, "Database error (no such table: outcome_friendly_descriptions)"]])
