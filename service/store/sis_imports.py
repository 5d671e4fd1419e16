"""SIS imports (Canvas's SisBatch) and their errors: the rows that are also the job queue."""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable

import orjson

from . import files
from ..file_lists import FileListCache, FileListKey
from .progresses import IMPORT_WAITS_FOR_OLDER_RESTORES
from .queue import claim_oldest_per_strand
from ..states import SIS_ABORTABLE, SIS_PENDING, SisState

# Canvas caps processing_errors / processing_warnings at 24 entries plus a summary pair.
MESSAGE_LIST_CAP = 24


def insert_sis_import(
    conn: sqlite3.Connection, *, account_id: int, upload_file_id: int, options: dict[str, Any],
    import_type: str, now: str,
) -> int:
    """Create an import in state ``created``; returns its id."""
    cursor = conn.execute(
        "INSERT INTO sis_imports (account_id, workflow_state, progress, created_at, updated_at,"
        " upload_file_id, options, data) VALUES (?, ?, 0, ?, ?, ?, ?, ?)",
        (account_id, SisState.CREATED, now, now, upload_file_id, orjson.dumps(options).decode(),
         orjson.dumps({"import_type": import_type}).decode()),
    )
    return cursor.lastrowid


def get_sis_import(conn: sqlite3.Connection, account_id: int, import_id: int) -> sqlite3.Row | None:
    """One import of an account."""
    return conn.execute(
        "SELECT * FROM sis_imports WHERE id = ? AND account_id = ?", (import_id, account_id)
    ).fetchone()


def get_latest_sis_import(conn: sqlite3.Connection, account_id: int) -> sqlite3.Row | None:
    """The account's most recently created import (decision 19)."""
    return conn.execute(
        "SELECT * FROM sis_imports WHERE account_id = ? ORDER BY id DESC LIMIT 1", (account_id,)
    ).fetchone()


def list_sis_imports(
    conn: sqlite3.Connection, account_id: int, *, states: list[str], created_since: str | None,
    created_before: str | None, limit: int, offset: int,
) -> list[sqlite3.Row]:
    """An account's imports, newest first, filtered as GET .../sis_imports describes."""
    sql = "SELECT * FROM sis_imports WHERE account_id = ?"
    args: list[Any] = [account_id]
    if states:
        sql += f" AND workflow_state IN ({','.join('?' * len(states))})"
        args += states
    if created_since:
        sql += " AND created_at > ?"
        args.append(created_since)
    if created_before:
        sql += " AND created_at < ?"
        args.append(created_before)
    sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
    args += [limit, offset]
    return conn.execute(sql, args).fetchall()


def list_running_sis_imports(conn: sqlite3.Connection, account_id: int) -> list[sqlite3.Row]:
    """Imports in ``importing`` or ``cleanup_batch`` (GET .../sis_imports/importing)."""
    return conn.execute(
        "SELECT * FROM sis_imports WHERE account_id = ?"
        " AND workflow_state IN ('importing', 'cleanup_batch') ORDER BY id DESC",
        (account_id,),
    ).fetchall()


def abort_sis_import(conn: sqlite3.Connection, account_id: int, import_id: int, now: str) -> bool:
    """Abort an import that has not finished; False when there is none to abort.

    Canvas leaves ended_at null and progress as it was until its worker notices; we finish the
    abort at once (decision 15) so clients that poll for ended_at or progress 100 stop.
    """
    cursor = conn.execute(
        f"UPDATE sis_imports SET workflow_state = 'aborted', progress = 100, ended_at = ?,"
        f" updated_at = ? WHERE id = ? AND account_id = ?"
        f" AND workflow_state IN ({_quoted(SIS_ABORTABLE)})",
        (now, now, import_id, account_id),
    )
    return cursor.rowcount == 1


