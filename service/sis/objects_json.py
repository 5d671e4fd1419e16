"""Canvas's JSON for objects stored by SIS imports: one builder per Canvas object type.

Shapes follow Canvas's ``lib/api/v1/*.rb`` as an account admin with ``manage_sis`` sees them
(the token's permissions, decision 3): SIS ids and ``sis_import_id`` are always present.
Clients fetch an Account or Course before calling import methods on it (decisions.md 4).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from ..store.objects_people import EnrollmentRow, PersonRow

# Canvas's API shows a course's internal workflow_state under its public name (Course#api_state).
_COURSE_STATES = {"created": "unpublished", "claimed": "unpublished"}

# Every date here is stored and shown in UTC (decision 5), so every context's zone is UTC.
TIME_ZONE = "Etc/UTC"

# The ids of Canvas's built-in roles, which this server never changes (no custom roles).
ROLE_IDS = {"AccountAdmin": 1, "StudentEnrollment": 3, "TeacherEnrollment": 4, "TaEnrollment": 5,
            "DesignerEnrollment": 6, "ObserverEnrollment": 7}

# The user every token acts as (decision 3). It is not a stored user: imported users keep the
# ids SQLite gives them, and this one takes an id they never reach (Canvas's global id of user 1
# on shard 1). It has no login, enrollment or e-mail.
TOKEN_USER_ID = 10_000_000_000_001
TOKEN_USER_NAME = "Canvas Imports Admin"
TOKEN_USER_SORTABLE_NAME = "Admin, Canvas Imports"
TOKEN_USER_CREATED_AT = "1970-01-01T00:00:00Z"  # before every object the server stores


def account_json(row: sqlite3.Row) -> dict[str, Any]:
    """An Account (lib/api/v1/account.rb): SIS fields only on sub-accounts, as in Canvas."""
    root = row["root_account_id"] is None
    body: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "workflow_state": row["workflow_state"],
        "parent_account_id": row["parent_account_id"],
        "root_account_id": row["root_account_id"],
        "uuid": row["uuid"],
        "default_storage_quota_mb": 500,
        "default_user_storage_quota_mb": 50,
        "default_group_storage_quota_mb": 50,
        "default_time_zone": TIME_ZONE,
    }
    if not root:
        body["sis_account_id"] = row["sis_source_id"]
        body["sis_import_id"] = row["sis_batch_id"]
        body["integration_id"] = row["integration_id"]
    return body


def term_json(row: sqlite3.Row) -> dict[str, Any]:
    """An EnrollmentTerm (lib/api/v1/enrollment_term.rb)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "start_at": row["start_at"],
        "end_at": row["end_at"],
        "created_at": row["created_at"],
        "workflow_state": row["workflow_state"],
        "grading_period_group_id": None,
        "sis_term_id": row["sis_source_id"],
        "sis_import_id": row["sis_batch_id"],
    }


def term_overrides_json(overrides: list[sqlite3.Row]) -> dict[str, Any]:
    """``overrides`` of a term: per enrollment type, the dates that are set."""
    return {o["enrollment_type"]: {"start_at": o["start_at"], "end_at": o["end_at"]}
            for o in overrides if o["start_at"] or o["end_at"]}


def course_json(row: Mapping[str, Any], base_url: str, term: sqlite3.Row | None = None) -> dict[str, Any]:
    """A Course (lib/api/v1/course_json.rb) with Canvas's defaults for what SIS never sets;
    ``row`` is a stored course (a page of them comes as dicts), ``term`` is given for
    ``include[]=term``."""
    body: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "account_id": row["account_id"],
        "uuid": row["uuid"],
        "start_at": row["start_at"],
        "grading_standard_id": None,
        "is_public": False,
        "created_at": row["created_at"],
        "course_code": row["course_code"],
        "default_view": "modules",
        "root_account_id": row["root_account_id"],
        "enrollment_term_id": row["enrollment_term_id"],
        "license": "private",
        "grade_passback_setting": row["grade_passback_setting"],
        "end_at": row["conclude_at"],
        "public_syllabus": False,
        "public_syllabus_to_auth": False,
        "storage_quota_mb": 500,
        "is_public_to_auth_users": False,
        "homeroom_course": bool(row["homeroom_course"]),
        "course_color": None,
        "friendly_name": row["friendly_name"],
        "apply_assignment_group_weights": False,
        "calendar": {"ics": f"{base_url}/feeds/calendars/course_{row['uuid']}.ics"},
        "time_zone": TIME_ZONE,
        "blueprint": False,
        "template": False,
        "sis_course_id": row["sis_source_id"],
        "sis_import_id": row["sis_batch_id"],
        "integration_id": row["integration_id"],
        "enrollments": [],
        "hide_final_grades": False,
        "workflow_state": _COURSE_STATES.get(row["workflow_state"], row["workflow_state"]),
        "restrict_enrollments_to_course_dates": bool(row["restrict_enrollments_to_course_dates"]),
    }
    if row["course_format"]:
        body["course_format"] = row["course_format"]
    if term is not None:
        body["term"] = term_json(term)
    return body


def section_json(row: sqlite3.Row) -> dict[str, Any]:
    """A Section (lib/api/v1/section.rb); ``row`` carries its course's SIS id."""
    return {
        "id": row["id"],
        "course_id": row["course_id"],
        "name": row["name"],
        "start_at": row["start_at"],
        "end_at": row["end_at"],
        "created_at": row["created_at"],
        "restrict_enrollments_to_section_dates": bool(row["restrict_enrollments_to_section_dates"]),
        "nonxlist_course_id": row["nonxlist_course_id"],
        "sis_section_id": row["sis_source_id"],
        "sis_course_id": row["course_sis_source_id"],
        "integration_id": row["integration_id"],
        "sis_import_id": row["sis_batch_id"],
    }


