"""SIS Imports API handlers (section 2): thin, they parse, call the store and render."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web

from ..appkeys import DATABASE, FILE_LISTS, QUEUE, SETTINGS, UPLOAD_GATE
from ..canvas_json import progress_json, sis_import_json
from ..clock import format_time, parse_time, utc_now
from ..errors import BadRequest, NotFound
from ..http import canvas_response, request_params, value_to_boolean
from ..pagination import link_header, requested_page
from ..public_url import request_base_url as base_url
from ..sis.options import parse_sis_options
from ..states import SIS_STATES
from ..store import files as files_store
from ..store import progresses as progress_store
from ..store import sis_imports as store
from ..store import sis_restore as restore_store
from ..store.accounts import resolve_account
from ..store.sis_objects import find_active_term
from ..uploads import UploadPolicy, receive_upload
from .context import check_sis_account, import_id_from_path, sis_root_account_from_path

SIS_UPLOAD = UploadPolicy(raw_name_prefix="sis_import", fallback_type="zip")
# The newest SisImportsApiController#restore_states bodies (section 2.9).
BOTH_RESTORE_FLAGS = {"message": "cannot set both undelete_only and unconclude_only"}
RESTORE_DATA_UNAVAILABLE = {"message": "restore data unavailable"}


async def create(request: web.Request) -> web.Response:
    """POST .../sis_imports: store the upload and queue the import."""
    account = await sis_root_account_from_path(request)
    settings = request.app[SETTINGS]
    db = request.app[DATABASE]
    # Query-string parameters are checked before a byte of the body is read.
    parse_sis_options(request.query)
    with request.app[UPLOAD_GATE].slot():
        upload = await receive_upload(request, SIS_UPLOAD, settings.uploads_dir,
                                      settings.upload_limits)
    try:
        parsed = parse_sis_options(upload.params)
        options = dict(parsed.options, _file_type=upload.file_type)
        relative_path = str(upload.path.relative_to(settings.data_dir))

        def insert(conn: sqlite3.Connection) -> sqlite3.Row:
            now = utc_now()
            if parsed.batch_mode_term_reference is not None:
                options["batch_mode_term_id"] = _find_batch_term(
                    conn, account["id"], parsed.batch_mode_term_reference)
            file_id = files_store.insert_file(
                conn, display_name=upload.display_name, content_type=upload.content_type,
                size=upload.size, relative_path=relative_path, now=now)
            import_id = store.insert_sis_import(
                conn, account_id=account["id"], upload_file_id=file_id, options=options,
                import_type=parsed.import_type, now=now)
            return store.get_sis_import(conn, account["id"], import_id)

        row = await db.write(insert)
    except BaseException:
        upload.discard()
        raise
    request.app[QUEUE].wake()
    return await _respond_with_import(request, row)


def _find_batch_term(conn: sqlite3.Connection, account_id: int, reference: str) -> int:
    """The Canvas id of the active term batch mode names; the generic 404 when there is none."""
    term = find_active_term(conn, account_id, reference)
    if term is None:
        raise NotFound()
    return term["id"]


async def show(request: web.Request) -> web.Response:
    """GET .../sis_imports/:id (also ``latest``, decision 19).

    The hot path of every polling client: the account, the import and everything its JSON
    needs are read in one hop to the read connection.
    """
    reference = request.match_info["account_id"]
    import_id = import_id_from_path(request)
    file_lists = request.app[FILE_LISTS]

    def load(conn: sqlite3.Connection) -> tuple[sqlite3.Row | None, dict[str, Any] | None]:
        account = resolve_account(conn, reference)
        if account is None:
            return None, None
        row = (store.get_latest_sis_import(conn, account["id"]) if import_id is None
               else store.get_sis_import(conn, account["id"], import_id))
        return account, (store.load_for_json(conn, row, file_lists) if row is not None else None)

    account, view = await request.app[DATABASE].read(load)
    check_sis_account(account)
    if view is None:
        raise NotFound()
    return canvas_response(request, sis_import_json(view, base_url(request), file_lists))


async def index(request: web.Request) -> web.Response:
    """GET .../sis_imports: newest first, paginated without a total (no rel="last")."""
    account = await sis_root_account_from_path(request)
    page = requested_page(request)
    states = [s for s in request.query.getall("workflow_state[]", [])
              + request.query.getall("workflow_state", []) if s in SIS_STATES]
    created_since = _time_param(request, "created_since")
    created_before = _time_param(request, "created_before")
    file_lists = request.app[FILE_LISTS]

    def load(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        rows = store.list_sis_imports(
            conn, account["id"], states=states, created_since=created_since,
            created_before=created_before, limit=page.per_page + 1, offset=page.offset)
        return [store.load_for_json(conn, row, file_lists) for row in rows]

    views = await request.app[DATABASE].read(load)
    has_next = len(views) > page.per_page
    body = {"sis_imports": [sis_import_json(v, base_url(request), file_lists)
                            for v in views[:page.per_page]]}
    return canvas_response(request, body, {"Link": link_header(request, page, has_next, None)})


def _time_param(request: web.Request, name: str) -> str | None:
    # Dates that do not parse are silently ignored, as in Canvas.
    text = request.query.get(name)
    moment = parse_time(text) if text else None
    return format_time(moment) if moment else None


async def importing(request: web.Request) -> web.Response:
    """GET .../sis_imports/importing: every import now running, unpaginated."""
    account = await sis_root_account_from_path(request)
    file_lists = request.app[FILE_LISTS]

    def load(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        return [store.load_for_json(conn, row, file_lists)
                for row in store.list_running_sis_imports(conn, account["id"])]

    views = await request.app[DATABASE].read(load)
    return canvas_response(request, {"sis_imports": [
        sis_import_json(v, base_url(request), file_lists) for v in views]})


async def abort(request: web.Request) -> web.Response:
    """PUT .../sis_imports/:id/abort: only unfinished imports can be found (else 404)."""
    account = await sis_root_account_from_path(request)
    await request_params(request)  # drain any form body
    import_id = import_id_from_path(request)
    if import_id is None:
        raise NotFound()

    def abort_import(conn: sqlite3.Connection) -> sqlite3.Row | None:
        if not store.abort_sis_import(conn, account["id"], import_id, utc_now()):
            return None
        return store.get_sis_import(conn, account["id"], import_id)

    row = await request.app[DATABASE].write(abort_import)
    if row is None:
        raise NotFound()
    return await _respond_with_import(request, row)


async def abort_all_pending(request: web.Request) -> web.Response:
    """PUT .../sis_imports/abort_all_pending: abort every import that has not started."""
    account = await sis_root_account_from_path(request)
    await request_params(request)
    await request.app[DATABASE].write(
        lambda conn: store.abort_pending_sis_imports(conn, account["id"], utc_now()))
    return canvas_response(request, {"aborted": True})


async def restore_states(request: web.Request) -> web.Response:
    """PUT .../sis_imports/:id/restore_states: queue a restore, answer its Progress."""
    account = await sis_root_account_from_path(request)
    params = await request_params(request)
    import_id = import_id_from_path(request)
    if import_id is None:
        raise NotFound()
    flags = {name: value_to_boolean(params.get(name, ""))
             for name in ("batch_mode", "undelete_only", "unconclude_only")}
    expired_before = format_time(
        datetime.now(timezone.utc) - timedelta(days=restore_store.ROLL_BACK_DATA_DAYS))

    def queue_restore(conn: sqlite3.Connection) -> sqlite3.Row:
        if store.get_sis_import(conn, account["id"], import_id) is None:
            raise NotFound()
        if flags["undelete_only"] and flags["unconclude_only"]:
            raise BadRequest(BOTH_RESTORE_FLAGS)
        if restore_store.roll_back_data_expired(conn, import_id, expired_before):
            raise BadRequest(RESTORE_DATA_UNAVAILABLE)
        progress_id = progress_store.insert_progress(
            conn, context_id=import_id, account_id=account["id"],
            tag=progress_store.RESTORE_TAG, options=flags, now=utc_now())
        return progress_store.get_progress(conn, progress_id)

    progress = await request.app[DATABASE].write(queue_restore)
    request.app[QUEUE].wake()
    return canvas_response(request, progress_json(progress, base_url(request)))


async def _respond_with_import(request: web.Request, row: sqlite3.Row) -> web.Response:
    file_lists = request.app[FILE_LISTS]
    view = await request.app[DATABASE].read(store.load_for_json, row, file_lists)
    return canvas_response(request, sis_import_json(view, base_url(request), file_lists))