def abort_pending_sis_imports(conn: sqlite3.Connection, account_id: int, now: str) -> int:
    """Abort every import of the account that has not started; returns how many."""
    cursor = conn.execute(
        "UPDATE sis_imports SET workflow_state = 'aborted', progress = 100, ended_at = ?,"
        " updated_at = ? WHERE account_id = ? AND workflow_state IN ('initializing', 'created')",
        (now, now, account_id),
    )
    return cursor.rowcount


def claim_next_sis_import(
    conn: sqlite3.Connection, busy_account_ids: Iterable[int], now: str
) -> sqlite3.Row | None:
    """Claim the next SIS import to run; one strand per account (decision 22), shared with the
    account's restores (an import waits for those asked for before it)."""
    return claim_oldest_per_strand(
        conn, table="sis_imports", strand_column="account_id", pending_states=SIS_PENDING,
        running_state=SisState.IMPORTING, busy_strands=busy_account_ids, now=now,
        condition=IMPORT_WAITS_FOR_OLDER_RESTORES)


def reset_for_run(conn: sqlite3.Connection, import_id: int, data: dict[str, Any]) -> None:
    """Forget what an earlier, interrupted run of this import wrote (messages, files, counts)."""
    row = conn.execute(
        "SELECT upload_file_id, csv_file_ids, errors_file_id FROM sis_imports WHERE id = ?",
        (import_id,)).fetchone()
    stale_file_ids = set(orjson.loads(row["csv_file_ids"])) | {row["errors_file_id"]}
    stale_file_ids -= {None, row["upload_file_id"]}  # a CSV upload is its own csv attachment
    conn.execute("DELETE FROM sis_import_errors WHERE sis_import_id = ?", (import_id,))
    conn.execute(
        "UPDATE sis_imports SET data = ?, progress = 0, error_count = 0, warning_count = 0,"
        " csv_file_ids = '[]', errors_file_id = NULL WHERE id = ?",
        (orjson.dumps(data).decode(), import_id),
    )
    if stale_file_ids:
        conn.execute(f"DELETE FROM files WHERE id IN ({','.join('?' * len(stale_file_ids))})",
                     list(stale_file_ids))


def is_still_importing(conn: sqlite3.Connection, import_id: int) -> bool:
    """False once the import was aborted (or otherwise left ``importing`` and ``cleanup_batch``)."""
    row = conn.execute("SELECT workflow_state FROM sis_imports WHERE id = ?", (import_id,)).fetchone()
    return row is not None and row["workflow_state"] in (SisState.IMPORTING, SisState.CLEANUP_BATCH)


def insert_messages(
    conn: sqlite3.Connection, import_id: int, account_id: int, messages: list[Any], now: str
) -> tuple[int, int]:
    """Store SisBatchErrors; returns (failures, warnings) added."""
    if not messages:
        return 0, 0
    conn.executemany(
        "INSERT INTO sis_import_errors (sis_import_id, account_id, file, message, row, row_info,"
        " failure, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(import_id, account_id, m.file, m.message, m.row, m.row_info, int(m.failure), now)
         for m in messages],
    )
    failures = sum(1 for m in messages if m.failure)
    conn.execute(
        "UPDATE sis_imports SET error_count = error_count + ?, warning_count = warning_count + ?"
        " WHERE id = ?",
        (failures, len(messages) - failures, import_id),
    )
    return failures, len(messages) - failures


def save_progress(
    conn: sqlite3.Connection, import_id: int, progress: int, data: dict[str, Any],
    csv_file_ids: list[int], now: str,
) -> None:
    """Record a batch's progress and the running ``data``; progress never goes down."""
    conn.execute(
        "UPDATE sis_imports SET progress = MAX(progress, ?), data = ?, csv_file_ids = ?,"
        " updated_at = ? WHERE id = ?",
        (progress, orjson.dumps(data).decode(), orjson.dumps(csv_file_ids).decode(), now, import_id),
    )


