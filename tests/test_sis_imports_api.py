"""The SIS Imports API end to end: create, show, latest, list, importing, abort, options."""

from __future__ import annotations

import pytest
from aiohttp import FormData

from service.appkeys import QUEUE
from service.sis.objects_json import TOKEN_USER_ID
from tests.helpers import (
    AUTH, COURSES_CSV, USERS_CSV, create_sis_import, import_and_wait, make_zip, multipart,
    wait_for_import,
)

ALL_SIS_KEYS = [
    "id", "created_at", "started_at", "ended_at", "updated_at", "progress", "workflow_state",
    "data", "batch_mode", "batch_mode_term_id", "multi_term_batch_mode",
    "override_sis_stickiness", "add_sis_stickiness", "update_sis_id_if_login_claimed",
    "clear_sis_stickiness", "diffing_data_set_identifier", "diffing_remaster",
    "diffed_against_import_id", "diffing_drop_status", "diffing_user_remove_status",
    "skip_deletes", "change_threshold", "diff_row_count_threshold", "user", "account_id",
]


async def test_create_answers_the_complete_created_import(client, database):
    body = await create_sis_import(client, USERS_CSV)
    assert list(body) == ALL_SIS_KEYS
    assert body["workflow_state"] == "created"
    assert body["progress"] == 0
    assert body["data"] == {"import_type": "instructure_csv"}
    assert body["account_id"] == 1
    # The token's user started it, shown as GET /users/self shows it (abbreviated).
    assert body["user"] == {
        "id": TOKEN_USER_ID, "name": "Canvas Imports Admin", "created_at": "1970-01-01T00:00:00Z",
        "sortable_name": "Admin, Canvas Imports", "short_name": "Canvas Imports Admin", "sis_user_id": None,
        "integration_id": None, "sis_import_id": None,
    }
    me = await client.get("/api/v1/users/self", headers=AUTH)
    assert {k: v for k, v in (await me.json()).items() if k in body["user"]} == body["user"]
    assert body["ended_at"] is None and body["started_at"] is None
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 20
    for key in ("batch_mode", "override_sis_stickiness", "add_sis_stickiness",
                "clear_sis_stickiness", "multi_term_batch_mode", "diffing_remaster"):
        assert body[key] is None
    assert body["skip_deletes"] is False and body["update_sis_id_if_login_claimed"] is False
    row = database.execute("SELECT account_id, upload_file_id FROM sis_imports WHERE id = ?",
                           (body["id"],)).fetchone()
    assert row["account_id"] == 1


async def test_import_runs_to_imported_with_counts_and_progress_100(client):
    body = await import_and_wait(client, USERS_CSV)
    assert body["workflow_state"] == "imported"
    assert body["progress"] == 100
    assert body["started_at"] is not None and body["ended_at"] is not None
    data = body["data"]
    assert data["supplied_batches"] == ["user"]
    assert data["counts"]["users"] == 2
    assert data["counts"]["error_count"] == 0 and data["counts"]["warning_count"] == 0
    assert list(data["counts"])[:16] == [
        "change_sis_ids", "accounts", "terms", "abstract_courses", "courses", "sections",
        "xlists", "users", "logins", "enrollments", "admins", "group_categories", "groups",
        "group_memberships", "grade_publishing_results", "user_observers"]
    assert list(data["counts"])[-2:] == ["error_count", "warning_count"]
    assert data["running_immediately"] is True
    assert data["completed_importers"] == ["user"]
    assert "processing_errors" not in body and "processing_warnings" not in body
    assert data["statistics"]["total_state_changes"] >= 0


async def test_show_json_suffix_trailing_slash_self_and_latest(client):
    first = await create_sis_import(client, USERS_CSV)
    second = await create_sis_import(client, USERS_CSV, account="self")
    for path in (f"/api/v1/accounts/1/sis_imports/{first['id']}.json",
                 f"/api/v1/accounts/self/sis_imports/{first['id']}/"):
        response = await client.get(path, headers=AUTH)
        assert response.status == 200
        assert (await response.json())["id"] == first["id"]
    response = await client.get("/api/v1/accounts/1/sis_imports/latest", headers=AUTH)
    assert (await response.json())["id"] == second["id"]
    await wait_for_import(client, second["id"])


