"""The job engine: per-account order, progress, and surviving a restart mid-import."""

from __future__ import annotations

import asyncio
import dataclasses
import re

from service.app import create_app
from tests.helpers import AUTH, COURSES_CSV, USERS_CSV, create_sis_import, make_zip, wait_for_import


def _users_csv(count: int, bad_every: int = 0) -> str:
    lines = ["user_id,login_id,first_name,last_name,email,status"]
    for n in range(count):
        status = "" if bad_every and n % bad_every == 0 else "active"
        lines.append(f"user{n},login{n},First{n},Last{n},user{n}@example.com,{status}")
    return "\n".join(lines) + "\n"


async def _poll_states(client, import_id: int) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []
    while True:
        response = await client.get(f"/api/v1/accounts/1/sis_imports/{import_id}", headers=AUTH)
        body = await response.json()
        seen.append((body["workflow_state"], body["progress"]))
        if body["ended_at"]:
            return seen
        await asyncio.sleep(0.005)


async def test_progress_is_an_integer_that_only_rises(client):
    created = await create_sis_import(client, _users_csv(20000))
    seen = await _poll_states(client, created["id"])
    progresses = [p for _, p in seen]
    assert all(isinstance(p, int) for p in progresses)
    assert progresses == sorted(progresses)
    assert all(p <= 99 for s, p in seen if s != "imported")
    assert seen[-1] == ("imported", 100)
    assert any(0 < p < 100 for p in progresses), "no intermediate progress was observed"


async def test_imports_of_one_account_run_one_at_a_time_in_order(client, database):
    ids = [(await create_sis_import(client, _users_csv(3000)))["id"] for _ in range(3)]
    for import_id in ids:
        await wait_for_import(client, import_id)
    rows = database.execute(
        "SELECT id, started_at, ended_at FROM sis_imports ORDER BY id").fetchall()
    for earlier, later in zip(rows, rows[1:]):
        assert earlier["ended_at"] <= later["started_at"]


async def test_restart_mid_import_finishes_with_counts_not_doubled(aiohttp_client, settings, database):
    archive = make_zip({"users.csv": _users_csv(30000, bad_every=1000), "notes.txt": "x"})
    first = await aiohttp_client(create_app(settings))
    created = await create_sis_import(first, archive, filename="batch.zip")
    while True:
        response = await first.get(f"/api/v1/accounts/1/sis_imports/{created['id']}", headers=AUTH)
        body = await response.json()
        if body["workflow_state"] == "importing" and body["progress"] > 0:
            break
        assert body["workflow_state"] in ("created", "importing"), body
        await asyncio.sleep(0.002)
    await first.close()  # shutdown: the running import stops at a batch boundary
    state, progress = database.execute(
        "SELECT workflow_state, progress FROM sis_imports WHERE id = ?", (created["id"],)).fetchone()
    assert state == "importing" and 0 < progress < 100

    second = await aiohttp_client(create_app(settings))
    body = await wait_for_import(second, created["id"])
    assert body["workflow_state"] == "imported_with_messages"
    assert body["data"]["counts"]["users"] == 30000 - 30
    assert body["data"]["counts"]["warning_count"] == database.execute(
        "SELECT COUNT(*) FROM sis_import_errors WHERE sis_import_id = ?",
        (created["id"],)).fetchone()[0]
    warnings = database.execute(
        "SELECT message, COUNT(*) FROM sis_import_errors WHERE sis_import_id = ?"
        " GROUP BY message", (created["id"],)).fetchall()
    assert ("Skipping unknown file type", 1) in [tuple(w) for w in warnings]


async def test_an_import_left_created_runs_after_a_restart(aiohttp_client, settings, database):
    first = await aiohttp_client(create_app(settings))
    created = await create_sis_import(first, USERS_CSV)
    await wait_for_import(first, created["id"])
    await first.close()
    # As if the server had stopped right after accepting it.
    database.execute("UPDATE sis_imports SET workflow_state = 'created', progress = 0,"
                     " started_at = NULL, ended_at = NULL WHERE id = ?", (created["id"],))
    database.commit()
    second = await aiohttp_client(create_app(settings))
    body = await wait_for_import(second, created["id"])
    assert body["workflow_state"] == "imported" and body["data"]["counts"]["users"] == 2


