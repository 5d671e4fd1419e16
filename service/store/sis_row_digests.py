"""The digests of re-sent rows kept on logins and enrollments (column sis_row_digest;
service/sis/row_digests.py says what a digest stands for, the ROW_DIGESTS migration's triggers
when it is cleared).

A batch's keys travel as one JSON array, their digests stay in Python; a row is known when the
object its keys reach holds its digest: a users row costs the login's index seek and its row,
an enrollments row the login's, the section's and the enrollment's.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable, Sequence

import orjson

from .sis_unchanged import plain_cursor

# The digests are compared in Python: binding them in the JSON array and reading them back
# with ->> cost the look-up more than the comparison saves (users 4.1 against 2.6 us/row,
# replayed bare on 300k logins).
_KNOWN_LOGINS = """
SELECT j.key, p.id, p.sis_communication_channel_id, p.sis_row_digest
FROM json_each(:keys) AS j
CROSS JOIN pseudonyms AS p ON p.account_id = :root AND p.sis_user_id = j.value
WHERE p.sis_row_digest IS NOT NULL
"""
_KNOWN_ENROLLMENTS = """
SELECT j.key, e.id, e.sis_row_digest
FROM json_each(:keys) AS j
CROSS JOIN pseudonyms AS p ON p.account_id = :root AND p.sis_user_id = j.value ->> 0
CROSS JOIN course_sections AS s ON s.root_account_id = :root AND s.sis_source_id = j.value ->> 1
CROSS JOIN enrollments AS e INDEXED BY enrollments_section_user
    ON e.course_section_id = s.id AND e.user_id = p.user_id
WHERE e.sis_row_digest IS NOT NULL
"""


def known_logins(
    conn: sqlite3.Connection, root_account_id: int, user_sis_ids: Sequence[str | None], digests: Sequence[int],
) -> list[tuple[int, int, int | None]]:
    """(position, login id, its SIS e-mail channel id) of the rows, given by user SIS id and
    digest, whose login holds the digest."""
    found = plain_cursor(conn).execute(_KNOWN_LOGINS, {
        "keys": orjson.dumps(user_sis_ids).decode(), "root": root_account_id})
    return [(place, login_id, channel_id) for place, login_id, channel_id, digest in found
            if digest == digests[place]]


def known_enrollments(
    conn: sqlite3.Connection, root_account_id: int, keys: Sequence[tuple[str | None, str | None]], digests: Sequence[int],
) -> list[tuple[int, int]]:
    """(position, enrollment id) of the rows, given by (user SIS id, section SIS id) and digest,
    whose enrollment holds the digest."""
    found = plain_cursor(conn).execute(_KNOWN_ENROLLMENTS, {
        "keys": orjson.dumps(keys).decode(), "root": root_account_id})
    return [(place, enrollment_id) for place, enrollment_id, digest in found if digest == digests[place]]


def stamp_with_digests(conn: sqlite3.Connection, table: str, digests: Iterable[tuple[int, int]], import_id: int) -> None:
    """Mark logins or enrollments, by (id, digest), as last seen by this import, holding the
    digest of the row that saw them unchanged, in one statement (``updated_at`` stays)."""
    pairs = list(digests)
    if pairs:
        conn.execute(
            f"UPDATE {table} SET sis_batch_id = :import, sis_row_digest = j.value ->> 1"
            f" FROM json_each(:pairs) AS j WHERE {table}.id = j.value ->> 0",
            {"import": import_id, "pairs": orjson.dumps(pairs).decode()})

