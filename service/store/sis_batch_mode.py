"""SQL of batch-mode cleanup (section 7.5): what is in scope, what this import did not touch.

The scopes are Canvas's SisBatch#term_course_scope, #term_sections_scope and
#term_enrollments_scope; "not in this batch" is ``sis_batch_id <> import``. The objects to remove
are collected once into a temporary table of the import (``batch_cleanup_<import id>``), then
taken from it a chunk at a time by id, so memory stays flat however many are deleted and each
chunk is one set-based statement per table.

Enrollments are reached through their sections (``course_sections_course``, then
``enrollments_section_user``): an enrollment's course is always its section's course.
"""

from __future__ import annotations

import sqlite3

from ..states import SisState

KINDS = ("course", "section", "enrollment")


def imported_term_ids(conn: sqlite3.Connection, import_id: int, root_account_id: int) -> list[int]:
    """Terms whose SIS record this import touched (multi_term_batch_mode's terms)."""
    return [row[0] for row in conn.execute(
        "SELECT id FROM enrollment_terms WHERE root_account_id = ? AND sis_batch_id = ? ORDER BY id",
        (root_account_id, import_id),
    )]


def _scope(kind: str, drop_status: str | None) -> str:
    """FROM ... WHERE of a kind's scope; parameters: root account, term ids (JSON)."""
    terms = "c.enrollment_term_id IN (SELECT value FROM json_each(?))"
    if kind == "course":
        return (
            "FROM courses AS c WHERE c.root_account_id = ? AND c.workflow_state <> 'deleted'"
            f" AND c.sis_batch_id IS NOT NULL AND c.sis_source_id IS NOT NULL AND {terms}"
        )
    if kind == "section":
        # A cross-listed section belongs to the term of its original course.
        return (
            "FROM course_sections AS t"
            " JOIN courses AS c ON c.id = coalesce(t.nonxlist_course_id, t.course_id)"
            " WHERE t.root_account_id = ? AND t.workflow_state <> 'deleted'"
            f" AND t.sis_batch_id IS NOT NULL AND t.sis_source_id IS NOT NULL AND {terms}"
        )
    # An enrollment already in the drop status is out of scope (Canvas: where.not(workflow_state)).
    dropped = " AND t.workflow_state <> ?" if drop_status else ""
    return (
        "FROM courses AS c JOIN course_sections AS s ON s.course_id = c.id"
        " JOIN enrollments AS t ON t.course_section_id = s.id AND t.course_id = c.id"
        f" WHERE t.root_account_id = ? AND {terms} AND t.workflow_state <> 'deleted'{dropped}"
        " AND t.sis_batch_id IS NOT NULL"
    )


def _params(kind: str, root_account_id: int, terms: str, drop_status: str | None) -> list:
    if kind == "enrollment" and drop_status:
        return [root_account_id, terms, drop_status]
    return [root_account_id, terms]


def _alias(kind: str) -> str:
    return "c" if kind == "course" else "t"


def count_scope(
    conn: sqlite3.Connection, kind: str, import_id: int, root_account_id: int, terms: str,
    drop_status: str | None,
) -> tuple[int, int]:
    """(objects in scope, of which this import did not touch) for one kind, in one pass."""
    alias = _alias(kind)
    row = conn.execute(
        f"SELECT count(*), coalesce(sum({_not_touched(kind)}), 0) {_scope(kind, drop_status)}",
        (import_id, *([import_id] if kind == "enrollment" else []),
         *_params(kind, root_account_id, terms, drop_status)),
    ).fetchone()
    return row[0], row[1]


