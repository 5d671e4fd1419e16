"""Accounts: the root account that exists from the first start, and resolving ``:account_id``."""

from __future__ import annotations

import sqlite3

from ..ids import new_uuid, parse_reference

ROOT_ACCOUNT_ID = 1
ROOT_ACCOUNT_NAME = "Default Account"
# Api::SIS_MAPPINGS["accounts"]: the lookups an account id may use, and their columns.
ACCOUNT_LOOKUPS = {"sis_account_id": "sis_source_id", "sis_integration_id": "integration_id",
                   "uuid": "uuid"}


def ensure_root_account(conn: sqlite3.Connection, now: str) -> None:
    """Create root account 1, "Default Account", unless it exists (decision 4)."""
    conn.execute(
        "INSERT OR IGNORE INTO accounts (id, root_account_id, parent_account_id, name,"
        " workflow_state, uuid, created_at, updated_at) VALUES (?, NULL, NULL, ?, 'active', ?, ?, ?)",
        (ROOT_ACCOUNT_ID, ROOT_ACCOUNT_NAME, new_uuid(), now, now),
    )


def resolve_account(conn: sqlite3.Connection, reference: str) -> sqlite3.Row | None:
    """The account a path segment names: an id, ``self`` (the root), ``sis_account_id:X``,
    ``sis_integration_id:X`` or ``uuid:X`` (a live account for those)."""
    if reference == "self":
        return get_account(conn, ROOT_ACCOUNT_ID)
    found = parse_reference(reference)
    if found is None:
        return None
    if found.kind == "id":
        return get_account(conn, int(found.value))
    column = ACCOUNT_LOOKUPS.get(found.kind)
    if column is None:
        return None
    return conn.execute(
        f"SELECT * FROM accounts WHERE {column} = ? AND workflow_state != 'deleted'"
        " ORDER BY root_account_id IS NOT NULL, id LIMIT 1",
        (found.value,),
    ).fetchone()


def get_account(conn: sqlite3.Connection, account_id: int) -> sqlite3.Row | None:
    """One account by its Canvas id."""
    return conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()


def root_account_id_of(account: sqlite3.Row) -> int:
    """The root account an account belongs to (itself for a root account)."""
    return account["root_account_id"] or account["id"]
