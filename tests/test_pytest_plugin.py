"""The canvas_imports pytest plugin, used as a client's suite uses it (one server for the module).

These tests request the plugin's own fixtures, loaded through the package's pytest11 entry point
like in any suite that installs canvas-imports; the README's example is run by a pytest of its
own under pytest-xdist.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import aiohttp
import httpx
import pytest
import requests
from canvasapi.exceptions import RateLimitExceeded

from service.pytest_plugin import ImportDidNotFinish, ServerDidNotStart, start_server
from tests.helpers import WAIT_TIMEOUT_S

README = Path(__file__).resolve().parent.parent / "README.md"
USERS = "user_id,login_id,first_name,last_name,status\nu1,ada,Ada,Lovelace,active\n"
COURSES = "course_id,short_name,long_name,account_id,term_id,status\nc1,C1,Course One,,,active\n"


def users_csv(count: int) -> str:
    return "user_id,login_id,first_name,last_name,status\n" + "".join(
        f"u{n},login{n},First{n},Last{n},active\n" for n in range(count))


def test_the_plugin_comes_through_the_entry_point(pytestconfig):
    plugin = pytestconfig.pluginmanager.get_plugin("canvas_imports")
    assert plugin is not None and plugin.__name__ == "service.pytest_plugin"


def test_sis_import_takes_a_path_text_or_bytes(canvas_imports, tmp_path):
    path = tmp_path / "courses.csv"
    path.write_text(COURSES)
    from_path = canvas_imports.sis_import(path)
    from_text = canvas_imports.sis_import(USERS)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("users.csv", users_csv(3))
    from_zip = canvas_imports.sis_import(buffer.getvalue(), override_sis_stickiness=True)
    assert [d["workflow_state"] for d in (from_path, from_text, from_zip)] == ["imported"] * 3
    assert from_path["data"]["counts"]["courses"] == 1
    assert from_path["csv_attachments"][0]["display_name"] == "courses.csv"
    assert from_text["data"]["counts"]["users"] == 1
    assert from_zip["data"]["counts"]["users"] == 3 and from_zip["override_sis_stickiness"] is True


def test_reset_forgets_everything(canvas_imports):
    canvas_imports.sis_import(USERS)
    canvas_imports.control.pause()
    canvas_imports.reset()
    answer = requests.get(f"{canvas_imports.base_url}/api/v1/accounts/self/sis_imports",
                          headers={"Authorization": f"Bearer {canvas_imports.token}"}, timeout=10)
    assert answer.json() == {"sis_imports": []}
    # The pause went with the reset: this import runs.
    assert canvas_imports.sis_import(USERS)["id"] == 1


def test_each_test_gets_a_fresh_root_account(canvas_imports):
    # Whatever the tests before this one imported, the list starts empty.
    assert list(canvas_imports.canvas.get_account(1).get_sis_imports()) == []


def test_controls_from_a_sync_test(canvas_imports):
    account = canvas_imports.canvas.get_account(1)
    canvas_imports.control.pause()
    waiting = canvas_imports.start_sis_import(USERS)
    assert account.get_sis_import(waiting["id"]).workflow_state == "created"
    canvas_imports.control.resume()
    assert canvas_imports.wait_for(waiting["id"])["workflow_state"] == "imported"

    canvas_imports.control.fail_next(1, "The SIS is down")
    failed = canvas_imports.sis_import(USERS)
    assert failed["workflow_state"] == "failed_with_messages"
    assert failed["processing_errors"] == [["sis_import.csv", "The SIS is down"]]

    canvas_imports.control.throttle(2)
    for _ in range(2):
        with pytest.raises(RateLimitExceeded):
            account.get_sis_import(waiting["id"])
    assert account.get_sis_import(waiting["id"]).workflow_state == "imported"


def test_wait_for_says_which_states_it_saw(canvas_imports):
    canvas_imports.control.pace(seconds_per_import=30)
    created = canvas_imports.start_sis_import(USERS)
    with pytest.raises(ImportDidNotFinish) as raised:
        canvas_imports.wait_for(created["id"], timeout=0.3)
    message = str(raised.value)
    assert message.startswith(f"import {created['id']} did not finish within 0.3 s; states seen: ")
    assert re.search(r"importing \(0%\)$", message.splitlines()[0]), message


def test_pace_lets_a_test_watch_progress(canvas_imports):
    account = canvas_imports.canvas.get_account(1)
    # Paused while it is created, so that the watching starts before the import does.
    canvas_imports.control.pause()
    created = canvas_imports.start_sis_import(users_csv(300))
    canvas_imports.control.pace(rows_per_second=300)
    canvas_imports.control.resume()
    seen = set()
    while (current := account.get_sis_import(created["id"])).workflow_state != "imported":
        seen.add((current.workflow_state, current.progress))
    assert any(state == "importing" and 0 < progress < 100 for state, progress in seen), seen


async def test_from_async_clients(canvas_imports):
    headers = {"Authorization": f"Bearer {canvas_imports.token}"}
    done = await canvas_imports.sis_import_async(USERS)
    async with aiohttp.ClientSession(canvas_imports.base_url, headers=headers) as session:
        async with session.get(f"/api/v1/accounts/1/sis_imports/{done['id']}") as response:
            assert (await response.json())["workflow_state"] == "imported"
    canvas_imports.control.pause()
    async with httpx.AsyncClient(base_url=canvas_imports.base_url, headers=headers,
                                 trust_env=False) as client:
        response = await client.post("/api/v1/accounts/1/sis_imports?extension=csv",
                                     content=USERS.encode())
        created = response.json()
        assert created["workflow_state"] == "created"
        canvas_imports.control.resume()
        final = await canvas_imports.wait_for_async(created["id"])
    assert final["workflow_state"] == "imported"


def test_a_server_that_cannot_start_shows_its_log(tmp_path):
    with pytest.raises(ServerDidNotStart) as raised:
        start_server(tmp_path / "bad", extra_args=("--workers", "0"))
    message = str(raised.value)
    assert message.startswith("canvas-imports server exited with status 2; its log")
    assert "--workers must be at least 1" in message


def test_the_readme_example_runs_under_xdist(tmp_path):
    readme = README.read_text(encoding="utf-8")
    example = readme.split("<!-- example: pytest plugin -->\n```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "test_with_canvas_imports.py").write_text(example, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
         "-W", "error", "-o", "asyncio_default_fixture_loop_scope=function",
         "test_with_canvas_imports.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout, result.stdout


def test_the_fixture_gives_up_waiting_and_stops_the_server(tmp_path):
    with pytest.raises(ServerDidNotStart) as raised:
        start_server(tmp_path / "slow", timeout_s=0.001)
    assert str(raised.value).startswith("canvas-imports server was not ready within 0.001 s")
    assert "its log" in str(raised.value)


def test_every_start_is_a_different_server(tmp_path):
    first = start_server(tmp_path / "first")
    try:
        second = start_server(tmp_path / "second")
        try:
            assert (first.base_url, first.token) != (second.base_url, second.token)
            # A client holding the first run's token is refused by the second server.
            second.token, token = first.token, second.token
            with pytest.raises(AssertionError, match="answered 401"):
                second.request("GET", "/api/v1/accounts/1")
            second.token = token
        finally:
            second.stop()
    finally:
        first.stop()


CRASHING_SUITE = '''
import os

def test_crash(canvas_imports, tmp_path_factory):
    pid = canvas_imports.server.process.pid
    with open(os.environ["PID_FILE"], "w") as f:
        f.write(str(pid))
    os._exit(3)  # the test run dies without any teardown
'''


def test_a_crashed_run_leaves_no_server_behind(tmp_path):
    (tmp_path / "test_crash.py").write_text(CRASHING_SUITE)
    pid_file = tmp_path / "server.pid"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_crash.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PID_FILE": str(pid_file)})
    assert result.returncode == 3, result.stdout + result.stderr
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    try:
        while _is_running(pid):
            assert time.monotonic() < deadline, f"server {pid} still running after its run crashed"
            time.sleep(0.05)
    finally:
        if _is_running(pid):
            os.kill(pid, signal.SIGKILL)


def _is_running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # A zombie (state Z) has exited; only its parent's bookkeeping is left.
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
