"""The floor of each nightly-sync case: the SQL the importers issue, replayed bare.

``python -m bench nightly-floors`` runs the users and enrollments importers in this process on
the nightly benchmark's files (bench/nightly.py), each batch in its own write transaction as
the server does, while a ``sqlite3.Connection`` subclass records every statement and its
parameters. Each recorded case is then replayed with nothing but ``execute`` and
``executemany`` on a copy of the database as it was before the case, a second time without
the roll-back records' inserts. Printed per case, in CPU time per row and as a ratio to the
bare ``csv.reader -> executemany`` loop on the same file (best of 3, CPU time too, so that
other processes on the machine move the figures less):

* reading the file into rows (service.sis.reader), which every import pays on top of its
  importer, end to end;
* the importer alone (no upload, no reading of the file, no status polls);
* its SQL replayed bare: the most any Python on top can reach with the same statements;
* that SQL without the inserts of roll-back records (sis_state_changes): what recording
  creations compactly (id ranges) could at most win.

A target of bench/nightly.py above the replayed SQL's ratio cannot be reached by any Python
on top: it would take fewer or cheaper statements.
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from service.db import CHECKPOINT_WAL_BYTES, migrate
from service.import_process import GC_THRESHOLDS
from service.sis.context import ImportRun, SisOptions, SisRow
from service.sis.importers import importer_for
from service.sis.reader import inspect_csv, list_sources, read_batches
from service.sis.row_digests import HEADER_KEY
from service.store.accounts import ensure_root_account
from service.store.files import insert_file
from service.store.sis_imports import insert_sis_import

from .common import bare_insert_rows_per_s, bench_directory, print_header, scaled, write_lines
from .nightly import _enrollment_lines, _user_lines

BATCH_ROWS = 2000  # the server's import_batch_rows
NOW = "2026-01-01T00:00:00Z"


class _RecordingCursor(sqlite3.Cursor):
    """A cursor that adds every statement it runs to its connection's log."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        log = self.connection.log  # type: ignore[attr-defined]
        if log is not None:
            log.append((False, sql, parameters))
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
        log = self.connection.log  # type: ignore[attr-defined]
        if log is not None:
            parameters = list(parameters)
            log.append((True, sql, parameters))
        return super().executemany(sql, parameters)


class _RecordingConnection(sqlite3.Connection):
    """A connection that keeps every statement it or its cursors run (while ``log`` is a list)."""

    log: list[tuple[bool, str, Any]] | None = None

    def cursor(self, factory: Any = _RecordingCursor) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)


def _configure(conn: sqlite3.Connection) -> None:
    """The server's writer settings (service.db); its checkpoints are ``_checkpoint_like_the_server``."""
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "temp_store = MEMORY",
                   "cache_size = -32000", "wal_autocheckpoint = 0"):
        conn.execute(f"PRAGMA {pragma}").fetchall()


def _checkpoint_like_the_server(conn: sqlite3.Connection, database: Path) -> None:
    """After a commit, the checkpoint the server's import process would start (service.db), run
    here in line: its CPU time is the import process's too. Without it the WAL grew past 1 GB
    over the new cases, and every page read then searched the WAL's whole index: the new
    enrollments' SQL replayed bare measured 29.0 us/row that way, 21.0 with the WAL bounded."""
    if os.path.getsize(f"{database}-wal") >= CHECKPOINT_WAL_BYTES:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _read(path: Path) -> tuple[list[list[SisRow]], float, tuple[str, ...]]:
    """The file's batches of rows, as the import reads them, the CPU seconds that took, and the
    file's header."""
    started = time.process_time()
    listing = list_sources(path, "csv", path.name, 100)
    csv_file = inspect_csv(listing.sources[0])
    batches = [rows for rows, _ in read_batches(csv_file, BATCH_ROWS)]
    return batches, time.process_time() - started, tuple(csv_file.headers)


def _import(conn: _RecordingConnection, database: Path, path: Path, kind: str,
            record: bool) -> tuple[int, float, float]:
    """Import a CSV into ``database`` (``conn``'s) with one kind's importer; returns (rows
    counted, CPU seconds of reading the file, CPU seconds of the importer)."""
    batches, reading, header = _read(path)
    conn.execute("BEGIN IMMEDIATE")
    file_id = insert_file(conn, display_name=path.name, content_type="text/csv", size=0,
                          relative_path=path.name, now=NOW)
    import_id = insert_sis_import(conn, account_id=1, upload_file_id=file_id, options={},
                                  import_type="instructure_csv", now=NOW)
    conn.execute("COMMIT")
    run = ImportRun(import_id, 1, SisOptions(), NOW)
    run.file_state[HEADER_KEY] = header  # as the importer does when a file starts
    importer = importer_for(kind)
    conn.log = [] if record else None
    counted, cpu = 0, 0.0
    for rows in batches:
        started = time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        counted += importer(conn, run, path.name, rows)
        conn.execute("COMMIT")
        _checkpoint_like_the_server(conn, database)
        cpu += time.process_time() - started
        run.messages.clear()
    run.end_file()
    return counted, reading, cpu


