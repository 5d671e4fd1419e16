"""The /_control/ test controls against a real server: pause, pace, throttle, fail_next, reset."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from canvasapi import Canvas
from canvasapi.exceptions import RateLimitExceeded

from service.app import create_app
from service.settings import Settings
from service.states import OUTCOME_TERMINAL
from tests.helpers import WAIT_TIMEOUT_S, AUTH, TOKEN, USERS_CSV, create_sis_import, import_and_wait, wait_for_import

READ_ONLY_TOKEN = "read-only-token"
OFF = {"paused": False, "seconds_per_import": None, "rows_per_second": None,
       "throttled_requests": 0, "fail_next": []}
OUTCOMES_CSV = ("vendor_guid,object_type,title,description,display_name,calculation_method,"
                "calculation_int,workflow_state,parent_guids,ratings\n"
                "g1,group,Group One,,,,,active,,\n")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", tokens=(TOKEN,), read_only_tokens=(READ_ONLY_TOKEN,),
                    workers=2, queue_poll_s=0.05, shutdown_grace_s=2.0, enable_control=True)


async def control(client: TestClient, name: str, **params: Any) -> dict[str, Any]:
    """POST a control (JSON body) and return its answer, asserting 200."""
    response = await client.post(f"/_control/{name}", json=params, headers=AUTH)
    body = await response.json()
    assert response.status == 200, body
    return body


def users_csv(count: int) -> str:
    return "user_id,login_id,first_name,last_name,status\n" + "".join(
        f"u{n},login{n},First{n},Last{n},active\n" for n in range(count))


async def watch_import(client: TestClient, import_id: int) -> list[tuple[str, int]]:
    """Poll an import until it ends; every (workflow_state, progress) seen, in order."""
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while True:
        response = await client.get(f"/api/v1/accounts/1/sis_imports/{import_id}", headers=AUTH)
        body = await response.json()
        state = (body["workflow_state"], body["progress"])
        if not seen or seen[-1] != state:
            seen.append(state)
        if body["ended_at"] is not None:
            return seen
        assert time.monotonic() < deadline, seen
        await asyncio.sleep(0.01)


async def test_without_the_flag_the_controls_are_any_unknown_path(aiohttp_client, tmp_path):
    client = await aiohttp_client(create_app(Settings(data_dir=tmp_path / "data", tokens=(TOKEN,))))
    for headers, status in ((AUTH, 404), ({}, 401)):
        unknown = await client.post("/_control/nothing-here", headers=headers)
        assert unknown.status == status
        for name in ("pause", "resume", "pace", "throttle", "fail_next", "reset"):
            response = await client.post(f"/_control/{name}", headers=headers)
            assert response.status == status
            assert await response.json() == await unknown.json()
    assert await unknown.json() == {"status": "unauthenticated",
                                    "errors": [{"message": "user authorization required"}]}
    response = await client.post("/_control/pause", headers=AUTH)
    assert await response.json() == {"errors": [{"message": "The specified resource does not exist."}]}


def test_the_container_never_turns_the_controls_on():
    containerfile = (Path(__file__).resolve().parent.parent / "Containerfile").read_text()
    assert "enable-control" not in containerfile and "ENABLE_CONTROL" not in containerfile
    assert Settings.from_args([], {}).enable_control is False


async def test_controls_need_a_token_that_may_write(client):
    response = await client.post("/_control/pause")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    response = await client.post("/_control/reset",
                                 headers={"Authorization": f"Bearer {READ_ONLY_TOKEN}"})
    assert response.status == 403
    assert await response.json() == {
        "status": "unauthorized",
        "errors": [{"message": "user not authorized to perform that action"}]}
    assert await control(client, "resume") == OFF


async def test_paused_imports_stay_created_until_resumed(client):
    assert await control(client, "pause") == {**OFF, "paused": True}
    created = await create_sis_import(client, USERS_CSV)
    # The workers are woken by the create and look again every 50 ms: give them a few chances.
    for _ in range(10):
        await asyncio.sleep(0.03)
        response = await client.get(f"/api/v1/accounts/1/sis_imports/{created['id']}", headers=AUTH)
        body = await response.json()
        assert (body["workflow_state"], body["started_at"]) == ("created", None)
    # Requests are answered as usual meanwhile.
    response = await client.get("/api/v1/accounts/1/sis_imports/importing", headers=AUTH)
    assert response.status == 200
    assert await control(client, "resume") == OFF
    done = await wait_for_import(client, created["id"])
    assert done["workflow_state"] == "imported" and done["data"]["counts"]["users"] == 2


async def test_rows_per_second_shows_intermediate_progress(client):
    # Paused while it is created, so that the watching starts before the import does.
    await control(client, "pause")
    created = await create_sis_import(client, users_csv(300))
    answer = await control(client, "pace", rows_per_second=300)
    assert answer == {**OFF, "paused": True, "rows_per_second": 300.0}
    await control(client, "resume")
    seen = await watch_import(client, created["id"])
    assert ("importing", 0) in seen
    assert any(state == "importing" and 0 < progress < 100 for state, progress in seen), seen
    assert seen[-1] == ("imported", 100)
    progresses = [progress for state, progress in seen if state == "importing"]
    assert progresses == sorted(progresses)


async def test_seconds_per_import_keeps_an_import_importing(client):
    await control(client, "pause")
    created = await create_sis_import(client, USERS_CSV)
    await control(client, "pace", seconds_per_import=0.5)
    await control(client, "resume")
    seen = await watch_import(client, created["id"])
    assert ("importing", 0) in seen and seen[-1] == ("imported", 100)
    # Clearing the pace (no parameters) lets the next import run at full speed.
    assert await control(client, "pace") == OFF


async def test_pace_refuses_what_is_not_a_duration(client):
    for params in ({"seconds_per_import": -1}, {"rows_per_second": "fast"},
                   {"seconds_per_import": "inf"}):
        response = await client.post("/_control/pace", json=params, headers=AUTH)
        assert response.status == 400
        assert "must be a number of 0 or more" in (await response.json())["errors"][0]["message"]
    response = await client.post("/_control/throttle", data={"requests": "-2"}, headers=AUTH)
    assert response.status == 400


async def test_throttle_answers_the_next_api_requests_as_canvas_does(client):
    assert await control(client, "throttle", requests=2) == {**OFF, "throttled_requests": 2}
    # Neither the health check nor the controls count.
    assert (await client.get("/health")).status == 200
    for _ in range(2):
        response = await client.get("/api/v1/accounts/1", headers=AUTH)
        assert response.status == 429
        assert await response.text() == "429 Too Many Requests (Rate Limit Exceeded)\n"
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.headers["X-Rate-Limit-Remaining"] == "0.0"
        assert "X-Request-Cost" not in response.headers
    response = await client.get("/api/v1/accounts/1", headers=AUTH)
    assert response.status == 200
    assert response.headers["X-Rate-Limit-Remaining"] == "700.0"


async def test_canvasapi_raises_rate_limit_exceeded(client, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    canvas = Canvas(f"http://{client.server.host}:{client.server.port}", TOKEN)
    await control(client, "throttle", requests=1)

    def get_twice() -> tuple[str, int]:
        try:
            canvas.get_account(1)
        except RateLimitExceeded as error:
            message = str(error)
        else:
            raise AssertionError("the throttled request did not raise RateLimitExceeded")
        return message, canvas.get_account(1).id

    message, account_id = await asyncio.to_thread(get_twice)
    assert message == "Rate Limit Exceeded. X-Rate-Limit-Remaining: 0.0"
    assert account_id == 1


async def test_fail_next_fails_the_next_sis_import_only(client):
    answer = await control(client, "fail_next", account_id="self", message="Simulated outage")
    assert answer == {**OFF, "fail_next": [{"account_id": 1, "message": "Simulated outage"}]}
    failed = await import_and_wait(client, USERS_CSV)
    assert failed["workflow_state"] == "failed_with_messages"
    assert failed["processing_errors"] == [["users.csv", "Simulated outage"]]
    assert failed["data"]["counts"]["users"] == 0 and failed["data"]["counts"]["error_count"] == 1
    assert failed["ended_at"] is not None and failed["errors_attachment"] is not None
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{failed['id']}/errors",
                                headers=AUTH)
    errors = (await response.json())["sis_import_errors"]
    assert [(e["file"], e["message"]) for e in errors] == [("users.csv", "Simulated outage")]
    assert await control(client, "resume") == OFF  # the failure was used up
    again = await import_and_wait(client, USERS_CSV)
    assert again["workflow_state"] == "imported" and again["data"]["counts"]["users"] == 2


async def test_fail_next_fails_an_outcome_import_of_the_account(client):
    await control(client, "fail_next", account_id=1, message="Outcome service down")
    response = await client.post("/api/v1/accounts/1/outcome_imports", data=OUTCOMES_CSV,
                                 headers={**AUTH, "Content-Type": "text/csv"})
    created = await response.json()
    assert response.status == 200, created
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while True:
        response = await client.get(f"/api/v1/accounts/1/outcome_imports/{created['id']}",
                                    headers=AUTH)
        body = await response.json()
        if body["workflow_state"] in OUTCOME_TERMINAL:
            break
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.02)
    assert body["workflow_state"] == "failed"
    assert body["processing_errors"] == [[1, "Outcome service down"]]


async def test_fail_next_needs_a_root_account_and_a_message(client):
    response = await client.post("/_control/fail_next", json={"account_id": 1}, headers=AUTH)
    assert response.status == 400
    assert await response.json() == {"errors": [{"message": "message is required"}]}
    response = await client.post("/_control/fail_next", json={"account_id": 99, "message": "x"},
                                 headers=AUTH)
    assert response.status == 404
    accounts = "account_id,parent_account_id,name,status\nsub1,,Sub One,active\n"
    assert (await import_and_wait(client, accounts, "accounts.csv"))["workflow_state"] == "imported"
    response = await client.post("/_control/fail_next",
                                 json={"account_id": "sis_account_id:sub1", "message": "x"},
                                 headers=AUTH)
    assert response.status == 400
    assert await response.json() == {"errors": [{"message": "fail_next takes a root account"}]}


def _row_counts(database: sqlite3.Connection) -> dict[str, int]:
    tables = [r[0] for r in database.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: database.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


async def test_reset_leaves_a_fresh_root_account_and_every_control_off(client, settings, database):
    first = await import_and_wait(client, USERS_CSV)
    zipped = await create_sis_import(client, io.BytesIO(b"not a zip").getvalue(), "bad.zip")
    await wait_for_import(client, zipped["id"])
    await control(client, "pace", seconds_per_import=30)
    running = await create_sis_import(client, USERS_CSV)
    while (await (await client.get(f"/api/v1/accounts/1/sis_imports/{running['id']}",
                                   headers=AUTH)).json())["workflow_state"] != "importing":
        await asyncio.sleep(0.01)
    await control(client, "pause")
    await control(client, "throttle", requests=5)
    await control(client, "fail_next", message="later")
    assert any(settings.files_dir.iterdir()) and any(settings.uploads_dir.iterdir())

    assert await control(client, "reset") == OFF

    counts = _row_counts(database)
    assert counts.pop("accounts") == 1
    assert set(counts.values()) == {0}, counts
    root = database.execute("SELECT id, name, root_account_id FROM accounts").fetchone()
    assert tuple(root) == (1, "Default Account", None)
    assert list(settings.files_dir.iterdir()) == [] and list(settings.uploads_dir.iterdir()) == []
    response = await client.get("/api/v1/accounts/1/sis_imports", headers=AUTH)
    assert (await response.json()) == {"sis_imports": []}
    # Ids start again, the workers run again, at full speed and without the failure.
    again = await import_and_wait(client, USERS_CSV)
    assert again["id"] == first["id"] == 1
    assert again["workflow_state"] == "imported" and again["data"]["counts"]["users"] == 2
