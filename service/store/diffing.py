"""The diffing chain of a data set (section 7.6): finding an import's baseline, recording a diff."""

from __future__ import annotations

import sqlite3

import orjson

SUCCEEDED = ("imported", "imported_with_messages")


def find_diffing_baseline(
    conn: sqlite3.Connection, account_id: int, data_set_identifier: str
) -> sqlite3.Row | None:
    """The import a new one of ``data_set_identifier`` is diffed against, as Canvas finds it.

    The latest succeeded import of the identifier that was a remaster or had a generated diff
    (a diff skipped by a threshold leaves none); otherwise the earliest succeeded one, which
    started the chain.
    """
    chain = (
        "SELECT * FROM sis_imports WHERE account_id = ? AND workflow_state IN (?, ?)"
        " AND json_extract(options, '$.diffing_data_set_identifier') = ?"
    )
    args = (account_id, *SUCCEEDED, data_set_identifier)
    latest = conn.execute(
        chain + " AND (json_extract(options, '$.diffing_remaster') = 1"
        " OR json_extract(options, '$._generated_diff') = 1) ORDER BY created_at DESC, id DESC"
        " LIMIT 1", args).fetchone()
    if latest is not None:
        return latest
    return conn.execute(chain + " ORDER BY created_at, id LIMIT 1", args).fetchone()


def file_type_of(sis_import: sqlite3.Row) -> str:
    """How an import's upload is read: ``zip`` or ``csv`` (decided when it was received)."""
    return orjson.loads(sis_import["options"]).get("_file_type", "csv")


def save_diffing_outcome(
    conn: sqlite3.Connection, import_id: int, *, threshold_exceeded: bool | None,
    generated_diff: bool,
) -> None:
    """Record on the import whether a threshold stopped the diff, and whether one was applied
    (which makes the import a baseline for the next of its data set)."""
    row = conn.execute("SELECT options FROM sis_imports WHERE id = ?", (import_id,)).fetchone()
    options = orjson.loads(row["options"])
    if threshold_exceeded is not None:
        options["diffing_threshold_exceeded"] = threshold_exceeded
    options["_generated_diff"] = generated_diff
    conn.execute("UPDATE sis_imports SET options = ? WHERE id = ?",
                 (orjson.dumps(options).decode(), import_id))
