"""SIS Import Errors API (section 3): one import's errors, or the whole account's."""

from __future__ import annotations

import sqlite3

from aiohttp import web

from ..appkeys import DATABASE
from ..canvas_json import sis_import_error_json
from ..errors import NotFound
from ..http import canvas_response, value_to_boolean
from ..pagination import link_header, requested_page
from ..store import sis_imports as store
from .context import import_id_from_path, sis_root_account_from_path


async def for_import(request: web.Request) -> web.Response:
    """GET .../sis_imports/:id/errors (also ``latest``)."""
    account = await sis_root_account_from_path(request)
    import_id = import_id_from_path(request)

    def find(conn: sqlite3.Connection) -> int | None:
        row = (store.get_latest_sis_import(conn, account["id"]) if import_id is None
               else store.get_sis_import(conn, account["id"], import_id))
        return None if row is None else row["id"]

    found = await request.app[DATABASE].read(find)
    if found is None:
        raise NotFound()
    return await _errors_page(request, account["id"], found)


async def for_account(request: web.Request) -> web.Response:
    """GET .../sis_import_errors: every import's errors in the account."""
    account = await sis_root_account_from_path(request)
    return await _errors_page(request, account["id"], None)


async def _errors_page(request: web.Request, account_id: int, import_id: int | None) -> web.Response:
    page = requested_page(request)
    levels = _levels(request)
    rows, total = await request.app[DATABASE].read(
        lambda conn: store.list_errors(conn, account_id, import_id, **levels,
                                       limit=page.per_page, offset=page.offset))
    has_next = page.offset + len(rows) < total
    body = {"sis_import_errors": [sis_import_error_json(row) for row in rows]}
    return canvas_response(request, body, {"Link": link_header(request, page, has_next, total)})


def _levels(request: web.Request) -> dict[str, bool]:
    """Which messages to list: Canvas's ``failure`` keeps only the failures; this server's
    ``warning`` keeps only the warnings (Canvas has no such filter, and ``failure=false`` means
    "everything" there, so it needs a parameter of its own: docs/decisions.md). Both set: no
    message is both, and the list is empty."""
    failures_only = value_to_boolean(request.query.get("failure", ""))
    warnings_only = value_to_boolean(request.query.get("warning", ""))
    return {"failures": not warnings_only, "warnings": not failures_only}
