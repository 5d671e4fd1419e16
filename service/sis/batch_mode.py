"""Batch-mode cleanup (sections 5 and 7.5): after the rows, remove what the import left out.

Canvas's SisBatch#remove_previous_imports. It runs when the import asked for batch mode with a
term (``batch_mode_term_id``) or ``multi_term_batch_mode``, supplied courses, sections or
enrollments, and recorded no failure. Then:

1. the terms in scope are the given term, or (multi-term) every term whose SIS record this
   import touched; none: the import is aborted with Canvas's "Terms not found" warning;
2. the import goes ``cleanup_batch``;
3. for each supplied kind (courses, sections, enrollments) the SIS objects of those terms that
   this import did not touch are counted against all in scope; above ``change_threshold``
   percent for any kind nothing is deleted and the import ends ``aborted`` with Canvas's
   "%{count} %{type} would be deleted..." warning;
4. they are removed in Canvas's order, enrollments (deleted, or set to
   ``batch_mode_enrollment_drop_status``), sections, courses, a chunk per transaction, with
   Canvas's cascades (``service.sis.cascades``) and roll-back records marked as batch mode's;
5. ``data.counts`` gets ``batch_<kind>s_deleted`` for each kind cleaned.

Progress keeps rising: the rows take 0..90 when a cleanup follows, the cleanup 90..99 as the
share of its objects already removed (decision in docs/decisions.md).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable

from ..clock import utc_now
from ..db import Database
from ..jobs import JobInterrupted
from ..store import sis_batch_mode as store
from ..store.sis_batch import BatchWriter
from ..store.sis_cascades import change_states, json_ids
from . import cascades
from .context import ImportRun

log = logging.getLogger("canvas_imports")

# The rows' share of the progress when a cleanup follows; the cleanup moves it on to 99.
ROWS_PROGRESS_SHARE = 90
CLEANUP_LAST_PROGRESS = 99
# Objects removed per transaction: big enough that per-statement costs vanish, small enough
# that a status poll or another account's import never waits long for the writer.
CHUNK_OBJECTS = 5_000

TERMS_NOT_FOUND = "Terms not found. Terms must be included with multi_term_batch_mode"
THRESHOLD_EXCEEDED = (
    "{count} {type} would be deleted and exceeds the set threshold of {change_threshold}%")
# Canvas's order of removal, and the type names of its messages and counts.
REMOVAL_ORDER = ("enrollment", "section", "course")
PLURAL = {"course": "courses", "section": "sections", "enrollment": "enrollments"}
# Canvas checks the threshold courses first, then sections, then enrollments.
THRESHOLD_ORDER = ("course", "section", "enrollment")


class CleanupAborted(Exception):
    """The import left ``cleanup_batch`` (the abort API) while the cleanup ran."""


ProgressWriter = Callable[[sqlite3.Connection, int], None]


@dataclass(frozen=True)
class BatchCleanup:
    """What one import's cleanup removes, from its stored options and supplied files."""

    import_id: int
    root_account_id: int
    term_id: int | None
    multi_term: bool
    change_threshold: int | None
    drop_status: str  # deleted, completed, inactive or deleted_last_completed
    kinds: tuple[str, ...]  # of course, section, enrollment: those supplied

    @classmethod
    def for_import(
        cls, run: ImportRun, options: dict[str, Any], supplied_batches: list[str]
    ) -> "BatchCleanup | None":
        """The cleanup an import will run after its rows, or None when batch mode does not apply."""
        if not options.get("batch_mode"):
            return None
        term_id = options.get("batch_mode_term_id")
        multi_term = bool(options.get("multi_term_batch_mode"))
        if term_id is None and not multi_term:
            return None  # Canvas: "we shouldn't be able to get here without a term"
        kinds = tuple(kind for kind in store.KINDS if kind in supplied_batches)
        if not kinds:
            return None
        return cls(
            import_id=run.import_id, root_account_id=run.root_account_id, term_id=term_id,
            multi_term=multi_term, change_threshold=options.get("change_threshold"),
            drop_status=options.get("_batch_mode_enrollment_drop_status") or "deleted",
            kinds=kinds,
        )

    async def run(
        self, db: Database, run: ImportRun, counts: dict[str, int], write_progress: ProgressWriter,
        stopping: Callable[[], bool],
    ) -> bool:
        """Clean up; returns True when the import must end ``aborted`` (no terms, threshold).

        Warnings go to ``run.messages`` for the caller to write; ``counts`` gains the
        ``batch_*_deleted`` keys, saved with each chunk's progress by ``write_progress``.
        """
        try:
            return await self._run(db, run, counts, write_progress, stopping)
        finally:
            await db.write(store.drop_targets, self.import_id)

    async def _run(
        self, db: Database, run: ImportRun, counts: dict[str, int], write_progress: ProgressWriter,
        stopping: Callable[[], bool],
    ) -> bool:
        terms = await db.read(self._terms)
        if not terms:
            run.warn(None, TERMS_NOT_FOUND)
            return True
        terms_json = json_ids(terms)

        def begin(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
            if not store.begin_cleanup(conn, self.import_id, utc_now()):
                raise CleanupAborted()
            return {
                kind: store.count_scope(conn, kind, self.import_id, self.root_account_id,
                                        terms_json, self._drop_status_for(kind))
                for kind in self.kinds
            }

        scopes = await db.write(begin)
        for kind in THRESHOLD_ORDER:
            if kind in scopes and self._exceeds_threshold(*scopes[kind]):
                run.warn(None, THRESHOLD_EXCEEDED.format(
                    count=scopes[kind][1], type=PLURAL[kind], change_threshold=self.change_threshold))
                return True
        total = sum(to_remove for _, to_remove in scopes.values())
        done = 0
        for kind in REMOVAL_ORDER:
            if kind not in scopes:
                continue
            removed = 0
            count_key = f"batch_{PLURAL[kind]}_deleted"
            await db.write(store.collect_targets, kind, self.import_id, self.root_account_id,
                           terms_json, self._drop_status_for(kind))
            after_id = 0
            while True:
                if stopping():
                    raise JobInterrupted()
                run.now = utc_now()
                chunk = await db.write(
                    self._remove_chunk, run, kind, after_id, done, total, counts, count_key,
                    removed, write_progress)
                if chunk is None:
                    break
                after_id, chunk_removed = chunk
                removed += chunk_removed
                done += chunk_removed
            counts[count_key] = removed
        return False

    def _terms(self, conn: sqlite3.Connection) -> list[int]:
        if self.multi_term:
            return store.imported_term_ids(conn, self.import_id, self.root_account_id)
        return [self.term_id] if self.term_id is not None else []

    def _drop_status_for(self, kind: str) -> str | None:
        if kind != "enrollment" or self.drop_status in ("deleted", "deleted_last_completed"):
            return None
        return self.drop_status

    def _exceeds_threshold(self, in_scope: int, to_remove: int) -> bool:
        # Canvas: count.to_f / all_count * 100 > change_threshold (NaN, never above, for 0/0).
        if self.change_threshold is None or in_scope == 0:
            return False
        return to_remove * 100 / in_scope > self.change_threshold

    def _remove_chunk(
        self, conn: sqlite3.Connection, run: ImportRun, kind: str, after_id: int, done: int,
        total: int, counts: dict[str, int], count_key: str, removed_before: int,
        write_progress: ProgressWriter,
    ) -> tuple[int, int] | None:
        """Remove the next chunk of one kind, with its progress, in one transaction."""
        if not store.begin_cleanup(conn, self.import_id, run.now):
            raise CleanupAborted()
        ids = store.next_targets(conn, self.import_id, after_id, CHUNK_OBJECTS)
        if not ids:
            return None
        writer = BatchWriter(conn, self.import_id, run.now)
        if kind == "enrollment":
            removed = self._remove_enrollments(conn, writer, ids)
        elif kind == "section":
            removed = self._remove_sections(conn, writer, ids)
        else:
            removed = self._remove_courses(conn, writer, ids)
        writer.flush()
        counts[count_key] = removed_before + removed
        share = (done + removed) / total if total else 1.0
        write_progress(conn, ROWS_PROGRESS_SHARE + int(
            (CLEANUP_LAST_PROGRESS - ROWS_PROGRESS_SHARE) * share))
        return ids[-1], removed

    def _remove_enrollments(self, conn: sqlite3.Connection, writer: BatchWriter, ids: list[int]) -> int:
        if self.drop_status == "deleted":
            return cascades.destroy_enrollments(conn, writer, ids, batch_mode=True)
        if self.drop_status == "deleted_last_completed":
            # Canvas raises NotImplementedError here; this server does what the status means
            # for an enrollments.csv row (decision in docs/decisions.md).
            elsewhere = store.enrollments_with_other_live_enrollment(conn, json_ids(ids))
            deleted = cascades.destroy_enrollments(
                conn, writer, [i for i in ids if i in elsewhere], batch_mode=True)
            return deleted + cascades.set_enrollment_states(
                conn, writer, [i for i in ids if i not in elsewhere], "completed", batch_mode=True)
        return cascades.set_enrollment_states(conn, writer, ids, self.drop_status, batch_mode=True)

    def _remove_sections(self, conn: sqlite3.Connection, writer: BatchWriter, ids: list[int]) -> int:
        # CourseSection.destroy_batch: the sections, then their enrollments with their cascades.
        removed = change_states(
            conn, import_id=self.import_id, table="course_sections", object_type="CourseSection",
            ids=json_ids(ids), new_state="deleted", now=writer.now, batch_mode_delete=True)
        cascades.destroy_sections_enrollments(conn, writer, ids, batch_mode=True)
        return removed

    def _remove_courses(self, conn: sqlite3.Connection, writer: BatchWriter, ids: list[int]) -> int:
        # Course.destroy_batch: the courses' enrollments (nothing more), then the courses.
        course_ids = json_ids(ids)
        enrollments = store.live_enrollments_of_courses(conn, course_ids)
        if enrollments:
            change_states(
                conn, import_id=self.import_id, table="enrollments", object_type="Enrollment",
                ids=json_ids(enrollments), new_state="deleted", now=writer.now,
                batch_mode_delete=True)
        removed = change_states(
            conn, import_id=self.import_id, table="courses", object_type="Course", ids=course_ids,
            new_state="deleted", now=writer.now, batch_mode_delete=True)
        store.unstick_course_states(conn, course_ids)
        return removed
