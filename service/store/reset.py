"""Emptying the database back to a fresh root account (the reset test control).

Every table is emptied, whatever migrations added it, so a table that a later issue adds is
reset without anyone having to remember this module; the schema and its version stay.
"""

from __future__ import annotations

import sqlite3

from .accounts import ensure_root_account


def _data_tables(conn: sqlite3.Connection) -> list[str]:
    # PRAGMA table_list tells ordinary tables from virtual ones and their shadow tables, which
    # must not be emptied behind their module's back; sqlite_* tables are SQLite's own.
    return [
        row["name"] for row in conn.execute("PRAGMA main.table_list")
        if row["type"] in ("table", "virtual") and not row["name"].startswith("sqlite_")
    ]


def wipe_all_data(conn: sqlite3.Connection, now: str) -> None:
    """Delete every row of every table and restart the ids; root account 1 exists again."""
    # Foreign keys are checked at COMMIT, when every table is empty: the order of the deletes
    # does not matter, and nothing is looked up row by row while they run.
    conn.execute("PRAGMA defer_foreign_keys = ON")
    for table in _data_tables(conn):
        conn.execute(f'DELETE FROM "{table}"')
    has_sequences = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").fetchone()
    if has_sequences:
        # AUTOINCREMENT tables would otherwise go on counting from before the reset.
        conn.execute("DELETE FROM sqlite_sequence")
    ensure_root_account(conn, now)
