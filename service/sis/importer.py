"""Running one SIS import: from the uploaded file to a terminal state.

The way a file travels (design.md): list the CSVs of the upload, check each (UTF-8, header row,
line count), order them by kind (section 7.1), then stream each one through its kind's importer
a batch at a time. Reading happens in a worker thread; each batch's rows, messages, counts and
progress are written in one transaction on the writer connection. A run always starts from the
beginning, so an import interrupted by a crash is simply run again (decision 23).
"""

from __future__ import annotations

import asyncio
import csv
import logging
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import orjson

from ..clock import utc_now
from ..db import Database
from ..errors import new_error_report_number
from ..jobs import JobInterrupted, Pace, PacedRun
from ..settings import Settings
from ..states import SisState
from ..store import files as files_store
from ..store import sis_imports as store
from ..store.sis_objects import import_statistics
from . import row_digests
from .batch_mode import ROWS_PROGRESS_SHARE, BatchCleanup, CleanupAborted
from .context import ImporterFn, ImportRun, SisOptions, SisRow
from .diffing import diff_against_baseline
from .importers import importer_for
from .kinds import COUNT_KEYS, ORDER
from .progress_data import for_finished_import, for_running_import, note_completed_importer
from .reader import (
    CsvFileError, InspectedCsv, UploadSources, inspect_csv, list_sources, read_batches,
    write_attachment_copy,
)

log = logging.getLogger("canvas_imports")

# Canvas runs imports of fewer rows than this in one process, without intermediate progress.
RUNNING_IMMEDIATELY_MAX_ROWS = 49
# Progress is reported at least every 1% of the rows, but batches never get smaller than this.
MIN_BATCH_ROWS = 50
ERRORS_FILE_HEADER = ("sis_import_id", "file", "message", "row")
ERRORS_PAGE_ROWS = 10_000
UNEXPECTED_ERROR = "Error while importing CSV. Please contact support. (Error report {number})"


class ImportAborted(Exception):
    """The import left ``importing`` (it was aborted) while a batch was being prepared."""


@dataclass
class _Totals:
    failures: int = 0
    warnings: int = 0


