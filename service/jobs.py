"""The job queue: workers that claim imports from SQLite and run them.

The queue *is* the import rows: nothing lives only in memory, so a restart loses nothing.
Workers are asyncio tasks owned by the app; a job's ``run`` may hand the work to another
process (service.import_process) and await its end there. Each kind of job (SIS imports,
outcome imports) says how to claim its next runnable row, which strand it belongs to (imports
of one strand run one at a time, in creation order: decision 22) and how to run it. At start, imports a crash
left running are claimed again and run from the beginning (decision 23). Handlers only insert
rows and call ``wake()``.

The test controls (``service.control``) steer the engine through the queue: ``pause()`` stops
claiming (imports stay ``created``), ``pace`` makes jobs take a minimum time at their batch
boundaries, ``fail_next()`` ends a strand's next job as failed with a given message, and
``restart_around()`` stops every job for a reset of the data.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Hashable, Iterable

from .clock import utc_now
from .db import Database
from .disk_reserve import DiskReserve
from .errors import is_disk_full

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
    # End a claimed job as failed with this message instead of running it (the fail-next test
    # control). A kind without it is never failed on request.
    fail_with_message: Callable[[sqlite3.Row, str], Awaitable[None]] | None = None

    @property
    def busy_key(self) -> str:
        return self.strand_group or self.name


# A paced job sleeps in steps of at most this long, so that a shutdown is noticed promptly.
PACE_STEP_S = 0.05


@dataclass
class Pace:
    """The minimum time a job takes, so that tests can watch ``importing`` and its progress.

    Both are off (None) unless a test control sets them; with both set the slower one wins.
    """

    seconds_per_import: float | None = None
    rows_per_second: float | None = None
    # Called with the pace after every set(): an import process is told what its jobs follow.
    listeners: list[Callable[["Pace"], None]] = field(default_factory=list, repr=False,
                                                      compare=False)

    def set(self, seconds_per_import: float | None, rows_per_second: float | None) -> None:
        """Change (or, with None, clear) both limits; running jobs follow at their next step."""
        self.seconds_per_import = seconds_per_import
        self.rows_per_second = rows_per_second
        for listener in self.listeners:
            listener(self)

    def start(self, stopping: Callable[[], bool]) -> "PacedRun":
        """The pacing of one job that starts now."""
        return PacedRun(self, stopping, time.monotonic())


@dataclass
class PacedRun:
    """One job's clock against its pace; a job awaits ``wait`` before each batch it writes."""

    pace: Pace
    stopping: Callable[[], bool]
    started_s: float

    def _due_s(self, fraction_done: float, rows_done: int) -> float:
        due = 0.0
        if self.pace.seconds_per_import:
            due = self.pace.seconds_per_import * min(1.0, fraction_done)
        if self.pace.rows_per_second:
            due = max(due, rows_done / self.pace.rows_per_second)
        return due

    async def wait(self, fraction_done: float, rows_done: int) -> None:
        """Sleep until the job may have done ``fraction_done`` of its work, ``rows_done`` rows.

        Never called while the writer lock is held: a paced job holds up nobody else. Raises
        JobInterrupted when shutdown begins meanwhile.
        """
        # The pace is read at every step, so a changed (or cleared) pace applies at once.
        while (left := self._due_s(fraction_done, rows_done) - (time.monotonic() - self.started_s)) > 0:
            if self.stopping():
                raise JobInterrupted()
            await asyncio.sleep(min(left, PACE_STEP_S))


