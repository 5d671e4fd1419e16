"""The SIS CSV kinds: how each is recognised by its header row, and the order they run in.

Section 9.1 of the spec: a CSV's kind is decided by its (lower-cased) header names, never by its
file name; the kinds are tried in processing order (section 7.1) and the first match wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Kind:
    """One SIS importer: its name in ``supplied_batches`` and its key in ``data.counts``."""

    name: str
    count_key: str
    matches: Callable[[frozenset[str]], bool]


def _all(*names: str) -> Callable[[frozenset[str]], bool]:
    return lambda headers: all(n in headers for n in names)


_LOGIN_KEYS = ("existing_user_id", "existing_integration_id", "existing_canvas_user_id")

# Processing order of section 7.1 (the feature-flagged institutional tags are not offered).
KINDS: tuple[Kind, ...] = (
    Kind("change_sis_id", "change_sis_ids", lambda h: "old_id" in h or "old_integration_id" in h),
    Kind("account", "accounts", _all("account_id", "parent_account_id")),
    Kind("term", "terms", _all("term_id", "name")),
    Kind("abstract_course", "abstract_courses",
         lambda h: "abstract_course_id" in h and "short_name" in h and "course_id" not in h),
    Kind("course", "courses", _all("course_id", "short_name")),
    Kind("section", "sections", _all("section_id", "name")),
    Kind("xlist", "xlists", _all("xlist_course_id", "section_id")),
    Kind("user", "users",
         lambda h: "user_id" in h and "login_id" in h and not any(k in h for k in _LOGIN_KEYS)),
    Kind("login", "logins", lambda h: any(k in h for k in _LOGIN_KEYS)),
    Kind("enrollment", "enrollments",
         lambda h: ("section_id" in h or "course_id" in h)
         and ("user_id" in h or "user_integration_id" in h)),
    Kind("admin", "admins", _all("account_id", "user_id")),
    Kind("group_category", "group_categories", _all("group_category_id", "category_name")),
    Kind("differentiation_tag_set", "differentiation_tag_sets", _all("tag_set_id", "set_name")),
    Kind("group", "groups", _all("group_id", "name")),
    Kind("differentiation_tag", "differentiation_tags", _all("tag_id", "name")),
    Kind("group_membership", "group_memberships", _all("group_id", "user_id")),
    Kind("differentiation_tag_membership", "differentiation_tag_memberships",
         _all("tag_id", "user_id")),
    Kind("grade_publishing_results", "grade_publishing_results",
         _all("enrollment_id", "grade_publishing_status")),
    Kind("user_observer", "user_observers", _all("observer_id", "student_id")),
)

ORDER = {kind.name: index for index, kind in enumerate(KINDS)}

# data.counts keys in Canvas's order; error_count and warning_count are appended at the end.
COUNT_KEYS: tuple[str, ...] = (
    "change_sis_ids", "accounts", "terms", "abstract_courses", "courses", "sections", "xlists",
    "users", "logins", "enrollments", "admins", "group_categories", "groups", "group_memberships",
    "grade_publishing_results", "user_observers", "differentiation_tag_sets",
    "differentiation_tags", "differentiation_tag_memberships",
)


def recognise(headers: list[str]) -> Kind | None:
    """The kind whose header predicate matches first, or None (headers already lower-cased)."""
    present = frozenset(headers)
    for kind in KINDS:
        if kind.matches(present):
            return kind
    return None
