"""The set-based half of the unchanged-row shortcut (service/sis/unchanged.py): one query per
batch finds the stored objects that re-sent rows would leave exactly as they are.

The batch's rows travel as one bound value, a JSON array with a string per row: the row's
compared values joined by a separator no candidate contains (a row holding it is simply left
to the full path). ``json_each`` walks that array, its ``key`` is the row's place in it, and
the query splits off the SIS ids it needs for index seeks and compares the whole string with
the same values as stored, concatenated alike. Binding a value costs Python's sqlite3 about as
much as an index seek, and a temporary table of the rows cost more than the comparison itself:
this way a query binds four values or fewer, and a re-sent row costs its index seeks and no Python
beyond its own checks. The values every row of a batch shares (enrollment type and state,
login state, which optional columns are given) are parameters: the rows are grouped by them,
one query per group. ``json_each`` leads every join (CROSS JOIN keeps it outermost).
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any, Iterable

import orjson

from .sis_batch import STATE_CHANGE_TYPES

# Joins a row's compared values, and the stored ones alike; CSV values hardly ever hold it.
SEPARATOR = "\x1f"
_SQL_SEPARATOR = "char(31)"

# The first value of a row's string, and the rest after it.
_FIRST = f"substr(j.value, 1, instr(j.value, {_SQL_SEPARATOR}) - 1)"
_REST = f"substr(j.value, instr(j.value, {_SQL_SEPARATOR}) + 1)"

# An enrollment is re-sent when the row's login and section resolve (neither they, the user nor
# the section's course deleted: those rows warn), exactly one enrollment has the row's key
# (section, user, type, no associated user), and it already holds every value the row would
# write but perhaps its state: course, SIS login, no dates, no sticky fields, and a state that
# deletes nothing (a twin is told from it by id first, which the index holds: the one enrollment
# is not read twice). The row is unchanged when the state is the row's too. A row's string is
# its user SIS id and its section SIS id. The course a row names beside its section is checked
# by the caller against the section's course and the one it was cross-listed from (both returned).
# (INDEXED BY: with e.course_id compared, the planner would otherwise walk the whole course.)
_RE_SENT_ENROLLMENTS = f"""
SELECT j.key, e.id, e.sis_batch_id, e.workflow_state, s.course_id, s.nonxlist_course_id
FROM json_each(:rows) AS j
CROSS JOIN pseudonyms AS p ON p.account_id = :root AND p.sis_user_id = {_FIRST}
CROSS JOIN users AS u ON u.id = p.user_id
CROSS JOIN course_sections AS s ON s.root_account_id = :root AND s.sis_source_id = {_REST}
CROSS JOIN courses AS sc ON sc.id = s.course_id
CROSS JOIN enrollments AS e INDEXED BY enrollments_section_user
    ON e.course_section_id = s.id AND e.user_id = p.user_id AND e.type = :type
WHERE p.workflow_state <> 'deleted' AND u.workflow_state <> 'deleted'
  AND s.workflow_state <> 'deleted' AND sc.workflow_state <> 'deleted'
  AND e.associated_user_id IS NULL
  AND e.workflow_state IN ('active', 'inactive', 'completed')
  AND e.course_id = s.course_id
  AND e.sis_pseudonym_id = p.id
  AND e.start_at IS NULL AND e.end_at IS NULL
  AND e.stuck_sis_fields = ''
  AND NOT EXISTS (
      SELECT 1 FROM enrollments AS twin WHERE twin.course_section_id = s.id AND twin.user_id = p.user_id
      AND twin.id <> e.id AND twin.type = :type AND twin.associated_user_id IS NULL)
