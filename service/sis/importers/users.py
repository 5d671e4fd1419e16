"""users.csv (section 9.2): users, their login (pseudonym) in the root account and their e-mail.

``Logins`` holds the batch's view of the root account's logins, users and e-mail channels and the
steps users.csv and logins.csv (section 9.3) share: the row checks, writing a login, writing its
e-mail channel.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import unicodedata
from typing import Any

from ...store.sis_batch import BatchWriter, as_dicts, fetch_in
from ...store.sis_queries import other_active_logins
from .. import cascades
from ..context import ImportRun, SisRow
from .. import unchanged as unchanged_rows  # a module reference: it uses this module's rules
from .common import (
    DELETE_SENTINEL, ObjectEdit, SisIdCache, column_values, match_status_prefix, new_object_stuck_fields, ruby_to_i,
    save,
)

STATUSES = ("active", "suspended", "deleted")
DECLARED_USER_TYPES = ("administrative", "observer", "staff", "student", "student_other", "teacher")
# The only authentication provider this server has is Canvas's own.
KNOWN_AUTHENTICATION_PROVIDERS = ("canvas",)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_LOGIN_LENGTH = 100  # Canvas's Pseudonym unique_id limit


def password_digest(password: str, salt: str | None = None) -> str:
    """A salted digest of an SIS password (we only need to know whether it changed)."""
    salt = salt or secrets.token_hex(8)
    return f"sha256${salt}${hashlib.sha256((salt + password).encode()).hexdigest()}"


def password_matches(password: str, digest: str | None) -> bool:
    """Whether ``password`` is the one ``digest`` was made from."""
    if not digest or digest.count("$") != 2:
        return False
    salt = digest.split("$")[1]
    return secrets.compare_digest(password_digest(password, salt), digest)


def infer_name(values: dict[str, str | None], prior: str | None = None) -> str:
    """Section 9.2: full_name, then "first last", then the existing name, sortable, short, login."""
    if values.get("full_name"):
        return values["full_name"]  # type: ignore[return-value]
    if values.get("first_name") or values.get("last_name"):
        return f"{values.get('first_name') or ''} {values.get('last_name') or ''}"
    for candidate in (prior, values.get("sortable_name"), values.get("short_name"), values.get("login_id")):
        if candidate:
            return candidate
    return ""


def infer_sortable_name(values: dict[str, str | None], name: str, prior: str | None = None) -> str | None:
    """sortable_name, else "last, first", else derived from the full name like Canvas's User model."""
    if values.get("sortable_name"):
        return values["sortable_name"]
    if values.get("full_name"):
        return last_name_first(name)
    if values.get("first_name") or values.get("last_name"):
        return f"{values.get('last_name') or ''}, {values.get('first_name') or ''}"
    return prior if prior is not None else last_name_first(name)


def last_name_first(name: str) -> str:
    """"Jane Q Doe" -> "Doe, Jane Q" (Canvas's default sortable name)."""
    parts = name.strip().rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else name.strip()


# What Ruby's [[:print:]] leaves out: controls, surrogates, unassigned code points and the line
# and paragraph separators (every other space separator prints).
_NOT_PRINTABLE = frozenset({"Cc", "Cs", "Cn", "Zl", "Zp"})


def is_printable(text: str) -> bool:
    """Whether ``text`` matches Pseudonym's unique_id format, Ruby's ``/\\A[[:print:]]+\\z/``."""
    if text.isascii():
        return text.isprintable()
    return all(unicodedata.category(char) not in _NOT_PRINTABLE for char in text)


def canvas_boolean(value: str | None) -> bool:
    """Canvas::Plugin.value_to_boolean on a CSV cell: yes/true/on/1 are true, no/false/off/0
    false, and any other text is true when Ruby's ``to_i`` of it is not 0."""
    if not value:
        return False
    lowered = value.lower()
    if lowered in ("yes", "true", "on", "1"):
        return True
    if lowered in ("no", "false", "off", "0"):
        return False
    return ruby_to_i(value) != 0


def describe_holder(login: dict[str, Any]) -> str:
    """How Canvas names the owner of a login in "already claimed" messages."""
    if login["sis_user_id"]:
        return f"SIS ID {login['sis_user_id']}"
    return f"Canvas ID {login['user_id']}"


