"""The set-based half of the unchanged-row shortcut (service/sis/unchanged.py): one query per
batch finds the stored objects that re-sent rows would leave exactly as they are.

The rows travel into a temporary table with one ``executemany``; a single join then resolves
their references and compares what the full path would compare, inside SQLite, so a re-sent
row costs a few index seeks and no Python beyond its own checks. The batch's rows lead every
join (CROSS JOIN keeps them outermost: the planner knows nothing of a temporary table's size).
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

_ENROLLMENT_ROWS_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS sis_unchanged_enrollment_rows (
    row_index INTEGER PRIMARY KEY,
    user_sis_id TEXT NOT NULL,
    section_sis_id TEXT NOT NULL,
    course_sis_id TEXT,
    type TEXT NOT NULL,
    workflow_state TEXT NOT NULL
)
"""

# An enrollment is unchanged when the row's login and section resolve (neither they, the user
# nor the section's course deleted: those rows warn), the course the row names (if any) is the
# section's course or the one it was cross-listed from, exactly one enrollment has the row's key
# (section, user, type, no associated user), and it already holds every value the row would
# write: state, course, SIS login, no dates, no sticky fields.
# (INDEXED BY: with e.course_id compared, the planner would otherwise walk the whole course.)
_UNCHANGED_ENROLLMENTS = """
SELECT b.row_index, e.id, e.sis_batch_id
FROM temp.sis_unchanged_enrollment_rows AS b
CROSS JOIN pseudonyms AS p ON p.account_id = :root AND p.sis_user_id = b.user_sis_id
CROSS JOIN users AS u ON u.id = p.user_id
CROSS JOIN course_sections AS s ON s.root_account_id = :root AND s.sis_source_id = b.section_sis_id
CROSS JOIN courses AS sc ON sc.id = s.course_id
CROSS JOIN enrollments AS e INDEXED BY enrollments_section_user
    ON e.course_section_id = s.id AND e.user_id = p.user_id AND e.type = b.type
WHERE p.workflow_state <> 'deleted' AND u.workflow_state <> 'deleted'
  AND s.workflow_state <> 'deleted' AND sc.workflow_state <> 'deleted'
  AND e.associated_user_id IS NULL
  AND e.workflow_state = b.workflow_state
  AND e.course_id = s.course_id
  AND e.sis_pseudonym_id = p.id
  AND e.start_at IS NULL AND e.end_at IS NULL
  AND e.stuck_sis_fields = ''
  AND (b.course_sis_id IS NULL OR EXISTS (
      SELECT 1 FROM courses AS c WHERE c.root_account_id = :root AND c.sis_source_id = b.course_sis_id
      AND (c.id = s.course_id OR c.id = s.nonxlist_course_id)))
  AND NOT EXISTS (
      SELECT 1 FROM enrollments AS twin WHERE twin.course_section_id = s.id AND twin.user_id = p.user_id
      AND twin.type = b.type AND twin.associated_user_id IS NULL AND twin.id <> e.id)
"""


def unchanged_enrollments(
    conn: sqlite3.Connection, root_account_id: int,
    candidates: Iterable[tuple[int, str, str, str | None, str, str]],
) -> list[tuple[int, int, int | None]]:
    """(row index, enrollment id, its sis_batch_id) of the candidate rows that would change
    nothing. A candidate is (row index, user SIS id, section SIS id, course SIS id or None,
    enrollment type, workflow state)."""
    return _matching_candidates(conn, _ENROLLMENT_ROWS_TABLE, "sis_unchanged_enrollment_rows", 6,
                                candidates, _UNCHANGED_ENROLLMENTS, root_account_id)


_USER_ROWS_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS sis_unchanged_user_rows (
    row_index INTEGER PRIMARY KEY,
    user_sis_id TEXT NOT NULL,
    login_id TEXT NOT NULL,
    login_id_lower TEXT NOT NULL,
    workflow_state TEXT NOT NULL,
    integration_id TEXT,
    name TEXT NOT NULL,
    sortable_name TEXT NOT NULL,
    short_name TEXT,
    email TEXT,
    email_lower TEXT
)
"""

# A login and its user are unchanged when the row's SIS id finds the login, its user has no
# other login (a row reaching it through that one could change it), and both already hold what
# the row would write, with no sticky fields; the row's e-mail (if any) is the login's SIS
# channel, active, and the only channel of the user with that address. Addresses are compared
# lower-cased: the row's by Python, the stored ones by SQLite, which lowers ASCII only, so a user
# with a non-ASCII address counts it as a possible match and takes the full path.
_UNCHANGED_USERS = """
SELECT b.row_index, p.id, p.sis_batch_id, ch.id, ch.sis_batch_id
FROM temp.sis_unchanged_user_rows AS b
CROSS JOIN pseudonyms AS p ON p.account_id = :root AND p.sis_user_id = b.user_sis_id
CROSS JOIN users AS u ON u.id = p.user_id
LEFT JOIN communication_channels AS ch ON b.email IS NOT NULL AND ch.id = p.sis_communication_channel_id
WHERE p.unique_id = b.login_id AND p.unique_id_lower = b.login_id_lower
  AND p.workflow_state = b.workflow_state
  AND p.authentication_provider_id IS NULL
  AND p.stuck_sis_fields = ''
  AND (b.integration_id IS NULL OR p.integration_id = b.integration_id)
  AND u.workflow_state = 'registered' AND u.stuck_sis_fields = ''
  AND u.name = b.name AND u.sortable_name = b.sortable_name
  AND (b.short_name IS NULL OR u.short_name = b.short_name)
  AND NOT EXISTS (SELECT 1 FROM pseudonyms AS other WHERE other.user_id = p.user_id AND other.id <> p.id)
  AND (b.email IS NULL OR (
      ch.path = b.email AND ch.workflow_state = 'active' AND ch.pseudonym_id = p.id AND ch.user_id = p.user_id
      AND (SELECT count(*) FROM communication_channels AS same WHERE same.user_id = p.user_id
           AND (lower(same.path) = b.email_lower OR same.path GLOB '*[^ -~]*')) = 1))
"""


def unchanged_users(
    conn: sqlite3.Connection, root_account_id: int, candidates: Iterable[tuple[object, ...]],
) -> list[tuple[int, int, int | None, int | None, int | None]]:
    """(row index, login id, its sis_batch_id, e-mail channel id, its sis_batch_id) of the
    candidate users.csv rows that would change nothing. A candidate is (row index, user SIS id,
    login id, login id lower-cased, login state, integration id, name, sortable name, short name,
    e-mail, e-mail lower-cased), the names as the row would write them."""
    return _matching_candidates(conn, _USER_ROWS_TABLE, "sis_unchanged_user_rows", 11,
                                candidates, _UNCHANGED_USERS, root_account_id)


def _matching_candidates(
    conn: sqlite3.Connection, create_table: str, table: str, width: int,
    candidates: Iterable[tuple[object, ...]], query: str, root_account_id: int,
) -> list[tuple]:
    """The rows of ``query`` over a batch's candidates, which are set into the temp table
    ``table`` (``width`` columns, made by ``create_table``) for the query and emptied after."""
    conn.execute(create_table)
    conn.execute(f"DELETE FROM temp.{table}")
    placeholders = ", ".join("?" * width)
    conn.executemany(f"INSERT INTO temp.{table} VALUES ({placeholders})", candidates)
    found = _plain_cursor(conn).execute(query, {"root": root_account_id}).fetchall()
    conn.execute(f"DELETE FROM temp.{table}")
    return found


def _plain_cursor(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are plain tuples: a row per re-sent CSV row, read once by position."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor
