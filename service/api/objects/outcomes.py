"""Outcome Groups and Outcomes API reads for an account or a course."""

from __future__ import annotations

import sqlite3

from aiohttp import web

from ...appkeys import DATABASE
from ...clock import utc_now
from ...errors import NotFound
from ...http import canvas_response
from ...outcomes.objects_json import outcome_group_json, outcome_json, outcome_link_json
from ...store import objects_outcomes as store
from ...store.accounts import root_account_id_of
from ...store.outcomes import Context
from ..context import account_from_path, course_from_path
from .common import offset_page, paged, read


async def _context(request: web.Request) -> tuple[Context, sqlite3.Row]:
    if "course_id" in request.match_info:
        course = await course_from_path(request)
        return ("Course", course["id"]), course
    account = await account_from_path(request)
    return ("Account", account["id"]), account


async def _group(request: web.Request, context: Context) -> sqlite3.Row:
    reference = request.match_info["group_id"]
    group = await read(request, store.context_group, context, int(reference)) if reference.isdigit() else None
    if group is None:
        raise NotFound()
    return group


async def root_outcome_group(request: web.Request) -> web.Response:
    """GET /api/v1/accounts|courses/:id/root_outcome_group, created on first read as in Canvas."""
    context, owner = await _context(request)
    root_account_id = owner["root_account_id"] if context[0] == "Course" else root_account_id_of(owner)
    group_id = await request.app[DATABASE].write(store.ensure_root_group, context, root_account_id,
                                                 owner["name"], utc_now())
    return canvas_response(request, outcome_group_json(await read(request, store.context_group, context, group_id)))


async def outcome_groups(request: web.Request) -> web.Response:
    """GET /api/v1/accounts|courses/:id/outcome_groups."""
    context, _ = await _context(request)
    page = offset_page(request)
    rows, total = await read(request, store.context_groups, context, page.per_page, page.offset)
    return paged(request, [outcome_group_json(r) for r in rows], page, total)


async def show_outcome_group(request: web.Request) -> web.Response:
    """GET /api/v1/accounts|courses/:id/outcome_groups/:group_id."""
    context, _ = await _context(request)
    return canvas_response(request, outcome_group_json(await _group(request, context)))


async def subgroups(request: web.Request) -> web.Response:
    """GET .../outcome_groups/:group_id/subgroups (abbreviated groups)."""
    context, _ = await _context(request)
    group = await _group(request, context)
    page = offset_page(request)
    rows, total = await read(request, store.subgroups, group["id"], page.per_page, page.offset)
    return paged(request, [outcome_group_json(r, abbreviated=True) for r in rows], page, total)


async def _links_response(request: web.Request, rows: list[sqlite3.Row], page, total: int) -> web.Response:
    groups = await read(request, store.groups_by_id, [r["group_id"] for r in rows])
    outcomes = await read(request, store.outcomes_by_id, [r["outcome_id"] for r in rows])
    full = request.query.get("outcome_style") == "full"
    body = [outcome_link_json(r, groups[r["group_id"]], outcomes[r["outcome_id"]], full) for r in rows]
    return paged(request, body, page, total)


async def group_outcomes(request: web.Request) -> web.Response:
    """GET .../outcome_groups/:group_id/outcomes: the group's links (``outcome_style=full``)."""
    context, _ = await _context(request)
    group = await _group(request, context)
    page = offset_page(request)
    rows, total = await read(request, store.group_links, group["id"], page.per_page, page.offset)
    return await _links_response(request, rows, page, total)


async def outcome_group_links(request: web.Request) -> web.Response:
    """GET /api/v1/accounts|courses/:id/outcome_group_links."""
    context, _ = await _context(request)
    page = offset_page(request)
    rows, total = await read(request, store.context_links, context, page.per_page, page.offset)
    return await _links_response(request, rows, page, total)


async def show_outcome(request: web.Request) -> web.Response:
    """GET /api/v1/outcomes/:id: the full outcome; deleted ones are 404."""
    reference = request.match_info["outcome_id"]
    outcomes = await read(request, store.outcomes_by_id, [int(reference)]) if reference.isdigit() else {}
    outcome = outcomes.get(int(reference)) if outcomes else None
    if outcome is None or outcome["workflow_state"] == "deleted":
        raise NotFound()
    return canvas_response(request, outcome_json(outcome))
