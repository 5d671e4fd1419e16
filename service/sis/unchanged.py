"""Unchanged rows of a re-sent file, recognised before any per-row edit logic (the nightly sync).

Integrations send the same users.csv and enrollments.csv every night with a few rows changed. A
row is *unchanged* when everything it would write is already what the stored objects hold: the
columns its kind writes, their workflow_state and their sticky fields. Such a row needs no edit
and leaves no roll-back record; all that is left to write is the import that last saw its
objects (``sis_batch_id``, which batch mode relies on), one ``UPDATE`` per table and batch.

The comparison is always made against the objects as stored, never against a fingerprint kept
with them: deletions, restores and SIS id changes alter objects outside any CSV.

Deliberately conservative, since the full path is always right: a row takes it when it could
produce a message, when it names a column this module does not compare, when another row of the
batch names one of its objects (that row could change them first), when the import's options
change what rows do to sticky fields, and whenever something does not match exactly.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable

import orjson

from .context import ImportRun, SisRow
from .importers.common import match_status_prefix, parse_stuck
# The users importer's own rules, so both paths judge a row alike (a module reference: the
# users importer imports this module).
from .importers import users as user_rules

# users.csv columns this module compares; a row with a value in any other column (password,
# authentication provider, declared user type, pronouns...) takes the full path.
_USER_COLUMNS = frozenset({
    "user_id", "login_id", "first_name", "last_name", "full_name", "sortable_name", "short_name",
    "email", "status", "integration_id",
})
# Login statuses an unchanged row may have: a deleted one also removes memberships.
_LIVE_LOGIN_STATES = ("active", "suspended")

_LOGINS_WITH_USERS = (
    "SELECT p.sis_user_id, p.id, p.user_id, p.unique_id, p.unique_id_lower, p.integration_id,"
    " p.workflow_state, p.authentication_provider_id, p.sis_communication_channel_id,"
    " p.sis_batch_id, p.stuck_sis_fields, u.name, u.sortable_name, u.short_name,"
    " u.workflow_state, u.stuck_sis_fields"
    " FROM pseudonyms AS p JOIN users AS u ON u.id = p.user_id"
    " WHERE p.account_id = ? AND p.sis_user_id IN (SELECT value FROM json_each(?))"
    # A user with a second login could be changed by a row reaching it through that one.
    " AND NOT EXISTS (SELECT 1 FROM pseudonyms AS o WHERE o.user_id = p.user_id AND o.id <> p.id)"
)
_CHANNELS = (
    "SELECT user_id, id, path, workflow_state, pseudonym_id, sis_batch_id FROM communication_channels"
    " WHERE user_id IN (SELECT value FROM json_each(?))"
)


def stickiness_options_set(run: ImportRun) -> bool:
    """Whether the import's options change what a row does to sticky fields or claimed logins."""
    options = run.options
    return (options.override_sis_stickiness or options.add_sis_stickiness
            or options.clear_sis_stickiness or options.update_sis_id_if_login_claimed)


def stuck_fields_normalised(stored: str | None) -> bool:
    """Whether ``stuck_sis_fields`` is already in the form an edit writes (else it rewrites it)."""
    return not stored or stored == ",".join(sorted(parse_stuck(stored)))


def _repeated(keys: list[str]) -> set[str]:
    """The keys that occur more than once (none, in the common case, found with one set)."""
    unique = set(keys)
    if len(unique) == len(keys):
        return set()
    seen: set[str] = set()
    return {key for key in keys if key in seen or seen.add(key)}  # type: ignore[func-returns-value]


def _json_list(values: Iterable[Any]) -> str:
    return orjson.dumps(list(values)).decode()


def stamp_sis_batch_id(conn: sqlite3.Connection, table: str, ids: Iterable[int], import_id: int) -> None:
    """Mark objects as last seen by this import, in one statement (``updated_at`` stays: nothing
    else changed, as with the full path)."""
    unique = list(dict.fromkeys(ids))
    if unique:
        conn.execute(
            f"UPDATE {table} SET sis_batch_id = ? WHERE id IN (SELECT value FROM json_each(?))",
            (import_id, _json_list(unique)),
        )


def _user_row_is_clean(row: SisRow, other_columns: frozenset[str]) -> bool:
    """No message could come from the row's own values, and it names only compared columns
    (``other_columns``: the file's columns this module does not compare)."""
    values = row.values
    for name in other_columns:
        if values.get(name) is not None:
            return False
    login = values.get("login_id")
    if not values.get("user_id") or not login or user_rules.contains_null_character(row):
        return False
    if not user_rules.is_printable(login) or len(login) > user_rules.MAX_LOGIN_LENGTH:
        return False
    email = values.get("email")
    return not email or user_rules._EMAIL.match(email) is not None


