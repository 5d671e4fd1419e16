"""Progress objects (Canvas's Progress model): the handle of an asynchronous job, and its queue.

A restore of an SIS import is a job on its account's strand, the strand its imports run on, so
a restore never overlaps an import of the same account and both run in the order they were
asked for (the claim below and ``sis_imports.claim_next_sis_import`` each wait for the other's
older work).
"""

from __future__ import annotations

import sqlite3
from typing import Any, Hashable, Iterable

import orjson

from ..states import PROGRESS_PENDING, ProgressState, SIS_PENDING

SIS_BATCH_CONTEXT = "SisBatch"
RESTORE_TAG = "sis_batch_state_restore"

# An import waits for the restores of its account that were asked for before it was created.
IMPORT_WAITS_FOR_OLDER_RESTORES = (
    "NOT EXISTS (SELECT 1 FROM progresses AS p WHERE p.account_id = sis_imports.account_id"
    " AND p.workflow_state IN ('queued', 'running') AND p.created_at < sis_imports.created_at)"
)


def insert_progress(
    conn: sqlite3.Connection, *, context_id: int, account_id: int, tag: str,
    options: dict[str, Any], now: str,
) -> int:
    """Create a queued Progress for an SIS import; returns its id."""
    cursor = conn.execute(
        "INSERT INTO progresses (context_type, context_id, account_id, tag, completion,"
        " workflow_state, options, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
        (SIS_BATCH_CONTEXT, context_id, account_id, tag, ProgressState.QUEUED,
         orjson.dumps(options).decode(), now, now),
    )
    return cursor.lastrowid


def get_progress(conn: sqlite3.Connection, progress_id: int) -> sqlite3.Row | None:
    """One Progress by id."""
    return conn.execute("SELECT * FROM progresses WHERE id = ?", (progress_id,)).fetchone()


def claim_next_restore(
    conn: sqlite3.Connection, busy_account_ids: Iterable[Hashable], now: str
) -> sqlite3.Row | None:
    """Move the next runnable restore to ``running`` and return its Progress, or None.

    Per account only the oldest pending restore may run, only when no worker runs the account's
    strand, and only once every import of the account created no later than the request has
    finished. One found ``running`` that no worker runs was interrupted by a crash and runs
    again (restoring is idempotent: restored records are skipped).
    """
    busy = set(busy_account_ids)
    seen: set[int] = set()
    pending = ",".join(f"'{state}'" for state in PROGRESS_PENDING)
    imports_pending = ",".join(f"'{state}'" for state in SIS_PENDING)
    rows = conn.execute(
        f"SELECT p.id, p.account_id, EXISTS (SELECT 1 FROM sis_imports AS s"
        f" WHERE s.account_id = p.account_id AND s.workflow_state IN ({imports_pending})"
        f" AND s.created_at <= p.created_at) AS waits"
        f" FROM progresses AS p WHERE p.workflow_state IN ({pending}) AND p.tag = ? ORDER BY p.id",
        (RESTORE_TAG,),
    ).fetchall()
    for row in rows:
        account_id = row["account_id"]
        if account_id in seen or account_id in busy or row["waits"]:
            seen.add(account_id)
            continue
        conn.execute(
            "UPDATE progresses SET workflow_state = ?, completion = 0, updated_at = ? WHERE id = ?",
            (ProgressState.RUNNING, now, row["id"]),
        )
        return get_progress(conn, row["id"])
    return None


def set_completion(conn: sqlite3.Connection, progress_id: int, completion: float, now: str) -> None:
    """Record how far the job is (percent); it never goes down."""
    conn.execute(
        "UPDATE progresses SET completion = max(completion, ?), updated_at = ? WHERE id = ?",
        (min(completion, 100.0), now, progress_id),
    )


def complete_progress(conn: sqlite3.Connection, progress_id: int, now: str) -> None:
    """The job finished: ``completed`` at 100%."""
    conn.execute(
        "UPDATE progresses SET workflow_state = ?, completion = 100, updated_at = ? WHERE id = ?",
        (ProgressState.COMPLETED, now, progress_id),
    )


def fail_progress(conn: sqlite3.Connection, progress_id: int, message: str, now: str) -> None:
    """The job raised: ``failed`` with the error's message, completion as it was."""
    conn.execute(
        "UPDATE progresses SET workflow_state = ?, message = ?, updated_at = ? WHERE id = ?",
        (ProgressState.FAILED, message, now, progress_id),
    )