def _replay(database: Path, log: list[tuple[bool, str, Any]]) -> float:
    """CPU seconds of running the recorded statements bare on ``database``."""
    conn = sqlite3.connect(database, isolation_level=None)
    _configure(conn)
    started = time.process_time()
    for many, sql, parameters in log:
        if many:
            conn.executemany(sql, parameters)
        else:
            conn.execute(sql, parameters).fetchall()
            if sql == "COMMIT":
                _checkpoint_like_the_server(conn, database)
    cpu = time.process_time() - started
    conn.close()
    return cpu


def _bare_cpu(path: Path, directory: Path, name: str) -> float:
    """CPU seconds of the bare loop on the file, the best of 3."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        bare_insert_rows_per_s(path, directory, name)
        best = min(best, time.process_time() - started)
    return best


def _copy_database(conn: sqlite3.Connection, destination: Path) -> None:
    target = sqlite3.connect(destination)
    conn.backup(target)
    target.close()


def _remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


async def run() -> None:
    users, enrollments = scaled(300_000), scaled(300_000)
    courses, sections = scaled(1_500), scaled(3_000)
    print_header(f"Nightly sync floors: the importers' SQL replayed bare, {users:,} users and {enrollments:,}"
                 " enrollments, CPU us/row (ratio to the bare loop)")
    # The import process's collector settings: with the default first threshold, collecting
    # the file's rows (all of them read before the importer's clock starts) cost the importer
    # several us a row that an import does not pay.
    gc.set_threshold(*GC_THRESHOLDS)
    with bench_directory("nightly-floors") as directory:
        header = "user_id,login_id,first_name,last_name,email,status"
        write_lines(directory / "users.csv", header, _user_lines(users, False))
        write_lines(directory / "users-changed.csv", header, _user_lines(users, True))
        header = "course_id,user_id,role,section_id,status"
        write_lines(directory / "enrollments.csv", header, _enrollment_lines(enrollments, users, sections, False))
        write_lines(directory / "enrollments-changed.csv", header,
                    _enrollment_lines(enrollments, users, sections, True))
        write_lines(directory / "courses.csv", "course_id,short_name,long_name,account_id,term_id,status",
                    (f"course{n},C{n},Course {n},,,active" for n in range(courses)))
        write_lines(directory / "sections.csv", "section_id,course_id,name,status",
                    (f"section{n},course{n % courses},Section {n},active" for n in range(sections)))
        database = directory / "server.sqlite3"
        conn = sqlite3.connect(database, isolation_level=None, factory=_RecordingConnection)
        conn.row_factory = sqlite3.Row  # as the server's writer
        _configure(conn)
        migrate(conn)
        conn.execute("BEGIN IMMEDIATE")
        ensure_root_account(conn, NOW)
        conn.execute("COMMIT")
        _import(conn, database, directory / "courses.csv", "course", record=False)
        _import(conn, database, directory / "sections.csv", "section", record=False)
        before, copy = directory / "before.sqlite3", directory / "copy.sqlite3"
        for kind, name in (("user", "users"), ("enrollment", "enrollments")):
            for case, file_name in (("new", name), ("identical", name), ("changed", f"{name}-changed")):
                path = directory / f"{file_name}.csv"
                bare = _bare_cpu(path, directory, f"{name}-{case}")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                _copy_database(conn, before)
                counted, reading_cpu, importer_cpu = _import(conn, database, path, kind, record=True)
                log, conn.log = conn.log or [], None
                shutil.copy(before, copy)
                sql_cpu = _replay(copy, log)
                _remove(copy)
                without_records = [entry for entry in log
                                   if not (entry[1].startswith("INSERT INTO sis_state_changes"))]
                sql_without_records_cpu = _replay(before, without_records)
                _remove(before)

                def figure(cpu: float) -> str:
                    return f"{cpu * 1e6 / counted:5.1f} ({bare / cpu:.3f}x)"

                print(f"{name:<11} {case:<9} bare loop {bare * 1e6 / counted:4.1f}; reading {figure(reading_cpu)};"
                      f" importer {figure(importer_cpu)};"
                      f" its SQL bare {figure(sql_cpu)}; without roll-back inserts {figure(sql_without_records_cpu)}",
                      flush=True)
        conn.close()
