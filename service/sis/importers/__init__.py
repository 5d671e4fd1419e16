"""Per-kind SIS importers, looked up by kind name (see ``service.sis.context`` for the contract)."""

from __future__ import annotations

from ..context import ImporterFn
from .abstract_courses import import_abstract_courses
from .accounts import import_accounts
from .admins import import_admins
from .change_sis_id import import_change_sis_ids
from .courses import import_courses
from .enrollments import import_enrollments
from .grade_publishing_results import import_grade_publishing_results
from .differentiation_tags import import_tag_memberships, import_tag_sets, import_tags
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
    "differentiation_tag_set": import_tag_sets,
    "group": import_groups,
    "differentiation_tag": import_tags,
    "group_membership": import_group_memberships,
    "differentiation_tag_membership": import_tag_memberships,
    "grade_publishing_results": import_grade_publishing_results,
    "user_observer": import_user_observers,
}


def importer_for(kind_name: str) -> ImporterFn:
    """The importer of a kind."""
    return IMPORTERS[kind_name]