async def test_latest_without_imports_is_404(client):
    response = await client.get("/api/v1/accounts/1/sis_imports/latest", headers=AUTH)
    assert response.status == 404
    assert await response.json() == {
        "errors": [{"message": "The specified resource does not exist."}]}


@pytest.mark.parametrize("path", [
    "/api/v1/accounts/1/sis_imports/999",
    "/api/v1/accounts/1/sis_imports/abc",
    "/api/v1/accounts/77/sis_imports/1",
    "/api/v1/accounts/77",
    "/api/v1/nothing/here",
])
async def test_unknown_things_are_the_generic_404(client, path):
    response = await client.get(path, headers=AUTH)
    assert response.status == 404
    assert await response.json() == {
        "errors": [{"message": "The specified resource does not exist."}]}


async def test_import_of_another_account_is_not_visible(client, database):
    created = await create_sis_import(client, USERS_CSV)
    database.execute("INSERT INTO accounts (id, name, root_account_id, created_at, updated_at)"
                     " VALUES (2, 'Other', NULL, 'x', 'x')")
    database.commit()
    response = await client.get(f"/api/v1/accounts/2/sis_imports/{created['id']}", headers=AUTH)
    assert response.status == 404
    await wait_for_import(client, created["id"])


async def test_sub_account_is_refused(client, database):
    database.execute("INSERT INTO accounts (id, name, root_account_id, parent_account_id,"
                     " created_at, updated_at) VALUES (5, 'Sub', 1, 1, 'x', 'x')")
    database.commit()
    response = await client.post("/api/v1/accounts/5/sis_imports",
                                 data=multipart(USERS_CSV), headers=AUTH)
    assert response.status == 400
    assert await response.json() == {"errors": ["SIS imports can only be executed on root accounts"]}


async def test_get_account(client):
    response = await client.get("/api/v1/accounts/1", headers=AUTH)
    body = await response.json()
    assert body["id"] == 1 and body["name"] == "Default Account"
    assert body["root_account_id"] is None and body["parent_account_id"] is None
    assert response.headers["X-Rate-Limit-Remaining"] == "700.0"


async def test_string_ids_on_request(client):
    created = await create_sis_import(client, USERS_CSV)
    response = await client.get(
        f"/api/v1/accounts/1/sis_imports/{created['id']}",
        headers={**AUTH, "Accept": "application/json+canvas-string-ids"})
    body = await response.json()
    assert body["id"] == str(created["id"]) and body["account_id"] == "1"
    await wait_for_import(client, created["id"])


async def test_index_newest_first_with_links_and_filters(client):
    ids = [(await import_and_wait(client, USERS_CSV))["id"] for _ in range(3)]
    response = await client.get("/api/v1/accounts/1/sis_imports?per_page=2", headers=AUTH)
    body = await response.json()
    assert [i["id"] for i in body["sis_imports"]] == [ids[2], ids[1]]
    host = f"http://{client.server.host}:{client.server.port}"
    link = response.headers["Link"]
    assert link.startswith(f"<{host}/api/v1/accounts/1/sis_imports?page=1&per_page=2>; rel=\"current\",")
    assert f"<{host}/api/v1/accounts/1/sis_imports?page=2&per_page=2>; rel=\"next\"" in link
    assert 'rel="last"' not in link and ", " not in link
    response = await client.get("/api/v1/accounts/1/sis_imports?per_page=2&page=2", headers=AUTH)
    assert [i["id"] for i in (await response.json())["sis_imports"]] == [ids[0]]
    assert 'rel="next"' not in response.headers["Link"]
    response = await client.get(
        "/api/v1/accounts/1/sis_imports?workflow_state[]=failed&workflow_state[]=bogus",
        headers=AUTH)
    assert (await response.json()) == {"sis_imports": []}
    response = await client.get(
        "/api/v1/accounts/1/sis_imports?created_since=2999-01-01T00:00:00Z", headers=AUTH)
    assert (await response.json()) == {"sis_imports": []}
    response = await client.get(
        "/api/v1/accounts/1/sis_imports?created_since=not-a-date", headers=AUTH)
    assert len((await response.json())["sis_imports"]) == 3


