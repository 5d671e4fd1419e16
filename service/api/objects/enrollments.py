"""Enrollments API reads: a course's, a section's or a user's enrollments, with Canvas's filters.

Canvas's rules (enrollments_api_controller.rb): a course or section roster shows every state
but rejected, completed and deleted unless ``state[]`` says otherwise; a user's list (and a
course's with ``user_id``) shows active and invited ones. ``role[]`` wins over ``type[]``.
Pages go by bookmark, in Canvas's type order.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from ...errors import ApiError, BadRequest, NotFound
from ...pagination import Window
from ...public_url import request_base_url as base_url
from ...sis.objects_json import ROLE_IDS, enrollment_json, user_json
from ...store import objects_people as store
from ...store import objects_structure as structure
from ...store.accounts import ROOT_ACCOUNT_ID
from ..context import course_from_path, resolve_course
from .common import (bookmarked, keyset_slice, list_param, read, read_under, user_from_path,
                     user_from_reference)

_ROLES_BY_ID = {str(role_id): name for name, role_id in ROLE_IDS.items()}
ROLE_NOT_FOUND = {"errors": [{"message": "role not found"}]}


def _types(request: web.Request) -> tuple[str, ...] | None:
    roles = list_param(request, "role")
    role_ids = list_param(request, "role_id")
    if role_ids is not None:
        roles = tuple(_ROLES_BY_ID.get(r, "") for r in role_ids)
    if roles is not None:
        if not all(r in ROLE_IDS and r != "AccountAdmin" for r in roles):
            raise BadRequest(ROLE_NOT_FOUND)
        return roles
    return list_param(request, "type")


def _filter(request: web.Request, **scope: int | None) -> store.EnrollmentFilter:
    wanted = store.EnrollmentFilter(
        types=_types(request), states=list_param(request, "state"),
        sis_user_ids=list_param(request, "sis_user_id"), sis_section_ids=list_param(request, "sis_section_id"),
        sis_course_ids=list_param(request, "sis_course_id"), sis_account_ids=list_param(request, "sis_account_id"),
        root_account_id=ROOT_ACCOUNT_ID, **scope,
    )
    if wanted.user_id is not None:
        wanted.default_states_shown = store.USER_DEFAULT_STATES
    else:
        wanted.default_states_hidden = store.ROSTER_HIDDEN_STATES
    return wanted


def _respond(request: web.Request, window: Window, found: list[tuple[store.EnrollmentRow, store.PersonRow]]
             ) -> web.Response:
    base = base_url(request)
    body = []
    for enrollment, person in found[:window.per_page]:
        # The enrollment's own SIS login when it has one, else the one its user shows.
        sis_user_id = (enrollment.sis_login_sis_user_id if enrollment.sis_login_row_id is not None
                       else person.sis_user_id)
        body.append(enrollment_json(enrollment, user_json(person), sis_user_id, base))
    return bookmarked(request, body, window, found, lambda pair: (pair[0].type, pair[0].id))


async def _user_filter_id(request: web.Request) -> int | None:
    reference = request.query.get("user_id")
    return (await user_from_reference(request, reference)).id if reference else None


async def course_enrollments(request: web.Request) -> web.Response:
    """GET /api/v1/courses/:course_id/enrollments."""
    try:
        wanted = _filter(request, user_id=await _user_filter_id(request))
    except ApiError:
        await course_from_path(request)  # a missing course is a 404 before any bad filter
        raise
    window, page = keyset_slice(request, 2)
    _, found = await read_under(request, resolve_course, request.match_info["course_id"], lambda conn, course:
                                store.enrollment_page(conn, replace(wanted, course_id=course["id"]), page))
    return _respond(request, window, found)


async def section_enrollments(request: web.Request) -> web.Response:
    """GET /api/v1/sections/:section_id/enrollments (also ``sis_section_id:X``)."""
    try:
        wanted = _filter(request, user_id=await _user_filter_id(request))
    except ApiError:
        await read_under(request, structure.resolve_section, request.match_info["section_id"],
                         lambda conn, section: None)  # a missing section is a 404 first
        raise
    window, page = keyset_slice(request, 2)
    _, found = await read_under(request, structure.resolve_section, request.match_info["section_id"],
                                lambda conn, section: store.enrollment_page(
                                    conn, replace(wanted, section_id=section["id"],
                                                  section_course_id=section["course_id"]), page))
    return _respond(request, window, found)


async def user_enrollments(request: web.Request) -> web.Response:
    """GET /api/v1/users/:user_id/enrollments (``enrollment_term_id`` too)."""
    user = await user_from_path(request)
    wanted = _filter(request, user_id=user.id)
    term_reference = request.query.get("enrollment_term_id")
    if term_reference:
        term = await read(request, structure.resolve_term, ROOT_ACCOUNT_ID, term_reference)
        if term is None or term["workflow_state"] != "active":
            raise NotFound()
        wanted.enrollment_term_id = term["id"]
    window, page = keyset_slice(request, 2)
    return _respond(request, window, await read(request, store.enrollment_page, wanted, page))
