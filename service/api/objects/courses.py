"""Courses and Sections API reads: a course (``include[]=term``), its sections, one section."""

from __future__ import annotations

from aiohttp import web

from ...errors import NotFound
from ...http import canvas_response
from ...public_url import request_base_url as base_url
from ...sis.objects_json import course_json, section_json
from ...store import objects_structure as store
from ..context import course_from_path
from .common import includes, offset_page, paged, read


async def show_course(request: web.Request) -> web.Response:
    """GET /api/v1/courses/:course_id (also ``sis_course_id:X``), ``include[]=term``."""
    course = await course_from_path(request)
    term = None
    if "term" in includes(request) and course["enrollment_term_id"]:
        term = (await read(request, store.terms_by_id, {course["enrollment_term_id"]})).get(
            course["enrollment_term_id"])
    return canvas_response(request, course_json(course, base_url(request), term))


async def course_sections(request: web.Request) -> web.Response:
    """GET /api/v1/courses/:course_id/sections."""
    course = await course_from_path(request)
    page = offset_page(request)
    rows, total = await read(request, store.course_sections, course["id"], page.per_page, page.offset)
    return paged(request, [section_json(r) for r in rows], page, total)


async def show_section(request: web.Request) -> web.Response:
    """GET /api/v1/sections/:section_id (also ``sis_section_id:X``); deleted ones are 404."""
    section = await read(request, store.resolve_section, request.match_info["section_id"])
    if section is None or section["workflow_state"] == "deleted":
        raise NotFound()
    return canvas_response(request, section_json(section))
