"""The queue records a job's failure even on a full disk: with the reserve first, then by trying
again until there is room (the full disk itself, for real: test_full_disk)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from service.db import Database
from service.disk_reserve import DiskReserve
from service.jobs import JobKind, JobQueue


def _disk_full() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL  # as SQLite sets it on a failed COMMIT
    return error


class FailingJob:
    """One job that fails; recording its failure meets a full disk ``full_for`` times."""

    def __init__(self, full_for: int, reserve: DiskReserve | None = None) -> None:
        self.full_for = full_for
        self.reserve = reserve
        self.claimed = False
        self.attempts: list[bool] = []  # per attempt to record: was the reserve still there?
        self.recorded = asyncio.Event()

    def kind(self) -> JobKind:
        return JobKind(name="test", claim=self._claim, strand=lambda row: 1,
                       run=self._run, fail=self._fail)

    def _claim(self, conn: sqlite3.Connection, busy: object, now: str) -> dict | None:
        if self.claimed:
            return None
        self.claimed = True
        return {"id": 1}

    async def _run(self, row: dict, stopping: object) -> None:
        raise RuntimeError("the import broke")

    async def _fail(self, row: dict, error: BaseException) -> None:
        self.attempts.append(self.reserve is not None and self.reserve.in_place)
        if len(self.attempts) <= self.full_for:
            raise _disk_full()
        self.recorded.set()


async def _run_queue(tmp_path: Path, job: FailingJob, reserve: DiskReserve | None) -> None:
    db = Database(tmp_path / "queue.sqlite3")
    await db.open()
    queue = JobQueue(db, [job.kind()], workers=1, poll_s=0.01, reserve=reserve)
    try:
        queue.start()
        await asyncio.wait_for(job.recorded.wait(), 10)
    finally:
        await queue.stop(1)
        await db.close()


async def test_a_failure_on_a_full_disk_is_recorded_with_the_reserve_given_up(tmp_path):
    reserve = DiskReserve(tmp_path / "disk-reserve", size=64 * 1024)
    job = FailingJob(full_for=1, reserve=reserve)
    await _run_queue(tmp_path, job, reserve)
    assert job.attempts == [True, False]  # the second attempt had the reserve's room


async def test_a_failure_is_recorded_once_the_disk_has_room_again(tmp_path):
    job = FailingJob(full_for=3)
    await _run_queue(tmp_path, job, reserve=None)
    assert len(job.attempts) == 4
