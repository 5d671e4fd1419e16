"""Outcome imports (Canvas's OutcomeImport) and their errors: the rows that are also the job queue."""

from __future__ import annotations

import sqlite3
from typing import Iterable, Sequence

import orjson

from ..states import OUTCOME_PENDING, OutcomeState
from .outcomes import ACCOUNT, COURSE, Context
from .queue import claim_oldest_per_strand

# OutcomeImport#as_json: "processing_errors" holds the first 25 errors ordered by row.
PROCESSING_ERRORS_SHOWN = 25
IMPORT_TYPE = "instructure_csv"


def insert_outcome_import(
    conn: sqlite3.Connection, *, context: Context, root_account_id: int,
    learning_outcome_group_id: int | None, upload_file_id: int, now: str,
) -> int:
    """Create an import in state ``created``; returns its id."""
    cursor = conn.execute(
        "INSERT INTO outcome_imports (context_type, context_id, root_account_id,"
        " learning_outcome_group_id, workflow_state, progress, created_at, updated_at,"
        " upload_file_id, data) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
        (*context, root_account_id, learning_outcome_group_id, OutcomeState.CREATED, now, now,
         upload_file_id, orjson.dumps({"import_type": IMPORT_TYPE}).decode()),
    )
    return cursor.lastrowid


def get_outcome_import(
    conn: sqlite3.Connection, context: Context, import_id: int
) -> sqlite3.Row | None:
    """One import of this account or course (another context's import is not found)."""
    return conn.execute(
        "SELECT * FROM outcome_imports WHERE id = ? AND context_type = ? AND context_id = ?",
        (import_id, *context),
    ).fetchone()


def get_latest_outcome_import(conn: sqlite3.Connection, context: Context) -> sqlite3.Row | None:
    """The context's most recently created import (decision 20)."""
    return conn.execute(
        "SELECT * FROM outcome_imports WHERE context_type = ? AND context_id = ?"
        " ORDER BY id DESC LIMIT 1",
        context,
    ).fetchone()


def list_outcome_imports(
    conn: sqlite3.Connection, context: Context, *, states: Sequence[str] = (), limit: int,
    offset: int,
) -> list[sqlite3.Row]:
    """Newest first: a course's imports, or an account's and those of every account and course
    under it (the list is this server's extension, docs/decisions.md); only those in ``states``
    when any are given."""
    in_states = f" AND workflow_state IN ({','.join('?' * len(states))})" if states else ""
    if context[0] == COURSE:
        return conn.execute(
            "SELECT * FROM outcome_imports WHERE context_type = ? AND context_id = ?"
            f"{in_states} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*context, *states, limit, offset),
        ).fetchall()
    return conn.execute(
        "WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT accounts.id FROM accounts"
        "  JOIN tree ON accounts.parent_account_id = tree.id)"
        " SELECT * FROM outcome_imports"
        " WHERE ((context_type = ? AND context_id IN tree)"
        "    OR (context_type = ? AND context_id IN"
        f"        (SELECT courses.id FROM courses WHERE courses.account_id IN tree))){in_states}"
        " ORDER BY id DESC LIMIT ? OFFSET ?",
        (context[1], ACCOUNT, COURSE, *states, limit, offset),
    ).fetchall()


def first_errors(conn: sqlite3.Connection, import_id: int) -> list[list[int | str]]:
    """``processing_errors``: the first 25 [row, message] pairs ordered by row."""
    return [
        [row["row"], row["message"]] for row in conn.execute(
            "SELECT row, message FROM outcome_import_errors WHERE outcome_import_id = ?"
            " ORDER BY row, id LIMIT ?",
            (import_id, PROCESSING_ERRORS_SHOWN),
        )
    ]


def created_group_ids(conn: sqlite3.Connection, import_id: int) -> list[str]:
    """Ids (as strings, like Canvas) of every group this import created, updated or deleted."""
    return [
        str(row[0]) for row in conn.execute(
            "SELECT id FROM learning_outcome_groups WHERE outcome_import_id = ? ORDER BY id",
            (import_id,),
        )
    ]


def claim_next_outcome_import(
    conn: sqlite3.Connection, busy_root_account_ids: Iterable[int], now: str
) -> sqlite3.Row | None:
    """Claim the next outcome import to run; one strand per root account, as Canvas's
    "OutcomeImport::run::<root account>"."""
    return claim_oldest_per_strand(
        conn, table="outcome_imports", strand_column="root_account_id",
        pending_states=OUTCOME_PENDING, running_state=OutcomeState.IMPORTING,
        busy_strands=busy_root_account_ids, now=now)


def reset_for_run(conn: sqlite3.Connection, import_id: int) -> None:
    """Forget what an earlier, interrupted run of this import recorded.

    Its objects stay (the new run updates them), but their stamps go: otherwise every row of the
    rerun would meet "has already appeared in this import".
    """
    conn.execute("DELETE FROM outcome_import_errors WHERE outcome_import_id = ?", (import_id,))
    conn.execute("UPDATE outcome_imports SET progress = 0 WHERE id = ?", (import_id,))
    conn.execute(
        "UPDATE learning_outcome_groups SET outcome_import_id = NULL WHERE outcome_import_id = ?",
        (import_id,),
    )
    conn.execute(
        "UPDATE learning_outcomes SET outcome_import_id = NULL WHERE outcome_import_id = ?",
        (import_id,),
    )


def insert_errors(
    conn: sqlite3.Connection, import_id: int, errors: list[tuple[int, str]]
) -> None:
    """Record row errors as (row, message) pairs."""
    conn.executemany(
        "INSERT INTO outcome_import_errors (outcome_import_id, row, message) VALUES (?, ?, ?)",
        [(import_id, row, message) for row, message in errors],
    )


def save_progress(conn: sqlite3.Connection, import_id: int, progress: int, now: str) -> None:
    """Record a batch's progress; it never goes down."""
    conn.execute(
        "UPDATE outcome_imports SET progress = MAX(progress, ?), updated_at = ? WHERE id = ?",
        (progress, now, import_id),
    )


def finish_outcome_import(
    conn: sqlite3.Connection, import_id: int, *, state: OutcomeState, progress: int | None, now: str
) -> None:
    """Move a running import to ``succeeded`` or ``failed``; a None progress keeps the last one."""
    conn.execute(
        "UPDATE outcome_imports SET workflow_state = ?, progress = COALESCE(?, progress),"
        " ended_at = ?, updated_at = ? WHERE id = ?",
        (state, progress, now, now, import_id),
    )