"""
_COURSE_IDS = (
    "SELECT sis_source_id, id FROM courses"
    " WHERE root_account_id = ? AND sis_source_id IN (SELECT value FROM json_each(?))"
)


def re_sent_enrollments(
    conn: sqlite3.Connection, root_account_id: int,
    candidates: Iterable[tuple[int, str, str, str | None, str, str]],
) -> list[tuple[int, int, int | None, str]]:
    """(row index, enrollment id, its sis_batch_id, its workflow_state) of the candidate rows
    that would change nothing but, perhaps, the enrollment's state (one of the states a
    candidate may ask for). A candidate is (row index, user SIS id, section SIS id, course SIS
    id or None, enrollment type, workflow state)."""
    groups: dict[str, list[tuple[int, str, str, str | None, str, str]]] = {}
    for candidate in candidates:
        if SEPARATOR not in candidate[1] and SEPARATOR not in candidate[2]:
            groups.setdefault(candidate[4], []).append(candidate)
    cursor = plain_cursor(conn)
    found: list[tuple[int, int, int | None, str]] = []
    for kind, group in groups.items():
        rows = _json_list(f"{c[1]}{SEPARATOR}{c[2]}" for c in group)
        matches = cursor.execute(_RE_SENT_ENROLLMENTS, {"rows": rows, "root": root_account_id, "type": kind}).fetchall()
        named = {c[3] for c in group if c[3] is not None}
        courses: dict[str, set[int]] = {}
        if named:
            for sis_id, course_id in cursor.execute(_COURSE_IDS, (root_account_id, _json_list(named))):
                courses.setdefault(sis_id, set()).add(course_id)
        for position, enrollment_id, batch_id, state, course_id, nonxlist_course_id in matches:
            candidate = group[position]
            course_sis_id = candidate[3]
            if course_sis_id is not None and not ({course_id, nonxlist_course_id} & courses.get(course_sis_id, set())):
                continue
            found.append((candidate[0], enrollment_id, batch_id, state))
    return found


def move_enrollment_states(
    conn: sqlite3.Connection, import_id: int, now: str, moves: dict[str, list[int]],
) -> None:
    """Give enrollments a new state, ``moves`` holding the ids for each, with the roll-back
    records the full path writes for such an edit: one ``INSERT ... SELECT`` and one ``UPDATE``
    per state, the records first, while the enrollments still hold their previous states.

    What the full path writes for a row whose only change is its enrollment's state (ObjectEdit
    and BatchWriter.update in importers/enrollments.py): the state, ``sis_batch_id`` and
    ``updated_at``, and a record that keeps the previous state a record of this import already
    holds (store.sis_batch.record_state_changes).
    """
    for state in sorted(moves):
        ids = _json_list(moves[state])
        conn.execute(
            "INSERT INTO sis_state_changes (sis_import_id, object_type, object_id, previous_state,"
            " new_state, batch_mode_delete) SELECT ?, ?, id, workflow_state, ?, 0 FROM enrollments"
            " WHERE id IN (SELECT value FROM json_each(?))"
            " ON CONFLICT (sis_import_id, object_type, object_id) DO UPDATE SET"
            " new_state = excluded.new_state,"
            " batch_mode_delete = max(batch_mode_delete, excluded.batch_mode_delete)",
            (import_id, STATE_CHANGE_TYPES["enrollments"], state, ids),
        )
        conn.execute(
            "UPDATE enrollments SET workflow_state = ?, sis_batch_id = ?, updated_at = ?"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (state, import_id, now, ids),
        )


# A login and its user are re-sent when the row's SIS id finds the login, its user has no other
# login (a row reaching it through that one could change it), and both already hold what the
# row would write but perhaps the user's name and sortable name (compared by the caller), with
# no sticky fields; the row's e-mail (if any) is the login's SIS channel, active, and the only
# channel of the user with that address (other channels are told from it by id first, which the
# index holds: a user's one channel is not read twice). A row's string is its user SIS id and
# login, then the integration id, short name and e-mail its group gives. Logins and addresses
# are ASCII (the caller's condition), so SQLite's lower-casing, which lowers ASCII only, is
# Python's; a stored non-ASCII address counts as a possible match for any other, and its user
# takes the full path.
_USERS_SELECT = """
SELECT j.key, p.id, p.sis_batch_id, {channel_columns}, u.id, u.name, u.sortable_name
FROM json_each(:rows) AS j
CROSS JOIN pseudonyms AS p ON p.account_id = :root AND p.sis_user_id = {first}
CROSS JOIN users AS u ON u.id = p.user_id
{channel_join}
WHERE j.value = p.sis_user_id || {sep} || p.unique_id{optional}
  AND p.unique_id_lower = lower(p.unique_id)
  AND p.workflow_state = :state
  AND p.authentication_provider_id IS NULL
  AND p.stuck_sis_fields = ''
  AND u.workflow_state = 'registered' AND u.stuck_sis_fields = ''
  AND NOT EXISTS (SELECT 1 FROM pseudonyms AS other WHERE other.user_id = p.user_id AND other.id <> p.id)
