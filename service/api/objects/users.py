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
from .common import (bookmarked, flag, includes, keyset_slice, list_param, numbered_window,
                     offset_page, paged, read, read_under, user_from_path)

# courses#users' enrollment_type[] words -> enrollment types.
ENROLLMENT_TYPE_WORDS = {"student": "StudentEnrollment", "teacher": "TeacherEnrollment",
                         "ta": "TaEnrollment", "observer": "ObserverEnrollment",
                         "designer": "DesignerEnrollment"}
# Course#users_visible_to: current_users, or all_current_users with include_inactive.
COURSE_USER_DEFAULT_STATES = ("active", "invited")
COURSE_USER_INACTIVE_STATES = ("active", "invited", "inactive")


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
    ``include_inactive``, ``search_term``, ``user_ids[]``, ``user_id``, ``include[]``), by
    sortable name, paged by bookmark (``user_id``: the numbered page that holds the user).

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
    include_inactive = bool(flag(request, "include_inactive"))
    states = asked_states or (COURSE_USER_INACTIVE_STATES if include_inactive else COURSE_USER_DEFAULT_STATES)
    search = (request.query.get("search_term") or "").strip() or None
    user_ids = _user_ids(request)
    jump_to = request.query.get("user_id", "")
    wanted = set(includes(request))
    window, page = keyset_slice(request, 2)

    def users_page(conn, course):
        nonlocal window, page
        # user_id: the numbered page that holds that user, whatever page was asked for.
        position = (store.course_user_position(conn, course["id"], types, states, search, int(jump_to))
                    if jump_to.isdigit() else None)
        if position is not None:
            window, page = numbered_window(window.per_page, -(-position // window.per_page))
        return store.course_user_page(conn, course["id"], types, states, search, page,
                                      enrollment_states=asked_states,
                                      with_enrollments="enrollments" in wanted,
                                      with_group_ids="group_ids" in wanted,
                                      with_sections="sections" in wanted,
                                      user_ids=user_ids, include_inactive=include_inactive)

    _, found = await read_under(request, resolve_course, request.match_info["course_id"], users_page)
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
    # Canvas leaves user_id out of the page links.
    return bookmarked(request, body, window, found.rows,
                      lambda row: (row.person.sortable_name, row.person.id), dropped=("user_id",))


def _user_ids(request: web.Request) -> tuple[int, ...] | None:
    """``user_ids[]`` (or one comma-separated ``user_ids``): ids that are not numbers match no user."""
    values = list_param(request, "user_ids")
    if values is None:
        return None
    ids = [part.strip() for value in values for part in value.split(",")]
    return tuple(int(part) for part in ids if part.isdigit())


def _enrollment_sis_user_id(person: store.PersonRow, enrollment: store.EnrollmentRow) -> str | None:
    """An enrollment's sis_user_id in a user's JSON: the user's shown login when it has a SIS id
    (user_json passes it down), else the enrollment's own SIS login."""
    return person.sis_user_id or enrollment.sis_login_sis_user_id