async def test_other_root_accounts_do_not_wait(client, database):
    database.execute("INSERT INTO accounts (id, name, root_account_id, created_at, updated_at)"
                     " VALUES (2, 'Second Root', NULL, 'x', 'x')")
    database.commit()
    big = await create_sis_import(client, _users_csv(40000))
    small = await create_sis_import(client, USERS_CSV, account="2")
    # Generous waits: on a loaded machine the 40,000 rows take far longer than usual, and this
    # test is about order, not speed.
    small_done = await wait_for_import(client, small["id"], account="2", timeout_s=300)
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{big['id']}", headers=AUTH)
    assert (await response.json())["ended_at"] is None, "the big import finished first"
    assert small_done["workflow_state"] == "imported"
    await wait_for_import(client, big["id"], timeout_s=300)


async def test_warnings_are_capped_at_24_with_a_summary_pair(client):
    rows = "".join(f"c{n},C{n},Course {n},bogus\n" for n in range(30))
    body = await wait_for_import(
        client, (await create_sis_import(client, "course_id,short_name,long_name,status\n" + rows,
                                         filename="courses.csv"))["id"])
    warnings = body["processing_warnings"]
    assert len(warnings) == 25
    assert warnings[0] == ["courses.csv", 'Improper status "bogus" for course c0']
    assert warnings[-1] == ["and 6 more warnings that were not included",
                            "Download the error file to see all warnings."]
    assert body["data"]["counts"]["warning_count"] == 30


async def test_an_unexpected_error_fails_the_import_without_a_traceback(client, settings, database):
    created = await create_sis_import(client, USERS_CSV)
    await wait_for_import(client, created["id"])
    # The upload vanishes from disk (a broken volume) before the import is run again.
    path = database.execute(
        "SELECT f.path FROM files f JOIN sis_imports i ON i.upload_file_id = f.id WHERE i.id = ?",
        (created["id"],)).fetchone()[0]
    (settings.data_dir / path).unlink()
    database.execute("UPDATE sis_imports SET workflow_state = 'created', ended_at = NULL"
                     " WHERE id = ?", (created["id"],))
    database.commit()
    await create_sis_import(client, USERS_CSV)  # wakes the queue
    body = await wait_for_import(client, created["id"])
    assert body["workflow_state"] == "failed"
    # The exception named the upload's path on the server's disk: the client gets a report
    # number to quote instead, and the log has the rest.
    assert re.fullmatch(r"Error while importing CSV\. Please contact support\. \(Error report \d+\)",
                        body["data"]["error_message"])
    assert str(settings.data_dir) not in str(body) and "uploads/" not in str(body)
    assert "Traceback" not in str(body) and body["ended_at"] is not None


async def test_abort_while_importing_stops_the_import(aiohttp_client, settings, database):
    client = await aiohttp_client(create_app(dataclasses.replace(settings, enable_control=True)))
    # Paced, so that the abort lands mid-import however fast the machine writes the rows.
    response = await client.post("/_control/pace", json={"rows_per_second": 10000}, headers=AUTH)
    assert response.status == 200, await response.text()
    created = await create_sis_import(client, _users_csv(30000))
    while True:
        response = await client.get(f"/api/v1/accounts/1/sis_imports/{created['id']}", headers=AUTH)
        body = await response.json()
        if body["workflow_state"] == "importing" and body["progress"] > 0:
            break
        await asyncio.sleep(0.002)
    response = await client.put(f"/api/v1/accounts/1/sis_imports/{created['id']}/abort",
                                headers=AUTH)
    aborted = await response.json()
    assert aborted["workflow_state"] == "aborted" and aborted["progress"] == 100
    # The worker notices at its next batch and leaves the abort alone.
    follow_up = await create_sis_import(client, COURSES_CSV, filename="courses.csv")
    assert (await wait_for_import(client, follow_up["id"]))["workflow_state"] == "imported"
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{created['id']}", headers=AUTH)
    final = await response.json()
    assert final["workflow_state"] == "aborted" and final["ended_at"] == aborted["ended_at"]
    assert 0 < database.execute("SELECT COUNT(*) FROM pseudonyms").fetchone()[0] < 30000
