"""change_sis_id.csv (section 9.16): rename the SIS id or integration id of existing objects.

It runs first, so later files of the same import already use the new ids.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...store.sis_batch import BatchWriter
from ..context import ImportRun, SisRow
from .common import DELETE_SENTINEL, SisIdCache

# type -> (table, SIS id column, root account column)
TYPES: dict[str, tuple[str, str, str]] = {
    "account": ("accounts", "sis_source_id", "root_account_id"),
    "term": ("enrollment_terms", "sis_source_id", "root_account_id"),
    "course": ("courses", "sis_source_id", "root_account_id"),
    "section": ("course_sections", "sis_source_id", "root_account_id"),
    "group": ("groups", "sis_source_id", "root_account_id"),
    "group_category": ("group_categories", "sis_source_id", "root_account_id"),
    "user": ("pseudonyms", "sis_user_id", "account_id"),
}


def import_change_sis_ids(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Apply SIS id and integration id renames; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    caches: dict[tuple[str, str], SisIdCache] = {}

    def lookup(kind: str, column: str, value: str | None) -> dict[str, Any] | None:
        table, _, root_column = TYPES[kind]
        cache = caches.get((kind, column))
        if cache is None:
            cache = caches[(kind, column)] = SisIdCache(conn, table, column, {root_column: run.root_account_id})
        return cache.get(value)

    def renamed_by_this_import(kind: str, column: str, value: str | None) -> bool:
        # A re-run of a crashed import finds its renames already done: count them, silently.
        found = lookup(kind, column, value) if value and value != DELETE_SENTINEL else None
        return found is not None and found["sis_batch_id"] == run.import_id

    imported = 0
    for row in rows:
        values = row.values
        kind_text = values.get("type")
        old_id, new_id = values.get("old_id"), values.get("new_id")
        old_integration_id, new_integration_id = values.get("old_integration_id"), values.get("new_integration_id")
        if not kind_text:
            run.warn(file, "No type given for change_sis_id", row)
            continue
        if not old_id and not old_integration_id:
            run.warn(file, "No old_id or old_integration_id given for change_sis_id", row)
            continue
        if not new_id and not new_integration_id:
            run.warn(file, "No new_id or new_integration_id given for change_sis_id", row)
            continue
        kind = kind_text.lower()
        if kind not in TYPES:
            run.warn(file, f"Invalid type '{kind_text}' for change_sis_id", row)
            continue
        if kind == "group_category" and (old_integration_id or new_integration_id):
            run.warn(file, "Group categories should not have integration IDs.", row)
            continue
        sis_column = TYPES[kind][1]
        target: dict[str, Any] | None = None
        if old_id:
            target = lookup(kind, sis_column, old_id)
            if target is None:
                if renamed_by_this_import(kind, sis_column, new_id):
                    imported += 1
                    continue
                run.warn(file, f"An old_id, '{old_id}', referenced a non-existent {kind} and was not changed.", row)
                continue
        if old_integration_id:
            by_integration_id = lookup(kind, "integration_id", old_integration_id)
            if by_integration_id is None:
                if renamed_by_this_import(kind, "integration_id", new_integration_id):
                    imported += 1
                    continue
                run.warn(
                    file,
                    f"An old_integration_id, '{old_integration_id}', referenced a non-existent {kind} and was not changed.",
                    row,
                )
                continue
            target = target or by_integration_id
        assert target is not None
        changes: dict[str, Any] = {}
        if new_id:
            holder = lookup(kind, sis_column, new_id)
            if holder is not None and holder["id"] != target["id"]:
                run.warn(
                    file,
                    f"A new_id, '{new_id}', referenced an existing {kind} and the {kind} with {sis_column}"
                    f" '{old_id or ''}' was not updated",
                    row,
                )
                continue
            changes[sis_column] = new_id
        if new_integration_id:
            if new_integration_id == DELETE_SENTINEL:
                changes["integration_id"] = None
            else:
                holder = lookup(kind, "integration_id", new_integration_id)
                if holder is not None and holder["id"] != target["id"]:
                    run.warn(
                        file,
                        f"A new_integration_id, '{new_integration_id}', referenced an existing {kind} and the {kind}"
                        f" with integration_id '{old_integration_id or ''}' was not updated",
                        row,
                    )
                    continue
                changes["integration_id"] = new_integration_id
        before = {column: target.get(column) for column in changes}
        writer.update(TYPES[kind][0], target, changes)
        for column, old_value in before.items():
            cache = caches.get((kind, column))
            if cache is not None:
                cache.move(old_value, target[column], target)
        imported += 1
    writer.flush()
    return imported
