"""admins.csv (section 9.14): account admin rights (AccountAdmin, the one role this server has)."""

from __future__ import annotations

import sqlite3

from ...store.sis_batch import BatchWriter, as_dicts, fetch_by_pairs
from ..context import ImportRun, SisRow
from ..objects_json import ROLE_IDS
from .common import SisIdCache

STATUSES = ("active", "deleted")
ADMIN_ROLES = ("AccountAdmin",)
LIVE = "workflow_state <> 'deleted'"


def resolve_role(role_id: str | None, role: str | None) -> str | None:
    """Canvas's get_role: the account role whose id is ``role_id``, else the one named ``role``."""
    if role_id:
        for name in ADMIN_ROLES:
            if str(ROLE_IDS[name]) == role_id:
                return name
    return role if role in ADMIN_ROLES else None


def import_admins(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Grant or remove account admin rights; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    root = run.root_account_id
    # Canvas looks both up among the live ones (all_accounts.active, pseudonyms.active).
    accounts = SisIdCache.for_rows(conn, "accounts", "sis_source_id", {"root_account_id": root}, rows, "account_id",
                                   LIVE)
    logins = SisIdCache.for_rows(conn, "pseudonyms", "sis_user_id", {"account_id": root}, rows, "user_id", LIVE)
    imported = 0
    planned: list[tuple[int, int, str, str]] = []  # account id, user id, role, state
    for row in rows:
        values = row.values
        user_sis_id = values.get("user_id")
        status_text = values.get("status")
        role = values.get("role")
        role_id = values.get("role_id")
        if not user_sis_id:
            run.warn(file, "No user_id given for admin", row)
            continue
        if not status_text:
            run.warn(file, "No status given for admin", row)
            continue
        if not role and not role_id:
            run.warn(file, "No role_id or role given for admin", row)
            continue
        # Admins compare the downcased, stripped status exactly (section 9.1).
        status = status_text.strip().lower()
        if status not in STATUSES:
            run.warn(file, f"Invalid status {status_text} for admin", row)
            continue
        if run.options.skip_deletes and status == "deleted":
            continue
        account_sis_id = values.get("account_id")
        if account_sis_id:
            account = accounts.get(account_sis_id)
            if account is None:
                run.warn(file, "Invalid account_id given for admin", row)
                continue
            account_id = account["id"]
        else:
            account_id = root
        resolved_role = resolve_role(role_id, role)
        if resolved_role is None:
            message = f"Invalid role '{role}' for admin" if role else f"Invalid role_id '{role_id}' for admin"
            run.warn(file, message, row)
            continue
        login = logins.get(user_sis_id)
        if login is None:
            run.warn(file, f"Invalid or unknown user_id '{user_sis_id}' for admin", row)
            continue
        planned.append((account_id, login["user_id"], resolved_role, status))
        imported += 1
    existing = {
        (a["account_id"], a["user_id"], a["role"]): a
        for a in as_dicts(fetch_by_pairs(conn, "account_users", "account_id", "user_id", [(p[0], p[1]) for p in planned]))
    }
    for account_id, user_id, role, state in planned:
        admin = existing.get((account_id, user_id, role))
        if admin is None and state == "deleted":
            continue  # Canvas deletes only an admin right that exists (and counts the row)
        if admin is None:
            existing[(account_id, user_id, role)] = writer.insert(
                "account_users",
                {
                    "id": writer.new_id("account_users"),
                    "root_account_id": root,
                    "account_id": account_id,
                    "user_id": user_id,
                    "role": role,
                    "workflow_state": state,
                },
            )
        else:
            writer.update("account_users", admin, {"workflow_state": state})
    writer.flush()
    return imported
