"""The digests of re-sent rows kept on logins and enrollments (column sis_row_digest;
service/sis/row_digests.py says what a digest stands for, the ROW_DIGESTS migration's triggers
when it is cleared).

A batch's rows travel as one JSON array of [key..., digest] arrays; a row is known when the
object its keys reach holds its digest: a users row costs the login's index seek and its row,
an enrollments row the login's, the section's and the enrollment's.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

import orjson

from .sis_unchanged import plain_cursor

_KNOWN_LOGINS = """
SELECT j.key, p.id, p.sis_communication_channel_id
FROM json_each(:rows) AS j
CROSS JOIN pseudonyms AS p ON p.account_id = :root AND p.sis_user_id = j.value ->> 0
WHERE p.sis_row_digest = j.value ->> 1
"""
_KNOWN_ENROLLMENTS = """
SELECT j.key, e.id
FROM json_each(:rows) AS j
CROSS JOIN pseudonyms AS p ON p.account_id = :root AND p.sis_user_id = j.value ->> 0
CROSS JOIN course_sections AS s ON s.root_account_id = :root AND s.sis_source_id = j.value ->> 1
CROSS JOIN enrollments AS e INDEXED BY enrollments_section_user
    ON e.course_section_id = s.id AND e.user_id = p.user_id
WHERE e.sis_row_digest = j.value ->> 2
"""


def known_logins(
    conn: sqlite3.Connection, root_account_id: int, rows: list[tuple[str, int]],
) -> list[tuple[int, int, int | None]]:
    """(position in ``rows``, login id, its SIS e-mail channel id) of the (user SIS id, digest)
    rows whose login holds the digest."""
    return plain_cursor(conn).execute(_KNOWN_LOGINS, {
        "rows": orjson.dumps(rows).decode(), "root": root_account_id}).fetchall()


def known_enrollments(
    conn: sqlite3.Connection, root_account_id: int, rows: list[tuple[str, str, int]],
) -> list[tuple[int, int]]:
    """(position in ``rows``, enrollment id) of the (user SIS id, section SIS id, digest) rows
    whose enrollment holds the digest."""
    return plain_cursor(conn).execute(_KNOWN_ENROLLMENTS, {
        "rows": orjson.dumps(rows).decode(), "root": root_account_id}).fetchall()


def stamp_with_digests(conn: sqlite3.Connection, table: str, digests: Iterable[tuple[int, int]], import_id: int) -> None:
    """Mark logins or enrollments, by (id, digest), as last seen by this import, holding the
    digest of the row that saw them unchanged, in one statement (``updated_at`` stays)."""
    pairs = list(digests)
    if pairs:
        conn.execute(
            f"UPDATE {table} SET sis_batch_id = :import, sis_row_digest = j.value ->> 1"
            f" FROM json_each(:pairs) AS j WHERE {table}.id = j.value ->> 0",
            {"import": import_id, "pairs": orjson.dumps(pairs).decode()})

