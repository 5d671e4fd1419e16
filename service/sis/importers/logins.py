"""logins.csv (section 9.3): extra logins for users that already exist."""

from __future__ import annotations

import sqlite3

from ...store.sis_batch import BatchWriter
from ..context import ImportRun, SisRow
from .common import column_values
from .users import Logins, identity_problem


def import_logins(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Add a login (status always active) to an existing user; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    logins = Logins(conn, run, writer, rows)
    logins.preload_users([logins.by_sis_id.get(value) for value in column_values(rows, "existing_user_id")])
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
        if not logins.check_row(file, row, user_sis_id, login_id):
            continue
        candidates: set[int] = set()
        for holder in (logins.by_sis_id.get(existing_sis_id), logins.by_integration_id.get(existing_integration_id)):
            if holder is not None:
                candidates.add(holder["user_id"])
        if existing_canvas_id and existing_canvas_id.isdigit():
            user = logins.users.get(int(existing_canvas_id))
            if user is not None:
                candidates.add(user["id"])
        login = logins.by_sis_id.get(user_sis_id) or logins.by_login.get(login_id.lower())
        if login is not None:
            # A re-run of this very import finds the login its first attempt created: not a clash.
            if not (login["sis_batch_id"] == run.import_id and candidates == {login["user_id"]}):
                run.warn(
                    file,
                    f"An existing Canvas user with the SIS ID {user_sis_id} or login of {login_id} already exists,"
                    " skipping",
                    row,
                )
                continue
        if not candidates:
            run.warn(file, f"Could not find the existing user for login with SIS ID {user_sis_id}, skipping", row)
            continue
        if len(candidates) > 1:
            run.warn(
                file,
                f"An existing user does not match existing user ids provided for login with SIS ID {user_sis_id},"
                " skipping",
                row,
            )
            continue
        if logins.integration_id_claimed(file, row, user_sis_id, login):
            continue
        stored = logins.save_login(login, candidates.pop(), row, user_sis_id, "active")
        if values.get("email"):
            logins.save_email(stored, values["email"], True)
        imported += 1
    writer.flush()
    return imported
