"""File downloads: errors_attachment and csv_attachments urls point here (decision 21)."""

from __future__ import annotations

import hmac

from aiohttp import web

from ..appkeys import DATABASE, SETTINGS
from ..errors import NotFound
from ..ids import parse_id
from ..store.files import get_file


async def download(request: web.Request) -> web.StreamResponse:
    """GET /files/:id/download?verifier=...: the file, or the generic 404 without the verifier."""
    file_id = parse_id(request.match_info["file_id"])
    if file_id is None:
        raise NotFound()
    row = await request.app[DATABASE].read(get_file, file_id)
    verifier = request.query.get("verifier", "")
    if row is None or not hmac.compare_digest(verifier.encode(), row["uuid"].encode()):
        raise NotFound()
    path = request.app[SETTINGS].data_dir / row["path"]
    if not path.is_file():
        raise NotFound()
    # The name comes from the client's upload: keep it from breaking out of the header value.
    safe_name = "".join(c for c in row["display_name"] if c.isprintable() and c not in '"\\')
    return web.FileResponse(path, headers={
        "Content-Type": row["content_type"],
        "Content-Disposition": f'attachment; filename="{safe_name}"',
        # A browser must not guess another type (an uploaded CSV holding HTML, say).
        "X-Content-Type-Options": "nosniff",
    })
