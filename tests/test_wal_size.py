"""The write-ahead log stays bounded while writes come back to back, as a long import's batches
do (service/db.py, WAL_RESTART_BYTES): the WAL only starts over at a write that finds every
frame copied back, and the background checkpoint is always one batch behind."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from service import db as db_module
from service.db import Database

BATCH_BYTES = 1024 * 1024  # about 256 pages a write


def _write_a_batch(conn, batch: int) -> None:  # type: ignore[no-untyped-def]
    conn.executemany("INSERT INTO filler (batch, payload) VALUES (?, ?)",
                     [(batch, os.urandom(1000)) for _ in range(BATCH_BYTES // 1000)])


async def test_back_to_back_writes_keep_the_wal_near_its_restart_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db_module, "CHECKPOINT_WAL_BYTES", 512 * 1024)
    monkeypatch.setattr(db_module, "WAL_RESTART_BYTES", 4 * 1024 * 1024)
    database = Database(tmp_path / "wal.sqlite3")
    await database.open()
    try:
        await database.write(lambda conn: conn.execute(
            "CREATE TABLE filler (batch INTEGER, payload BLOB)"))
        wal = tmp_path / "wal.sqlite3-wal"
        largest = 0
        for batch in range(60):  # 60 MiB written, back to back
            await database.write(_write_a_batch, batch)
            largest = max(largest, wal.stat().st_size)
        # At most the restart size plus the write that crosses it (and its page headers).
        assert largest < 4 * 1024 * 1024 + 2 * BATCH_BYTES
        rows = await database.read(lambda conn: conn.execute("SELECT count(*) FROM filler").fetchone()[0])
        assert rows == 60 * (BATCH_BYTES // 1000)
    finally:
        await database.close()


async def test_a_checkpoint_that_fails_does_not_fail_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On a full disk the catch-up checkpoint can fail (the database file cannot grow); the
    # write behind it, perhaps the one recording that failure, must still be tried.
    monkeypatch.setattr(db_module, "WAL_RESTART_BYTES", 0)
    database = Database(tmp_path / "wal.sqlite3")
    await database.open()
    try:
        def no_room(conn, mode: str) -> None:  # type: ignore[no-untyped-def]
            raise sqlite3.OperationalError("database or disk is full")
        monkeypatch.setattr(db_module, "_checkpoint", no_room)
        await database.write(lambda conn: conn.execute("CREATE TABLE kept (value INTEGER)"))
        await database.write(lambda conn: conn.execute("INSERT INTO kept VALUES (1)"))
        assert await database.read(lambda conn: conn.execute("SELECT value FROM kept").fetchone()[0]) == 1
    finally:
        monkeypatch.undo()
        await database.close()
