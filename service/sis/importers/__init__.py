"""Per-kind SIS importers, looked up by kind name (see ``service.sis.context`` for the contract).

A kind without a dedicated importer is handled by ``count_filled_rows``: a row counts when the
kind's required columns are filled, and nothing is stored.
"""

from __future__ import annotations

import sqlite3

from ..context import ImporterFn, ImportRun, SisRow
from ..kinds import KINDS_BY_NAME
from .abstract_courses import import_abstract_courses
from .accounts import import_accounts
from .admins import import_admins
from .change_sis_id import import_change_sis_ids
from .courses import import_courses
from .enrollments import import_enrollments
from .grade_publishing_results import import_grade_publishing_results
from .groups import import_group_categories, import_group_memberships, import_groups
from .logins import import_logins
from .sections import import_sections
from .terms import import_terms
from .user_observers import import_user_observers
from .users import import_users
from .xlists import import_xlists

IMPORTERS: dict[str, ImporterFn] = {
    "change_sis_id": import_change_sis_ids,
    "account": import_accounts,
    "term": import_terms,
    "abstract_course": import_abstract_courses,
    "course": import_courses,
    "section": import_sections,
    "xlist": import_xlists,
    "user": import_users,
    "login": import_logins,
    "enrollment": import_enrollments,
    "admin": import_admins,
    "group_category": import_group_categories,
    "group": import_groups,
    "group_membership": import_group_memberships,
    "grade_publishing_results": import_grade_publishing_results,
    "user_observer": import_user_observers,
}


def count_filled_rows(kind_name: str) -> ImporterFn:
    required = KINDS_BY_NAME[kind_name].required

    def import_batch(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
        return sum(
            1 for row in rows if all(any(row.values.get(c) for c in group) for group in required)
        )

    return import_batch


def importer_for(kind_name: str) -> ImporterFn:
    """The importer of a kind."""
    return IMPORTERS.get(kind_name) or count_filled_rows(kind_name)