class JobQueue:
    """Workers that run imports, a bounded number at a time."""

    def __init__(self, db: Database, kinds: list[JobKind], workers: int, poll_s: float,
                 pace: Pace | None = None,
                 on_stopping: Callable[[], None] | None = None,
                 reserve: DiskReserve | None = None) -> None:
        self._db = db
        self._kinds = kinds
        self._worker_count = workers
        self._poll_s = poll_s
        # Idle workers, each waiting on its own future: a wake-up rouses one of them, not all
        # (every roused worker claims, and claims are writes that queue behind each other).
        self._idle: collections.deque[asyncio.Future[None]] = collections.deque()
        # A wake-up that came while no worker was idle: the next one to go idle claims instead.
        self._wake_pending = False
        self._stopping = False
        self._paused = False
        # The pace the jobs' runners were given; the test controls change it in place.
        self.pace = pace if pace is not None else Pace()
        # Told when shutdown begins, before the grace period: jobs running elsewhere than in
        # this process (an import process) learn that they are to stop.
        self._on_stopping = on_stopping
        # Room on the disk given up to record a failure when the disk is full; taken when a
        # worker starts and before each claimed job runs, whenever it is missing.
        self._reserve = reserve
        self._reserve_lock = asyncio.Lock()  # one take() at a time: workers claim side by side
        # Strand -> the message its next job fails with (fail-next test control).
        self._requested_failures: dict[Hashable, str] = {}
        self._workers: list[asyncio.Task] = []
        # Strands with a job running in this process, per kind; mutated only while the
        # writer lock is held (inside the claim) or from the loop thread (on release).
        self._busy: dict[str, set[Hashable]] = {kind.busy_key: set() for kind in kinds}
        self._next_kind = 0

    def start(self, *, claim_at_once: bool = True) -> None:
        """Start the workers; imports left pending by an earlier process are picked up.

        With ``claim_at_once`` false the workers wait for a wake-up (or the poll) first.
        """
        self._workers = [
            asyncio.create_task(self._work(claim_at_once), name=f"import-worker-{n}")
            for n in range(self._worker_count)
        ]

    def is_stopping(self) -> bool:
        """True once shutdown has begun."""
        return self._stopping

    def wake(self) -> None:
        """Tell an idle worker that a new import is waiting."""
        while self._idle:
            waiter = self._idle.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._wake_pending = True

    def _wake_all(self) -> None:
        for _ in range(len(self._idle) or 1):
            self.wake()

    @property
    def paused(self) -> bool:
        """True while no new job is claimed (running jobs go on to their end)."""
        return self._paused

    def pause(self) -> None:
        """Stop claiming jobs: new imports stay in their pending state until ``resume()``."""
        self._paused = True

    def resume(self) -> None:
        """Claim jobs again, starting with those that waited."""
        self._paused = False
        # Imports of several accounts may have waited: every idle worker looks.
        self._wake_all()

    def fail_next(self, strand: Hashable, message: str) -> None:
        """End the next job claimed on ``strand`` as failed with ``message`` (kinds that allow it)."""
        self._requested_failures[strand] = message

    @property
    def requested_failures(self) -> dict[Hashable, str]:
        """Strand -> message of the failures still to come."""
        return dict(self._requested_failures)

    def clear_controls(self) -> None:
        """Back to an unpaused, unpaced queue with no failure to come (wakes nobody)."""
        self._requested_failures.clear()
        self.pace.set(None, None)
        self._paused = False

    async def restart_around(self, work: Callable[[], Awaitable[None]]) -> None:
        """Cancel every worker (running jobs stop where they are), await ``work``, start afresh.

        For a reset of all data: no job may touch the database while ``work`` empties it.
        A job's transaction in flight still commits or rolls back as a whole (Database.write),
        before ``work``'s own writes, which queue behind it on the writer thread.
        """
        workers, self._workers = self._workers, []
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for busy in self._busy.values():
            busy.clear()
        # From here on a wake-up is for an import inserted meanwhile, and is kept for the new
        # workers; without one they wait, as there is nothing to claim after a reset (their
        # claims would only queue in front of the next import's writes).
        self._wake_pending = False
        try:
            await work()
        finally:
            if not self._stopping:
                self.start(claim_at_once=False)

    async def stop(self, grace_s: float) -> None:
        """Stop claiming; give running imports ``grace_s`` to reach a batch boundary, then cancel.

        An interrupted import keeps its committed batches and its ``importing`` state, and runs
        again from the start when the server comes back.
        """
        self._stopping = True
        if self._on_stopping is not None:
            self._on_stopping()
        self._wake_all()
        if not self._workers:
            return
        _, pending = await asyncio.wait(self._workers, timeout=grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def _work(self, claim_at_once: bool = True) -> None:
        # At start, while the disk still has room, and again before each job (below).
        await self._take_reserve()
        if not claim_at_once:
            await self._wait_for_wake()
        while not self._stopping:
            # Taken before the claim, not after: a wake() that comes while the claim runs (an
            # import inserted just behind it) sets it again, and the worker claims once more
            # instead of waiting for the next poll.
            self._wake_pending = False
            claimed = await self._db.write(self._claim_next)
            if claimed is None:
                await self._wait_for_wake()
                continue
            # Before the job, not at every poll: on a disk with no room for it, an idle queue
            # would write and remove a reserve each poll interval.
            await self._take_reserve()
            kind, row = claimed
            strand = kind.strand(row)
            failure = None
            if kind.fail_with_message is not None:
                failure = self._requested_failures.pop(strand, None)
            try:
                if failure is not None:
                    log.info("%s import %s fails as requested: %s", kind.name, row["id"], failure)
                    await kind.fail_with_message(row, failure)
                else:
                    await kind.run(row, self.is_stopping)
            except asyncio.CancelledError:
                raise
            except JobInterrupted:
                log.info("%s import %s interrupted by shutdown", kind.name, row["id"])
                return
            except Exception as error:
                log.exception("%s import %s failed unexpectedly", kind.name, row["id"])
                await self._record_failure(kind, row, error)
            finally:
                self._busy[kind.busy_key].discard(strand)
            # The loop claims again at once: the next import of this strand, if any, is taken
            # by this worker, so no other worker needs waking.

    async def _take_reserve(self) -> None:
        if self._reserve is None or self._reserve.in_place:
            return
        async with self._reserve_lock:
            if not self._reserve.in_place:
                await asyncio.to_thread(self._reserve.take)

    async def _record_failure(self, kind: JobKind, row: sqlite3.Row, error: BaseException) -> None:
        """``kind.fail``, until it is written: a failure left unrecorded shows ``importing`` for
        good. On a full disk the reserve is given up first; without one the write is tried again
        every poll interval until there is room, or until shutdown (the import then runs again
        at the next start, decision 23)."""
        told = False
        while True:
            try:
                await kind.fail(row, error)
                return
            except Exception as failure:
                if not is_disk_full(failure):
                    log.exception("could not record the failure of %s import %s",
                                  kind.name, row["id"])
                    return
            if self._reserve is not None and self._reserve.release():
                continue
            if self._stopping:
                return
            if not told:
                log.error("the disk is full: the failure of %s import %s is recorded once "
                          "there is room", kind.name, row["id"])
                told = True
            await asyncio.sleep(self._poll_s)

    async def _wait_for_wake(self) -> None:
        """Until wake() picks this worker, or the poll interval has passed."""
        if self._wake_pending or self._stopping:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._idle.append(waiter)
        try:
            await asyncio.wait_for(waiter, self._poll_s)
        except asyncio.TimeoutError:
            pass
        finally:
            if waiter in self._idle:
                self._idle.remove(waiter)

    def _claim_next(self, conn: sqlite3.Connection) -> tuple[JobKind, sqlite3.Row] | None:
        # Runs on the writer thread inside a transaction: claims are serialised.
        if self._stopping or self._paused:
            # An import interrupted by this shutdown has left the busy set: claiming it again
            # now would reset its progress only to be interrupted at once. While paused (a
            # test control) nothing new starts.
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
