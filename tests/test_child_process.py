"""The server as a child process of a suite in any language: port 0, the start-up JSON, seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import COURSES_CSV, USERS_CSV, make_zip

START_TIMEOUT_S = 60


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_IMPORTS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "service", "--port", "0", "--data-dir", str(tmp_path / "data"),
         *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def stop(process: subprocess.Popen) -> tuple[int, str, str]:
    """SIGTERM, then the exit status and what is left on standard output and error."""
    process.terminate()
    out, err = process.communicate(timeout=START_TIMEOUT_S)
    return process.returncode, out, err


def get(base_url: str, token: str, path: str) -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(base_url + path, headers={"Authorization": f"Bearer {token}"})
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def seeds(tmp_path: Path) -> list[Path]:
    users = tmp_path / "users.csv"
    users.write_text(USERS_CSV)
    courses = tmp_path / "courses.zip"
    courses.write_bytes(make_zip({"courses.csv": COURSES_CSV}))
    return [users, courses]


def test_port_zero_prints_the_url_and_token_after_the_seeds(tmp_path, seeds):
    ready_file = tmp_path / "ready.json"
    ready_file.write_text("left by an earlier run\n")
    process = start(tmp_path, "--seed", str(seeds[0]), "--seed", str(seeds[1]),
                    "--ready-file", str(ready_file))
    try:
        first_line = process.stdout.readline()
        announced = json.loads(first_line)
        assert set(announced) == {"base_url", "token"}
        assert announced["base_url"].startswith("http://127.0.0.1:")
        assert not announced["base_url"].endswith(":0")
        token = announced["token"]
        assert token == (tmp_path / "data" / "token").read_text().strip()
        assert ready_file.read_text() == first_line
        imports = get(announced["base_url"], token, "/api/v1/accounts/self/sis_imports")
        # Both seeds have run, in order, before the announcement.
        assert [(i["workflow_state"], i["data"]["supplied_batches"]) for i in imports["sis_imports"]
                ] == [("imported", ["course"]), ("imported", ["user"])]
    finally:
        status, rest, err = stop(process)
    assert status == 0
    assert rest == ""  # nothing but the one line on standard output
    assert "canvas-imports listening on " + announced["base_url"] in err
    assert not ready_file.exists()


def test_a_chosen_token_is_not_printed(tmp_path):
    process = start(tmp_path, "--token", "chosen-secret")
    try:
        announced = json.loads(process.stdout.readline())
        assert announced["token"] is None
        assert get(announced["base_url"], "chosen-secret", "/api/v1/accounts/1")["id"] == 1
    finally:
        status, rest, err = stop(process)
    assert status == 0


def test_a_failing_seed_stops_the_server_before_it_is_ready(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is no zip")
    ready_file = tmp_path / "ready.json"
    process = start(tmp_path, "--seed", str(bad), "--ready-file", str(ready_file))
    out, err = process.communicate(timeout=START_TIMEOUT_S)
    assert process.returncode == 1
    assert out == ""
    assert f"seed {bad} ended failed_with_messages: bad.zip: Invalid zip file" in err
    assert not ready_file.exists()


def test_a_missing_seed_is_a_usage_error(tmp_path):
    process = start(tmp_path, "--seed", str(tmp_path / "nowhere.csv"))
    out, err = process.communicate(timeout=START_TIMEOUT_S)
    assert process.returncode == 2
    assert "no such file" in err


def test_exit_on_stdin_close(tmp_path):
    process = start(tmp_path, "--exit-on-stdin-close")
    json.loads(process.stdout.readline())
    process.stdin.close()  # what happens when the parent dies
    assert process.wait(timeout=START_TIMEOUT_S) == 0
    process.stdout.close()
    process.stderr.close()
