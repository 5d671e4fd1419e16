"""The store of objects imported through SIS CSVs: statistics and serving objects back.

Writes go through ``sis_batch`` (buffered, set-based) and ``sis_queries`` (guards, cascades).
"""

from __future__ import annotations

import sqlite3

from ..ids import parse_reference

STATISTIC_TYPES = (
    "Account", "EnrollmentTerm", "AbstractCourse", "Course", "CourseSection", "GroupCategory",
    "Group", "Pseudonym", "CommunicationChannel", "Enrollment", "GroupMembership", "UserObserver",
    "AccountUser",
)

def import_statistics(conn: sqlite3.Connection, import_id: int) -> dict:
    """data.statistics of section 4.2 for one import, computed from its recorded state changes.

    One record per object and import (the first previous state, the last new state), counted
    as Canvas counts its roll-back records: created: the object did not exist (or was
    creation_pending), whatever its new state; deleted: now deleted (retired for e-mail
    channels); concluded: Course/Enrollment now completed; deactivated: Enrollment now
    inactive; restored: deleted before, not deleted now. A new object created deleted or
    completed therefore counts under both keys, as in Canvas.
    """
    stats: dict = {"total_state_changes": 0}
    for name in STATISTIC_TYPES:
        entry = {"created": 0}
        if name in ("Course", "Enrollment"):
            entry["concluded"] = 0
        if name == "Enrollment":
            entry["deactivated"] = 0
        entry.update(restored=0, deleted=0)
        stats[name] = entry
    rows = conn.execute(
        """
        SELECT object_type,
               count(*),
               sum(previous_state IS NULL OR previous_state = 'creation_pending'),
               sum(new_state = 'completed'),
               sum(new_state = 'inactive'),
               sum(CASE WHEN previous_state IN ('deleted', 'retired')
                        AND new_state NOT IN ('deleted', 'retired') THEN 1 ELSE 0 END),
               sum(new_state IN ('deleted', 'retired'))
        FROM sis_state_changes WHERE sis_import_id = ? GROUP BY object_type
        """,
        (import_id,),
    ).fetchall()
    for object_type, total, created, concluded, deactivated, restored, deleted in rows:
        stats["total_state_changes"] += total
        entry = stats.get(object_type)
        if entry is None:
            continue
        entry["created"] = created
        if "concluded" in entry:
            entry["concluded"] = concluded
        if "deactivated" in entry:
            entry["deactivated"] = deactivated
        entry["restored"] = restored
        entry["deleted"] = deleted
    return stats


def get_account(conn: sqlite3.Connection, account_id: int) -> sqlite3.Row | None:
    """An account (root or sub-account) by Canvas id."""
    return conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()


def get_course(conn: sqlite3.Connection, course_id: int) -> sqlite3.Row | None:
    """A course by Canvas id."""
    return conn.execute("SELECT * FROM courses WHERE id = ?", (course_id,)).fetchone()


# Api::SIS_MAPPINGS["courses"]: the lookups a course id may use, and their columns.
COURSE_LOOKUPS = {"sis_course_id": "sis_source_id", "sis_integration_id": "integration_id",
                  "uuid": "uuid"}


def find_course_by(conn: sqlite3.Connection, root_account_id: int, reference: str) -> sqlite3.Row | None:
    """A course by any id form Canvas reads for courses (COURSE_LOOKUPS, or its id)."""
    found = parse_reference(reference)
    if found is None:
        return None
    if found.kind == "id":
        return get_course(conn, int(found.value))
    column = COURSE_LOOKUPS.get(found.kind)
    if column is None:
        return None
    return conn.execute(f"SELECT * FROM courses WHERE root_account_id = ? AND {column} = ?",
                        (root_account_id, found.value)).fetchone()


# Api::SIS_MAPPINGS["enrollment_terms"]: the lookups a term id may use, and their columns.
TERM_LOOKUPS = {"id": "id", "sis_term_id": "sis_source_id", "sis_integration_id": "integration_id"}


def find_active_term(conn: sqlite3.Connection, root_account_id: int, reference: str) -> sqlite3.Row | None:
    """An active term of a root account by Canvas id, ``sis_term_id:X`` or
    ``sis_integration_id:X`` (batch_mode_term_id)."""
    found = parse_reference(reference)
    column = TERM_LOOKUPS.get(found.kind) if found else None
    if column is None:
        return None
    value = found.value
    return conn.execute(
        f"SELECT * FROM enrollment_terms WHERE root_account_id = ? AND {column} = ? AND workflow_state = 'active'",
        (root_account_id, value),
    ).fetchone()
