"""Imports run in a child process at low priority: how it starts, dies and stops with the server.

The rest of the suite runs every import through that process (it is the default); these tests
prove what is particular to it: it is another process at niceness 19 (and, on Linux, under
the SCHED_IDLE policy, every thread of it) with the database open, a
job whose process dies fails with an error report number and the next import gets a new
process, and a server ended by SIGTERM or SIGKILL leaves no import process behind and loses
no import (it runs again at the next start, decision 23).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from service.appkeys import IMPORT_PROCESS, QUEUE
from service.settings import Settings
from tests.helpers import (AUTH, TOKEN, USERS_CSV, WAIT_TIMEOUT_S, create_sis_import,
                           import_and_wait, wait_for_import)

START_TIMEOUT_S = 60


def users_csv(count: int) -> str:
    return "user_id,login_id,first_name,last_name,status\n" + "".join(
        f"u{n},login{n},First{n},Last{n},active\n" for n in range(count))


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat split after the command name; None once the process is gone."""
    return _stat_of(Path(f"/proc/{pid}/stat"))


def _stat_of(path: Path) -> list[str] | None:
    try:
        text = path.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else fields  # a zombie has ended


def _niceness(pid: int) -> int:
    fields = _stat(pid)
    assert fields is not None, f"process {pid} is gone"
    return int(fields[16])  # field 19 of stat(5), counted from the state (field 3)


def _scheduling_policies(pid: int) -> dict[int, int]:
    """Each thread's scheduling policy (field 41 of stat(5)), by thread id."""
    policies = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = _stat_of(task / "stat")
        if fields is not None:
            policies[int(task.name)] = int(fields[38])
    return policies


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", tokens=(TOKEN,), workers=2, queue_poll_s=0.05,
                    shutdown_grace_s=2.0, enable_control=True)


async def _wait_importing(client, import_id: int) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while True:
        response = await client.get(f"/api/v1/accounts/1/sis_imports/{import_id}", headers=AUTH)
        if (await response.json())["workflow_state"] == "importing":
            return
        assert time.monotonic() < deadline, "the import never started"
        await asyncio.sleep(0.01)


async def test_imports_run_in_a_child_process_at_niceness_19(client, settings):
    pid = client.app[IMPORT_PROCESS].pid
    assert pid is not None and pid != os.getpid()
    assert _niceness(pid) == 19
    opened = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()
              if fd.is_symlink()}
    assert str(settings.database_path.resolve()) in opened
    body = await import_and_wait(client, users_csv(500))
    assert body["workflow_state"] == "imported" and body["data"]["counts"]["users"] == 500
    assert client.app[IMPORT_PROCESS].pid == pid  # one process for every import


def _mapped_files(pid: int) -> set[str]:
    """The files a process has mapped: its interpreter, libraries and compiled extensions."""
    return {line.split(maxsplit=5)[5].strip() for line in Path(f"/proc/{pid}/maps").read_text().splitlines()
            if len(line.split(maxsplit=5)) == 6}


async def test_the_import_process_never_loads_the_web_stack(client):
    # aiohttp, yarl and multidict are a quarter of an idle server's memory; the import process
    # needs none of them. Their compiled extensions show in the server's maps, not in the child's.
    await import_and_wait(client, users_csv(20))
    web_stack = re.compile(r"/(aiohttp|yarl|multidict)/")
    assert any(web_stack.search(path) for path in _mapped_files(os.getpid()))
    child = {path for path in _mapped_files(client.app[IMPORT_PROCESS].pid) if web_stack.search(path)}
    assert child == set()


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
async def test_every_thread_of_the_import_process_yields_the_cpu_to_the_server(client):
    # Its database connections' threads start after the policy is set and inherit it.
    await import_and_wait(client, users_csv(50))
    policies = _scheduling_policies(client.app[IMPORT_PROCESS].pid)
    assert len(policies) > 1, policies
    assert set(policies.values()) == {os.SCHED_IDLE}, policies
    assert set(_scheduling_policies(os.getpid()).values()) == {os.SCHED_OTHER}


