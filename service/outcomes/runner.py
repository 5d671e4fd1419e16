"""Running one outcome import: from the uploaded file to ``succeeded`` or ``failed`` (section 11).

The reader works in a thread, a slice at a time, and parses the next slice while the current one
is written; each slice's rows, errors and progress commit in one transaction on the writer
connection (Canvas: one transaction per batch of 1000). A run always starts from the beginning,
so an import interrupted by a crash is simply run again (decision 23).

Only file-level problems and unexpected exceptions fail an import, as ``[1, message]``; row
problems are recorded and the import still succeeds.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Callable

from ..clock import utc_now
from ..db import Database
from ..errors import new_error_report_number
from ..jobs import JobInterrupted, Pace, PacedRun
from ..settings import Settings
from ..states import OutcomeState
from ..store import files as files_store
from ..store import outcome_imports as store
from .importer import OutcomeImportRun, import_batch
from .reader import CANVAS_BATCH_ROWS, CsvRow, OutcomesCsv, OutcomesFileError

log = logging.getLogger("canvas_imports")

UNEXPECTED_ERROR = "An unexpected error has occurred: see error report {number}"
DATABASE_ERROR = "Database error ({message})"
# Progress says 100 only once the import has finished.
MAX_RUNNING_PROGRESS = 99


def progress_after(last_line: int, total_lines: int) -> int:
    """Canvas's floor(last line of the batch / total lines x 100), held below 100 while running."""
    return min(MAX_RUNNING_PROGRESS, last_line * 100 // max(total_lines, 1))


def apply_batch(
    conn: sqlite3.Connection, run: OutcomeImportRun, rows: list[CsvRow], progress: int
) -> None:
    """Import a batch and record its errors and progress, all in the caller's transaction."""
    errors = import_batch(conn, run, rows)
    store.insert_errors(conn, run.import_id, errors)
    store.save_progress(conn, run.import_id, progress, utc_now())


def fail_import(conn: sqlite3.Connection, import_id: int, message: str) -> None:
    """End an import ``failed`` with ``[1, message]``, keeping its last progress."""
    store.insert_errors(conn, import_id, [(1, message)])
    store.finish_outcome_import(conn, import_id, state=OutcomeState.FAILED, progress=None,
                                now=utc_now())


class OutcomeImportRunner:
    """Runs outcome imports claimed by the job queue."""

    def __init__(self, db: Database, settings: Settings, pace: Pace | None = None) -> None:
        self.db = db
        self.settings = settings
        self.pace = pace if pace is not None else Pace()

    async def run(self, row: sqlite3.Row, stopping: Callable[[], bool]) -> None:
        """Run one claimed import to its end, or until shutdown."""
        import_id = row["id"]
        paced = self.pace.start(stopping)
        await self.db.write(store.reset_for_run, import_id)
        try:
            message = await self._import(row, paced)
            # The pace test control: a paced import stays ``importing`` its minimum time.
            await paced.wait(1.0, 0)
        except JobInterrupted:
            raise
        except sqlite3.DatabaseError as error:
            # Canvas turns ActiveRecord::StatementInvalid into a file-level failure.
            log.exception("outcome import %d: database error", import_id)
            message = DATABASE_ERROR.format(message=error)
        except Exception:
            number = new_error_report_number()
            log.exception("error report %d: outcome import %d", number, import_id)
            message = UNEXPECTED_ERROR.format(number=number)
        if message is None:
            await self.db.write(lambda conn: store.finish_outcome_import(
                conn, import_id, state=OutcomeState.SUCCEEDED, progress=100, now=utc_now()))
        else:
            await self.db.write(fail_import, import_id, message)

    async def fail_as_requested(self, row: sqlite3.Row, message: str) -> None:
        """The fail-next test control: the import fails at once with ``[1, message]``."""
        await self.db.write(store.reset_for_run, row["id"])
        await self.db.write(fail_import, row["id"], message)

    async def fail_unexpectedly(self, row: sqlite3.Row, error: BaseException) -> None:
        """An exception outside the import itself: fail it as Canvas fails an unexpected one."""
        number = new_error_report_number()
        log.error("error report %d: outcome import %d: %r", number, row["id"], error)
        await self.db.write(fail_import, row["id"], UNEXPECTED_ERROR.format(number=number))

    async def _import(self, row: sqlite3.Row, paced: PacedRun) -> str | None:
        """Read and import the upload; returns the file-level failure message, if any."""
        upload = await self.db.read(files_store.get_file, row["upload_file_id"])
        path = self.settings.data_dir / upload["path"]
        try:
            outcomes_csv = await asyncio.to_thread(OutcomesCsv, path, CANVAS_BATCH_ROWS)
        except OutcomesFileError as error:
            return error.message
        try:
            if outcomes_csv.header is None:
                return None  # nothing after a byte-order mark: Canvas imports nothing
            run = await self.db.read(
                lambda conn: OutcomeImportRun.start(
                    conn, import_id=row["id"], context=(row["context_type"], row["context_id"]),
                    target_group_id=row["learning_outcome_group_id"], header=outcomes_csv.header))
            return await self._import_batches(run, outcomes_csv, paced)
        finally:
            await asyncio.to_thread(outcomes_csv.close)

    async def _import_batches(
        self, run: OutcomeImportRun, outcomes_csv: OutcomesCsv, paced: PacedRun
    ) -> str | None:
        batches = outcomes_csv.batches()
        pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
        try:
            while True:
                try:
                    rows = await pending
                except OutcomesFileError as error:
                    return error.message
                if rows is None:
                    return None
                if paced.stopping():
                    raise JobInterrupted()
                # Parse the next slice while this one is written.
                pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
                total_lines = outcomes_csv.total_lines
                await paced.wait(rows[-1].line / max(total_lines, 1), rows[-1].line)
                progress = progress_after(rows[-1].line, total_lines)
                await self.db.write(apply_batch, run, rows, progress)
        finally:
            # Let the reader thread finish its slice before the generator is closed.
            await asyncio.gather(pending, return_exceptions=True)
            batches.close()
