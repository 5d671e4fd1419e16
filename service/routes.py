"""The URL table: one line per Canvas endpoint, nothing else.

Every route also answers with a ``.json`` suffix and with a trailing slash, without redirects
(decision 8): a redirect would turn a client's POST into a GET. Literal segments such as
``importing`` come before ``:id``.
"""

from __future__ import annotations

import re

from aiohttp import web

from .api import accounts, files, outcome_imports, page, progress, sis_import_errors, sis_imports
from .api.objects import accounts as account_reads
from .api.objects import courses, enrollments, groups, outcomes as outcome_reads, users

# Path variables match lazily so that "5.json" is id 5 with the suffix.
_VARIABLE = re.compile(r"\{(\w+)\}")
_SUFFIX = r"{_suffix:(?:\.json)?/?}"


def _canvas_path(path: str) -> str:
    return _VARIABLE.sub(r"{\1:[^{}/]+?}", path) + _SUFFIX


def setup_routes(app: web.Application) -> None:
    """Register every endpoint."""
    r = app.router

    def add(method: str, path: str, handler) -> None:
        r.add_route(method, _canvas_path(path), handler)

    sis = "/api/v1/accounts/{account_id}/sis_imports"
    add("GET", "/health", accounts.health)
    # The page (issue 11): its files need no token; its data comes from the API below.
    r.add_get("/", page.index)
    r.add_get("/web/{name}", page.asset)
    add("GET", "/files/{file_id}/download", files.download)
    add("GET", "/api/v1/accounts", account_reads.list_accounts)
    add("GET", "/api/v1/accounts/{account_id}", accounts.show_account)
    add("GET", "/api/v1/accounts/{account_id}/sub_accounts", account_reads.sub_accounts)
    add("GET", "/api/v1/accounts/{account_id}/terms", account_reads.terms)
    add("GET", "/api/v1/accounts/{account_id}/terms/{term_id}", account_reads.show_term)
    add("GET", "/api/v1/accounts/{account_id}/courses", account_reads.account_courses)
    add("GET", "/api/v1/accounts/{account_id}/users", account_reads.account_users)
    add("GET", "/api/v1/accounts/{account_id}/admins", account_reads.admins)
    add("GET", "/api/v1/accounts/{account_id}/logins", users.account_logins)
    add("GET", "/api/v1/courses/{course_id}", courses.show_course)
    add("GET", "/api/v1/courses/{course_id}/sections", courses.course_sections)
    add("GET", "/api/v1/courses/{course_id}/enrollments", enrollments.course_enrollments)
    add("GET", "/api/v1/courses/{course_id}/users", users.course_users)
    add("GET", "/api/v1/courses/{course_id}/search_users", users.course_users)
    add("GET", "/api/v1/sections/{section_id}", courses.show_section)
    add("GET", "/api/v1/sections/{section_id}/enrollments", enrollments.section_enrollments)
    add("GET", "/api/v1/users/{user_id}", users.show_user)
    add("GET", "/api/v1/users/{user_id}/enrollments", enrollments.user_enrollments)
    add("GET", "/api/v1/users/{user_id}/logins", users.user_logins)
    add("GET", "/api/v1/users/{user_id}/observees", users.observees)
    for context in ("/api/v1/accounts/{account_id}", "/api/v1/courses/{course_id}"):
        add("GET", f"{context}/group_categories", groups.context_group_categories)
        add("GET", f"{context}/groups", groups.context_groups)
        add("GET", f"{context}/root_outcome_group", outcome_reads.root_outcome_group)
        add("GET", f"{context}/outcome_groups", outcome_reads.outcome_groups)
        add("GET", f"{context}/outcome_group_links", outcome_reads.outcome_group_links)
        add("GET", f"{context}/outcome_groups/{{group_id}}", outcome_reads.show_outcome_group)
        add("GET", f"{context}/outcome_groups/{{group_id}}/subgroups", outcome_reads.subgroups)
        add("GET", f"{context}/outcome_groups/{{group_id}}/outcomes", outcome_reads.group_outcomes)
    add("GET", "/api/v1/group_categories/{group_category_id}", groups.show_group_category)
    add("GET", "/api/v1/group_categories/{group_category_id}/groups", groups.category_groups)
    add("GET", "/api/v1/groups/{group_id}", groups.show_group)
    add("GET", "/api/v1/groups/{group_id}/memberships", groups.group_memberships)
    add("GET", "/api/v1/outcomes/{outcome_id}", outcome_reads.show_outcome)
    add("POST", sis, sis_imports.create)
    add("GET", sis, sis_imports.index)
    add("GET", f"{sis}/importing", sis_imports.importing)
    add("PUT", f"{sis}/abort_all_pending", sis_imports.abort_all_pending)
    add("GET", f"{sis}/{{id}}", sis_imports.show)
    add("PUT", f"{sis}/{{id}}/abort", sis_imports.abort)
    add("PUT", f"{sis}/{{id}}/restore_states", sis_imports.restore_states)
    add("GET", f"{sis}/{{id}}/errors", sis_import_errors.for_import)
    add("GET", "/api/v1/accounts/{account_id}/sis_import_errors", sis_import_errors.for_account)
    add("GET", "/api/v1/progress/{id}", progress.show)
    for context in ("/api/v1/accounts/{account_id}", "/api/v1/courses/{course_id}"):
        outcomes = f"{context}/outcome_imports"
        add("POST", outcomes, outcome_imports.create)
        add("GET", outcomes, outcome_imports.index)  # an extension: Canvas has no list
        add("POST", f"{outcomes}/group/{{learning_outcome_group_id}}", outcome_imports.create)
        add("GET", f"{outcomes}/{{id}}", outcome_imports.show)
        add("GET", f"{outcomes}/{{id}}/created_group_ids", outcome_imports.created_group_ids)
