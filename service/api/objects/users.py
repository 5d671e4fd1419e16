"""Users and Logins API reads: a user (``self`` is the token's user), logins, observees, and a
course's users."""

from __future__ import annotations

from aiohttp import web

from ...http import canvas_response
from ...sis.objects_json import login_json, token_user_json, user_json, user_profile_json
from ...store import objects_people as store
from ...store.accounts import root_account_id_of
from ..context import account_from_path, course_from_path
from .common import (bookmarked, keyset_slice, list_param, offset_page, paged, read,
                     user_from_path)

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
    person = (await read(request, store.people, [user.id]))[user.id]
    email = await read(request, store.email_of, user.id)
    return canvas_response(request, user_profile_json(user_json(person.user, person.login), email, False))


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
    return paged(request, [user_json(persons[r["id"]].user, persons[r["id"]].login) for r in rows], page, total)


async def course_users(request: web.Request) -> web.Response:
    """GET /api/v1/courses/:course_id/users (``enrollment_type[]``, ``enrollment_state[]``,
    ``search_term``), by sortable name, paged by bookmark."""
    course = await course_from_path(request)
    words = list_param(request, "enrollment_type")
    types = tuple(ENROLLMENT_TYPE_WORDS.get(w, w) for w in words) if words else None
    states = list_param(request, "enrollment_state") or COURSE_USER_DEFAULT_STATES
    search = (request.query.get("search_term") or "").strip() or None
    window, page = keyset_slice(request, 2)
    rows = await read(request, store.course_users, course["id"], types, states, search, page)
    persons = await read(request, store.people, [r["id"] for r in rows])
    body = [user_json(persons[r["id"]].user, persons[r["id"]].login) for r in rows]
    return bookmarked(request, body, window, rows, lambda r: (r["sortable_name"], r["id"]))