async def test_a_dead_import_process_fails_its_import_and_the_next_one_gets_a_new_one(client):
    response = await client.post("/_control/pace", json={"seconds_per_import": 60}, headers=AUTH)
    assert response.status == 200
    created = await create_sis_import(client, USERS_CSV)
    await _wait_importing(client, created["id"])
    first_pid = client.app[IMPORT_PROCESS].pid
    os.kill(first_pid, signal.SIGKILL)

    failed = await wait_for_import(client, created["id"])
    assert failed["workflow_state"] == "failed"
    assert re.fullmatch(r"Error while importing CSV\. Please contact support\. \(Error report \d+\)",
                        failed["data"]["error_message"])
    await client.post("/_control/pace", json={}, headers=AUTH)
    again = await import_and_wait(client, USERS_CSV)
    assert again["workflow_state"] == "imported" and again["data"]["counts"]["users"] == 2
    assert client.app[IMPORT_PROCESS].pid not in (None, first_pid)


async def test_a_hung_import_process_does_not_stretch_shutdown_past_the_grace_period(client,
                                                                                   settings):
    # The queue's wait for its jobs, the cancel of the job still running and the child's exit
    # share one grace period: a child that answers nothing (stopped here with SIGSTOP) is
    # killed once it is over, instead of each step waiting a grace period of its own.
    response = await client.post("/_control/pace", json={"seconds_per_import": 60}, headers=AUTH)
    assert response.status == 200
    created = await create_sis_import(client, USERS_CSV)
    await _wait_importing(client, created["id"])
    import_process = client.app[IMPORT_PROCESS]
    pid = import_process.pid
    os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    await client.app[QUEUE].stop(settings.shutdown_grace_s)
    await import_process.close()
    took_s = time.monotonic() - started
    assert _stat(pid) is None, "the hung import process is still there"
    # Three steps of a grace period each took three times as long.
    assert took_s < 2 * settings.shutdown_grace_s, took_s


def _start(data_dir: Path) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_IMPORTS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", "0", "--data-dir", str(data_dir),
         "--token", TOKEN, "--enable-control"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=env)
    line = process.stdout.readline()
    assert line, "the server did not start"
    return process, json.loads(line)["base_url"]


def _request(base_url: str, path: str, body: bytes | None = None,
             content_type: str = "application/json") -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(base_url + path, data=body,
                                     method="GET" if body is None else "POST",
                                     headers={**AUTH, "Content-Type": content_type})
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL],
                         ids=["SIGTERM", "SIGKILL"])
def test_a_server_that_ends_takes_its_import_process_along_and_loses_no_import(
        tmp_path, signal_number):
    data_dir = tmp_path / "data"
    rows = 2000
    process, base_url = _start(data_dir)
    try:
        # Slow enough to be stopped half-way: its batches of 50 rows commit one by one.
        _request(base_url, "/_control/pace", json.dumps({"rows_per_second": 500}).encode())
        created = _request(base_url, "/api/v1/accounts/self/sis_imports?extension=csv",
                           users_csv(rows).encode(), "text/csv")
        status = f"/api/v1/accounts/self/sis_imports/{created['id']}"
        _wait_until(lambda: _request(base_url, status)["progress"] > 0, "some rows imported")
        [import_pid] = [pid for pid in _descendants(process.pid) if _niceness(pid) == 19]
        process.send_signal(signal_number)
        assert process.wait(timeout=START_TIMEOUT_S) == (0 if signal_number == signal.SIGTERM
                                                         else -signal.SIGKILL)
        _wait_until(lambda: _stat(import_pid) is None, "the import process to end")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=START_TIMEOUT_S)
        process.stdout.close()

    process, base_url = _start(data_dir)
    try:
        interrupted = _request(base_url, status)
        _wait_until(lambda: _request(base_url, status)["ended_at"] is not None, "the import")
        done = _request(base_url, status)
        assert interrupted["workflow_state"] in ("importing", "imported")
        assert done["workflow_state"] == "imported" and done["data"]["counts"]["users"] == rows
    finally:
        process.terminate()
        process.wait(timeout=START_TIMEOUT_S)
        process.stdout.close()
