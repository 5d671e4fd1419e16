"""Accounts API reads: accounts, sub-accounts, terms, an account's courses, users and admins."""

from __future__ import annotations

from aiohttp import web

from ...errors import NotFound
from ...http import canvas_response
from ...public_url import request_base_url as base_url
from ...sis.objects_json import account_json, admin_json, course_json, term_json, user_json
from ...store import objects_people as people_store
from ...store import objects_structure as store
from ...store.accounts import root_account_id_of
from ..context import account_from_path
from .common import (bookmarked, flag, includes, keyset_slice, list_param, numbered_links,
                     offset_page, paged, read)

TERM_STATES = {"active": ("active",), "deleted": ("deleted",), "all": None}


async def list_accounts(request: web.Request) -> web.Response:
    """GET /api/v1/accounts: the accounts the token administers, every root account."""
    page = offset_page(request)
    rows, total = await read(request, store.root_accounts, page.per_page, page.offset)
    return paged(request, [account_json(r) for r in rows], page, total)


async def sub_accounts(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:id/sub_accounts (``recursive`` for the whole tree)."""
    account = await account_from_path(request)
    page = offset_page(request)
    rows, total = await read(request, store.sub_accounts, account["id"], bool(flag(request, "recursive")),
                             page.per_page, page.offset)
    return paged(request, [account_json(r) for r in rows], page, total)


async def terms(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:id/terms: ``{"enrollment_terms": [...]}``, active ones unless
    ``workflow_state[]`` asks for ``deleted`` or ``all``."""
    account = await account_from_path(request)
    wanted = list_param(request, "workflow_state") or ("active",)
    states: tuple[str, ...] | None = ()
    for name in wanted:
        chosen = TERM_STATES.get(name, ())
        states = None if chosen is None or states is None else states + chosen
    page = offset_page(request)
    rows, total = await read(request, store.terms, root_account_id_of(account), states,
                             page.per_page, page.offset)
    return canvas_response(request, {"enrollment_terms": [term_json(r) for r in rows]},
                           numbered_links(request, page, len(rows), total))


async def show_term(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:id/terms/:term_id (also ``sis_term_id:X``)."""
    account = await account_from_path(request)
    term = await read(request, store.resolve_term, root_account_id_of(account), request.match_info["term_id"])
    if term is None:
        raise NotFound()
    return canvas_response(request, term_json(term))


def _course_states(request: web.Request) -> tuple[str, ...] | None:
    wanted = list_param(request, "state")
    if wanted is None:
        return None
    if "all" in wanted:
        return tuple(sorted({s for states in store.COURSE_API_STATES.values() for s in states}))
    return tuple(s for name in wanted for s in store.COURSE_API_STATES.get(name, ()))


async def account_courses(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:id/courses with Canvas's filters and ``include[]=term``."""
    account = await account_from_path(request)
    term_id = None
    term_reference = request.query.get("enrollment_term_id")
    if term_reference:
        term = await read(request, store.resolve_term, root_account_id_of(account), term_reference)
        if term is None:
            raise NotFound()
        term_id = term["id"]
    wanted = store.CourseFilter(
        states=_course_states(request), enrollment_term_id=term_id,
        search_term=(request.query.get("search_term") or "").strip() or None,
        with_enrollments=flag(request, "with_enrollments"), published=flag(request, "published"),
    )
    page = offset_page(request)
    rows, total = await read(request, store.account_courses, account["id"], wanted, page.per_page, page.offset)
    terms_by_id = {}
    if "term" in includes(request):
        terms_by_id = await read(request, store.terms_by_id,
                                 {r["enrollment_term_id"] for r in rows if r["enrollment_term_id"]})
    base = base_url(request)
    body = [course_json(r, base, terms_by_id.get(r["enrollment_term_id"])) if terms_by_id
            else course_json(r, base) for r in rows]
    return paged(request, body, page, total)


async def account_users(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:id/users (``search_term``), by sortable name, paged by bookmark."""
    account = await account_from_path(request)
    window, page = keyset_slice(request, 2)
    search = (request.query.get("search_term") or "").strip() or None
    rows = await read(request, people_store.account_users, account, search, page)
    body = [user_json(person) for person in rows[:window.per_page]]
    return bookmarked(request, body, window, rows, lambda person: (person.sortable_name, person.id))


async def admins(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:id/admins (``user_id[]``)."""
    account = await account_from_path(request)
    user_ids = list_param(request, "user_id")
    wanted = tuple(int(u) for u in user_ids if u.isdigit()) if user_ids else None
    page = offset_page(request)
    rows, total = await read(request, people_store.account_admins, account["id"], wanted,
                             page.per_page, page.offset)
    persons = await read(request, people_store.people, [r["user_id"] for r in rows])
    body = [admin_json(r, user_json(persons[r["user_id"]])) for r in rows]
    return paged(request, body, page, total)