class Logins:
    """One batch's view of the root account's logins, their users and their e-mail channels."""

    def __init__(self, conn: sqlite3.Connection, run: ImportRun, writer: BatchWriter, rows: list[SisRow]) -> None:
        self.conn = conn
        self.run = run
        self.writer = writer
        scope = {"account_id": run.root_account_id}
        self.by_sis_id = SisIdCache(conn, "pseudonyms", "sis_user_id", scope)
        self.by_sis_id.load(column_values(rows, "user_id", "existing_user_id"))
        # Canvas compares logins case-insensitively among the ones not deleted.
        self.by_login = SisIdCache(conn, "pseudonyms", "unique_id_lower", scope, "workflow_state <> 'deleted'")
        self._seed_logins_found_by_sis_id(rows)
        self.by_login.load(login.lower() for login in column_values(rows, "login_id"))
        self.by_integration_id = SisIdCache(conn, "pseudonyms", "integration_id", scope)
        self.by_integration_id.load(column_values(rows, "integration_id", "existing_integration_id"))
        self.users = SisIdCache(conn, "users", "id")
        self._channels: dict[int, list[dict[str, Any]]] = {}

    def _seed_logins_found_by_sis_id(self, rows: list[SisRow]) -> None:
        """A live login the row's user_id found under the row's own login_id is the one login
        that login_id can find (the unique index on live (account_id, unique_id_lower)): the
        re-sent rows of a nightly sync need no second look-up, and both views hold one object."""
        found_by_sis_id, seed_by_login = self.by_sis_id.get, self.by_login.put
        for row in rows:
            values = row.values
            login_id = values.get("login_id")
            login = found_by_sis_id(values.get("user_id"))  # loaded just before: no query
            if (login is not None and login_id and login["workflow_state"] != "deleted"
                    and login["unique_id_lower"] == login_id.lower()):
                seed_by_login(login["unique_id_lower"], login)

    def preload_users(self, logins: list[dict[str, Any] | None]) -> None:
        """Fetch the users and e-mail channels of the given logins in two queries."""
        user_ids = [login["user_id"] for login in logins if login is not None]
        self.users.load(user_ids)
        self._load_channels(user_ids)

    def user_created(self, user: dict[str, Any]) -> None:
        """Remember a user this batch created: no query will find e-mail channels for it."""
        self.users.put(user["id"], user)
        self._channels[user["id"]] = []

    def _load_channels(self, user_ids: list[int]) -> None:
        missing = [user_id for user_id in user_ids if user_id not in self._channels]
        for user_id in missing:
            self._channels[user_id] = []
        for channel in as_dicts(fetch_in(self.conn, "communication_channels", "user_id", missing)):
            self._channels[channel["user_id"]].append(channel)

    def provider_unknown(self, file: str, row: SisRow, user_sis_id: str) -> bool:
        """Warn when the row names an authentication provider this server does not have."""
        provider = row.values.get("authentication_provider_id")
        if provider and provider.lower() not in KNOWN_AUTHENTICATION_PROVIDERS:
            self.run.warn(file, f"unrecognized authentication provider {provider} for {user_sis_id}, skipping", row)
            return True
        return False

    def cannot_save(self, file: str, row: SisRow, user_sis_id: str, login: str) -> bool:
        """Warn when Canvas's Pseudonym validations refuse the row's login (checked where Canvas
        saves it: after the look-ups and their "already claimed" warnings)."""
        reason = None
        if not is_printable(login):
            reason = f"Invalid login_id: '{login}'"
        elif len(login) > MAX_LOGIN_LENGTH:
            # Canvas reports the first validation error with the attribute's human name.
            reason = f"Unknown reason: Unique ID is too long (maximum is {MAX_LOGIN_LENGTH} characters)"
        else:
            declared = row.values.get("declared_user_type")
            if declared and declared != DELETE_SENTINEL and declared not in DECLARED_USER_TYPES:
                reason = "Unknown reason: declared_user_type is invalid"
        if reason is None:
            return False
        self.run.warn(file, f"Could not save the user with user_id: '{user_sis_id}'. {reason}", row)
        return True

    def email_invalid(self, file: str, row: SisRow, user_sis_id: str) -> bool:
        """Warn when the row's e-mail is not an address. Canvas has saved the user and login by
        then: only the e-mail is left out (and the row does not count as imported)."""
        email = row.values.get("email")
        if email and not _EMAIL.match(email):
            self.run.warn(file, f"The email address associated with user '{user_sis_id}' is invalid (email: '{email}')", row)
            return True
        return False

    def integration_id_claimed(self, file: str, row: SisRow, user_sis_id: str, login: dict[str, Any] | None,
                               status: str = "active") -> bool:
        """Warn when another login already holds the row's integration_id (not for a deleted row)."""
        integration_id = row.values.get("integration_id")
        if status == "deleted":
            return False
        holder = self.by_integration_id.get(integration_id)
        if holder is None or (login is not None and holder["id"] == login["id"]):
            return False
        self.run.warn(
            file,
            f"An existing Canvas user with the {describe_holder(holder)} has already claimed"
            f" {user_sis_id}'s requested integration_id, skipping",
            row,
        )
        return True

    def save_login(
        self, login: dict[str, Any] | None, user_id: int, row: SisRow, user_sis_id: str, state: str
    ) -> dict[str, Any]:
        """Create or update a login from a users.csv or logins.csv row; returns the stored login."""
        if login is None:
            return self._create_login(user_id, row, user_sis_id, state)
        values = row.values
        edit = ObjectEdit(self.run, login)
        previous_login = login["unique_id_lower"] if login["workflow_state"] != "deleted" else None
        previous_integration_id = login.get("integration_id")
        edit.set("user_id", user_id)
        edit.set_sticky("unique_id", values["login_id"])
        edit.set("unique_id_lower", edit.value("unique_id").lower())
        edit.set("sis_user_id", user_sis_id)
        if values.get("integration_id"):
            edit.set("integration_id", values["integration_id"])
        provider = values.get("authentication_provider_id")
        edit.set("authentication_provider_id", provider.lower() if provider else None)
        edit.set_sticky("workflow_state", state)
        password = values.get("password")
        # Section 9.2: a password is set for new logins, or when SIS set the old one and it differs.
        if password and login["password_auto_generated"] and not password_matches(password, login["crypted_password"]):
            edit.set("crypted_password", password_digest(password))
            edit.set("password_auto_generated", 1)
        if values.get("ssha_password"):
            edit.set("sis_ssha", values["ssha_password"])
        declared = values.get("declared_user_type")
        if declared:
            edit.set("declared_user_type", None if declared == DELETE_SENTINEL else declared)
        previous_sis_id = login["sis_user_id"]
        save(self.writer, "pseudonyms", edit, {})
        self._remember(login, previous_sis_id, previous_login, previous_integration_id)
        return login

    def _create_login(self, user_id: int, row: SisRow, user_sis_id: str, state: str) -> dict[str, Any]:
        """The row's new login, built directly: nothing to compare, so no edit (the common case)."""
        values = row.values
        unique_id = values["login_id"]
        provider = values.get("authentication_provider_id")
        password = values.get("password")
        declared = values.get("declared_user_type")
        # Every column, always, so the batch's new logins share one executemany.
        login = self.writer.insert("pseudonyms", {
            "id": self.writer.new_id("pseudonyms"),
            "account_id": self.run.root_account_id,
            "user_id": user_id,
            "unique_id": unique_id,
            "unique_id_lower": unique_id.lower(),
            "sis_user_id": user_sis_id,
            "integration_id": values.get("integration_id"),
            "authentication_provider_id": provider.lower() if provider else None,
            "workflow_state": state,
            "crypted_password": password_digest(password) if password else None,
            "password_auto_generated": 1 if password else 0,
            "sis_ssha": values.get("ssha_password"),
            "declared_user_type": None if declared == DELETE_SENTINEL else declared,
            "sis_communication_channel_id": None,
            "stuck_sis_fields": new_object_stuck_fields(self.run, ("unique_id", "workflow_state")),
        })
        self._remember(login, None, None, None)
        return login

    def _remember(
        self, login: dict[str, Any], previous_sis_id: str | None, previous_login: str | None,
        previous_integration_id: str | None,
    ) -> None:
        """Re-key the batch's view of a login that was just created or changed."""
        self.by_sis_id.move(previous_sis_id, login["sis_user_id"], login)
        live_login = login["unique_id_lower"] if login["workflow_state"] != "deleted" else None
        if previous_login != live_login:
            self.by_login.put(previous_login, None)
        self.by_login.put(live_login, login)
        self.by_integration_id.move(previous_integration_id, login["integration_id"], login)

    def save_email(self, login: dict[str, Any], email: str, state: str) -> None:
        """Point the login's SIS e-mail channel at ``email`` as Canvas does: the SIS channel is
        reused, unless the user already has another channel with that address, which is then
        used and the old SIS channel retired (``sis_cc.destroy``)."""
        user_id = login["user_id"]
        channels = self._channels.get(user_id)
        if channels is None:
            self._load_channels([user_id])
            channels = self._channels[user_id]
        lowered = email.lower()
        sis_id = login.get("sis_communication_channel_id")
        sis_channel = next((c for c in channels if c["id"] == sis_id), None) if sis_id else None
        others = [c for c in channels if c["path"].lower() == lowered and c.get("path_type", "email") == "email"
                  and c is not sis_channel]
        # Canvas prefers a channel still in use, so as not to resurrect a retired one.
        other = next((c for c in others if c["workflow_state"] in ("active", "unconfirmed")), None)
        other = other or (others[0] if others else None)
        if sis_channel is not None and other is not None:
            self.writer.update("communication_channels", sis_channel, {"workflow_state": "retired"})
            sis_channel = None
        channel = sis_channel or other
        if channel is None:
            channel = self._insert_channel(login, email, state)
        else:
            self.writer.update(
                "communication_channels", channel, {"path": email, "workflow_state": state, "pseudonym_id": login["id"]}
            )
        self.writer.update("pseudonyms", login, {"sis_communication_channel_id": channel["id"]})

    def create_email(self, login: dict[str, Any], email: str, state: str) -> None:
        """``save_email`` for a login and user this batch created: the user has no channel yet."""
        channel = self._insert_channel(login, email, state)
        # The login is still this batch's queued insert: setting the value is the write.
        login["sis_communication_channel_id"] = channel["id"]

    def _insert_channel(self, login: dict[str, Any], email: str, state: str) -> dict[str, Any]:
        channel = self.writer.insert(
            "communication_channels",
            {
                "id": self.writer.new_id("communication_channels"),
                "user_id": login["user_id"],
                "pseudonym_id": login["id"],
                "path": email,
                "workflow_state": state,
            },
        )
        self._channels[login["user_id"]].append(channel)
        return channel

    def remove_memberships_if_last_login(self, user_id: int, user_sis_id: str) -> None:
        """Section 9.2: deleting the user's last login in the account removes their memberships."""
        self.writer.flush()
        if other_active_logins(self.conn, user_id, self.run.root_account_id, user_sis_id):
            return
        cascades.remove_user_from_account(self.conn, self.writer, user_id, self.run.root_account_id)


