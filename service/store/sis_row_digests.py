"""The digests of re-sent rows kept on logins and enrollments (column sis_row_digest;
service/sis/row_digests.py says what a digest stands for, the ROW_DIGESTS migration's triggers
when it is cleared).

A users batch's keys travel as one JSON array, their digests stay in Python; a users row is
known when the login its SIS id reaches holds its digest (the login's index seek and its row).
An enrollments row is known when an enrollment holds its digest, found in an index of the
digests themselves (one seek).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
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
# An enrollments row is found by its digest alone, in the enrollments_sis_row_digest index: one
# seek of an integer index, where reaching the enrollment through the row's keys took four (the
# login, the section, the enrollment and its row; 2.3 against 0.6 us/row replayed bare on 300k
# enrollments). The triggers make that sound: whatever would make the row's keys reach another
# enrollment (a login's or section's SIS id or user, an enrollment's section or user, a twin)
# clears the digest first. The ids come back as one value, so the look-up is a single step of
# SQLite, without the GIL.
_KNOWN_ENROLLMENTS = """
SELECT json_group_array(j.key), json_group_array(e.id)
FROM json_each(:digests) AS j
CROSS JOIN enrollments AS e INDEXED BY enrollments_sis_row_digest ON e.sis_row_digest = j.value
"""


def known_logins(
    conn: sqlite3.Connection, root_account_id: int, user_sis_ids: Sequence[str | None], digests: Sequence[int],
) -> tuple[list[tuple[int, int, int | None]], list[int]]:
    """(position, login id, its SIS e-mail channel id) of the rows, given by user SIS id and
    digest, whose login holds the digest; and the positions of those whose login holds another."""
    found: list[tuple[int, int, int | None]] = []
    other_digests: list[int] = []
    for place, login_id, channel_id, digest in plain_cursor(conn).execute(_KNOWN_LOGINS, {
            "keys": orjson.dumps(user_sis_ids).decode(), "root": root_account_id}):
        if digest == digests[place]:
            found.append((place, login_id, channel_id))
        else:
            other_digests.append(place)
    return found, other_digests


def known_enrollments(conn: sqlite3.Connection, digests: Sequence[int]) -> list[tuple[int, int]]:
    """(position, enrollment id) of the rows, given by digest, whose digest an enrollment holds;
    a position two enrollments would answer for (never seen: the triggers clear twins) is left
    out, to the full path."""
    positions, enrollment_ids = plain_cursor(conn).execute(
        _KNOWN_ENROLLMENTS, {"digests": orjson.dumps(digests).decode()}).fetchone()
    found = list(zip(orjson.loads(positions), orjson.loads(enrollment_ids)))
    if len({place for place, _ in found}) < len(found):
        counts = Counter(place for place, _ in found)
        found = [(place, enrollment_id) for place, enrollment_id in found if counts[place] == 1]
    return found


def stamp_with_digests(conn: sqlite3.Connection, table: str, digests: Iterable[tuple[int, int]], import_id: int) -> None:
    """Mark logins or enrollments, by (id, digest), as last seen by this import, holding the
    digest of the row that saw them unchanged, in one statement (``updated_at`` stays)."""
    pairs = list(digests)
    if pairs:
        conn.execute(
            f"UPDATE {table} SET sis_batch_id = :import, sis_row_digest = j.value ->> 1"
            f" FROM json_each(:pairs) AS j WHERE {table}.id = j.value ->> 0",
            {"import": import_id, "pairs": orjson.dumps(pairs).decode()})

