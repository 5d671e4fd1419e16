"""Users and Logins API reads: a user (``self`` is the token's user), logins, observees, and a
course's users."""

from __future__ import annotations

from aiohttp import web

from ...errors import NotFound
from ...http import canvas_response
from ...public_url import request_base_url as base_url
from ...sis.objects_json import (TIME_ZONE, course_user_json, enrollment_json, login_json,
                                 token_user_json, user_json, user_profile_json)
from ...store import objects_people as store
from ...store.accounts import root_account_id_of
from ..context import account_from_path, resolve_course
from .common import (bookmarked, includes, keyset_slice, list_param, offset_page, paged, read,
                     read_under, user_from_path)

# courses#users' enrollment_type[] words -> enrollment types.
ENROLLMENT_TYPE_WORDS = {"student": "StudentEnrollment", "teacher": "TeacherEnrollment",
                         "ta": "TaEnrollment", "observer": "ObserverEnrollment",
                         "designer": "DesignerEnrollment"}
COURSE_USER_DEFAULT_STATES = ("active", "invited")


async def show_user(request: web.Request) -> web.Response:
    """GET /api/v1/users/:user_id: ``self`` and the token user's id are the token's user."""
    user = await user_from_path(request)
    if user.is_token_user:
        return canvas_response(request, user_profile_json(token_user_json(), None, True))
    found = await read(request, store.person_with_email, user.id)
    if found is None:
        raise NotFound()  # deleted from the database since the look-up above
    person, email = found
    return canvas_response(request, user_profile_json(user_json(person), email, False))


async def user_logins(request: web.Request) -> web.Response:
    """GET /api/v1/users/:user_id/logins: the user's live logins (none for the token's user)."""
    user = await user_from_path(request)
    page = offset_page(request)
    if user.is_token_user:
        return paged(request, [], page, 0)
    rows, total = await read(request, store.user_logins, user.id, page.per_page, page.offset)
    return paged(request, [login_json(r) for r in rows], page, total)


async def account_logins(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:account_id/logins: every live login of the root account."""
    account = await account_from_path(request)
    window, page = keyset_slice(request, 1)
    rows = await read(request, store.account_logins, root_account_id_of(account), page)
    return bookmarked(request, [login_json(r) for r in rows], window, rows, lambda r: (r["id"],))


async def observees(request: web.Request) -> web.Response:
    """GET /api/v1/users/:user_id/observees: the students the user observes."""
    user = await user_from_path(request)
    page = offset_page(request)
    if user.is_token_user:
        return paged(request, [], page, 0)
    rows, total = await read(request, store.observees, user.id, page.per_page, page.offset)
    persons = await read(request, store.people, [r["id"] for r in rows])
    return paged(request, [user_json(persons[r["id"]]) for r in rows], page, total)


async def course_users(request: web.Request) -> web.Response:
    """GET /api/v1/courses/:course_id/users (``enrollment_type[]``, ``enrollment_state[]``,
    ``search_term``, ``include[]``), by sortable name, paged by bookmark.

    include[] values served (keys in user_json's order, group_ids last as courses#users adds
    it): ``enrollments`` (with ``locked``), ``sections``, ``last_login``, ``custom_links``
    (Canvas's come from LTI placements and plugins, which this server has none of: always
    empty), ``time_zone``, ``group_ids``; ``email`` and ``sis_user_id`` are always in (Canvas
    adds them). ``avatar_url`` and ``bio`` add nothing, as in a Canvas account with avatars and
    profiles off (their defaults); ``uuid`` adds nothing because users have no stored uuid.
    """
    words = list_param(request, "enrollment_type")
    types = tuple(ENROLLMENT_TYPE_WORDS.get(w, w) for w in words) if words else None
    asked_states = list_param(request, "enrollment_state")
    search = (request.query.get("search_term") or "").strip() or None
    wanted = set(includes(request))
    window, page = keyset_slice(request, 2)
    _, found = await read_under(request, resolve_course, request.match_info["course_id"], lambda conn, course:
                                store.course_user_page(conn, course["id"], types,
                                                       asked_states or COURSE_USER_DEFAULT_STATES, search, page,
                                                       enrollment_states=asked_states,
                                                       with_enrollments="enrollments" in wanted,
                                                       with_group_ids="group_ids" in wanted,
                                                       with_sections="sections" in wanted))
    base = base_url(request)
    body = []
    for row in found.rows[:window.per_page]:
        person = row.person
        enrollments = found.enrollments[person.id] if found.enrollments is not None else None
        # courses#users: with include[]=enrollments, confirmed means one shown enrollment
        # that is not invited, pending or rejected (so none shown is unconfirmed).
        confirmed = (any(e.workflow_state not in store.UNCONFIRMED_STATES for e in enrollments)
                     if enrollments is not None else row.confirmed)
        user = course_user_json(person, row.email, confirmed=confirmed,
                                enrollments=None if enrollments is None else [
                                    enrollment_json(e, None, _enrollment_sis_user_id(person, e), base,
                                                    locked="locked" in wanted) for e in enrollments])
        if found.section_names is not None:
            user["sections"] = found.section_names[person.id]
        if "last_login" in wanted:
            user["last_login"] = None  # nobody signs in to this server
        if "custom_links" in wanted:
            user["custom_links"] = []
        if "time_zone" in wanted:
            user["time_zone"] = TIME_ZONE  # no user has a zone of its own: the account's
        if found.group_ids is not None:
            user["group_ids"] = found.group_ids[person.id]
        body.append(user)
    return bookmarked(request, body, window, found.rows,
                      lambda row: (row.person.sortable_name, row.person.id))


def _enrollment_sis_user_id(person: store.PersonRow, enrollment: store.EnrollmentRow) -> str | None:
    """An enrollment's sis_user_id in a user's JSON: the user's shown login when it has a SIS id
    (user_json passes it down), else the enrollment's own SIS login."""
    return person.sis_user_id or enrollment.sis_login_sis_user_id