def identity_problem(row: SisRow) -> str | None:
    """The first problem users.csv and logins.csv both check before anything else, or None."""
    if contains_null_character(row):
        return "Some of the fields contain NULL character"
    user_sis_id = row.values.get("user_id")
    if not user_sis_id:
        return "No user_id given for a user"
    if not row.values.get("login_id"):
        return f"No login_id given for user {user_sis_id}"
    return None


def contains_null_character(row: SisRow) -> bool:
    """Whether any value of the row holds a NUL character."""
    if "\x00" not in row.raw:  # the record's text holds every value: the common case, one scan
        return False
    return "\x00" in "".join(filter(None, row.values.values()))


def import_users(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create and update users with their login and e-mail; returns the rows imported.

    The checks follow Canvas's SIS::UserImporter in its order: the row's own fields, the look-ups
    ("already claimed"), the save (login validations), then the e-mail.
    """
    rows, unchanged = unchanged_rows.split_re_sent_users(conn, run, rows)
    writer = BatchWriter(conn, run.import_id, run.now)
    logins = Logins(conn, run, writer, rows)
    logins.preload_users([logins.by_sis_id.get(value) for value in column_values(rows, "user_id")])
    creations = _PlainCreations(run, writer, rows)
    imported = 0
    for row in rows:
        values = row.values
        problem = identity_problem(row)
        if problem is not None:
            run.warn(file, problem, row)
            continue
        user_sis_id = values["user_id"]
        login_id = values["login_id"]
        status_text = values.get("status")
        if not status_text:
            run.warn(file, f"No status given for user {user_sis_id}", row)
            continue
        status = match_status_prefix(status_text, STATUSES)
        if status is None:
            run.warn(file, f"Improper status for user {user_sis_id}", row)
            continue
        if run.options.skip_deletes and status == "deleted":
            continue
        if logins.provider_unknown(file, row, user_sis_id):
            continue
        by_sis_id = logins.by_sis_id.get(user_sis_id)
        login_by_name = logins.by_login.get(login_id.lower())
        login = by_sis_id or login_by_name
        if logins.integration_id_claimed(file, row, user_sis_id, login, status):
            continue
        if login is not None and login["sis_user_id"] and login["sis_user_id"] != user_sis_id:
            if not run.options.update_sis_id_if_login_claimed:
                run.warn(
                    file,
                    f"An existing Canvas user with the SIS ID {login['sis_user_id']} has already claimed"
                    f" {user_sis_id}'s user_id requested login information, skipping",
                    row,
                )
                continue
        # Another live login holds the login_id: a clash, except that a deleted row may go on
        # when its own login already had that login_id (Canvas's "pseudo != pseudo_by_login &&
        # status != 'deleted' || unique_id differs").
        if login is not None and login_by_name is not None and (
            (login_by_name["id"] != login["id"] and status != "deleted")
            or login["unique_id_lower"] != login_id.lower()
        ):
            run.warn(
                file,
                f"An existing Canvas user with the {describe_holder(login_by_name)} has already claimed"
                f" {user_sis_id}'s user_id requested login information, skipping",
                row,
            )
            continue
        # Canvas: "if the pseudonym is already deleted, we're done" (nothing changes, no count);
        # but a re-run of this import finds its own first attempt's deletion, which it repeats.
        if (login is not None and status == "deleted" and login["workflow_state"] == "deleted"
                and login["sis_batch_id"] != run.import_id):
            continue
        if logins.cannot_save(file, row, user_sis_id, login_id):
            continue

        email = values.get("email")
        channel_state = "active" if status != "deleted" else "retired"
        if login is None:
            # The common case: a new user with a new login (and e-mail), built directly.
            # canvas_password_notification: a new Canvas-login user with an e-mail is left to
            # choose a password (pre_registered, e-mail unconfirmed until then).
            notify = bool(email) and canvas_boolean(values.get("canvas_password_notification")) \
                and values.get("authentication_provider_id") == "canvas"
            if creations.applies(values):
                if creations.create(logins, file, row, user_sis_id, status, channel_state):
                    imported += 1
                continue
            user = _create_user(writer, run, values, "pre_registered" if notify else "registered")
            logins.user_created(user)
            stored_login = logins.save_login(None, user["id"], row, user_sis_id, status)
            if logins.email_invalid(file, row, user_sis_id):
                continue
            if email:
                logins.create_email(stored_login, email, "unconfirmed" if notify else channel_state)
            imported += 1
            continue
        user = logins.users.get(login["user_id"])
        if user is None:  # a login without its user (foreign keys prevent it): give it one
            user = _create_user(writer, run, values, "registered")
            logins.user_created(user)
        else:
            _save_user(writer, run, user, values)
        if status == "deleted":
            logins.remove_memberships_if_last_login(user["id"], user_sis_id)
        stored_login = logins.save_login(login, user["id"], row, user_sis_id, status)
        if logins.email_invalid(file, row, user_sis_id):
            continue
        if email:
            logins.save_email(stored_login, email, channel_state)
        imported += 1
    writer.flush()
    return imported + unchanged


class _PlainCreations:
    """New users of a batch created the cheapest way: a row naming no password, authentication
    provider or declared user type, whose user_id, login_id and integration_id no other row of
    the batch names, gets its user, login and e-mail channel as value tuples for
    ``executemany`` (``BatchWriter.insert_values``).

    Nothing later in the batch can reach such a user (every key to it is the row's own), so the
    batch's caches need no view of it. What is written is what the general path writes.
    """

    _USER_COLUMNS = ("id", "root_account_id", "name", "sortable_name", "short_name", "pronouns",
                     "workflow_state", "stuck_sis_fields", "created_at", "updated_at")
    _LOGIN_COLUMNS = ("id", "account_id", "user_id", "unique_id", "unique_id_lower", "sis_user_id",
                      "integration_id", "workflow_state", "sis_communication_channel_id",
                      "stuck_sis_fields", "created_at", "updated_at", "sis_batch_id", "sis_row_digest")
    _CHANNEL_COLUMNS = ("id", "user_id", "pseudonym_id", "path", "workflow_state", "created_at",
                        "updated_at", "sis_batch_id")
    # A row with any of these takes the general path (a password digest, a pre-registered user).
    _GENERAL_COLUMNS = ("password", "ssha_password", "authentication_provider_id", "declared_user_type")

    def __init__(self, run: ImportRun, writer: BatchWriter, rows: list[SisRow]) -> None:
        self.run = run
        self.writer = writer
        self.login_stuck = new_object_stuck_fields(run, ("unique_id", "workflow_state"))
        self.sticky_new = bool(self.login_stuck)
        # Every key more than one row names: those rows keep to the general path, in order.
        self.repeated: set[str] = set()
        seen: set[str] = set()
        for row in rows:
            values = row.values
            login_id = values.get("login_id")
            for key in (values.get("user_id"), login_id.lower() if login_id else None, values.get("integration_id")):
                if key is not None:
                    if key in seen:
                        self.repeated.add(key)
                    seen.add(key)
        general = self._GENERAL_COLUMNS
        self.general_columns = tuple(
            name for name in general if any(row.values.get(name) is not None for row in rows))
        self.digests = unchanged_rows.CreatedUserDigests(run, rows)

    def applies(self, values: dict[str, str | None]) -> bool:
        """Whether the row (a new user's) is created here."""
        if self.general_columns and any(values.get(name) is not None for name in self.general_columns):
            return False
        repeated = self.repeated
        return not repeated or (values["user_id"] not in repeated and values["login_id"].lower() not in repeated
                                and values.get("integration_id") not in repeated)

    def create(self, logins: Logins, file: str, row: SisRow, user_sis_id: str, status: str, channel_state: str) -> bool:
        """Create the row's user, login and e-mail channel; False when the e-mail is refused
        (the user and login are still created, as in Canvas, and the row does not count)."""
        writer, run = self.writer, self.run
        values = row.values
        get = values.get
        now, import_id = writer.now, writer.import_id
        name = infer_name(values)
        short_name = get("short_name")
        pronouns = get("pronouns")
        pronouns = None if pronouns == DELETE_SENTINEL else pronouns
        user_stuck = ""
        if self.sticky_new:
            user_stuck = new_object_stuck_fields(
                run, ["name", "sortable_name"] + ["short_name"] * bool(short_name) + ["pronouns"] * bool(pronouns))
        user_id = writer.new_id("users")
        writer.insert_values("users", self._USER_COLUMNS, (
            user_id, run.root_account_id, name, infer_sortable_name(values, name), short_name, pronouns,
            "registered", user_stuck, now, now))
        login_id = writer.new_id("pseudonyms")
        email = get("email")
        refused = logins.email_invalid(file, row, user_sis_id)
        channel_id = writer.new_id("communication_channels") if email and not refused else None
        unique_id = values["login_id"]
        writer.insert_values("pseudonyms", self._LOGIN_COLUMNS, (
            login_id, run.root_account_id, user_id, unique_id, unique_id.lower(), user_sis_id,
            get("integration_id"), status, channel_id, self.login_stuck, now, now, import_id,
            None if refused else self.digests.digest(row)))
        writer.record_creation("Pseudonym", login_id, status)
        if channel_id is not None:
            writer.insert_values("communication_channels", self._CHANNEL_COLUMNS, (
                channel_id, user_id, login_id, email, channel_state, now, now, import_id))
            writer.record_creation("CommunicationChannel", channel_id, channel_state)
        return not refused


def _save_user(writer: BatchWriter, run: ImportRun, user: dict[str, Any], values: dict[str, str | None]) -> None:
    edit = ObjectEdit(run, user)
    name = infer_name(values, user["name"])
    edit.set_sticky("name", name)
    edit.set_sticky("sortable_name", infer_sortable_name(values, edit.value("name"), user["sortable_name"]))
    if values.get("short_name"):
        edit.set_sticky("short_name", values["short_name"])
    pronouns = values.get("pronouns")
    if pronouns:
        edit.set_sticky("pronouns", None if pronouns == DELETE_SENTINEL else pronouns)
    # Canvas: "we just leave all users registered now", except one still to choose a password.
    if user["workflow_state"] != "pre_registered":
        edit.set("workflow_state", "registered")
    save(writer, "users", edit, {})


def _create_user(writer: BatchWriter, run: ImportRun, values: dict[str, str | None], state: str) -> dict[str, Any]:
    """The row's new user, built directly (see ``Logins._create_login``)."""
    name = infer_name(values)
    short_name = values.get("short_name")
    pronouns = values.get("pronouns")
    pronouns = None if pronouns == DELETE_SENTINEL else pronouns
    sticky = ["name", "sortable_name"] + ["short_name"] * bool(short_name) + ["pronouns"] * bool(pronouns)
    return writer.insert("users", {
        "id": writer.new_id("users"),
        "root_account_id": run.root_account_id,
        "name": name,
        "sortable_name": infer_sortable_name(values, name),
        "short_name": short_name,
        "pronouns": pronouns,
        "workflow_state": state,
        "stuck_sis_fields": new_object_stuck_fields(run, sticky),
    })
