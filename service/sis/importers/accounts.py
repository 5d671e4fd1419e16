"""accounts.csv (section 9.4): the sub-account tree under the importing root account."""

from __future__ import annotations

import sqlite3

from ...ids import new_uuid
from ...store.sis_batch import BatchWriter
from ...store.sis_queries import (
    account_has_active_courses, account_has_active_sub_accounts, account_is_ancestor,
)
from ..context import ImportRun, SisRow
from .common import (
    ObjectEdit,
    SisIdCache,
    column_values,
    integration_id_taken,
    match_status_prefix,
    save,
    set_integration_id,
    skipped_as_delete,
)

STATUSES = ("active", "deleted")


def import_accounts(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, move, delete and restore sub-accounts; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    accounts = SisIdCache(conn, "accounts", "sis_source_id", scope)
    accounts.load(column_values(rows, "account_id", "parent_account_id"))
    by_integration_id = SisIdCache.for_rows(conn, "accounts", "integration_id", scope, rows, "integration_id")
    imported = 0
    for row in rows:
        values = row.values
        sis_id = values.get("account_id")
        status_text = values.get("status")
        status = match_status_prefix(status_text, STATUSES)
        if not sis_id:
            run.warn(file, "No account_id given for an account", row)
            continue
        if skipped_as_delete(run, status):
            continue
        parent_sis_id = values.get("parent_account_id")
        parent = None
        if parent_sis_id:
            parent = accounts.get(parent_sis_id)
            if parent is None:
                run.warn(file, f"Parent account didn't exist for {sis_id}", row)
                continue
        account = accounts.get(sis_id)
        if account is None:
            # Canvas only insists on a name and a valid status when it has to create the account.
            if not values.get("name"):
                run.warn(file, f"No name given for account {sis_id}, skipping", row)
                continue
            if status is None:
                run.warn(file, f'Improper status "{status_text or ""}" for account {sis_id}, skipping', row)
                continue
        if (
            status == "active"
            and account is not None
            and account["workflow_state"] == "deleted"
            and parent is not None
            and parent["workflow_state"] == "deleted"
        ):
            run.warn(
                file,
                f"Cannot restore sub_account with ID: {sis_id} because parent_account with ID:"
                f" {parent_sis_id} has been deleted.",
                row,
            )
            continue
        if status == "deleted" and account is not None and account["workflow_state"] != "deleted":
            writer.flush()  # the guards must see sub-accounts and courses queued by this batch
            if account_has_active_sub_accounts(conn, account["id"]):
                run.warn(file, f"Cannot delete the sub_account with ID: {sis_id} because it has active sub accounts.", row)
                continue
            if account_has_active_courses(conn, account["id"]):
                run.warn(file, f"Cannot delete the sub_account with ID: {sis_id} because it has active courses.", row)
                continue
        new_parent_id = parent["id"] if parent else run.root_account_id
        if account is not None and parent is not None and account["parent_account_id"] != new_parent_id:
            writer.flush()  # the walk up the tree must see the parents this batch set
            if account_is_ancestor(conn, account["id"], new_parent_id):
                run.warn(file, f"Setting account {sis_id}'s parent to {parent_sis_id} would create a loop", row)
                continue
        edit = ObjectEdit(run, account)
        previous_integration_id = edit.value("integration_id")
        set_integration_id(edit, row)
        if integration_id_taken(by_integration_id, edit.value("integration_id"), edit.value("id")):
            run.warn(
                file,
                f"An account did not pass validation (account: {sis_id}, error: Integration has already been taken)",
                row,
            )
            continue
        edit.set_sticky("parent_account_id", parent["id"] if parent else run.root_account_id)
        if values.get("name"):
            edit.set_sticky("name", values["name"])
        if status is not None:
            edit.set("workflow_state", status)
        stored = save(
            writer,
            "accounts",
            edit,
            {"root_account_id": run.root_account_id, "sis_source_id": sis_id, "workflow_state": "active",
             "uuid": new_uuid()},
        )
        accounts.put(sis_id, stored)
        by_integration_id.move(previous_integration_id, stored.get("integration_id"), stored)
        imported += 1
    writer.flush()
    return imported