def finish_sis_import(
    conn: sqlite3.Connection, import_id: int, *, state: str, progress: int | None,
    data: dict[str, Any], errors_file_id: int | None, now: str,
) -> bool:
    """Move a running import to its terminal state; False if it was aborted meanwhile."""
    cursor = conn.execute(
        "UPDATE sis_imports SET workflow_state = ?, progress = COALESCE(?, progress), data = ?,"
        " errors_file_id = ?, ended_at = ?, updated_at = ?"
        " WHERE id = ? AND workflow_state IN ('importing', 'cleanup_batch')",
        (state, progress, orjson.dumps(data).decode(), errors_file_id, now, now, import_id),
    )
    return cursor.rowcount == 1


def first_messages(conn: sqlite3.Connection, import_id: int, failure: bool) -> list[sqlite3.Row]:
    """The first 24 failures or warnings of an import, in the order they were recorded."""
    return conn.execute(
        "SELECT file, message FROM sis_import_errors WHERE sis_import_id = ? AND failure = ?"
        " ORDER BY id LIMIT ?",
        (import_id, int(failure), MESSAGE_LIST_CAP),
    ).fetchall()


def messages_page(
    conn: sqlite3.Connection, import_id: int, after_id: int, limit: int
) -> list[sqlite3.Row]:
    """Errors and warnings of an import with ids above ``after_id``, for its error file."""
    return conn.execute(
        "SELECT id, file, message, row FROM sis_import_errors WHERE sis_import_id = ? AND id > ?"
        " ORDER BY id LIMIT ?",
        (import_id, after_id, limit),
    ).fetchall()


def list_errors(
    conn: sqlite3.Connection, account_id: int, import_id: int | None, *, failures: bool = True,
    warnings: bool = True, limit: int, offset: int,
) -> tuple[list[sqlite3.Row], int]:
    """A page of SisBatchErrors (newest first) and the total, for the errors endpoints: the
    failures, the warnings, or both."""
    where = "account_id = ?"
    args: list[Any] = [account_id]
    if import_id is not None:
        where += " AND sis_import_id = ?"
        args.append(import_id)
    if not (failures and warnings):
        # The (..., failure, id) indexes serve either level and the order.
        where += " AND failure IN (" + ",".join(
            level for level, wanted in (("1", failures), ("0", warnings)) if wanted) + ")"
    total = conn.execute(f"SELECT COUNT(*) FROM sis_import_errors WHERE {where}", args).fetchone()[0]
    rows = conn.execute(
        f"SELECT * FROM sis_import_errors WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        args + [limit, offset],
    ).fetchall()
    return rows, total


def _quoted(states: Iterable[str]) -> str:
    return ",".join(f"'{s}'" for s in states)


def load_for_json(
    conn: sqlite3.Connection, row: sqlite3.Row, file_lists: FileListCache | None = None,
) -> dict[str, Any]:
    """Everything the SisImport JSON needs besides the row itself, in one read; the csv files
    come from ``file_lists`` when it holds exactly these file records."""
    key, csv_files = _csv_files(conn, row["csv_file_ids"], file_lists)
    return {
        "row": row,
        "errors": first_messages(conn, row["id"], True) if row["error_count"] else [],
        "warnings": first_messages(conn, row["id"], False) if row["warning_count"] else [],
        "errors_file": files.get_file(conn, row["errors_file_id"]) if row["errors_file_id"] else None,
        "csv_files": csv_files,
        "csv_files_key": key,
    }


def _csv_files(
    conn: sqlite3.Connection, csv_file_ids: str, file_lists: FileListCache | None,
) -> tuple[FileListKey | None, list[sqlite3.Row]]:
    file_ids = orjson.loads(csv_file_ids)
    if file_lists is None or not file_ids:
        return None, files.get_files(conn, file_ids)
    # The first and last file's random verifiers tell these records from others that a reset
    # or a re-run of the import may since have given the same ids (see service/file_lists.py).
    uuids = files.verifiers(conn, [file_ids[0], file_ids[-1]])
    key = (csv_file_ids, uuids.get(file_ids[0], ""), uuids.get(file_ids[-1], ""))
    rows = file_lists.rows(key)
    if rows is None:
        rows = files.get_files(conn, file_ids)
        file_lists.remember_rows(key, rows)
    return key, rows
