"""SQLite connections: one writer behind a lock, one reader, schema migrations.

Every query lives in ``service.store`` as a plain synchronous function taking a
``sqlite3.Connection``. ``Database.write`` and ``Database.read`` run such a function on the
connection's own aiosqlite thread, so the event loop never blocks on SQLite and an import batch
(look-ups, upserts, progress) is one function call in one transaction instead of hundreds of
awaits. The reader is a separate connection: under WAL a status poll never waits for a batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Any, Callable, TypeVar

import aiosqlite

from .store.migrations import MIGRATIONS

T = TypeVar("T")

log = logging.getLogger("canvas_imports")

BUSY_TIMEOUT_MS = 10_000
# The WAL size at which a background checkpoint starts (SQLite's own default is about 4 MiB).
CHECKPOINT_WAL_BYTES = 16 * 1024 * 1024
# What the WAL file is cut back to when SQLite starts it over after a complete checkpoint.
# Without a limit the file keeps its largest size for good, so once it had passed the threshold
# above its size said "checkpoint" after every write, each one syncing the database file.
WAL_FILE_LIMIT_BYTES = CHECKPOINT_WAL_BYTES // 4
# The WAL size at which the writer lets the checkpoint catch up before its next write. The WAL
# starts over only at a write that finds every frame copied back, and during a long import the
# next batch always comes while the background checkpoint still copies the last: the WAL grew
# without end (1.4 GB after 300k new enrollments), and the first write after the import spent
# 0.4 s cutting it back to WAL_FILE_LIMIT_BYTES.
WAL_RESTART_BYTES = 4 * CHECKPOINT_WAL_BYTES


def _configure(conn: sqlite3.Connection) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}").fetchall()
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed batch
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -32000")  # 32 MiB page cache per connection


def _enable_wal(conn: sqlite3.Connection) -> None:
    # fetchall: a PRAGMA that returns a row would otherwise stay "in progress" and block COMMIT.
    conn.execute("PRAGMA journal_mode = WAL").fetchall()


def _disable_auto_checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_autocheckpoint = 0").fetchall()
    conn.execute(f"PRAGMA journal_size_limit = {WAL_FILE_LIMIT_BYTES}").fetchall()


def _checkpoint(conn: sqlite3.Connection, mode: str) -> None:
    conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()


def _make_read_only(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA query_only = ON").fetchall()


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; returns the resulting ``user_version``."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version = number
    return version


def _split_statements(script: str) -> list[str]:
    # executescript() would commit on its own; splitting keeps a migration in one transaction.
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer)
            buffer = ""
    if buffer.strip():
        statements.append(buffer)
    return statements


class Database:
    """The service's SQLite connections: a writer, a reader, and a checkpointer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._wal_path = path.with_name(path.name + "-wal")
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._checkpointer: aiosqlite.Connection | None = None
        self._checkpoint: asyncio.Task | None = None
        self._write_lock = asyncio.Lock()

    async def open(self) -> None:
        # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
        self._writer = await aiosqlite.connect(self.path, isolation_level=None)
        await self._run(self._writer, _configure)
        await self._run(self._writer, _enable_wal)
        await self._run(self._writer, migrate)
        # Copying the WAL back into the database would otherwise happen inside the commit that
        # crosses SQLite's threshold, on the import's path; a third connection does it instead,
        # on its own thread, while the writer goes on (see _checkpoint_in_background).
        await self._run(self._writer, _disable_auto_checkpoint)
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        await self._run(self._reader, _configure)
        await self._run(self._reader, _make_read_only)
        self._checkpointer = await aiosqlite.connect(self.path, isolation_level=None)
        await self._run(self._checkpointer, _configure)

    async def close(self) -> None:
        """Fold the WAL into the database if there is room, then close every connection.

        The last checkpoint is a courtesy (the WAL is read back at the next start): on a full
        disk it fails, and the connections must close all the same. Each one owns a thread that
        keeps the process alive until it is closed, so a close skipped here is a shutdown that
        never ends.
        """
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
            self._checkpoint = None
        try:
            if self._writer is not None:
                await self._run(self._writer, _checkpoint, "TRUNCATE")
        except sqlite3.Error as error:
            log.warning("the write-ahead log stays beside the database until the next start: %s",
                        error)
        finally:
            for conn in (self._checkpointer, self._reader, self._writer):
                if conn is not None:
                    with contextlib.suppress(sqlite3.Error):
                        await conn.close()
            self._checkpointer = self._reader = self._writer = None

    @staticmethod
    async def _run(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
        # aiosqlite's public methods all go through Connection._execute, which runs a callable on
        # the connection's dedicated thread. We hand it whole functions so a batch costs one hop.
        return await conn._execute(fn, conn._conn, *args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` in one ``BEGIN IMMEDIATE`` transaction on the writer."""
        assert self._writer is not None, "database is not open"
        async with self._write_lock:
            await self._let_the_checkpoint_catch_up()
            # Shielded: once a transaction has started on the thread it finishes (commit or
            # rollback) even if the awaiting task is cancelled, so no batch is half-written.
            result = await asyncio.shield(self._run(self._writer, _in_transaction, fn, *args))
        self._checkpoint_in_background()
        return result

    async def _let_the_checkpoint_catch_up(self) -> None:
        """Past WAL_RESTART_BYTES, finish copying the WAL back (the background checkpoint, then
        the rest on the writer) so that the write about to start begins the WAL anew."""
        try:
            wal_bytes = self._wal_path.stat().st_size
        except FileNotFoundError:
            return
        if wal_bytes < WAL_RESTART_BYTES:
            return
        if self._checkpoint is not None and not self._checkpoint.done():
            await asyncio.wait([self._checkpoint])  # (its failure is the next checkpoint's concern)
        assert self._writer is not None
        # PASSIVE still: a reader inside an old snapshot keeps its frames, and the next write
        # tries again. A checkpoint that fails (a full disk, with the database file to grow)
        # must not fail the write, which may be the one recording that very failure.
        try:
            await self._run(self._writer, _checkpoint, "PASSIVE")
        except sqlite3.Error as error:
            log.warning("the write-ahead log could not be copied back yet: %s", error)

    def _checkpoint_in_background(self) -> None:
        """Start a PASSIVE checkpoint once the WAL has grown, unless one is running.

        PASSIVE never waits for the writer or the readers: it copies what it can, and the next
        one copies the rest.
        """
        if self._checkpoint is not None and not self._checkpoint.done():
            return
        try:
            wal_bytes = self._wal_path.stat().st_size
        except FileNotFoundError:
            return
        if wal_bytes >= CHECKPOINT_WAL_BYTES and self._checkpointer is not None:
            self._checkpoint = asyncio.create_task(
                self._run(self._checkpointer, _checkpoint, "PASSIVE"))

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` on the read connection (a consistent WAL snapshot)."""
        assert self._reader is not None, "database is not open"
        return await self._run(self._reader, _in_read_snapshot, fn, *args)


def _in_transaction(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error:
        # A COMMIT that fails (SQLITE_FULL: no room for the WAL) leaves the transaction open;
        # without the rollback every later BEGIN on this connection would fail too.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _in_read_snapshot(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    conn.execute("BEGIN")
    try:
        return fn(conn, *args)
    finally:
        conn.execute("ROLLBACK")
