"""A full disk, for real: the server runs on a small tmpfs of its own and the disk fills up.

The tmpfs is mounted inside a user and mount namespace (``unshare --user --map-root-user
--mount``), which an unprivileged user may create on most Linux hosts; the server process is the
only one that sees it, and the test reaches its files through ``/proc/<pid>/root``. Every
``ENOSPC`` here comes from the kernel, not from a stand-in: the upload answers 507 with a
Canvas-shaped body, leaves no partial file, the server answers again once there is room, and
SIGTERM still ends it (the last checkpoint cannot be written, and closing must not hang).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.helpers import WAIT_TIMEOUT_S

TOKEN = "full-disk-token"
DISK_BYTES = 16 * 1024 * 1024
BALLAST_CHUNK_BYTES = 32 * 1024
START_TIMEOUT_S = 60
# The server's shutdown grace period (Settings.shutdown_grace_s) plus room for a loaded host.
EXIT_TIMEOUT_S = 5 + 25
DISK_FULL_BODY = {"errors": [{"message": "The server's disk is full: the upload could not be stored.",
                              "error_code": "insufficient_storage"}]}
CSV_HEADER = b"user_id,login_id,first_name,last_name,status\n"


def _users_csv(count: int) -> bytes:
    return CSV_HEADER + b"".join(b"u%d,login%d,A,B,active\n" % (i, i) for i in range(count))


def _namespaces_available(probe_dir: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe_dir.mkdir()
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
         'mount -t tmpfs -o size=64k tmpfs "$1"', "sh", str(probe_dir)],
        capture_output=True)
    return probe.returncode == 0


@dataclass
class TmpfsServer:
    process: subprocess.Popen
    base_url: str
    data_dir: Path  # the server's data directory as this process reaches it
    log_path: Path  # what the server writes to stderr

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method,
            headers={"Authorization": f"Bearer {TOKEN}", **(headers or {})})
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def upload_csv(self, body: bytes) -> tuple[int, Any]:
        return self.request("POST", "/api/v1/accounts/self/sis_imports?extension=csv", body,
                            {"Content-Type": "text/csv"})

    def wait_for_import(self, import_id: int) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        while True:
            status, body = self.request("GET", f"/api/v1/accounts/self/sis_imports/{import_id}")
            assert status == 200, body
            if body["ended_at"] is not None:
                return body
            assert time.monotonic() < deadline, body
            time.sleep(0.05)

    def upload_files(self) -> list[str]:
        return sorted(p.name for p in (self.data_dir / "uploads").iterdir())

    def fill_disk(self) -> list[Path]:
        """Write ballast files until the kernel says the disk is full; returns them."""
        ballast: list[Path] = []
        try:
            while True:
                path = self.data_dir / f"ballast-{len(ballast)}"
                ballast.append(path)
                with open(path, "wb") as handle:
                    handle.write(b"x" * BALLAST_CHUNK_BYTES)
        except OSError as error:
            assert error.errno == 28, error  # ENOSPC
        return ballast


@pytest.fixture
def tmpfs_server(tmp_path: Path) -> Iterator[TmpfsServer]:
    if not _namespaces_available(tmp_path / "probe"):
        pytest.skip("unprivileged user and mount namespaces are not available on this host")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_IMPORTS_")}
    # The log goes to a file, not a pipe: nobody reads a pipe until the end, and a server whose
    # log fills a pipe's 64 KiB (an access-log line per poll) blocks on it and stops answering.
    log_path = tmp_path / "server.log"
    log_file = open(log_path, "w")
    process = subprocess.Popen(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
         f'mount -t tmpfs -o size={DISK_BYTES},mode=0700 tmpfs "$1" && exec "$2" -m service'
         f' --port 0 --data-dir "$1/data" --token {TOKEN}',
         "sh", str(mount_point), sys.executable],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, text=True, env=env)
    try:
        line = process.stdout.readline()
        if not line:
            process.communicate(timeout=START_TIMEOUT_S)
            pytest.fail(log_path.read_text())
        # unshare and sh exec into the server: the pid is the server's.
        data_dir = Path(f"/proc/{process.pid}/root") / mount_point.relative_to("/") / "data"
        yield TmpfsServer(process, json.loads(line)["base_url"], data_dir, log_path)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=START_TIMEOUT_S)
        log_file.close()
        # Shown by pytest when the test fails: what the server logged, without the access log.
        print("\n".join(line for line in log_path.read_text().splitlines() if "aiohttp.access" not in line))


def test_a_full_disk_answers_507_leaves_nothing_and_serves_again_once_there_is_room(tmpfs_server):
    server = tmpfs_server
    ballast = server.fill_disk()
    # The whole upload fits in the socket buffers, so the client reads the answer.
    small = CSV_HEADER + b"u1,ada,Ada,Lovelace,active\n"
    assert server.upload_csv(small) == (507, DISK_FULL_BODY)
    multipart = (b"--b\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"u.csv\""
                 b"\r\n\r\n" + small + b"\r\n--b--\r\n")
    assert server.request("POST", "/api/v1/accounts/self/sis_imports", multipart,
                          {"Content-Type": "multipart/form-data; boundary=b"}) == (507, DISK_FULL_BODY)
    # Some room, less than the next upload needs: the disk fills while the body streams.
    for path in ballast[-2:]:
        path.unlink(missing_ok=True)
    larger = _users_csv(4000)
    assert len(larger) > 2 * BALLAST_CHUNK_BYTES
    assert server.upload_csv(larger) == (507, DISK_FULL_BODY)
    assert server.upload_files() == []  # no partial file, no upload without an import
    assert server.request("GET", "/health") == (200, {"status": "ok"})
    assert server.request("GET", "/api/v1/accounts/self/sis_imports") == (200, {"sis_imports": []})

    for path in ballast:
        path.unlink(missing_ok=True)
    status, created = server.upload_csv(larger)
    assert status == 200, created
    done = server.wait_for_import(created["id"])
    assert done["workflow_state"] == "imported" and done["data"]["counts"]["users"] == 4000


def test_an_import_that_fills_the_disk_fails_and_the_next_one_imports(tmpfs_server):
    server = tmpfs_server
    ballast = server.fill_disk()
    # Room for the upload, not for the rows it writes to the database.
    for path in ballast[-8:]:
        path.unlink(missing_ok=True)
    status, created = server.upload_csv(_users_csv(4000))
    assert status == 200, created
    failed = server.wait_for_import(created["id"])
    assert failed["workflow_state"] == "failed", failed
    assert "/" not in failed["data"]["error_message"]  # a report number, no path of the disk

    for path in ballast:
        path.unlink(missing_ok=True)
    status, created = server.upload_csv(_users_csv(4000))
    assert status == 200, created
    done = server.wait_for_import(created["id"])
    assert done["workflow_state"] == "imported" and done["data"]["counts"]["users"] == 4000


def test_sigterm_on_a_full_disk_still_exits(tmpfs_server):
    server = tmpfs_server
    status, created = server.upload_csv(CSV_HEADER + b"u1,ada,Ada,Lovelace,active\n")
    assert status == 200, created
    assert server.wait_for_import(created["id"])["workflow_state"] == "imported"
    server.fill_disk()  # the closing checkpoint has no room to copy the WAL into the database
    server.process.terminate()
    server.process.communicate(timeout=EXIT_TIMEOUT_S)
    stderr = server.log_path.read_text()
    assert server.process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
