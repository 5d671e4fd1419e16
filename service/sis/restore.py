"""Restoring an SIS import (restore_states, section 2.9): every object it changed goes back.

Canvas's SisBatch#restore_states_for_batch, as a job on the account's strand: the Progress goes
``running`` and the import ``restoring``; the roll-back records in scope are applied type by type
in Canvas's RESTORE_ORDER (parents first), 5,000 at a time by object id, each page in one
transaction with the Progress's completion; then ``data.statistics.<Type>.restored`` counts the
restored records and the import ends ``partially_restored`` when any of ``batch_mode``,
``undelete_only`` or ``unconclude_only`` was set, ``restored`` otherwise.

Records are marked restored as they are applied, so a restore interrupted by a shutdown or a
crash simply runs again and picks up where it stopped.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, Callable

import orjson

from ..clock import utc_now
from ..db import Database
from ..jobs import JobInterrupted
from ..states import SisState
from ..store import progresses as progress_store
from ..store import sis_imports as import_store
from ..store import sis_restore as store
from ..store.sis_objects import import_statistics
from .context import Message

log = logging.getLogger("canvas_imports")

# Canvas's restore_workflow_states works through find_in_batches(batch_size: 5_000).
RECORDS_PER_PAGE = 5_000
ROLLBACK_FAILED = "Couldn't rollback SIS batch data for row - {record}"


def scope_of(progress: sqlite3.Row) -> store.RestoreScope:
    """The restore's flags, as stored on its Progress."""
    options = orjson.loads(progress["options"])
    return store.RestoreScope(
        batch_mode=bool(options.get("batch_mode")),
        undelete_only=bool(options.get("undelete_only")),
        unconclude_only=bool(options.get("unconclude_only")),
    )


class SisRestoreRunner:
    """Runs the restores claimed by the job queue."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def run(self, progress: sqlite3.Row, stopping: Callable[[], bool]) -> None:
        """Apply an import's roll-back records, page by page, to the end."""
        import_id = progress["context_id"]
        scope = scope_of(progress)

        def begin(conn: sqlite3.Connection) -> int:
            store.begin_restore(conn, import_id, utc_now())
            return store.count_in_scope(conn, import_id, scope)

        total = await self.db.write(begin)
        done = 0
        for object_type in store.RESTORE_ORDER:
            after_object_id = 0
            while True:
                if stopping():
                    raise JobInterrupted()
                applied = await self.db.write(
                    self._apply_page, progress, scope, object_type, after_object_id, done, total)
                if applied is None:
                    break
                after_object_id, count = applied
                done += count
        await self.db.write(self._finish, progress, scope)

    def _apply_page(
        self, conn: sqlite3.Connection, progress: sqlite3.Row, scope: store.RestoreScope,
        object_type: str, after_object_id: int, done: int, total: int,
    ) -> tuple[int, int] | None:
        import_id = progress["context_id"]
        records = store.records_page(conn, import_id, object_type, scope, after_object_id,
                                     RECORDS_PER_PAGE)
        if not records:
            return None
        now = utc_now()
        failed = store.restore_states(conn, records, now)
        if failed:
            failed_ids = {r.object_id for r in failed}
            store.mark_records(conn, import_id, failed, "failed")
            store.mark_records(conn, import_id,
                               [r for r in records if r.object_id not in failed_ids], "restored")
            import_store.insert_messages(conn, import_id, progress["account_id"], [
                Message(None, ROLLBACK_FAILED.format(record=r.inspect(import_id)), None, None, False)
                for r in failed
            ], now)
        else:
            store.mark_records(conn, import_id, records, "restored")
        done += len(records)
        progress_store.set_completion(conn, progress["id"], 100.0 * done / max(total, 1), now)
        return records[-1].object_id, len(records)

    @staticmethod
    def _finish(conn: sqlite3.Connection, progress: sqlite3.Row, scope: store.RestoreScope) -> None:
        import_id = progress["context_id"]
        data: dict[str, Any] = store.import_data(conn, import_id)
        # Canvas's add_restore_statistics: statistics first if the import never got them.
        statistics = data.get("statistics") or import_statistics(conn, import_id)
        for object_type, restored in store.restored_counts(conn, import_id).items():
            statistics.setdefault(object_type, {})["restored"] = restored
        data["statistics"] = statistics
        now = utc_now()
        state = SisState.PARTIALLY_RESTORED if scope.partial else SisState.RESTORED
        store.finish_restore(conn, import_id, state, data, now)
        progress_store.complete_progress(conn, progress["id"], now)

    async def fail_unexpectedly(self, progress: sqlite3.Row, error: BaseException) -> None:
        """The job raised: the Progress fails with the error's message (Canvas's Progress::Work);
        the import keeps ``restoring``, as in Canvas."""
        message = str(error) or type(error).__name__
        await self.db.write(
            lambda conn: progress_store.fail_progress(conn, progress["id"], message, utc_now()))
