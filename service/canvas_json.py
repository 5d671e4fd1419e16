"""Rows -> Canvas JSON objects, with Canvas's keys, key order and quirks (sections 3, 4, 13)."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from .file_lists import FileListCache
from .states import PROGRESS_TERMINAL
from .sis.objects_json import token_user_json
from .sis.progress_data import expanded
from .store.sis_imports import MESSAGE_LIST_CAP

# Option keys echoed on every SisImport, in Canvas's order (section 4); null when unset.
SIS_OPTION_KEYS = (
    "batch_mode", "batch_mode_term_id", "multi_term_batch_mode", "override_sis_stickiness",
    "add_sis_stickiness", "update_sis_id_if_login_claimed", "clear_sis_stickiness",
    "diffing_data_set_identifier", "diffing_remaster", "diffed_against_import_id",
    "diffing_drop_status", "diffing_user_remove_status", "skip_deletes", "change_threshold",
    "diff_row_count_threshold",
)


def sis_import_json(
    view: dict[str, Any], base_url: str, file_lists: FileListCache | None = None,
) -> dict[str, Any]:
    """A SisImport object from ``store.sis_imports.load_for_json``'s view of one import; its
    file lists are rendered once per base url into ``file_lists`` (the lists are shared: read
    them, never change them)."""
    row: sqlite3.Row = view["row"]
    options = orjson.loads(row["options"])
    data = expanded(orjson.loads(row["data"]), orjson.loads(row["csv_file_ids"]))
    body: dict[str, Any] = {
        "id": row["id"],
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "ended_at": row["ended_at"],
        "updated_at": row["updated_at"],
        "progress": row["progress"],
        "workflow_state": row["workflow_state"],
        "data": data,
    }
    for key in SIS_OPTION_KEYS:
        body[key] = options.get(key)
    if view["errors"]:
        body["processing_errors"] = _capped(view["errors"], row["error_count"], "errors")
    if view["warnings"]:
        body["processing_warnings"] = _capped(view["warnings"], row["warning_count"], "warnings")
    if options.get("diffing_data_set_identifier") is not None:
        body["diffing_threshold_exceeded"] = bool(options.get("diffing_threshold_exceeded"))
    if view["errors_file"] is not None:
        body["errors_attachment"] = file_json(view["errors_file"], base_url)
    # Every import is started by a token, whose user is the one user_json shows (section 4).
    body["user"] = token_user_json()
    # Canvas's downloadable_attachments(:uploaded) and (:diffed): the generated diff CSVs are
    # among the import's files, listed in data.diffed_attachment_ids.
    diffed_ids = data.get("diffed_attachment_ids") or ()
    uploaded, diffed = _csv_attachments(view, base_url, frozenset(diffed_ids), file_lists)
    if uploaded:
        body["csv_attachments"] = uploaded
    if diffed:
        body["diffed_csv_attachments"] = diffed
    # Real Canvas omits account_id; canvasapi needs it on what abort() returns (decision 7).
    body["account_id"] = row["account_id"]
    return body


def _csv_attachments(
    view: dict[str, Any], base_url: str, diffed_ids: frozenset[int],
    file_lists: FileListCache | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    key = view.get("csv_files_key")
    variant = (base_url, diffed_ids)
    if file_lists is not None and key is not None:
        cached = file_lists.rendered(key, variant)
        if cached is not None:
            return cached
    uploaded = [file_json(f, base_url) for f in view["csv_files"] if f["id"] not in diffed_ids]
    diffed = [file_json(f, base_url) for f in view["csv_files"] if f["id"] in diffed_ids]
    if file_lists is not None and key is not None:
        file_lists.remember_rendered(key, variant, (uploaded, diffed))
    return uploaded, diffed


def _capped(rows: list[sqlite3.Row], total: int, noun: str) -> list[list[Any]]:
    pairs: list[list[Any]] = [[r["file"], r["message"]] for r in rows]
    if total > MESSAGE_LIST_CAP:
        pairs.append([f"and {total - MESSAGE_LIST_CAP} more {noun} that were not included",
                      f"Download the error file to see all {noun}."])
    return pairs


def file_json(row: sqlite3.Row, base_url: str) -> dict[str, Any]:
    """A Canvas File object whose url downloads the file from this server (decision 21)."""
    content_type = row["content_type"]
    return {
        "id": row["id"],
        "uuid": row["uuid"],
        "folder_id": None,
        "display_name": row["display_name"],
        "filename": row["display_name"],
        "upload_status": "success",
        "content-type": content_type,
        "url": f"{base_url}/files/{row['id']}/download?download_frd=1&verifier={row['uuid']}",
        "size": row["size"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "unlock_at": None,
        "locked": False,
        "hidden": False,
        "lock_at": None,
        "hidden_for_user": False,
        "thumbnail_url": None,
        "modified_at": row["updated_at"],
        "mime_class": _mime_class(content_type),
        "media_entry_id": None,
        "locked_for_user": False,
    }


def _mime_class(content_type: str) -> str:
    return {"application/zip": "zip", "text/plain": "text"}.get(content_type, "file")


def sis_import_error_json(row: sqlite3.Row) -> dict[str, Any]:
    """A SisImportError; row_info is always included (decision 18)."""
    return {
        "sis_import_id": row["sis_import_id"],
        "file": row["file"],
        "message": row["message"],
        "row_info": row["row_info"],
        "row": row["row"],
    }


def outcome_import_json(row: sqlite3.Row, processing_errors: list[list[Any]]) -> dict[str, Any]:
    """An OutcomeImport (section 11.1): ``processing_errors`` always present, ``ended_at`` set
    when it finished (decision 20), no ``learning_outcome_group_id`` (Canvas's as_json has none)."""
    return {
        "id": row["id"],
        "created_at": row["created_at"],
        "ended_at": row["ended_at"],
        "updated_at": row["updated_at"],
        "progress": row["progress"],
        "workflow_state": row["workflow_state"],
        "data": orjson.loads(row["data"]),
        "processing_errors": processing_errors,
        "user": token_user_json(),  # the token's user started it (section 11.1)
    }


def outcome_import_list_entry_json(row: sqlite3.Row, processing_errors: list[list[Any]]) -> dict[str, Any]:
    """An OutcomeImport as the list extension shows it: with where it ran (Canvas's JSON has no
    context) and what it was started with (docs/decisions.md)."""
    body = outcome_import_json(row, processing_errors)
    body["started_at"] = row["started_at"]
    body["context_type"] = row["context_type"]
    body["context_id"] = row["context_id"]
    body["learning_outcome_group_id"] = row["learning_outcome_group_id"]
    return body


def progress_json(row: sqlite3.Row, base_url: str) -> dict[str, Any]:
    """A Progress (Canvas's lib/api/v1/progress.rb): ``results`` only once the job has ended
    and left some."""
    body: dict[str, Any] = {
        "id": row["id"],
        "context_id": row["context_id"],
        "context_type": row["context_type"],
        "user_id": row["user_id"],
        "tag": row["tag"],
        "completion": float(row["completion"]),
        "workflow_state": row["workflow_state"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "message": row["message"],
        "url": f"{base_url}/api/v1/progress/{row['id']}",
    }
    if row["workflow_state"] in PROGRESS_TERMINAL and row["results"] is not None:
        body["results"] = orjson.loads(row["results"])
    return body
