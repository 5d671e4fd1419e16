"""GET /api/v1/progress/:id and the Progress restore_states answers, through the real server."""

from __future__ import annotations

import asyncio
import re
import sqlite3

from canvasapi.progress import Progress

from tests.helpers import AUTH, import_and_wait, restore_and_wait, wait_for_progress

USERS = "user_id,login_id,status\nu1,alice,active\nu2,bob,active\n"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def test_restores_batch_on_restore_states_and_return_progress(client) -> None:
    """spec/apis/v1/sis_imports_api_spec.rb: "restores batch on restore_states and return
    progress" — on an import that changed nothing, as in Canvas's case: the restore runs as a job,
    the import ends ``restored``, its Progress is served."""
    imported = await import_and_wait(client, "user_id,login_id,status\n")
    assert imported["data"]["statistics"]["total_state_changes"] == 0
    response = await client.put(f"/api/v1/accounts/1/sis_imports/{imported['id']}/restore_states",
                                headers=AUTH)
    queued = await response.json()
    assert response.status == 200
    final = await wait_for_progress(client, queued["id"])
    assert final["workflow_state"] == "completed"
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{imported['id']}", headers=AUTH)
    assert (await response.json())["workflow_state"] == "restored"
    response = await client.get(f"/api/v1/progress/{queued['id']}", headers=AUTH)
    assert response.status == 200


async def test_progress_json_has_canvas_keys_while_queued_and_when_completed(client) -> None:
    """lib/api/v1/progress.rb: id, context_id, context_type, user_id, tag, completion,
    workflow_state, created_at, updated_at, message and url; no results for a restore."""
    imported = await import_and_wait(client, USERS)
    response = await client.put(f"/api/v1/accounts/1/sis_imports/{imported['id']}/restore_states",
                                headers=AUTH)
    queued = await response.json()
    base = f"http://{client.server.host}:{client.server.port}"
    assert TIME.match(queued.pop("created_at")) and TIME.match(queued.pop("updated_at"))
    progress_id = queued.pop("id")
    assert queued == {
        "context_id": imported["id"], "context_type": "SisBatch", "user_id": None,
        "tag": "sis_batch_state_restore", "completion": 0.0, "workflow_state": "queued",
        "message": None, "url": f"{base}/api/v1/progress/{progress_id}",
    }
    final = await wait_for_progress(client, progress_id)
    assert (final["workflow_state"], final["completion"], "results" in final) == ("completed", 100.0, False)


async def test_progress_that_does_not_exist_is_the_generic_404(client) -> None:
    """An unknown or malformed progress id answers Canvas's generic 404."""
    for path in ("/api/v1/progress/999", "/api/v1/progress/abc"):
        response = await client.get(path, headers=AUTH)
        assert response.status == 404
        assert await response.json() == {
            "errors": [{"message": "The specified resource does not exist."}]}


async def test_restore_refuses_both_undelete_only_and_unconclude_only(client, database: sqlite3.Connection) -> None:
    """SisImportsApiController#restore_states (newest): both flags answer 400 with Canvas's
    message and queue nothing."""
    imported = await import_and_wait(client, USERS)
    response = await client.put(f"/api/v1/accounts/1/sis_imports/{imported['id']}/restore_states",
                                data={"undelete_only": "true", "unconclude_only": "1"}, headers=AUTH)
    assert response.status == 400
    assert await response.json() == {"message": "cannot set both undelete_only and unconclude_only"}
    assert database.execute("SELECT count(*) FROM progresses").fetchone()[0] == 0


async def test_restore_of_an_import_past_its_roll_back_data_is_refused(client, database: sqlite3.Connection) -> None:
    """Roll-back data is kept 30 days: an older import answers "restore data unavailable"."""
    imported = await import_and_wait(client, USERS)
    with database:
        database.execute("UPDATE sis_imports SET created_at = '2020-01-01T00:00:00Z',"
                         " ended_at = '2020-01-01T00:01:00Z' WHERE id = ?", (imported["id"],))
    response = await client.put(f"/api/v1/accounts/1/sis_imports/{imported['id']}/restore_states",
                                headers=AUTH)
    assert response.status == 400
    assert await response.json() == {"message": "restore data unavailable"}


async def test_restore_of_an_unknown_import_is_the_generic_404(client) -> None:
    """restore_states finds the batch among the account's (find raises RecordNotFound)."""
    response = await client.put("/api/v1/accounts/1/sis_imports/12345/restore_states", headers=AUTH)
    assert response.status == 404


async def test_restore_with_canvasapi_and_progress_query_to_completion(client, canvas, database: sqlite3.Connection) -> None:
    """canvasapi 3.6.0: Account.get_sis_import, SisImport.restore_states -> Progress, and
    Progress.query() until it reports completed; the users the import created are gone."""
    imported = await import_and_wait(client, USERS)

    def restore_with_canvasapi() -> tuple[Progress, list[str]]:
        sis_import = canvas.get_account(1).get_sis_import(imported["id"])
        progress = sis_import.restore_states()
        seen = [progress.workflow_state]
        while progress.workflow_state not in ("completed", "failed"):
            progress.query()
            seen.append(progress.workflow_state)
        return progress, seen

    progress, seen = await asyncio.to_thread(restore_with_canvasapi)
    assert isinstance(progress, Progress)
    assert (progress.context_type, progress.context_id, progress.tag) == (
        "SisBatch", imported["id"], "sis_batch_state_restore")
    assert seen[0] == "queued" and seen[-1] == "completed" and progress.completion == 100.0
    states = [r[0] for r in database.execute("SELECT workflow_state FROM pseudonyms ORDER BY id")]
    assert states == ["deleted", "deleted"]
    final, sis_import = await restore_and_wait(client, imported["id"])
    assert (final["workflow_state"], sis_import["workflow_state"]) == ("completed", "restored")
