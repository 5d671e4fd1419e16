"""Objects clients fetch before calling the import methods on them (decision 4), and health."""

from __future__ import annotations

from aiohttp import web

from ..http import canvas_response, json_response
from ..sis.objects_json import account_json
from .context import account_from_path


async def show_account(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/:account_id."""
    return canvas_response(request, account_json(await account_from_path(request)))


async def health(request: web.Request) -> web.Response:
    """GET /health, for container health checks; no token needed."""
    return json_response({"status": "ok"})
