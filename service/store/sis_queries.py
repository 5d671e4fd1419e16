"""Targeted queries the SIS importers need beyond batch look-ups: guards and cascades.

Callers flush their ``BatchWriter`` first, so these see every row the batch has queued so far.
"""

from __future__ import annotations

import sqlite3

from .sis_batch import fetch_in


def account_has_active_sub_accounts(conn: sqlite3.Connection, account_id: int) -> bool:
    """Whether an account still has sub-accounts that are not deleted."""
    return conn.execute(
        "SELECT 1 FROM accounts WHERE parent_account_id = ? AND workflow_state <> 'deleted' LIMIT 1",
        (account_id,),
    ).fetchone() is not None


def account_has_active_courses(conn: sqlite3.Connection, account_id: int) -> bool:
    """Whether an account still has courses that are not deleted."""
    return conn.execute(
        "SELECT 1 FROM courses WHERE account_id = ? AND workflow_state <> 'deleted' LIMIT 1",
        (account_id,),
    ).fetchone() is not None


def default_term_id(conn: sqlite3.Connection, root_account_id: int, now: str) -> int:
    """The root account's "Default Term", created on first use as Canvas does for every account."""
    found = conn.execute(
        "SELECT id FROM enrollment_terms WHERE root_account_id = ? AND is_default = 1 LIMIT 1",
        (root_account_id,),
    ).fetchone()
    if found is not None:
        return found[0]
    return conn.execute(
        "INSERT INTO enrollment_terms (root_account_id, name, is_default, created_at, updated_at)"
        " VALUES (?, 'Default Term', 1, ?, ?)",
        (root_account_id, now, now),
    ).lastrowid


def move_section_enrollments(conn: sqlite3.Connection, moves: dict[int, int], now: str) -> None:
    """Point the enrollments of each moved section (section id -> course id) at its new course."""
    conn.executemany(
        "UPDATE enrollments SET course_id = ?, updated_at = ? WHERE course_section_id = ? AND course_id <> ?",
        ((course_id, now, section_id, course_id) for section_id, course_id in moves.items()),
    )


def other_active_logins(
    conn: sqlite3.Connection, user_id: int, root_account_id: int, sis_user_id: str
) -> bool:
    """Whether the user keeps a login in the root account besides the one with ``sis_user_id``."""
    return conn.execute(
        "SELECT 1 FROM pseudonyms WHERE user_id = ? AND account_id = ? AND workflow_state <> 'deleted'"
        " AND (sis_user_id IS NULL OR sis_user_id <> ?) LIMIT 1",
        (user_id, root_account_id, sis_user_id),
    ).fetchone() is not None


def live_enrollments_elsewhere(
    conn: sqlite3.Connection, user_id: int, course_id: int, enrollment_type: str,
    associated_user_id: int | None, temporary_source_user_id: int | None, enrollment_id: int | None,
) -> bool:
    """Whether the user has another enrollment in the course, of the same role, observee and
    temporary source, that is not deleted (Canvas's deleted_last_completed check)."""
    return conn.execute(
        "SELECT 1 FROM enrollments WHERE user_id = ? AND course_id = ? AND type = ?"
        " AND associated_user_id IS ? AND temporary_enrollment_source_user_id IS ? AND id IS NOT ?"
        " AND workflow_state <> 'deleted' LIMIT 1",
        (user_id, course_id, enrollment_type, associated_user_id, temporary_source_user_id, enrollment_id),
    ).fetchone() is not None


def other_active_login(conn: sqlite3.Connection, root_account_id: int, user_id: int,
                       sis_user_id: str | None) -> bool:
    """Whether the user has an active login in the account other than the one of ``sis_user_id``
    (Canvas: ``pseudonyms.active.where("sis_user_id != ? OR sis_user_id IS NULL", sis_user_id)``,
    in which a missing ``sis_user_id`` leaves only the logins without one)."""
    return conn.execute(
        "SELECT 1 FROM pseudonyms WHERE account_id = ? AND user_id = ? AND workflow_state = 'active'"
        " AND (sis_user_id != ? OR sis_user_id IS NULL) LIMIT 1",
        (root_account_id, user_id, sis_user_id),
    ).fetchone() is not None


def enrolled_course_pairs(conn: sqlite3.Connection, user_ids: list[int]) -> set[tuple[int, int]]:
    """(user_id, course_id) of every enrollment of these users that is not deleted."""
    rows = fetch_in(conn, "enrollments", "user_id", user_ids, columns="user_id, course_id, workflow_state")
    return {(row[0], row[1]) for row in rows if row[2] != "deleted"}