def split_unchanged_users(conn: sqlite3.Connection, run: ImportRun, rows: list[SisRow]) -> tuple[list[SisRow], int]:
    """Take the unchanged rows out of a users.csv batch and stamp their objects.

    Returns the rows the full path must still apply, in their order, and how many rows were
    taken out (they count as imported).
    """
    if stickiness_options_set(run) or not rows:
        return rows, 0
    # Every key any row of the batch names: a key named twice keeps its rows on the full path.
    batch = [row.values for row in rows]
    sis_ids = [v for values in batch if (v := values.get("user_id"))]
    repeated = (_repeated(sis_ids)
                | _repeated([v.lower() for values in batch if (v := values.get("login_id"))])
                | _repeated([v for values in batch if (v := values.get("integration_id"))]))
    stored = {
        found[0]: found
        for found in conn.execute(_LOGINS_WITH_USERS, (run.root_account_id, _json_list(dict.fromkeys(sis_ids))))
    }

    # The rows of a batch come from one file, but their keys are taken together to be sure.
    other_columns = frozenset().union(*(values.keys() for values in batch)) - _USER_COLUMNS
    candidates: list[tuple[SisRow, tuple[Any, ...], str]] = []
    for row in rows:
        values = row.values
        user_sis_id = values.get("user_id")
        found = stored.get(user_sis_id)
        if found is None or not _user_row_is_clean(row, other_columns):
            continue
        login_id = values["login_id"]
        integration_id = values.get("integration_id")
        if repeated and (user_sis_id in repeated or login_id.lower() in repeated
                         or integration_id in repeated):
            continue
        status = match_status_prefix(values.get("status"), user_rules.STATUSES)
        if status not in _LIVE_LOGIN_STATES:
            continue
        if not _login_and_user_unchanged(values, found, login_id, integration_id, status):
            continue
        candidates.append((row, found, status))
    if not candidates:
        return rows, 0

    with_email = [found[2] for row, found, _ in candidates if row.values.get("email")]
    channels: dict[int, list[tuple[Any, ...]]] = {}
    if with_email:
        for channel in conn.execute(_CHANNELS, (_json_list(with_email),)):
            channels.setdefault(channel[0], []).append(channel)
    unchanged_ids: set[int] = set()
    stamp_logins: list[int] = []
    stamp_channels: list[int] = []
    import_id = run.import_id
    for row, found, status in candidates:
        email = row.values.get("email")
        if email:
            lowered = email.lower()
            matching = [c for c in channels.get(found[2], ()) if c[2].lower() == lowered]
            # Exactly one channel with the address, already pointing where the row points it.
            if len(matching) != 1:
                continue
            channel = matching[0]
            if channel[2] != email or channel[3] != "active" or channel[4] != found[1] or found[8] != channel[1]:
                continue
            if channel[5] != import_id:
                stamp_channels.append(channel[1])
        if found[9] != import_id:
            stamp_logins.append(found[1])
        unchanged_ids.add(id(row))
    stamp_sis_batch_id(conn, "pseudonyms", stamp_logins, import_id)
    stamp_sis_batch_id(conn, "communication_channels", stamp_channels, import_id)
    if not unchanged_ids:
        return rows, 0
    return [row for row in rows if id(row) not in unchanged_ids], len(unchanged_ids)


def _login_and_user_unchanged(
    values: dict[str, str | None], found: tuple[Any, ...], login_id: str, integration_id: str | None,
    status: str,
) -> bool:
    """Whether the row would write nothing to its login and user (what ``save_login`` and
    ``_save_user`` would set, compared with what is stored)."""
    (_, _, _, unique_id, unique_id_lower, stored_integration_id, login_state, provider, _, _,
     login_stuck, name, sortable_name, short_name, user_state, user_stuck) = found
    if (unique_id != login_id or unique_id_lower != login_id.lower() or login_state != status
            or provider is not None or not stuck_fields_normalised(login_stuck)):
        return False
    if integration_id and stored_integration_id != integration_id:
        return False
    if user_state != "registered" or not stuck_fields_normalised(user_stuck):
        return False
    new_name = user_rules.infer_name(values, name)
    if new_name != name or user_rules.infer_sortable_name(values, new_name, sortable_name) != sortable_name:
        return False
    short = values.get("short_name")
    return not short or short == short_name
