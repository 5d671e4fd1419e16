"""The job queue: workers that claim imports from SQLite and run them.

The queue *is* the import rows: nothing lives only in memory, so a restart loses nothing.
Workers are asyncio tasks owned by the app. Each kind of job (SIS imports, outcome imports)
says how to claim its next runnable row, which strand it belongs to (imports of one strand run
one at a time, in creation order: decision 22) and how to run it. At start, imports a crash
left running are claimed again and run from the beginning (decision 23). Handlers only insert
rows and call ``wake()``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from typing import Awaitable, Callable, Hashable, Iterable

from .clock import utc_now
from .db import Database

log = logging.getLogger("canvas_imports")


class JobInterrupted(Exception):
    """A job stopped at a batch boundary because the server is shutting down.

    Its row keeps its running state and the job runs again from the start at the next start-up.
    """


@dataclass(frozen=True)
class JobKind:
    """How the queue claims and runs one kind of import."""

    name: str
    # claim(conn, busy_strands, now) -> the claimed row (already moved to its running state)
    claim: Callable[[sqlite3.Connection, Iterable[Hashable], str], sqlite3.Row | None]
    strand: Callable[[sqlite3.Row], Hashable]
    # run(row, stopping): stopping() turns true at shutdown; the job then raises JobInterrupted
    # at its next batch boundary.
    run: Callable[[sqlite3.Row, Callable[[], bool]], Awaitable[None]]
    # Called when run() raised: record the failure on the row.
    fail: Callable[[sqlite3.Row, BaseException], Awaitable[None]]
    # Kinds naming the same group share their strands: a strand busy with one kind's job is
    # busy for the others too (an account's restores and its imports never overlap).
    strand_group: str | None = None

    @property
    def busy_key(self) -> str:
        return self.strand_group or self.name


class JobQueue:
    """Workers that run imports, a bounded number at a time."""

    def __init__(self, db: Database, kinds: list[JobKind], workers: int, poll_s: float) -> None:
        self._db = db
        self._kinds = kinds
        self._worker_count = workers
        self._poll_s = poll_s
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._workers: list[asyncio.Task] = []
        # Strands with a job running in this process, per kind; mutated only while the
        # writer lock is held (inside the claim) or from the loop thread (on release).
        self._busy: dict[str, set[Hashable]] = {kind.busy_key: set() for kind in kinds}
        self._next_kind = 0

    def start(self) -> None:
        """Start the workers; imports left pending by an earlier process are picked up."""
        self._workers = [
            asyncio.create_task(self._work(), name=f"import-worker-{n}")
            for n in range(self._worker_count)
        ]

    def is_stopping(self) -> bool:
        """True once shutdown has begun."""
        return self._stopping

    def wake(self) -> None:
        """Tell idle workers that a new import is waiting."""
        self._wakeup.set()

    async def stop(self, grace_s: float) -> None:
        """Stop claiming; give running imports ``grace_s`` to reach a batch boundary, then cancel.

        An interrupted import keeps its committed batches and its ``importing`` state, and runs
        again from the start when the server comes back.
        """
        self._stopping = True
        self._wakeup.set()
        if not self._workers:
            return
        _, pending = await asyncio.wait(self._workers, timeout=grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def _work(self) -> None:
        while not self._stopping:
            claimed = await self._db.write(self._claim_next)
            if claimed is None:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_s)
                except asyncio.TimeoutError:
                    pass
                continue
            kind, row = claimed
            strand = kind.strand(row)
            try:
                await kind.run(row, self.is_stopping)
            except asyncio.CancelledError:
                raise
            except JobInterrupted:
                log.info("%s import %s interrupted by shutdown", kind.name, row["id"])
                return
            except Exception as error:
                log.exception("%s import %s failed unexpectedly", kind.name, row["id"])
                try:
                    await kind.fail(row, error)
                except Exception:
                    log.exception("could not record the failure of %s import %s",
                                  kind.name, row["id"])
            finally:
                self._busy[kind.busy_key].discard(strand)
            # Another worker may be waiting for this strand to become free.
            self._wakeup.set()

    def _claim_next(self, conn: sqlite3.Connection) -> tuple[JobKind, sqlite3.Row] | None:
        # Runs on the writer thread inside a transaction: claims are serialised.
        if self._stopping:
            # An import interrupted by this shutdown has left the busy set: claiming it again
            # now would reset its progress only to be interrupted at once.
            return None
        now = utc_now()
        count = len(self._kinds)
        for offset in range(count):
            kind = self._kinds[(self._next_kind + offset) % count]
            row = kind.claim(conn, self._busy[kind.busy_key], now)
            if row is not None:
                self._busy[kind.busy_key].add(kind.strand(row))
                self._next_kind = (self._next_kind + offset + 1) % count
                return kind, row
        return None