def enrollment_exists(conn: sqlite3.Connection, enrollment_id: int, root_account_id: int) -> bool:
    """Whether the root account has an enrollment with this Canvas id."""
    return conn.execute(
        "SELECT 1 FROM enrollments WHERE id = ? AND root_account_id = ?", (enrollment_id, root_account_id)
    ).fetchone() is not None


def set_grade_publishing_result(
    conn: sqlite3.Connection, enrollment_id: int, status: str, message: str | None, now: str
) -> None:
    """Store a grade publishing status and message on an enrollment."""
    conn.execute(
        "UPDATE enrollments SET grade_publishing_status = ?, grade_publishing_message = ?, updated_at = ? WHERE id = ?",
        (status, message, now, enrollment_id),
    )


def upsert_date_override(
    conn: sqlite3.Connection,
    term_id: int,
    enrollment_type: str,
    start_at: str | None,
    end_at: str | None,
    import_id: int,
    now: str,
) -> None:
    """Set a term's dates for one enrollment type."""
    conn.execute(
        "INSERT INTO enrollment_dates_overrides (enrollment_term_id, enrollment_type, start_at, end_at,"
        " sis_batch_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (enrollment_term_id, enrollment_type) DO UPDATE SET start_at = excluded.start_at,"
        " end_at = excluded.end_at, sis_batch_id = excluded.sis_batch_id, updated_at = excluded.updated_at",
        (term_id, enrollment_type, start_at, end_at, import_id, now),
    )


def date_override_stuck_fields(conn: sqlite3.Connection, term_id: int, enrollment_type: str) -> str:
    """The stuck fields of a term's dates for one enrollment type ('' when it has none)."""
    found = conn.execute(
        "SELECT stuck_sis_fields FROM enrollment_dates_overrides WHERE enrollment_term_id = ? AND enrollment_type = ?",
        (term_id, enrollment_type),
    ).fetchone()
    return found[0] if found is not None else ""


def delete_date_override(conn: sqlite3.Connection, term_id: int, enrollment_type: str) -> None:
    """Remove a term's dates for one enrollment type."""
    conn.execute(
        "DELETE FROM enrollment_dates_overrides WHERE enrollment_term_id = ? AND enrollment_type = ?",
        (term_id, enrollment_type),
    )


def cascade_course_state(
    conn: sqlite3.Connection, course_id: int, course_state: str, now: str
) -> list[tuple[int, str, str]]:
    """Conclude or delete a course's enrollments with it, as Canvas's update_enrolled_users does.

    Returns (enrollment id, previous state, new state) for the roll-back records.
    """
    if course_state == "completed":
        new_state, condition = "completed", "workflow_state IN ('active', 'invited')"
    elif course_state == "deleted":
        new_state, condition = "deleted", "workflow_state <> 'deleted'"
    else:
        return []
    rows = conn.execute(
        f"SELECT id, workflow_state FROM enrollments WHERE course_id = ? AND {condition}", (course_id,)
    ).fetchall()
    conn.executemany(
        "UPDATE enrollments SET workflow_state = ?, updated_at = ? WHERE id = ?",
        ((new_state, now, row[0]) for row in rows),
    )
    return [(row[0], row[1], new_state) for row in rows]


def category_has_active_groups(conn: sqlite3.Connection, category_id: int) -> bool:
    """Whether a group category still holds groups that are not deleted."""
    return conn.execute(
        "SELECT 1 FROM groups WHERE group_category_id = ? AND workflow_state <> 'deleted' LIMIT 1",
        (category_id,),
    ).fetchone() is not None


def group_has_memberships(conn: sqlite3.Connection, group_id: int) -> bool:
    """Whether a group has memberships that are not deleted (Canvas's group.group_memberships)."""
    return conn.execute(
        "SELECT 1 FROM group_memberships WHERE group_id = ? AND workflow_state <> 'deleted' LIMIT 1",
        (group_id,),
    ).fetchone() is not None


def account_is_ancestor(conn: sqlite3.Connection, account_id: int, of_account_id: int) -> bool:
    """Whether ``account_id`` is ``of_account_id`` or one of its parents (a move would loop)."""
    return conn.execute(
        "WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT a.parent_account_id FROM accounts a"
        " JOIN up ON a.id = up.id WHERE a.parent_account_id IS NOT NULL)"
        " SELECT 1 FROM up WHERE id = ? LIMIT 1",
        (of_account_id, account_id),
    ).fetchone() is not None
