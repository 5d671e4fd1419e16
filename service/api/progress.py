"""Progress API (Canvas's ProgressController#show): the status of an asynchronous job."""

from __future__ import annotations

from aiohttp import web

from ..appkeys import DATABASE
from ..canvas_json import progress_json
from ..errors import NotFound
from ..http import canvas_response
from ..public_url import request_base_url as base_url
from ..store.progresses import get_progress


async def show(request: web.Request) -> web.Response:
    """GET /api/v1/progress/:id, or the generic 404."""
    reference = request.match_info["id"]
    if not reference.isdigit():
        raise NotFound()
    row = await request.app[DATABASE].read(get_progress, int(reference))
    if row is None:
        raise NotFound()
    return canvas_response(request, progress_json(row, base_url(request)))
