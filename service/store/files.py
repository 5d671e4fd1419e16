"""Files the service keeps (uploads, CSVs received, error files), with their download verifier."""

from __future__ import annotations

import secrets
import sqlite3


def insert_file(
    conn: sqlite3.Connection, *, display_name: str, content_type: str, size: int,
    relative_path: str, now: str,
) -> int:
    """Record a file that is already complete on disk; returns its id."""
    cursor = conn.execute(
        "INSERT INTO files (uuid, display_name, content_type, size, path, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (secrets.token_urlsafe(24), display_name, content_type, size, relative_path, now, now),
    )
    return cursor.lastrowid


def get_file(conn: sqlite3.Connection, file_id: int) -> sqlite3.Row | None:
    """One file record."""
    return conn.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone()


def get_files(conn: sqlite3.Connection, file_ids: list[int]) -> list[sqlite3.Row]:
    """File records in the order of ``file_ids``."""
    if not file_ids:
        return []
    placeholders = ",".join("?" * len(file_ids))
    rows = {r["id"]: r for r in conn.execute(
        f"SELECT * FROM files WHERE id IN ({placeholders})", file_ids)}
    return [rows[i] for i in file_ids if i in rows]


def verifiers(conn: sqlite3.Connection, file_ids: list[int]) -> dict[int, str]:
    """The uuid of each of these files that exists, by id."""
    placeholders = ",".join("?" * len(file_ids))
    return {r["id"]: r["uuid"] for r in conn.execute(
        f"SELECT id, uuid FROM files WHERE id IN ({placeholders})", file_ids)}


def referenced_paths(conn: sqlite3.Connection) -> set[str]:
    """The data-directory-relative path of every file a row refers to."""
    return {row[0] for row in conn.execute("SELECT path FROM files")}