def _not_touched(kind: str) -> str:
    """SQL true for an object of the scope this import did not touch (parameters: the import,
    and again the import for enrollments).

    An observer's enrollment that follows a student enrollment this import touched counts as
    touched too (Canvas: "preserves observer enrollments linked to unchanged student
    enrollments"): it goes and comes with the student's, never on its own.
    """
    alias = _alias(kind)
    if kind != "enrollment":
        return f"{alias}.sis_batch_id <> ?"
    return (
        "(t.sis_batch_id <> ? AND NOT (t.type = 'ObserverEnrollment' AND EXISTS ("
        " SELECT 1 FROM enrollments AS st JOIN user_observers AS uo"
        "  ON uo.root_account_id = st.root_account_id AND uo.user_id = st.user_id"
        "  AND uo.observer_id = t.user_id AND uo.workflow_state <> 'deleted'"
        " WHERE st.course_section_id = t.course_section_id AND st.user_id = t.associated_user_id"
        "  AND st.type = 'StudentEnrollment' AND st.sis_batch_id = ?)))"
    )


def _table(import_id: int) -> str:
    return f"temp.batch_cleanup_{int(import_id)}"


def collect_targets(
    conn: sqlite3.Connection, kind: str, import_id: int, root_account_id: int, terms: str,
    drop_status: str | None,
) -> int:
    """Fill the import's cleanup table with the kind's objects this import did not touch."""
    table = _table(import_id)
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
    alias = _alias(kind)
    cursor = conn.execute(
        f"INSERT INTO {table} (id) SELECT {alias}.id {_scope(kind, drop_status)}"
        f" AND {_not_touched(kind)}",
        (*_params(kind, root_account_id, terms, drop_status), import_id,
         *([import_id] if kind == "enrollment" else [])),
    )
    return cursor.rowcount


def next_targets(conn: sqlite3.Connection, import_id: int, after_id: int, limit: int) -> list[int]:
    """The next ids of the cleanup table, by id."""
    return [row[0] for row in conn.execute(
        f"SELECT id FROM {_table(import_id)} WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit))]


def drop_targets(conn: sqlite3.Connection, import_id: int) -> None:
    """Forget the import's cleanup table."""
    conn.execute(f"DROP TABLE IF EXISTS {_table(import_id)}")


def enrollments_with_other_live_enrollment(conn: sqlite3.Connection, enrollment_ids: str) -> set[int]:
    """Those of the enrollments whose user keeps another live enrollment in the course
    (``deleted_last_completed``: delete those, conclude the others)."""
    return {row[0] for row in conn.execute(
        "SELECT e.id FROM json_each(?) AS j JOIN enrollments AS e ON e.id = j.value"
        " WHERE EXISTS (SELECT 1 FROM enrollments AS o WHERE o.user_id = e.user_id"
        "  AND o.course_id = e.course_id AND o.id <> e.id AND o.workflow_state <> 'deleted')",
        (enrollment_ids,),
    )}


def live_enrollments_of_courses(conn: sqlite3.Connection, course_ids: str) -> list[int]:
    """Ids of the enrollments (not deleted) of the courses ``course_ids``."""
    return [row[0] for row in conn.execute(
        "SELECT e.id FROM json_each(?) AS j JOIN course_sections AS s ON s.course_id = j.value"
        " JOIN enrollments AS e ON e.course_section_id = s.id AND e.course_id = s.course_id"
        " WHERE e.workflow_state <> 'deleted' ORDER BY e.id",
        (course_ids,),
    )]


def unstick_course_states(conn: sqlite3.Connection, course_ids: str) -> None:
    """Deleted courses forget a sticky workflow_state (finish_course_destroy)."""
    conn.execute(
        "UPDATE courses SET stuck_sis_fields ="
        " trim(replace(',' || stuck_sis_fields || ',', ',workflow_state,', ','), ',')"
        " WHERE id IN (SELECT value FROM json_each(?))"
        " AND ',' || stuck_sis_fields || ',' LIKE '%,workflow_state,%'",
        (course_ids,),
    )


def begin_cleanup(conn: sqlite3.Connection, import_id: int, now: str) -> bool:
    """The import goes ``cleanup_batch``; False if it left ``importing`` (it was aborted)."""
    cursor = conn.execute(
        "UPDATE sis_imports SET workflow_state = ?, updated_at = ?"
        " WHERE id = ? AND workflow_state IN (?, ?)",
        (SisState.CLEANUP_BATCH, now, import_id, SisState.IMPORTING, SisState.CLEANUP_BATCH),
    )
    return cursor.rowcount == 1
