"""The page at ``/`` (issue 11): static files from ``service/web/``, served without a token.

They hold no data: the page asks the same authenticated API as every client, with the token the
person enters. Only files that exist directly in ``service/web/`` are served, with a
Content-Security-Policy that keeps the page on this server (no CDN, nothing fetched from outside).
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

from ..errors import NotFound

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
INDEX = "index.html"
# Plain names only: no sub-directories, no dot-files, nothing a path could climb out with.
_FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(?:html|js|css|svg|png)$")
_CONTENT_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".css": "text/css",
    ".svg": "image/svg+xml", ".png": "image/png",
}
PAGE_HEADERS = {
    # Everything from this origin only; API calls are same-origin fetches.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none';"
                               " base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # A new version of the server serves its new page at once.
    "Cache-Control": "no-cache",
}


def _file_response(name: str) -> web.FileResponse:
    path = WEB_DIR / name
    if not _FILE_NAME.match(name) or not path.is_file():
        raise NotFound()
    response = web.FileResponse(path, headers=PAGE_HEADERS)
    response.content_type = _CONTENT_TYPES[path.suffix]
    return response


async def index(request: web.Request) -> web.FileResponse:
    """GET /: the page."""
    return _file_response(INDEX)


async def asset(request: web.Request) -> web.FileResponse:
    """GET /web/:name: the page's scripts, styles and images."""
    return _file_response(request.match_info["name"])
