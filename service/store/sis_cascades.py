"""SQL of Canvas's deletion cascades: set-based state changes, each with its roll-back records.

Every function takes its object ids as one JSON list (``json_each`` sidesteps SQLite's limit on
bound variables) and works with one statement per call, never one per object: a cascade may
touch thousands of rows. ``change_states`` writes the roll-back records (``sis_state_changes``)
in the same statement style, so ``restore_states`` brings every cascaded change back.

Table names passed here always come from the code, never from a CSV.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable

import orjson

# Canvas's "deleted" for each kind (an e-mail channel is retired instead; not cascaded here).
DELETED = "deleted"


def json_ids(ids: Iterable[int]) -> str:
    """A JSON list of ids for ``json_each``."""
    return orjson.dumps(list(ids)).decode()


def change_states(
    conn: sqlite3.Connection, *, import_id: int, table: str, object_type: str, ids: str,
    new_state: str, now: str, batch_mode_delete: bool = False, stamp_sis_batch: bool = False,
) -> int:
    """Move the rows ``ids`` (a JSON list) of ``table`` to ``new_state``; returns how many moved.

    Rows already in that state are left alone. Each moved row gets a roll-back record (the
    first previous state of the import wins, as BatchWriter does). ``stamp_sis_batch`` also
    sets the row's ``sis_batch_id`` to the import, as Canvas's batch state updates do.
    """
    where = f"id IN (SELECT value FROM json_each(?)) AND workflow_state IS NOT ?"
    conn.execute(
        "INSERT INTO sis_state_changes (sis_import_id, object_type, object_id, previous_state,"
        " new_state, batch_mode_delete)"
        f" SELECT ?, ?, id, workflow_state, ?, ? FROM {table} WHERE {where}"
        " ON CONFLICT (sis_import_id, object_type, object_id) DO UPDATE SET"
        " new_state = excluded.new_state,"
        " batch_mode_delete = max(batch_mode_delete, excluded.batch_mode_delete)",
        (import_id, object_type, new_state, int(batch_mode_delete), ids, new_state),
    )
    sets = "workflow_state = ?, updated_at = ?"
    params: list[Any] = [new_state, now]
    if stamp_sis_batch:
        sets += ", sis_batch_id = ?"
        params.append(import_id)
    cursor = conn.execute(f"UPDATE {table} SET {sets} WHERE {where}", (*params, ids, new_state))
    return cursor.rowcount


def live_enrollments_of_sections(conn: sqlite3.Connection, section_ids: str) -> list[int]:
    """Ids of the enrollments that are not deleted in the sections ``section_ids``."""
    return [row[0] for row in conn.execute(
        "SELECT e.id FROM json_each(?) AS j JOIN enrollments AS e ON e.course_section_id = j.value"
        " WHERE e.workflow_state <> 'deleted' ORDER BY e.id",
        (section_ids,),
    )]


def live_enrollments_of_user(conn: sqlite3.Connection, user_id: int, root_account_id: int) -> list[int]:
    """Ids of a user's enrollments in a root account that are not deleted."""
    return [row[0] for row in conn.execute(
        "SELECT id FROM enrollments WHERE user_id = ? AND root_account_id = ?"
        " AND workflow_state <> 'deleted' ORDER BY id",
        (user_id, root_account_id),
    )]


def memberships_left_without_enrollment(
    conn: sqlite3.Connection, enrollment_ids: str, *, students_only: bool
) -> list[int]:
    """Group memberships (not deleted) that the deleted enrollments ``enrollment_ids`` orphan.

    For each (user, course) of those enrollments: the user's memberships in the course's groups,
    when the user has no other enrollment there that is not deleted (``students_only``: no other
    student enrollment that is neither deleted nor rejected, Enrollment#destroy's rule).
    Call it after the enrollments were deleted.
    """
    other = (
        "e2.type = 'StudentEnrollment' AND e2.workflow_state NOT IN ('deleted', 'rejected')"
        if students_only else "e2.workflow_state <> 'deleted'"
    )
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT gm.id FROM"
        " (SELECT DISTINCT e.user_id, e.course_id FROM json_each(?) AS j"
        "  JOIN enrollments AS e ON e.id = j.value) AS d"
        " JOIN groups AS g ON g.context_type = 'Course' AND g.context_id = d.course_id"
        " JOIN group_memberships AS gm ON gm.group_id = g.id AND gm.user_id = d.user_id"
        "  AND gm.workflow_state <> 'deleted'"
        " WHERE NOT EXISTS (SELECT 1 FROM enrollments AS e2 WHERE e2.user_id = d.user_id"
        f"  AND e2.course_id = d.course_id AND {other})",
        (enrollment_ids,),
    )]


def live_memberships_of_groups(conn: sqlite3.Connection, group_ids: str) -> list[int]:
    """Ids of the memberships (not deleted) of the groups ``group_ids``."""
    return [row[0] for row in conn.execute(
        "SELECT gm.id FROM json_each(?) AS j JOIN group_memberships AS gm ON gm.group_id = j.value"
        " WHERE gm.workflow_state <> 'deleted' ORDER BY gm.id",
        (group_ids,),
    )]