async def test_importing_lists_nothing_when_idle(client):
    response = await client.get("/api/v1/accounts/1/sis_imports/importing", headers=AUTH)
    assert await response.json() == {"sis_imports": []}


async def test_abort_and_abort_all_pending(client, database):
    done = await import_and_wait(client, USERS_CSV)
    response = await client.put(f"/api/v1/accounts/1/sis_imports/{done['id']}/abort", headers=AUTH)
    assert response.status == 404  # finished imports cannot be aborted
    # With the workers stopped, new imports stay created and can be aborted before they run.
    await client.server.app[QUEUE].stop(grace_s=1)
    waiting = await create_sis_import(client, USERS_CSV)
    others = [await create_sis_import(client, USERS_CSV) for _ in range(2)]
    response = await client.put(f"/api/v1/accounts/1/sis_imports/{waiting['id']}/abort",
                                headers=AUTH)
    body = await response.json()
    assert body["workflow_state"] == "aborted" and body["account_id"] == 1
    assert body["progress"] == 100 and body["ended_at"] is not None
    response = await client.put("/api/v1/accounts/1/sis_imports/abort_all_pending", headers=AUTH)
    assert await response.json() == {"aborted": True}
    states = dict(database.execute("SELECT id, workflow_state FROM sis_imports").fetchall())
    assert states == {done["id"]: "imported", waiting["id"]: "aborted",
                      others[0]["id"]: "aborted", others[1]["id"]: "aborted"}
    response = await client.put(f"/api/v1/accounts/1/sis_imports/{waiting['id']}/abort",
                                headers=AUTH)
    assert response.status == 404  # aborted is final


async def test_options_are_validated_and_echoed(client, database):
    body = await create_sis_import(
        client, USERS_CSV, override_sis_stickiness="true", add_sis_stickiness="1",
        clear_sis_stickiness="yes", skip_deletes="on", update_sis_id_if_login_claimed="true",
        diffing_data_set_identifier="campus", diffing_remaster_data_set="true",
        diffing_drop_status="inactive", diffing_user_remove_status="suspended",
        change_threshold="10", diff_row_count_threshold="0")
    assert body["override_sis_stickiness"] is True
    assert body["add_sis_stickiness"] is True and body["clear_sis_stickiness"] is True
    assert body["skip_deletes"] is True and body["update_sis_id_if_login_claimed"] is True
    assert body["diffing_data_set_identifier"] == "campus" and body["diffing_remaster"] is True
    assert body["diffing_drop_status"] == "inactive"
    assert body["diffing_user_remove_status"] == "suspended"
    assert body["change_threshold"] == 10 and body["diff_row_count_threshold"] is None
    assert body["diffing_threshold_exceeded"] is False
    # add_sis_stickiness without override is dropped, as Canvas does.
    body = await create_sis_import(client, USERS_CSV, add_sis_stickiness="1")
    assert body["add_sis_stickiness"] is None and body["override_sis_stickiness"] is None


@pytest.mark.parametrize("params, status, expected", [
    ({"import_type": "ims_xml"}, 400, {"errors": [{"message": "invalid import type parameter"}]}),
    ({"batch_mode": "true"}, 400,
     {"message": "Batch mode specified, but the given batch_mode_term_id cannot be found."}),
    ({"multi_term_batch_mode": "false"}, 400,
     {"message": "change_threshold is required to use multi term_batch mode."}),
    ({"diffing_drop_status": "gone"}, 400, {"message": "Invalid diffing_drop_status"}),
    ({"diffing_user_remove_status": "x"}, 400, {"message": "Invalid diffing_user_remove_status"}),
    ({"batch_mode_enrollment_drop_status": "x"}, 400,
     {"message": "Invalid batch_mode_enrollment_drop_status"}),
])
async def test_bad_options_leave_nothing_behind(client, database, settings, params, status, expected):
    response = await client.post("/api/v1/accounts/1/sis_imports",
                                 data=multipart(USERS_CSV, **params), headers=AUTH)
    assert response.status == status
    assert await response.json() == expected
    assert database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0] == 0
    assert list(settings.uploads_dir.iterdir()) == []


