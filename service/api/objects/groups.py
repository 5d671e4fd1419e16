"""Group Categories and Groups API reads: an account's or course's categories and groups, one
category with its groups, one group with its memberships."""

from __future__ import annotations

import sqlite3

from aiohttp import web

from ...errors import NotFound
from ...http import canvas_response
from ...sis.groups_json import group_category_json, group_json, group_membership_json
from ...store import objects_groups as store
from ..context import account_from_path, course_from_path
from .common import list_param, offset_page, paged, read


async def _context(request: web.Request) -> tuple[str, int]:
    if "course_id" in request.match_info:
        return "Course", (await course_from_path(request))["id"]
    return "Account", (await account_from_path(request))["id"]


def _kinds(request: web.Request) -> tuple[int, ...]:
    # Canvas lists collaborative groups unless collaboration_state asks for the tags too.
    return store.COLLABORATION_STATES.get(request.query.get("collaboration_state", ""), (0,))


async def context_group_categories(request: web.Request) -> web.Response:
    """GET /api/v1/accounts|courses/:id/group_categories."""
    context_type, context_id = await _context(request)
    page = offset_page(request)
    rows, total = await read(request, store.context_categories, context_type, context_id, _kinds(request),
                             page.per_page, page.offset)
    return paged(request, [group_category_json(r) for r in rows], page, total)


async def context_groups(request: web.Request) -> web.Response:
    """GET /api/v1/accounts|courses/:id/groups."""
    context_type, context_id = await _context(request)
    page = offset_page(request)
    rows, total = await read(request, store.context_groups, context_type, context_id, _kinds(request),
                             page.per_page, page.offset)
    return paged(request, [group_json(r) for r in rows], page, total)


async def _category(request: web.Request) -> sqlite3.Row:
    category = await read(request, store.resolve_category, request.match_info["group_category_id"])
    if category is None or category["workflow_state"] == "deleted":
        raise NotFound()
    return category


async def show_group_category(request: web.Request) -> web.Response:
    """GET /api/v1/group_categories/:id (also ``sis_group_category_id:X``)."""
    return canvas_response(request, group_category_json(await _category(request)))


async def category_groups(request: web.Request) -> web.Response:
    """GET /api/v1/group_categories/:id/groups."""
    category = await _category(request)
    page = offset_page(request)
    rows, total = await read(request, store.category_groups, category["id"], page.per_page, page.offset)
    return paged(request, [group_json(r) for r in rows], page, total)


async def _group(request: web.Request) -> sqlite3.Row:
    group = await read(request, store.resolve_group, request.match_info["group_id"])
    if group is None or group["workflow_state"] == "deleted":
        raise NotFound()
    return group


async def show_group(request: web.Request) -> web.Response:
    """GET /api/v1/groups/:id (also ``sis_group_id:X``)."""
    return canvas_response(request, group_json(await _group(request)))


async def group_memberships(request: web.Request) -> web.Response:
    """GET /api/v1/groups/:id/memberships (``filter_states[]``)."""
    group = await _group(request)
    page = offset_page(request)
    rows, total = await read(request, store.memberships, group["id"], list_param(request, "filter_states"),
                             page.per_page, page.offset)
    return paged(request, [group_membership_json(r, group["sis_source_id"]) for r in rows], page, total)
