"""A server killed (SIGKILL) while an upload is on its way leaves nothing behind at the next start.

Two windows: the body is still streaming (a partial file), and the upload has been renamed into
place but its import row never committed (the file and its row are written in that order, so a
kill between them leaves a complete upload no row names). The first is produced for real; the
second lasts microseconds, so the test leaves on disk exactly what such a kill leaves, a
complete upload file that no row refers to, and starts the server on it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.helpers import USERS_CSV, WAIT_TIMEOUT_S

TOKEN = "kill-token"
START_TIMEOUT_S = 60


def _start(data_dir: Path) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_IMPORTS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", "0", "--data-dir", str(data_dir),
         "--token", TOKEN],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    assert line, process.communicate(timeout=START_TIMEOUT_S)[1]
    return process, json.loads(line)["base_url"]


def _get(base_url: str, path: str) -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(base_url + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())


def _post_csv(base_url: str, body: bytes) -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        base_url + "/api/v1/accounts/self/sis_imports?extension=csv", data=body, method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"})
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)


def test_a_kill_during_an_upload_or_before_its_row_commits_leaves_no_file(tmp_path):
    data_dir = tmp_path / "data"
    uploads = data_dir / "uploads"
    process, base_url = _start(data_dir)
    try:
        kept = _post_csv(base_url, USERS_CSV.encode())
        _wait_until(lambda: _get(base_url, f"/api/v1/accounts/self/sis_imports/{kept['id']}")
                    ["ended_at"] is not None, "the first import to end")
        kept_files = sorted(p.name for p in uploads.iterdir())
        assert len(kept_files) == 1

        # Killed while a body streams: a partial file is on disk when the server dies.
        host, port = base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as connection:
            connection.sendall(
                b"POST /api/v1/accounts/self/sis_imports?extension=csv HTTP/1.1\r\n"
                b"Host: localhost\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n"
                b"Content-Type: text/csv\r\nContent-Length: 100000000\r\n\r\n"
                + USERS_CSV.encode() * 2000)
            _wait_until(lambda: any(uploads.glob("partial-*")), "the partial file")
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=START_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=START_TIMEOUT_S)
    assert any(uploads.glob("partial-*"))
    # Killed between the rename and the commit: a complete upload no row names.
    (uploads / "0123456789abcdef0123456789abcdef.csv").write_text(USERS_CSV)

    process, base_url = _start(data_dir)
    try:
        assert sorted(p.name for p in uploads.iterdir()) == kept_files
        listed = _get(base_url, "/api/v1/accounts/self/sis_imports")["sis_imports"]
        assert [i["id"] for i in listed] == [kept["id"]]
        # The file that a row refers to is still there to download.
        url = listed[0]["csv_attachments"][0]["url"]
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
            assert r.read() == USERS_CSV.encode()
    finally:
        process.terminate()
        process.communicate(timeout=START_TIMEOUT_S)