def live_memberships_of_user(conn: sqlite3.Connection, user_id: int, root_account_id: int) -> list[int]:
    """Ids of a user's group memberships (not deleted) in a root account."""
    return [row[0] for row in conn.execute(
        "SELECT id FROM group_memberships WHERE user_id = ? AND root_account_id = ?"
        " AND workflow_state <> 'deleted'",
        (user_id, root_account_id),
    )]


def live_account_users_of_user(conn: sqlite3.Connection, user_id: int, root_account_id: int) -> list[int]:
    """Ids of a user's admin rights (not deleted) in a root account."""
    return [row[0] for row in conn.execute(
        "SELECT id FROM account_users WHERE user_id = ? AND root_account_id = ?"
        " AND workflow_state <> 'deleted'",
        (user_id, root_account_id),
    )]


def has_observer_links(conn: sqlite3.Connection) -> bool:
    """Whether any observer link is not deleted (a probe before the joins that need one)."""
    return conn.execute(
        "SELECT 1 FROM user_observers WHERE workflow_state <> 'deleted' LIMIT 1"
    ).fetchone() is not None


# What following a student enrollment needs: the student enrollment (s), the observer of an
# active link to its student (uo), and the observer's enrollment linked to it, if any (l).
_LINKED_COLUMNS = (
    "s.id AS student_enrollment_id, s.root_account_id, s.user_id AS student_id, s.course_id,"
    " s.course_section_id, s.workflow_state, s.start_at, s.end_at, s.sis_batch_id, uo.observer_id,"
    " l.id AS linked_id, l.workflow_state AS linked_state, l.sis_batch_id AS linked_sis_batch_id"
)
_LINKED_JOINS = (
    " JOIN user_observers AS uo ON uo.root_account_id = s.root_account_id"
    "  AND uo.user_id = s.user_id AND uo.workflow_state <> 'deleted'"
    " LEFT JOIN enrollments AS l ON l.user_id = uo.observer_id"
    "  AND l.course_section_id = s.course_section_id AND l.type = 'ObserverEnrollment'"
    "  AND l.associated_user_id = s.user_id"
)


def observers_of_student_enrollments(conn: sqlite3.Connection, enrollment_ids: str) -> list[sqlite3.Row]:
    """For each student enrollment of ``enrollment_ids`` and each observer linked to its student:
    the student enrollment and the observer's linked enrollment (``linked_id`` None when none)."""
    return conn.execute(
        f"SELECT {_LINKED_COLUMNS} FROM json_each(?) AS j JOIN enrollments AS s ON s.id = j.value"
        f"{_LINKED_JOINS} WHERE s.type = 'StudentEnrollment' ORDER BY s.id, uo.observer_id",
        (enrollment_ids,),
    ).fetchall()


def student_enrollments_for_link(
    conn: sqlite3.Connection, root_account_id: int, student_id: int, observer_id: int
) -> list[sqlite3.Row]:
    """The student's enrollments an observer link follows (Canvas's all_active_or_pending student
    enrollments), each with the observer's linked enrollment, if any."""
    return conn.execute(
        f"SELECT {_LINKED_COLUMNS} FROM enrollments AS s{_LINKED_JOINS}"
        " WHERE s.user_id = ? AND s.root_account_id = ? AND uo.observer_id = ?"
        " AND s.type = 'StudentEnrollment'"
        " AND s.workflow_state IN ('active', 'invited', 'creation_pending') ORDER BY s.id",
        (student_id, root_account_id, observer_id),
    ).fetchall()


def live_linked_enrollments(
    conn: sqlite3.Connection, root_account_id: int, student_id: int, observer_id: int
) -> list[int]:
    """Ids of the observer's enrollments (not deleted) that observe the student."""
    return [row[0] for row in conn.execute(
        "SELECT id FROM enrollments WHERE user_id = ? AND associated_user_id = ?"
        " AND root_account_id = ? AND type = 'ObserverEnrollment' AND workflow_state <> 'deleted'",
        (observer_id, student_id, root_account_id),
    )]


def update_linked_enrollments(
    conn: sqlite3.Connection,
    updates: list[tuple[str, int, str | None, str | None, int | None, str, int]],
) -> None:
    """Set (workflow_state, course_id, start_at, end_at, sis_batch_id, updated_at, id) of
    observer enrollments; a NULL ``sis_batch_id`` stays NULL (Canvas's update_from copies it
    only onto an enrollment that already has one)."""
    conn.executemany(
        "UPDATE enrollments SET workflow_state = ?, course_id = ?, start_at = ?, end_at = ?,"
        " sis_batch_id = CASE WHEN sis_batch_id IS NULL THEN NULL ELSE ? END,"
        " updated_at = ? WHERE id = ?",
        updates,
    )


def term_has_live_courses(conn: sqlite3.Connection, term_id: int) -> bool:
    """Whether a term still has courses that are not deleted."""
    return conn.execute(
        "SELECT 1 FROM courses WHERE enrollment_term_id = ? AND workflow_state <> 'deleted' LIMIT 1",
        (term_id,),
    ).fetchone() is not None