def user_json(person: PersonRow) -> dict[str, Any]:
    """The User of lib/api/v1/user.rb#user_json without includes, as an admin sees it:
    SIS fields from its shown login (null without one), ``login_id`` only with a login."""
    body: dict[str, Any] = {
        "id": person.id,
        "name": person.name,
        "created_at": person.created_at,
        "sortable_name": person.sortable_name,
        "short_name": person.short_name or person.name,  # User#short_name falls back on name
        "sis_user_id": person.sis_user_id,
        "integration_id": person.integration_id,
        "sis_import_id": person.sis_batch_id,
    }
    if person.login_row_id is not None:
        body["login_id"] = person.unique_id
    if person.pronouns:
        body["pronouns"] = person.pronouns
    return body


def course_user_json(person: PersonRow, email: str | None, *, confirmed: bool,
                     enrollments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A user as courses#users shows it: Canvas adds ``sis_user_id`` and ``email`` to every
    request's include[], and for a user not yet confirmed in the course (each enrollment invited,
    pending or rejected) excludes its login (``sis_import_id``, ``login_id``) and e-mail.
    ``enrollments`` (include[]=enrollments) come before the e-mail, as user_json adds them."""
    body = user_json(person)
    if not confirmed:
        del body["sis_import_id"]
        body.pop("login_id", None)
    if enrollments is not None:
        body["enrollments"] = enrollments
    if confirmed:
        body["email"] = email
    return body


def token_user_json() -> dict[str, Any]:
    """The token's user as user_json shows it: no login, so null SIS fields and no login_id."""
    return {
        "id": TOKEN_USER_ID,
        "name": TOKEN_USER_NAME,
        "created_at": TOKEN_USER_CREATED_AT,
        "sortable_name": TOKEN_USER_SORTABLE_NAME,
        "short_name": TOKEN_USER_NAME,
        "sis_user_id": None,
        "integration_id": None,
        "sis_import_id": None,
    }


def user_profile_json(body: dict[str, Any], email: str | None, is_self: bool) -> dict[str, Any]:
    """GET /users/:id adds what users#api_show includes: email, locale, permissions (and the
    effective locale for the caller's own user)."""
    body = dict(body)
    body["email"] = email
    body["locale"] = None
    if is_self:
        body["effective_locale"] = "en"
    body["permissions"] = {"can_update_name": True, "can_update_avatar": False,
                           "limit_parent_app_web_access": False}
    return body


def enrollment_json(row: EnrollmentRow, user: dict[str, Any] | None, sis_user_id: str | None,
                    base_url: str, *, locked: bool = False) -> dict[str, Any]:
    """An Enrollment (lib/api/v1/user.rb#enrollment_json) with its ``user``, as the List
    enrollments API always includes it (None: without, as in a user's ``enrollments``);
    ``row`` carries its course's, account's and section's SIS fields. ``locked`` adds
    include[]=locked's flag: false for an admin who may manage SIS, as the token's user is."""
    state = row.workflow_state
    if row.course_workflow_state == "deleted" or row.section_workflow_state == "deleted":
        state = "deleted"  # Canvas shows enrollments of deleted courses and sections as deleted
    course_id, user_id, enrollment_type = row.course_id, row.user_id, row.type
    body: dict[str, Any] = {
        "id": row.id,
        "user_id": user_id,
        "course_id": course_id,
        "type": enrollment_type,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "associated_user_id": row.associated_user_id,
        "start_at": row.start_at,
        "end_at": row.end_at,
        "course_section_id": row.course_section_id,
        "root_account_id": row.root_account_id,
        "limit_privileges_to_course_section": bool(row.limit_privileges_to_course_section),
        "enrollment_state": state,
        "role": enrollment_type,
        "role_id": ROLE_IDS[enrollment_type],
        "last_activity_at": None,
        "last_attended_at": None,
        "total_activity_time": 0,
        "sis_import_id": row.sis_batch_id,
    }
    if enrollment_type == "StudentEnrollment":
        body["grades"] = {
            "html_url": f"{base_url}/courses/{course_id}/grades/{user_id}",
            "current_grade": None, "current_score": None, "final_grade": None, "final_score": None,
            "unposted_current_score": None, "unposted_current_grade": None,
            "unposted_final_score": None, "unposted_final_grade": None,
        }
    body["sis_account_id"] = row.account_sis_source_id
    body["sis_course_id"] = row.course_sis_source_id
    body["course_integration_id"] = row.course_integration_id
    body["sis_section_id"] = row.section_sis_source_id
    body["section_integration_id"] = row.section_integration_id
    body["sis_user_id"] = sis_user_id
    body["html_url"] = f"{base_url}/courses/{course_id}/users/{user_id}"
    if user is not None:
        body["user"] = user
    if locked:
        body["locked"] = False
    return body


def login_json(row: sqlite3.Row) -> dict[str, Any]:
    """A Login (lib/api/v1/pseudonym.rb)."""
    provider = row["authentication_provider_id"]
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "account_id": row["account_id"],
        "unique_id": row["unique_id"],
        "sis_user_id": row["sis_user_id"],
        "integration_id": row["integration_id"],
        "authentication_provider_id": int(provider) if provider and provider.isdigit() else provider,
        "created_at": row["created_at"],
        "workflow_state": row["workflow_state"],
        "declared_user_type": row["declared_user_type"],
    }


def admin_json(row: sqlite3.Row, user: dict[str, Any]) -> dict[str, Any]:
    """An Admin (lib/api/v1/admin.rb): the account user with its role and user."""
    return {
        "id": row["id"],
        "role": row["role"],
        "role_id": ROLE_IDS.get(row["role"]),
        "user": user,
        "workflow_state": row["workflow_state"],
    }