"""
_USERS_CHANNEL = """
  AND ch.workflow_state = 'active' AND ch.pseudonym_id = p.id AND ch.user_id = p.user_id
  AND NOT EXISTS (SELECT 1 FROM communication_channels AS same WHERE same.user_id = p.user_id
       AND same.id <> ch.id AND (lower(same.path) = lower(ch.path) OR same.path GLOB '*[^ -~]*'))
"""


@functools.lru_cache(maxsize=None)
def _re_sent_users_query(integration_id: bool, short_name: bool, email: bool) -> str:
    """The users query for a group of rows giving (or not) an integration id, a short name and
    an e-mail."""
    optional = "".join(f" || {_SQL_SEPARATOR} || {column}" for given, column in (
        (integration_id, "p.integration_id"), (short_name, "u.short_name"), (email, "ch.path")) if given)
    query = _USERS_SELECT.format(
        channel_columns="ch.id, ch.sis_batch_id" if email else "NULL, NULL",
        first=_FIRST, sep=_SQL_SEPARATOR, optional=optional,
        channel_join="CROSS JOIN communication_channels AS ch ON ch.id = p.sis_communication_channel_id"
        if email else "")
    return query + _USERS_CHANNEL if email else query


def re_sent_users(
    conn: sqlite3.Connection, root_account_id: int, candidates: Iterable[tuple[Any, ...]],
) -> list[tuple[int, int, int | None, int | None, int | None, int, str, str | None]]:
    """(row index, login id, its sis_batch_id, e-mail channel id, its sis_batch_id, user id, the
    user's name, its sortable name) of the candidate users.csv rows that would change nothing
    but, perhaps, their user's names. A candidate is (row index, user SIS id, login id, login
    state, integration id, name, sortable name, short name, e-mail), the names as the row would
    write them, the login and e-mail ASCII."""
    groups: dict[tuple[str, bool, bool, bool], list[tuple[int, str]]] = {}
    for index, user_sis_id, login_id, state, integration_id, name, sortable_name, short_name, email in candidates:
        text = f"{user_sis_id}{SEPARATOR}{login_id}"
        separators = 1
        for value in (integration_id, short_name, email):
            if value is not None:
                text = f"{text}{SEPARATOR}{value}"
                separators += 1
        if text.count(SEPARATOR) != separators or SEPARATOR in name or SEPARATOR in (sortable_name or ""):
            continue  # a value holds the separator: the full path judges the row
        shape = (state, integration_id is not None, short_name is not None, email is not None)
        groups.setdefault(shape, []).append((index, text))
    cursor = plain_cursor(conn)
    found: list[tuple[int, int, int | None, int | None, int | None, int, str, str | None]] = []
    for (state, *given), group in groups.items():
        matches = cursor.execute(_re_sent_users_query(*given), {
            "rows": _json_list(text for _, text in group), "root": root_account_id, "state": state})
        found.extend((group[position][0], *rest) for position, *rest in matches)
    return found


def rename_users(conn: sqlite3.Connection, now: str, renames: list[tuple[str, str | None, int]]) -> None:
    """Give users (name, sortable name, user id) new names, as the full path writes a row whose
    only change is its user's names (importers/users.py, _save_user): the names and
    ``updated_at`` (users carry no ``sis_batch_id``, and a name change leaves no roll-back
    record)."""
    conn.executemany("UPDATE users SET name = ?, sortable_name = ?, updated_at = ? WHERE id = ?",
                     [(name, sortable_name, now, user_id) for name, sortable_name, user_id in renames])


def _json_list(values: Iterable[Any]) -> str:
    return orjson.dumps(list(values)).decode()


def plain_cursor(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are plain tuples: a row per re-sent CSV row, read once by position."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor
