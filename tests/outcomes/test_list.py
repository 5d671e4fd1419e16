"""The outcome import list, this server's extension (Canvas has no list; docs/decisions.md)."""

from __future__ import annotations

import sqlite3

from aiohttp.test_utils import TestClient

from tests.helpers import AUTH, COURSES_CSV, import_and_wait
from tests.outcomes.test_api import OUTCOMES_CSV, post_outcomes, wait_for_outcomes

SUB_ACCOUNTS_CSV = "account_id,parent_account_id,name,status\nsub1,,Science,active\n"
SUB_COURSE_CSV = "course_id,short_name,long_name,account_id,term_id,status\nc2,C2,Two,sub1,,active\n"


async def _list(client: TestClient, path: str, **query: str) -> tuple[int, dict, str]:
    response = await client.get(path, params=query, headers=AUTH)
    return response.status, await response.json(), response.headers.get("Link", "")


async def test_lists_newest_first_with_context_and_target_group(client: TestClient,
                                                                database: sqlite3.Connection) -> None:
    await import_and_wait(client, SUB_ACCOUNTS_CSV, filename="accounts.csv")
    await import_and_wait(client, COURSES_CSV, filename="courses.csv")
    await import_and_wait(client, SUB_COURSE_CSV, filename="courses.csv")
    course_id = database.execute("SELECT id FROM courses WHERE sis_source_id = 'c1'").fetchone()[0]
    sub_course_id = database.execute("SELECT id FROM courses WHERE sis_source_id = 'c2'").fetchone()[0]
    sub_id = database.execute("SELECT id FROM accounts WHERE sis_source_id = 'sub1'").fetchone()[0]

    in_root = await post_outcomes(client, OUTCOMES_CSV)
    in_course = await post_outcomes(client, OUTCOMES_CSV, path=f"/api/v1/courses/{course_id}/outcome_imports")
    in_sub_course = await post_outcomes(
        client, OUTCOMES_CSV, path=f"/api/v1/courses/{sub_course_id}/outcome_imports")
    in_sub = await post_outcomes(client, OUTCOMES_CSV, path=f"/api/v1/accounts/{sub_id}/outcome_imports/group/7")
    finished = await wait_for_outcomes(client, in_root["id"])

    status, body, link = await _list(client, "/api/v1/accounts/1/outcome_imports")
    assert status == 200
    ids = [entry["id"] for entry in body["outcome_imports"]]
    assert ids == [in_sub["id"], in_sub_course["id"], in_course["id"], in_root["id"]]
    root_entry = body["outcome_imports"][-1]
    assert root_entry == {
        **finished, "updated_at": root_entry["updated_at"],
        "started_at": root_entry["started_at"], "context_type": "Account", "context_id": 1,
        "learning_outcome_group_id": None,
    }
    assert root_entry["started_at"] is not None
    assert {(e["context_type"], e["context_id"], e["learning_outcome_group_id"])
            for e in body["outcome_imports"][:3]} == {
        ("Account", sub_id, 7), ("Course", sub_course_id, None), ("Course", course_id, None)}
    assert 'rel="last"' not in link and 'rel="next"' not in link

    # A sub-account lists its own imports and those of the courses under it, nothing above.
    status, body, _ = await _list(client, f"/api/v1/accounts/{sub_id}/outcome_imports")
    assert [e["id"] for e in body["outcome_imports"]] == [in_sub["id"], in_sub_course["id"]]
    status, body, _ = await _list(client, f"/api/v1/courses/{course_id}/outcome_imports")
    assert [e["id"] for e in body["outcome_imports"]] == [in_course["id"]]


async def test_pages_like_the_sis_import_list(client: TestClient) -> None:
    created = [(await post_outcomes(client, OUTCOMES_CSV))["id"] for _ in range(3)]
    status, body, link = await _list(client, "/api/v1/accounts/self/outcome_imports.json", per_page="2")
    assert [e["id"] for e in body["outcome_imports"]] == created[:0:-1]
    host = f"http://{client.server.host}:{client.server.port}"
    assert link == (
        f'<{host}/api/v1/accounts/self/outcome_imports.json?page=1&per_page=2>; rel="current",'
        f'<{host}/api/v1/accounts/self/outcome_imports.json?page=2&per_page=2>; rel="next",'
        f'<{host}/api/v1/accounts/self/outcome_imports.json?page=1&per_page=2>; rel="first"')
    status, body, _ = await _list(client, "/api/v1/accounts/self/outcome_imports", per_page="2", page="2")
    assert [e["id"] for e in body["outcome_imports"]] == [created[0]]


async def test_unknown_context_is_the_generic_404(client: TestClient) -> None:
    for path in ("/api/v1/accounts/999/outcome_imports", "/api/v1/courses/999/outcome_imports"):
        status, body, _ = await _list(client, path)
        assert (status, body) == (404, {"errors": [{"message": "The specified resource does not exist."}]})
    response = await client.get("/api/v1/accounts/1/outcome_imports")
    assert response.status == 401