async def test_bad_import_type_in_query_refused_before_reading(client, database):
    response = await client.post("/api/v1/accounts/1/sis_imports?import_type=bogus",
                                 data=USERS_CSV.encode(), headers={**AUTH, "Content-Type": "text/csv"})
    assert response.status == 400
    assert database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0] == 0


async def test_multipart_without_attachment(client, database):
    form = FormData()
    form.add_field("import_type", "instructure_csv")
    form.add_field("other", b"x", filename="x.bin")
    response = await client.post("/api/v1/accounts/1/sis_imports", data=form, headers=AUTH)
    assert response.status == 400
    assert await response.json() == {"error": True, "error_message": "Missing attachment"}
    assert database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0] == 0


async def test_zip_of_several_kinds_in_any_order(client):
    archive = make_zip({"nested/dir/users.csv": USERS_CSV, "courses.csv": COURSES_CSV,
                        "__MACOSX/._users.csv": "junk", "readme.txt": "hello"})
    body = await import_and_wait(client, archive, filename="batch.zip")
    assert body["data"]["supplied_batches"] == ["course", "user"]
    assert body["data"]["counts"]["users"] == 2 and body["data"]["counts"]["courses"] == 1
    assert body["workflow_state"] == "imported_with_messages"
    assert body["processing_warnings"] == [["readme.txt", "Skipping unknown file type"]]
    assert body["data"]["counts"]["warning_count"] == 1
    assert [a["display_name"] for a in body["csv_attachments"]] == ["courses.csv", "users.csv"]


async def test_batch_mode_term_is_found_by_sis_id_or_is_404(client, database):
    terms = "term_id,name,status\nT1,Fall,active\n"
    await import_and_wait(client, terms, filename="terms.csv")
    term_id = database.execute(
        "SELECT id FROM enrollment_terms WHERE sis_source_id = 'T1'").fetchone()[0]
    body = await create_sis_import(client, COURSES_CSV, batch_mode="1",
                                   batch_mode_term_id="sis_term_id:T1")
    assert body["batch_mode"] is True and body["batch_mode_term_id"] == term_id
    await wait_for_import(client, body["id"])
    body = await create_sis_import(client, COURSES_CSV, batch_mode="true",
                                   batch_mode_term_id=str(term_id))
    assert body["batch_mode_term_id"] == term_id
    await wait_for_import(client, body["id"])
    before = database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0]
    response = await client.post(
        "/api/v1/accounts/1/sis_imports",
        data=multipart(COURSES_CSV, batch_mode="1", batch_mode_term_id="sis_term_id:nope"),
        headers=AUTH)
    assert response.status == 404
    assert database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0] == before
    # batch_mode off: the term is ignored.
    body = await create_sis_import(client, COURSES_CSV, batch_mode_term_id="sis_term_id:nope")
    assert body["batch_mode"] is None and body["batch_mode_term_id"] is None
    await wait_for_import(client, body["id"])


async def test_sub_accounts_resolve_by_sis_account_id_and_refuse_sis_imports(client):
    accounts = "account_id,parent_account_id,name,status\nA1,,Arts,active\nA2,A1,Music,active\n"
    await import_and_wait(client, accounts, filename="accounts.csv")
    response = await client.get("/api/v1/accounts/sis_account_id:A2", headers=AUTH)
    music = await response.json()
    assert music["name"] == "Music" and music["sis_account_id"] == "A2"
    response = await client.get(f"/api/v1/accounts/{music['parent_account_id']}", headers=AUTH)
    assert (await response.json())["sis_account_id"] == "A1"
    for reference in ("sis_account_id:A2", str(music["id"])):
        response = await client.post(f"/api/v1/accounts/{reference}/sis_imports",
                                     data=multipart(USERS_CSV), headers=AUTH)
        assert response.status == 400
        assert await response.json() == {
            "errors": ["SIS imports can only be executed on root accounts"]}
    response = await client.get("/api/v1/accounts/sis_account_id:nope", headers=AUTH)
    assert response.status == 404
