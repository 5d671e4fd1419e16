"""logins.csv (section 9.3): extra logins for users that already exist."""

from __future__ import annotations

import sqlite3
from typing import Any

from ...store.sis_batch import BatchWriter
from ..context import ImportRun, SisRow
from .common import SisIdCache, column_values, ruby_to_i
from .users import Logins, identity_problem


def existing_login_hash(values: dict[str, str | None]) -> dict[str, Any]:
    """SIS::Models::User#login_hash: the login columns the row's existing_* identifiers name."""
    wanted: dict[str, Any] = {}
    if values.get("existing_user_id"):
        wanted["sis_user_id"] = values["existing_user_id"]
    if values.get("existing_integration_id"):
        wanted["integration_id"] = values["existing_integration_id"]
    if values.get("existing_canvas_user_id"):
        wanted["user_id"] = ruby_to_i(values["existing_canvas_user_id"])  # type: ignore[arg-type]
    return wanted


def find_existing_login(logins: Logins, user_logins: SisIdCache, wanted: dict[str, Any]) -> dict[str, Any] | None:
    """Canvas's existing_login: the first live login found by each identifier in turn."""
    caches = {"sis_user_id": logins.by_sis_id, "integration_id": logins.by_integration_id, "user_id": user_logins}
    for column, value in wanted.items():
        found = caches[column].get(value)
        if found is not None and found["workflow_state"] != "deleted":
            return found
    return None


def import_logins(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Add a login (status always active) to an existing user; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    logins = Logins(conn, run, writer, rows)
    logins.preload_users([logins.by_sis_id.get(value) for value in column_values(rows, "existing_user_id")])
    # Any live login of a user named by existing_canvas_user_id (Canvas takes one of them).
    user_logins = SisIdCache(conn, "pseudonyms", "user_id", {"account_id": run.root_account_id},
                             "workflow_state <> 'deleted'")
    user_logins.load(ruby_to_i(value) for value in column_values(rows, "existing_canvas_user_id"))
    imported = 0
    for row in rows:
        values = row.values
        problem = identity_problem(row)
        if problem is not None:
            run.warn(file, problem, row)
            continue
        user_sis_id = values["user_id"]
        login_id = values["login_id"]
        existing_sis_id = values.get("existing_user_id")
        existing_integration_id = values.get("existing_integration_id")
        existing_canvas_id = values.get("existing_canvas_user_id")
        if not (existing_sis_id or existing_integration_id or existing_canvas_id):
            run.warn(file, f"No existing user provided for login with SIS ID {user_sis_id}", row)
            continue
        if logins.provider_unknown(file, row, user_sis_id):
            continue
        login = logins.by_sis_id.get(user_sis_id) or logins.by_login.get(login_id.lower())
        if logins.integration_id_claimed(file, row, user_sis_id, login):
            continue
        wanted = existing_login_hash(values)
        existing = find_existing_login(logins, user_logins, wanted)
        # Canvas compares every given identifier with the one login it found (login_hash).
        matches = existing is not None and all(existing[column] == value for column, value in wanted.items())
        if login is not None:
            # A re-run of this very import finds the login its first attempt created: not a clash.
            rerun = (login["sis_batch_id"] == run.import_id and matches and existing is not None
                     and existing["user_id"] == login["user_id"])
            if not rerun:
                run.warn(
                    file,
                    f"An existing Canvas user with the SIS ID {user_sis_id} or login of {login_id} already exists,"
                    " skipping",
                    row,
                )
                continue
        if existing is None:
            run.warn(file, f"Could not find the existing user for login with SIS ID {user_sis_id}, skipping", row)
            continue
        if not matches:
            run.warn(
                file,
                f"An existing user does not match existing user ids provided for login with SIS ID {user_sis_id},"
                " skipping",
                row,
            )
            continue
        if logins.cannot_save(file, row, user_sis_id, login_id):
            continue
        stored = logins.save_login(login, existing["user_id"], row, user_sis_id, "active")
        if logins.email_invalid(file, row, user_sis_id):
            continue
        if values.get("email"):
            logins.save_email(stored, values["email"], "active")
        imported += 1
    writer.flush()
    return imported
