"""Outcome Imports API handlers (section 10): thin, they parse, call the store and render.

The same handlers serve ``/api/v1/accounts/:account_id/...`` and ``/api/v1/courses/:course_id/...``;
an import is only ever found through the context it was created in.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Mapping

from aiohttp import web
from multidict import MultiDict

from ..appkeys import DATABASE, QUEUE, SETTINGS, UPLOAD_GATE
from ..canvas_json import outcome_import_json, outcome_import_list_entry_json
from ..clock import utc_now
from ..errors import NotFound
from ..http import canvas_response, present
from ..ids import MAX_ID, parse_id
from ..pagination import link_header, requested_page
from ..outcomes.ruby import to_i
from ..import_types import check_import_type
from ..states import OUTCOME_STATES, OutcomeState
from ..store import files as files_store
from ..store import outcome_imports as store
from ..store.accounts import resolve_account, root_account_id_of
from ..store.outcomes import ACCOUNT, COURSE, Context
from ..uploads import UploadPolicy, receive_upload
from .context import resolve_course

# A raw body of unknown type is a CSV (not a zip, as for SIS imports).
OUTCOME_UPLOAD = UploadPolicy(raw_name_prefix="outcome_import", fallback_type="csv",
                              refuse_empty=False)
LATEST = "latest"
GROUP_ID = "learning_outcome_group_id"


def _resolve_context(
    conn: sqlite3.Connection, match_info: Mapping[str, str]
) -> tuple[Context, int] | None:
    """The live account or course the path names, with its root account; None if there is none."""
    if "course_id" in match_info:
        course = resolve_course(conn, match_info["course_id"])
        if course is None or course["workflow_state"] == "deleted":
            return None
        return (COURSE, course["id"]), course["root_account_id"]
    account = resolve_account(conn, match_info["account_id"])
    if account is None or account["workflow_state"] == "deleted":
        return None
    return (ACCOUNT, account["id"]), root_account_id_of(account)


def _target_group_id(request: web.Request, params: MultiDict[str]) -> int | None:
    # From the path (/group/:id) or a parameter (canvasapi sends a form field). Canvas stores it
    # unvalidated, cast as Rails casts an integer column; a bad one fails the import later.
    value = request.match_info.get(GROUP_ID) or params.get(GROUP_ID)
    if not present(value):
        return None
    group_id = to_i(value)
    if abs(group_id) > MAX_ID:
        raise NotFound()  # no group has such an id, and SQLite could not even store it
    return group_id


async def create(request: web.Request) -> web.Response:
    """POST .../outcome_imports(/group/:learning_outcome_group_id): store the upload, queue it."""
    resolved = await request.app[DATABASE].read(_resolve_context, request.match_info)
    if resolved is None:
        raise NotFound()
    context, root_account_id = resolved
    settings = request.app[SETTINGS]
    # Query-string parameters are checked before a byte of the body is read.
    check_import_type(request.query)
    with request.app[UPLOAD_GATE].slot():
        upload = await receive_upload(request, OUTCOME_UPLOAD, settings.uploads_dir,
                                      settings.upload_limits)
    try:
        check_import_type(upload.params)
        group_id = _target_group_id(request, upload.params)
        relative_path = str(upload.path.relative_to(settings.data_dir))

        def insert(conn: sqlite3.Connection) -> sqlite3.Row:
            now = utc_now()
            file_id = files_store.insert_file(
                conn, display_name=upload.display_name, content_type=upload.content_type,
                size=upload.size, relative_path=relative_path, now=now)
            import_id = store.insert_outcome_import(
                conn, context=context, root_account_id=root_account_id,
                learning_outcome_group_id=group_id, upload_file_id=file_id, now=now)
            return store.get_outcome_import(conn, context, import_id)

        row = await request.app[DATABASE].write(insert)
    except BaseException:
        upload.discard()
        raise
    request.app[QUEUE].wake()
    return canvas_response(request, outcome_import_json(row, processing_errors=[]))


async def index(request: web.Request) -> web.Response:
    """GET .../outcome_imports: this server's extension (Canvas has no list), newest first,
    paginated like the SIS import list (no rel="last"); an account's list includes the imports
    of every account and course under it. ``workflow_state[]`` narrows it as it narrows the SIS
    list: unknown states are dropped, and when none is left there is no filter."""
    page = requested_page(request)
    states = [s for s in request.query.getall("workflow_state[]", [])
              + request.query.getall("workflow_state", []) if s in OUTCOME_STATES]

    def load(conn: sqlite3.Connection) -> list[tuple[sqlite3.Row, list[list[Any]]]] | None:
        resolved = _resolve_context(conn, request.match_info)
        if resolved is None:
            return None
        rows = store.list_outcome_imports(conn, resolved[0], states=states,
                                          limit=page.per_page + 1, offset=page.offset)
        return [(row, store.first_errors(conn, row["id"])) for row in rows]

    loaded = await request.app[DATABASE].read(load)
    if loaded is None:
        raise NotFound()
    has_next = len(loaded) > page.per_page
    body = {"outcome_imports": [outcome_import_list_entry_json(row, errors)
                                for row, errors in loaded[:page.per_page]]}
    return canvas_response(request, body, {"Link": link_header(request, page, has_next, None)})


async def _find_import(request: web.Request) -> tuple[sqlite3.Row, list[list[Any]]]:
    """The import ``:id`` (or ``latest``) of the path's context, with its processing errors.

    The hot path of every polling client: context, import and errors are read in one hop.
    """
    reference = request.match_info["id"]

    def load(conn: sqlite3.Connection) -> tuple[bool, sqlite3.Row | None, list[list[Any]]]:
        resolved = _resolve_context(conn, request.match_info)
        if resolved is None:
            return False, None, []
        context = resolved[0]
        if reference == LATEST:
            row = store.get_latest_outcome_import(conn, context)
        else:
            import_id = parse_id(reference)
            row = None if import_id is None else store.get_outcome_import(conn, context, import_id)
        return True, row, store.first_errors(conn, row["id"]) if row is not None else []

    context_found, row, errors = await request.app[DATABASE].read(load)
    if not context_found:
        raise NotFound()
    if row is None:
        # Canvas renders the ActiveRecord::RecordNotFound message under "message".
        message = ("ActiveRecord::RecordNotFound" if reference == LATEST
                   else f"Couldn't find OutcomeImport with 'id'={reference}")
        raise NotFound({"message": message})
    return row, errors


async def show(request: web.Request) -> web.Response:
    """GET .../outcome_imports/:id (also ``latest``)."""
    return canvas_response(request, outcome_import_json(*await _find_import(request)))


async def created_group_ids(request: web.Request) -> web.Response:
    """GET .../outcome_imports/:id/created_group_ids: string ids, once the import succeeded."""
    row, _ = await _find_import(request)
    if row["workflow_state"] == OutcomeState.FAILED:
        raise NotFound({"message": "Import has failed"})
    if row["workflow_state"] != OutcomeState.SUCCEEDED:
        raise NotFound({"message": "Import is still being processed"})
    return canvas_response(request, await request.app[DATABASE].read(store.created_group_ids, row["id"]))
