"""What every benchmark needs: a real server process, its memory, status pollers, baselines.

The server runs as a separate process (``python -m service``) on a free loopback port with its
own data directory, so its memory is measured alone (``/proc/<pid>/status``) and the client's
work never shares its event loop. Every figure is printed; nothing here asserts a target.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Iterator

import aiohttp

TOKEN = "bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MIB = 1024 * 1024
TERMINAL = {"imported", "imported_with_messages", "failed", "failed_with_messages", "aborted",
            "succeeded"}


# BENCH_SCALE=0.1 runs every benchmark on a tenth of the rows, for a quick look.
SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def scaled(rows: int) -> int:
    """A row count multiplied by BENCH_SCALE."""
    return max(1, int(rows * SCALE))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_kib(pid: int, field_name: str) -> int:
    """VmRSS (resident now) or VmHWM (peak resident) of a process, in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field_name} not found for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, user and system (/proc/<pid>/stat), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A server process for one benchmark."""

    process: subprocess.Popen
    url: str
    data_dir: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def import_process_pid(self) -> int | None:
        """The server's import process (service.import_process), None if imports run inside."""
        return find_import_process(self.pid)

    def peak_rss_kib(self) -> int:
        """Peak resident memory of the server plus that of its import process, in KiB."""
        return sum(self.peak_rss_parts_kib())

    def peak_rss_parts_kib(self) -> tuple[int, int]:
        """Peak resident memory of the server and of its import process (0 if none), in KiB."""
        import_pid = self.import_process_pid()
        return memory_kib(self.pid, "VmHWM"), (
            memory_kib(import_pid, "VmHWM") if import_pid is not None else 0)


IMPORT_PROCESS_NAME = "import-process"


def find_import_process(server_pid: int) -> int | None:
    """The descendant of ``server_pid`` named ``import-process`` (/proc/<pid>/comm), if any."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        names[pid] = stat[stat.index("(") + 1:stat.rindex(")")]
        parents[pid] = int(stat[stat.rindex(")") + 2:].split()[1])
    frontier, seen = {server_pid}, set()
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - seen
        seen |= frontier
    found = [pid for pid in seen if names.get(pid) == IMPORT_PROCESS_NAME]
    return found[0] if found else None


@contextlib.contextmanager
def bench_directory(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"canvas-imports-{prefix}-") as name:
        yield Path(name)


@contextlib.asynccontextmanager
async def running_server(directory: Path, *extra_args: str) -> AsyncIterator[Server]:
    """Start ``python -m service`` on a free port and stop it (SIGTERM) afterwards."""
    port = free_port()
    data_dir = directory / "data"
    log = open(directory / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port), "--data-dir", str(data_dir),
         "--token", TOKEN, *extra_args],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with session.get(f"{url}/health") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"server did not start; see {directory / 'server.log'}")
                await asyncio.sleep(0.05)
        yield Server(process, url, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@dataclass
class PollStats:
    """Latencies of status polls, in milliseconds."""

    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> str:
        if not self.latencies_ms:
            return "no polls"
        ordered = sorted(self.latencies_ms)
        p50 = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return f"{len(ordered)} polls, p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"


# Concurrent status pollers during each import (the issues ask for 20); BENCH_POLLERS=1 shows
# what the polling itself costs the import.
POLLERS = int(os.environ.get("BENCH_POLLERS", "20"))
# Each poller asks again this long after its previous answer: 20 pollers make ~200 polls/s,
# far more than real clients (scripts poll every 1 to 60 s).
POLL_INTERVAL_S = 0.1


async def poll_until_done(session: aiohttp.ClientSession, status_url: str, pollers: int,
                          stats: PollStats, on_body=None) -> dict:
    """Poll ``status_url`` from ``pollers`` concurrent clients until the import ends."""
    done = asyncio.Event()
    final: dict = {}

    async def poller() -> None:
        while not done.is_set():
            started = time.perf_counter()
            async with session.get(status_url, headers=AUTH) as response:
                body = await response.json()
            stats.latencies_ms.append((time.perf_counter() - started) * 1000)
            if on_body is not None:
                on_body(body)
            if body["workflow_state"] in TERMINAL:
                final.update(body)
                done.set()
            await asyncio.sleep(POLL_INTERVAL_S)

    await asyncio.gather(*(poller() for _ in range(pollers)))
    return final


def bare_insert_rows_per_s(csv_path: Path, directory: Path, name: str) -> float:
    """Rows/s of the bare loop csv.reader -> executemany into a fresh SQLite file (the baseline)."""
    db_path = directory / f"baseline-{name}.sqlite3"
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL").fetchall()
    conn.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    rows = 0
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        # Positional names: headers may repeat (an outcomes CSV has blank ones after "ratings").
        columns = ", ".join(f"c{index}" for index in range(len(header)))
        conn.execute(f"CREATE TABLE rows ({columns})")
        insert = f"INSERT INTO rows VALUES ({', '.join('?' * len(header))})"
        batch: list[list[str]] = []
        for cells in reader:
            batch.append(cells)
            if len(batch) >= 2000:
                conn.execute("BEGIN")
                conn.executemany(insert, batch)
                conn.execute("COMMIT")
                rows += len(batch)
                batch = []
        if batch:
            conn.execute("BEGIN")
            conn.executemany(insert, batch)
            conn.execute("COMMIT")
            rows += len(batch)
    elapsed = time.perf_counter() - started
    conn.close()
    db_path.unlink()
    return rows / elapsed


def print_header(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def write_lines(path: Path, header: str, lines: Iterator[str]) -> int:
    """Write a CSV from a header and generated lines; returns the number of data rows."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(header + "\n")
        for line in lines:
            out.write(line + "\n")
            count += 1
    return count


def file_mib(path: Path) -> float:
    return os.path.getsize(path) / MIB


def zip_files(archive: Path, files: dict[str, Path]) -> Path:
    """Write ``archive`` with each file under its member name (fast deflate); returns it."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zipped:
        for name, path in files.items():
            zipped.write(path, name)
    return archive


async def post_zip(session: aiohttp.ClientSession, url: str, archive: Path) -> str:
    """POST a zip raw (streamed from disk); returns the import's status URL."""
    with open(archive, "rb") as handle:
        async with session.post(f"{url}/api/v1/accounts/1/sis_imports", data=handle,
                                headers={**AUTH, "Content-Type": "application/zip"}) as response:
            created = await response.json()
    return f"{url}/api/v1/accounts/1/sis_imports/{created['id']}"


async def wait_until_terminal(session: aiohttp.ClientSession, status_url: str,
                              done: asyncio.Event | None = None) -> dict:
    """Poll an import every 0.5 s until it ends; sets ``done`` then, returns its JSON."""
    while True:
        async with session.get(status_url, headers=AUTH) as response:
            body = await response.json()
        if body["workflow_state"] in TERMINAL:
            if done is not None:
                done.set()
            return body
        await asyncio.sleep(0.5)
