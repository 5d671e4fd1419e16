"""Unchanged rows of a re-sent file, recognised before any per-row edit logic (the nightly sync).

Integrations send the same users.csv and enrollments.csv every night with a few rows changed. A
row is *unchanged* when everything it would write is already what the stored objects hold: the
columns its kind writes, their workflow_state and their sticky fields. Such a row needs no edit
and leaves no roll-back record; all that is left to write is the import that last saw its
objects (``sis_batch_id``, which batch mode relies on), one ``UPDATE`` per table and batch. The
usual changes of a nightly file are written here too, set-based, as the full path would write
them: a users row whose only change is its user's names, an enrollments row whose only change
is its enrollment's state (a student who dropped or finished).

A row the comparison finds unchanged, or one that created its objects on the plain path, leaves
its digest on its login or enrollment (service/sis/row_digests.py); when the same record comes
again and the digest is still there, the row is unchanged without any comparison. Deletions,
restores, SIS id changes and sticky fields alter objects outside any CSV: triggers clear the
digests of whatever they touch, and the row is compared again. For the common rows the
comparison runs inside SQLite, one query per batch (and per state its rows share) with the rows
as one bound value (store.sis_unchanged), so a re-sent row costs a few index seeks; users rows
that query cannot judge (no name column, a non-ASCII address) are still compared here, in Python.

Deliberately conservative, since the full path is always right: a row takes it when it could
produce a message, when it names a column this module does not compare, when another row of the
batch names one of its objects (that row could change them first), when the import's options
change what rows do to sticky fields, and whenever something does not match exactly.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Callable, Hashable, Iterable, TypeVar

import orjson

from ..store import sis_row_digests as digest_store
from ..store import sis_unchanged as store
from ..store.sis_cascades import has_observer_links
from . import row_digests
from .context import ImportRun, SisRow
from .importers.common import match_status_prefix, parse_stuck
# The users and enrollments importers' own rules, so both paths judge a row alike (module
# references: those importers import this module).
from .importers import enrollments as enrollment_rules
from .importers import users as user_rules

# users.csv columns this module compares; a row with a value in any other column (password,
# authentication provider, declared user type, pronouns...) takes the full path.
_USER_COLUMNS = frozenset({
    "user_id", "login_id", "first_name", "last_name", "full_name", "sortable_name", "short_name",
    "email", "status", "integration_id",
})
# Login statuses an unchanged row may have: a deleted one also removes memberships.
_LIVE_LOGIN_STATES = ("active", "suspended")
# After a batch in which a one-query shortcut found no unchanged row (a file of new rows), it
# sits out this many batches: looking costs a new row about a tenth of its time.
_BATCHES_SKIPPED_AFTER_A_MISS = 7
_USERS_SKIP_KEY = "unchanged_users_skip"
_UNKNOWN = object()  # a memoised value not judged yet (None is a judgement: not a status, no such role)

Key = TypeVar("Key", bound=Hashable)

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


def repeated_keys(keys: list[Key]) -> set[Key]:
    """The keys that occur more than once (none, in the common case, found with one set)."""
    unique = set(keys)
    if len(unique) == len(keys):
        return set()
    seen: set[Key] = set()
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


def split_re_sent_users(conn: sqlite3.Connection, run: ImportRun, rows: list[SisRow]) -> tuple[list[SisRow], int]:
    """Take the re-sent rows out of a users.csv batch: stamp the objects of the unchanged ones,
    and rename the users of those whose only change is their user's names.

    Returns the rows the full path must still apply, in their order, and how many rows were
    taken out (they count as imported). Rows whose login holds their digest are taken first;
    the rows the comparison then takes leave theirs on their login for the next import.
    """
    if stickiness_options_set(run) or not rows:
        return rows, 0
    # Every key any row of the batch names: a key named twice keeps its rows on the full path.
    batch = [row.values for row in rows]
    sis_ids = [v for values in batch if (v := values.get("user_id"))]
    repeated = (repeated_keys(sis_ids)
                | repeated_keys([v.lower() for values in batch if (v := values.get("login_id"))])
                | repeated_keys([v for values in batch if (v := values.get("integration_id"))]))
    digests = row_digests.digests(run, "users", rows)
    known = 0
    differing: set[int] = set()
    if digests is not None:
        rows, digests, known, differing = _users_known_by_digest(conn, run, rows, digests, repeated)
        if not rows:
            return rows, known
    # The rows the comparisons judge, with their positions in ``rows``.
    to_compare = list(enumerate(rows))
    # The rows of a batch come from one file, but their keys are taken together to be sure.
    other_columns = frozenset().union(*(row.values.keys() for _, row in to_compare)) - _USER_COLUMNS
    # Most re-sent rows are recognised by one query; the comparison below judges the rest, but
    # for rows whose login holds another row's digest (see _users_known_by_digest).
    taken = _users_re_sent_in_one_query(conn, run, to_compare, other_columns, repeated)
    # (login, its sis_batch_id) of each row taken, by the row's position in ``rows``.
    unchanged: dict[int, tuple[int, int | None]] = dict(taken)
    remaining = ([(index, row) for index, row in to_compare if index not in taken and index not in differing]
                 if taken or differing else to_compare)
    if remaining:
        unchanged.update(_users_unchanged_in_python(conn, run, remaining, other_columns, repeated))
    if not unchanged:
        return rows, known
    # Their logins are stamped here, once: holding the rows' digests when there are digests.
    import_id = run.import_id
    if digests is not None:
        digest_store.stamp_with_digests(conn, "pseudonyms", (
            (login_id, digests[index]) for index, (login_id, _) in unchanged.items()), import_id)
    else:
        stamp_sis_batch_id(conn, "pseudonyms", (
            login_id for login_id, batch_id in unchanged.values() if batch_id != import_id), import_id)
    return [row for index, row in enumerate(rows) if index not in unchanged], known + len(unchanged)


def _users_known_by_digest(
    conn: sqlite3.Connection, run: ImportRun, rows: list[SisRow], digests: list[int], repeated: set[str],
) -> tuple[list[SisRow], list[int], int, set[int]]:
    """Take out the rows whose login holds their digest, the login and e-mail channel stamped:
    the rows left and their digests, how many were taken, and the positions among the rows left
    of those whose login holds another row's digest. A row naming a key another row of the batch
    names stays.

    A login holding another digest was left by that row exactly as the comparisons would find
    it; this row's record differs, so it almost always changes something: only the one query
    judges it again (it takes a row that changes only its user's names, the usual change), and
    if that does not take it, it goes to the full path, which is always right (a row that
    differs only in, say, a status's capitals writes nothing there either), without the
    comparison in Python. Only while most of the batch is known, though: when
    few rows are, the digests were taken with another header or quoting, the rows may well be
    unchanged, and only the comparisons would give them digests again."""
    user_sis_ids = [row.values.get("user_id") for row in rows]

    def wanted(index: int) -> bool:
        return bool(user_sis_ids[index]) and not (repeated and _names_a_repeated_key(rows[index].values, repeated))

    every_row = not repeated and all(user_sis_ids)
    looked_up, keys, looked_up_digests = _to_look_up(user_sis_ids, digests, None if every_row else wanted)
    found, other_digests = digest_store.known_logins(conn, run.root_account_id, keys, looked_up_digests)
    if len(found) <= len(other_digests):
        other_digests = []
    if not found:
        return rows, digests, 0, set()
    import_id = run.import_id
    stamp_sis_batch_id(conn, "pseudonyms", [login_id for _, login_id, _ in found], import_id)
    # A row with an e-mail was judged with the login's SIS channel (the one it names).
    stamp_sis_batch_id(conn, "communication_channels", [
        channel_id for place, _, channel_id in found
        if channel_id is not None and rows[looked_up[place]].values.get("email")], import_id)
    if len(found) == len(rows):
        return [], [], len(found), set()
    differing = {looked_up[place] for place in other_digests}
    if len(found) + len(differing) == len(rows):
        # Every row's login holds a digest (a nightly file with a few rows changed): the rows
        # left are those holding another, found without a pass over the whole batch.
        left = sorted(differing)
    else:
        known = {looked_up[place] for place, _, _ in found}
        left = [index for index in range(len(rows)) if index not in known]
    return ([rows[index] for index in left], [digests[index] for index in left], len(found),
            {position for position, index in enumerate(left) if index in differing})


def _to_look_up(
    keys: list[Key], digests: list[int], wanted: Callable[[int], bool] | None,
) -> tuple[range | list[int], list[Key], list[int]]:
    """The positions of the rows whose digest is looked up, with their keys and digests: every
    row when ``wanted`` is None (the common batch, at no cost), else the rows it wants."""
    if wanted is None:
        return range(len(keys)), keys, digests
    positions = [index for index in range(len(keys)) if wanted(index)]
    return positions, [keys[index] for index in positions], [digests[index] for index in positions]


def _names_a_repeated_key(values: dict[str, str | None], repeated: set[str]) -> bool:
    login = values.get("login_id")
    return (values.get("user_id") in repeated or (login is not None and login.lower() in repeated)
            or values.get("integration_id") in repeated)


def _users_unchanged_in_python(
    conn: sqlite3.Connection, run: ImportRun, indexed_rows: list[tuple[int, SisRow]],
    other_columns: frozenset[str], repeated: set[str],
) -> dict[int, tuple[int, int | None]]:
    """The rows the one query could not judge, compared in Python, their e-mail channels
    stamped: (login, its sis_batch_id) by the row's position."""
    sis_ids = [v for _, row in indexed_rows if (v := row.values.get("user_id"))]
    stored = {
        found[0]: found
        for found in conn.execute(_LOGINS_WITH_USERS, (run.root_account_id, _json_list(dict.fromkeys(sis_ids))))
    }
    candidates: list[tuple[int, SisRow, tuple[Any, ...], str]] = []
    for index, row in indexed_rows:
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
        candidates.append((index, row, found, status))
    if not candidates:
        return {}

    with_email = [found[2] for _, row, found, _ in candidates if row.values.get("email")]
    channels: dict[int, list[tuple[Any, ...]]] = {}
    if with_email:
        for channel in conn.execute(_CHANNELS, (_json_list(with_email),)):
            channels.setdefault(channel[0], []).append(channel)
    unchanged: dict[int, tuple[int, int | None]] = {}
    stamp_channels: list[int] = []
    import_id = run.import_id
    for index, row, found, status in candidates:
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
        unchanged[index] = (found[1], found[9])
    stamp_sis_batch_id(conn, "communication_channels", stamp_channels, import_id)
    return unchanged


def _one_query_candidate(
    row: SisRow, other_columns: frozenset[str], repeated: set[str] | frozenset[str], statuses: dict[str | None, Any],
) -> tuple[Any, ...] | None:
    """(user SIS id, login id, login state, integration id, name, sortable name, short name,
    e-mail) of a row the one query can judge: one that names its user's name, with an ASCII
    login and e-mail, whose own values could produce no message; else None. ``statuses``
    memoises the status texts judged (a file names a status or two)."""
    values = row.values
    get = values.get
    user_sis_id, login_id, email = get("user_id"), get("login_id"), get("email")
    first_name, last_name, full_name = get("first_name"), get("last_name"), get("full_name")
    if not (full_name or first_name or last_name):
        return None  # the name would fall back on the stored one
    # _user_row_is_clean, the common case inline: no message could come from the row's own
    # values (the raw record holds every value, so a NUL in it is conservative).
    if (not user_sis_id or not login_id or "\x00" in row.raw
            or (other_columns and any(get(name) is not None for name in other_columns))):
        return None
    if not (login_id.isascii() and login_id.isprintable()) or len(login_id) > user_rules.MAX_LOGIN_LENGTH:
        return None  # (a non-ASCII login is judged by the Python comparison)
    if email is not None and not (email.isascii() and user_rules._EMAIL.match(email)):
        return None
    integration_id = get("integration_id")
    if repeated and (user_sis_id in repeated or login_id.lower() in repeated or integration_id in repeated):
        return None
    status_text = get("status")
    status = statuses.get(status_text, _UNKNOWN)
    if status is _UNKNOWN:
        status = statuses[status_text] = match_status_prefix(status_text, user_rules.STATUSES)
    if status not in _LIVE_LOGIN_STATES:
        return None
    if full_name or get("sortable_name"):
        name = user_rules.infer_name(values)
        sortable_name = user_rules.infer_sortable_name(values, name)
    else:  # infer_name and infer_sortable_name with first or last name only
        name = f"{first_name or ''} {last_name or ''}"
        sortable_name = f"{last_name or ''}, {first_name or ''}"
    return (user_sis_id, login_id, status, integration_id, name, sortable_name, get("short_name"), email)


def _users_re_sent_in_one_query(
    conn: sqlite3.Connection, run: ImportRun, indexed_rows: list[tuple[int, SisRow]],
    other_columns: frozenset[str], repeated: set[str],
) -> dict[int, tuple[int, int | None]]:
    """The rows one query (store.sis_unchanged) finds unchanged, or changing nothing but their
    user's names, which are written here: (login, its sis_batch_id) by the row's position, their
    e-mail channels stamped. What it leaves, the Python comparison still judges.

    A renamed user is written as the full path writes it (store.sis_unchanged.rename_users),
    for a batch's renamed users in one statement: a nightly file's changed rows are mostly such
    (a name corrected, a name taken on marriage), and each cost the full path about ten re-sent
    rows."""
    skip = run.state.get(_USERS_SKIP_KEY, 0)
    if skip:
        run.state[_USERS_SKIP_KEY] = skip - 1
        return {}
    candidates: list[tuple[Any, ...]] = []
    statuses: dict[str | None, Any] = {}
    for index, row in indexed_rows:
        candidate = _one_query_candidate(row, other_columns, repeated, statuses)
        if candidate is not None:
            candidates.append((index, *candidate))
    if not candidates:
        return {}
    found = store.re_sent_users(conn, run.root_account_id, candidates)
    if not found:
        run.state[_USERS_SKIP_KEY] = _BATCHES_SKIPPED_AFTER_A_MISS
    # The names each row would write, (name, sortable name) by its position.
    asked = {candidate[0]: (candidate[5], candidate[6]) for candidate in candidates}
    renames = [(*asked[f[0]], f[5]) for f in found if (f[6], f[7]) != asked[f[0]]]
    if renames:
        store.rename_users(conn, run.now, renames)
    import_id = run.import_id
    stamp_sis_batch_id(conn, "communication_channels",
                       (f[3] for f in found if f[3] is not None and f[4] != import_id), import_id)
    return {f[0]: (f[1], f[2]) for f in found}


class CreatedUserDigests:
    """The digest a users row that creates its user, login and e-mail channel on the plain path
    (users.py, _PlainCreations) leaves on its login: only a row the one query could judge gets
    one. The query would find it unchanged, since the row wrote exactly what it compares; a later
    row of the import that changes the objects clears the digest again."""

    def __init__(self, run: ImportRun, rows: list[SisRow]) -> None:
        self.run = run
        self.enabled = not stickiness_options_set(run) and row_digests.HEADER_KEY in run.file_state
        self.other_columns = frozenset().union(*(row.values.keys() for row in rows)) - _USER_COLUMNS
        self.statuses: dict[str | None, Any] = {}

    def digest(self, row: SisRow) -> int | None:
        """The row's digest, or None (plain creations name keys no other row of the batch names)."""
        if not self.enabled or _one_query_candidate(row, self.other_columns, _NO_KEYS, self.statuses) is None:
            return None
        return row_digests.digest_of(self.run, "users", row)


_NO_KEYS: frozenset[str] = frozenset()


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


# enrollments.csv columns the enrollment shortcut handles; a row with a value in any other
# column (dates, associated or temporary source user, user_integration_id, section privileges)
# takes the full path, and so does a row without section_id (its default section may be made).
_ENROLLMENT_COLUMNS = frozenset({"course_id", "section_id", "user_id", "role", "status"})
# States an unchanged enrollment row may ask for: deleting ones also remove memberships.
_PLAIN_ENROLLMENT_STATES = frozenset({"active", "inactive", "completed"})
_SKIP_KEY = "unchanged_enrollments_skip"  # see _BATCHES_SKIPPED_AFTER_A_MISS


def re_sent_enrollment_rows(conn: sqlite3.Connection, run: ImportRun, rows: list[SisRow]) -> set[int]:
    """The positions of an enrollments.csv batch's re-sent rows, written here: the unchanged
    ones with their enrollments stamped, and those that change nothing but their enrollment's
    state, from one that deletes nothing to another, with the state moved.

    Those rows count as imported and need nothing else (they cannot produce a message). Rows
    whose enrollment holds their digest need no comparison; the others are compared in one
    query (store.sis_unchanged), and the unchanged ones it finds leave their digests on their
    enrollments; here only the row's own values are checked. A state that moves is written as
    the full path writes it (store.sis_unchanged.move_enrollment_states), set-based: one
    changed row in a hundred, a nightly file's usual share, cost as much on the full path as
    ten re-sent ones. Not while observers are linked to students: their enrollments follow the
    students', which the full path sees to.
    """
    if stickiness_options_set(run) or not rows:
        return set()
    digests = row_digests.digests(run, "enrollments", rows)
    batch = [row.values for row in rows]
    # (user SIS id, section SIS id) of every row: a user's two rows for one section, even in two
    # roles, go the full way.
    pairs = [(values.get("user_id"), values.get("section_id")) for values in batch]
    repeated = repeated_keys(pairs)
    # Rows whose enrollment holds their digest: the enrollment by the row's position.
    known: dict[int, int] = dict(digest_store.known_enrollments(conn, digests)) if digests is not None else {}
    other_columns = tuple(frozenset().union(*(values.keys() for values in batch)) - _ENROLLMENT_COLUMNS)
    # A file names a handful of roles and statuses: each is judged once per batch.
    kinds: dict[str | None, str | None] = {}
    states: dict[str | None, str | None] = {}
    candidates: list[tuple[int, str, str, str | None, str, str]] = []
    full_path_users: set[str | None] = set()
    # A known row passed the checks below when its digest was stored: only the others are checked.
    others = [index for index in range(len(batch)) if index not in known] if known else range(len(batch))
    for index in others:
        values = batch[index]
        get = values.get
        user_sis_id, section_sis_id = pairs[index]
        role, status_text = get("role"), get("status")
        kind = kinds.get(role, _UNKNOWN)
        if kind is _UNKNOWN:
            kind = kinds[role] = enrollment_rules.enrollment_type(role)
        status = states.get(status_text, _UNKNOWN)
        if status is _UNKNOWN:
            status = states[status_text] = match_status_prefix(status_text, enrollment_rules.STATUSES)
        if (not user_sis_id or not section_sis_id or kind is None or status not in _PLAIN_ENROLLMENT_STATES
                or (other_columns and any(get(name) is not None for name in other_columns))):
            full_path_users.add(user_sis_id)
            if get("user_integration_id"):
                return set()  # it may name any candidate's login: the whole batch goes the full way
            continue
        candidates.append((index, user_sis_id, section_sis_id, get("course_id"), kind, status))  # type: ignore[arg-type]
    # A row of the full path naming the same user could change one of the enrollments first
    # (through a course's default section); rows with the same key could disagree.
    if full_path_users or repeated:
        candidates = [c for c in candidates if c[1] not in full_path_users and (c[1], c[2]) not in repeated]
        known = {index: found for index, found in known.items()
                 if (pair := pairs[index]) not in repeated and pair[0] not in full_path_users}
    unchanged = set(known)
    to_stamp = list(known.values())
    if candidates:
        skip = run.state.get(_SKIP_KEY, 0)
        if skip:
            run.state[_SKIP_KEY] = skip - 1
        else:
            re_sent = store.re_sent_enrollments(conn, run.root_account_id, candidates)
            if not re_sent:
                run.state[_SKIP_KEY] = _BATCHES_SKIPPED_AFTER_A_MISS
            asked = {candidate[0]: candidate[5] for candidate in candidates}
            found = [(index, e_id, batch_id) for index, e_id, batch_id, state in re_sent if state == asked[index]]
            unchanged.update(index for index, *_ in found)
            if digests is not None:  # stamped holding the rows' digests
                digest_store.stamp_with_digests(conn, "enrollments", (
                    (e_id, digests[index]) for index, e_id, _ in found), run.import_id)
            else:
                import_id = run.import_id
                to_stamp.extend(e_id for _, e_id, batch_id in found if batch_id != import_id)
            if len(found) < len(re_sent) and not has_observer_links(conn):
                moves: dict[str, list[int]] = {}
                for index, e_id, _, state in re_sent:
                    if state != asked[index]:
                        moves.setdefault(asked[index], []).append(e_id)
                        unchanged.add(index)
                store.move_enrollment_states(conn, run.import_id, run.now, moves)
    stamp_sis_batch_id(conn, "enrollments", to_stamp, run.import_id)
    return unchanged


def created_enrollment_digest(run: ImportRun, row: SisRow) -> int | None:
    """The digest a plain row (enrollments.py, _plan_rows) that creates its enrollment leaves on
    it: the one query would find the row unchanged, since a plain row names a live login and
    section and writes exactly what it compares; a later row of the import that changes the
    enrollment clears the digest again. The batch's other rows cannot have changed it first: a
    plain row creates its enrollment only when no other row of the batch names its key."""
    if stickiness_options_set(run):
        return None
    return row_digests.digest_of(run, "enrollments", row)