class SisImportRunner:
    """Runs SIS imports claimed by the job queue."""

    def __init__(self, db: Database, settings: Settings, pace: Pace | None = None) -> None:
        self.db = db
        self.settings = settings
        self.pace = pace if pace is not None else Pace()

    async def run(self, row: sqlite3.Row, stopping: Callable[[], bool]) -> None:
        """Run one claimed import to its end, until it is aborted, or until shutdown."""
        try:
            await self._run(row, stopping)
        except (ImportAborted, CleanupAborted):
            log.info("SIS import %s was aborted", row["id"])

    async def fail_unexpectedly(self, row: sqlite3.Row, error: BaseException) -> None:
        """An exception outside the CSV pipeline: the import ends ``failed`` (section 5)."""
        data = orjson.loads(row["data"])
        # The exception's text may name paths of the server's disk: the log keeps it, the
        # client gets the report number to quote.
        number = new_error_report_number()
        log.error("error report %d: SIS import %d: %r", number, row["id"], error)
        data["error_message"] = UNEXPECTED_ERROR.format(number=number)
        await self.db.write(
            lambda conn: store.finish_sis_import(
                conn, row["id"], state=SisState.FAILED, progress=None, data=data,
                errors_file_id=None, now=utc_now()))

    async def fail_as_requested(self, row: sqlite3.Row, message: str) -> None:
        """The fail-next test control: the import fails at once, ``message`` its one failure.

        It ends as a file-level failure ends (``failed_with_messages``, the message in
        ``processing_errors``, the errors endpoint and the errors file), none of its rows read.
        """
        run, data = await self._start(row)
        upload = await self.db.read(files_store.get_file, row["upload_file_id"])
        run.fail(upload["display_name"] if upload is not None else "", message)
        data["running_immediately"] = True
        data["completed_importers"] = []
        await self._finish(run, _Totals(), data)

    async def _start(self, row: sqlite3.Row) -> tuple[ImportRun, dict[str, Any]]:
        options = orjson.loads(row["options"])
        run = ImportRun(row["id"], row["account_id"], _sis_options(options), utc_now())
        data: dict[str, Any] = {
            "import_type": orjson.loads(row["data"]).get("import_type", "instructure_csv"),
            "supplied_batches": [],
            "counts": {key: 0 for key in COUNT_KEYS},
        }
        await self.db.write(store.reset_for_run, row["id"], data)
        return run, data

    async def _run(self, row: sqlite3.Row, stopping: Callable[[], bool]) -> None:
        options = orjson.loads(row["options"])
        paced = self.pace.start(stopping)
        run, data = await self._start(row)
        upload = await self.db.read(files_store.get_file, row["upload_file_id"])
        upload_path = self.settings.data_dir / upload["path"]
        listing = await asyncio.to_thread(
            list_sources, upload_path, options.get("_file_type", "csv"), upload["display_name"],
            self.settings.max_zip_expansion_ratio)
        try:
            await self._import_sources(row, run, listing, upload, upload_path, options, data,
                                       stopping, paced)
        finally:
            listing.close()

    async def _import_sources(
        self, row: sqlite3.Row, run: ImportRun, listing: UploadSources, upload: sqlite3.Row,
        upload_path: Path, options: dict[str, Any], data: dict[str, Any],
        stopping: Callable[[], bool], paced: PacedRun,
    ) -> None:
        import_id = run.import_id
        run.messages.extend(listing.messages)
        inspected: list[InspectedCsv] = []
        for source in listing.sources:
            try:
                inspected.append(await asyncio.to_thread(inspect_csv, source))
            except CsvFileError as error:
                run.fail(source.name, error.message)
        inspected.sort(key=lambda c: ORDER[c.kind.name])  # stable: upload order within a kind
        received = inspected
        # Diffing comes before the rows: from here on only the rows that changed are imported.
        diff = await diff_against_baseline(self.db, self.settings, row, options, upload_path,
                                           received)
        run.messages.extend(diff.messages)
        inspected = diff.csvs
        data["supplied_batches"] = list(dict.fromkeys(c.kind.name for c in inspected))
        cleanup = BatchCleanup.for_import(run, options, data["supplied_batches"])
        if cleanup is not None:
            run.rows_progress_share = ROWS_PROGRESS_SHARE  # the cleanup takes the rest
        total_lines = sum(c.total_lines for c in inspected)
        data["running_immediately"] = total_lines - len(inspected) <= RUNNING_IMMEDIATELY_MAX_ROWS
        data["completed_importers"] = []
        csv_file_ids = await self._keep_csv_copies(import_id, received, upload, options)
        if diff.against_import_id is not None:
            diffed_ids = await self._keep_csv_copies(import_id, inspected, upload, options,
                                                     directory_name="diffed")
            data["diffed_against_sis_batch_id"] = diff.against_import_id
            data["diffed_attachment_ids"] = diffed_ids
            csv_file_ids = csv_file_ids + diffed_ids
        data["downloadable_attachment_ids"] = csv_file_ids
        totals = _Totals()
        await self._write(run, totals, data, progress=0, csv_file_ids=csv_file_ids)

        batch_rows = _batch_rows(total_lines, self.settings.import_batch_rows)
        lines_before = 0
        for csv_file in inspected:
            await self._import_file(run, totals, csv_file, batch_rows, lines_before, total_lines,
                                    data, stopping, paced)
            run.end_file()
            lines_before += csv_file.total_lines
            note_completed_importer(data, csv_file.kind.name)
            # Record the file's end (and any failure it ended with) before the next one starts.
            await self._write(run, totals, data,
                              progress=_row_progress(run, lines_before, total_lines))
        await paced.wait(1.0, total_lines)
        aborted = False
        if cleanup is not None and not totals.failures:
            # After the rows, batch mode removes what the import left out (a failed import
            # cleans nothing up: it may not have read everything it was given).
            aborted = await cleanup.run(
                self.db, run, data["counts"],
                lambda conn, progress: _write_messages_and_progress(
                    conn, run, totals, data, progress),
                stopping)
        await self._finish(run, totals, data, aborted=aborted)

    async def _import_file(
        self, run: ImportRun, totals: _Totals, csv_file: InspectedCsv, batch_rows: int,
        lines_before: int, total_lines: int, data: dict[str, Any],
        stopping: Callable[[], bool], paced: PacedRun,
    ) -> None:
        """Stream one CSV through its kind's importer; file-level problems become failures."""
        importer = importer_for(csv_file.kind.name)
        run.file_state[row_digests.HEADER_KEY] = tuple(csv_file.headers)
        batches = read_batches(csv_file, batch_rows)
        try:
            while True:
                # Parsing the next batch while the last one is written overlaps little: both
                # need the GIL, and their hand-overs cost more than they save (measured on the
                # 300k-enrollment zip: poll p99 42-53 -> 30-36 ms, throughput no lower). Again
                # with the import in its own process, bench nightly, 3 runs: no faster (users
                # 1% changed 0.256-0.276 with it, 0.282-0.283 without; identical the same
                # within the spread) and 4-10 MiB more peak RSS.
                try:
                    item = await asyncio.to_thread(next, batches, None)
                except CsvFileError as error:
                    run.fail(csv_file.source.name, error.message)
                    return
                if item is None:
                    return
                if stopping():
                    raise JobInterrupted()
                rows, lines_read = item
                lines_done = lines_before + lines_read
                # The pace test control: the batch is written no sooner than its share of the
                # import's minimum time, so intermediate progress can be watched.
                await paced.wait(lines_done / max(total_lines, 1), lines_done)
                progress = _row_progress(run, lines_done, total_lines)
                try:
                    await self._apply(run, totals, importer, csv_file, rows, data, progress)
                except ImportAborted:
                    raise
                except Exception:
                    # The batch rolled back: forget what importers cached from it.
                    run.state.clear()
                    number = new_error_report_number()
                    log.exception("error report %d: SIS import %d, file %s",
                                  number, run.import_id, csv_file.source.name)
                    run.fail(csv_file.source.name, UNEXPECTED_ERROR.format(number=number))
                    return
        finally:
            batches.close()

    async def _apply(
        self, run: ImportRun, totals: _Totals, importer: ImporterFn, csv_file: InspectedCsv,
        rows: list[SisRow], data: dict[str, Any], progress: int,
    ) -> None:
        count_key = csv_file.kind.count_key
        run.now = utc_now()

        def apply_batch(conn: sqlite3.Connection) -> None:
            if not store.is_still_importing(conn, run.import_id):
                raise ImportAborted()
            imported = importer(conn, run, csv_file.source.name, rows)
            counts = dict(data["counts"])
            counts[count_key] += imported
            _write_messages_and_progress(conn, run, totals, {**data, "counts": counts}, progress)
            data["counts"] = counts

        try:
            await self.db.write(apply_batch)
        finally:
            run.messages.clear()

    async def _write(
        self, run: ImportRun, totals: _Totals, data: dict[str, Any], progress: int,
        csv_file_ids: list[int] | None = None,
    ) -> None:
        """Store messages in hand and progress; with ``csv_file_ids``, the files kept too."""
        def write(conn: sqlite3.Connection) -> None:
            if not store.is_still_importing(conn, run.import_id):
                raise ImportAborted()
            if csv_file_ids is not None:
                store.set_csv_file_ids(conn, run.import_id, csv_file_ids)
            _write_messages_and_progress(conn, run, totals, data, progress)

        try:
            await self.db.write(write)
        finally:
            run.messages.clear()

    async def _finish(
        self, run: ImportRun, totals: _Totals, data: dict[str, Any],
        *, aborted: bool = False,
    ) -> None:
        if run.messages:
            # Messages still in hand must be stored before the errors file is written; with
            # none (every batch stores its own) the finishing transaction alone does it all,
            # the check that the import was not aborted included.
            await self._write(run, totals, data, progress=0)
        data["counts"]["error_count"] = totals.failures
        data["counts"]["warning_count"] = totals.warnings
        errors_file_id = None
        if totals.failures or totals.warnings:
            errors_file_id = await self._write_errors_file(run.import_id)
        if aborted:
            # Batch mode gave up (no terms, change_threshold): Canvas keeps "aborted", progress 100.
            state, progress = SisState.ABORTED, 100
        elif totals.failures:
            # A failed batch keeps its last progress (section 5).
            state, progress = SisState.FAILED_WITH_MESSAGES, None
        elif totals.warnings:
            state, progress = SisState.IMPORTED_WITH_MESSAGES, 100
        else:
            state, progress = SisState.IMPORTED, 100

        def finish(conn: sqlite3.Connection) -> bool:
            # Summing a big import's roll-back records takes a while: on the writer, in the
            # finishing transaction, it never holds up a status poll on the read connection.
            data["statistics"] = import_statistics(conn, run.import_id)
            return store.finish_sis_import(
                conn, run.import_id, state=state, progress=progress,
                data=for_finished_import(data), errors_file_id=errors_file_id, now=utc_now())

        finished = await self.db.write(finish)
        if not finished:
            raise ImportAborted()

    async def _keep_csv_copies(
        self, import_id: int, inspected: list[InspectedCsv], upload: sqlite3.Row,
        options: dict[str, Any], directory_name: str | None = None,
    ) -> list[int]:
        """Store each CSV, password columns removed: those received for ``csv_attachments``,
        the generated diffs (``directory_name``) for ``diffed_csv_attachments``."""
        directory = Path("files") / f"sis_import_{import_id}"
        if directory_name is not None:
            directory = directory / directory_name
        (self.settings.data_dir / directory).mkdir(parents=True, exist_ok=True)
        file_ids: list[int] = []
        for index, csv_file in enumerate(inspected, start=1):
            if (options.get("_file_type") == "csv" and not csv_file.has_password_columns
                    and directory_name is None):
                file_ids.append(upload["id"])  # the upload itself is the CSV: no copy needed
                continue
            base = Path(csv_file.source.name).name
            if csv_file.has_password_columns:
                base = f"{Path(base).stem}_filtered.csv"
            # On disk by position only: a member's name may be longer than the file system allows.
            relative = directory / f"{index}.csv"
            await asyncio.to_thread(write_attachment_copy, csv_file,
                                    self.settings.data_dir / relative)
            size = (self.settings.data_dir / relative).stat().st_size
            file_ids.append(await self.db.write(
                lambda conn, b=base, r=relative, s=size: files_store.insert_file(
                    conn, display_name=b, content_type="text/csv", size=s,
                    relative_path=str(r), now=utc_now())))
        return file_ids

    async def _write_errors_file(self, import_id: int) -> int:
        """Write sis_errors_attachment_<id>.csv from the stored messages, a page at a time."""
        relative = Path("files") / f"sis_import_{import_id}" / f"sis_errors_attachment_{import_id}.csv"
        path = self.settings.data_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        after_id = 0
        try:
            with open(partial, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(ERRORS_FILE_HEADER)
                while True:
                    page = await self.db.read(store.messages_page, import_id, after_id,
                                              ERRORS_PAGE_ROWS)
                    if not page:
                        break
                    await asyncio.to_thread(writer.writerows, (
                        (import_id, m["file"], m["message"], m["row"]) for m in page))
                    after_id = page[-1]["id"]
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        size = path.stat().st_size
        return await self.db.write(
            lambda conn: files_store.insert_file(
                conn, display_name=relative.name, content_type="text/csv", size=size,
                relative_path=str(relative), now=utc_now()))


def _write_messages_and_progress(
    conn: sqlite3.Connection, run: ImportRun, totals: _Totals, data: dict[str, Any],
    progress: int,
) -> None:
    failures, warnings = store.insert_messages(
        conn, run.import_id, run.root_account_id, run.messages, run.now)
    store.save_progress(conn, run.import_id, progress, for_running_import(data), run.now)
    # Only count once the transaction is certain to commit (nothing after this can fail).
    totals.failures += failures
    totals.warnings += warnings


def _row_progress(run: ImportRun, lines_done: int, total_lines: int) -> int:
    """The progress after ``lines_done`` of the import's lines: their share, never 100."""
    return min(99, lines_done * run.rows_progress_share // max(total_lines, 1))


def _batch_rows(total_lines: int, max_rows: int) -> int:
    # At most 1% of the work per batch so progress moves in small steps, within sane bounds.
    return max(MIN_BATCH_ROWS, min(max_rows, math.ceil(total_lines / 100)))


def _sis_options(options: dict[str, Any]) -> SisOptions:
    return SisOptions(
        skip_deletes=bool(options.get("skip_deletes")),
        override_sis_stickiness=bool(options.get("override_sis_stickiness")),
        add_sis_stickiness=bool(options.get("add_sis_stickiness")),
        clear_sis_stickiness=bool(options.get("clear_sis_stickiness")),
        update_sis_id_if_login_claimed=bool(options.get("update_sis_id_if_login_claimed")),
    )

