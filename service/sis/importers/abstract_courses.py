"""abstract_courses.csv (section 9.17, undocumented): course templates that courses may inherit from."""

from __future__ import annotations

import sqlite3

from ...store.sis_batch import BatchWriter
from ...store.sis_queries import default_term_id
from ..context import ImportRun, SisRow
from .common import (
    ObjectEdit,
    SisIdCache,
    column_values,
    match_status_prefix,
    save,
    set_integration_id,
    skipped_as_delete,
)

STATUSES = ("active", "deleted")


def import_abstract_courses(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, re-home and delete abstract courses; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    abstract_courses = SisIdCache.for_rows(conn, "abstract_courses", "sis_source_id", scope, rows, "abstract_course_id")
    accounts = SisIdCache(conn, "accounts", "sis_source_id", scope)
    accounts.load(column_values(rows, "account_id", "fallback_account_id"))
    terms = SisIdCache.for_rows(conn, "enrollment_terms", "sis_source_id", scope, rows, "term_id")
    default_term: int | None = None
    imported = 0
    for row in rows:
        values = row.values
        sis_id = values.get("abstract_course_id")
        status_text = values.get("status")
        status = match_status_prefix(status_text, STATUSES)
        if not sis_id:
            run.warn(file, "No abstract_course_id given for an abstract course", row)
            continue
        if not values.get("short_name"):
            run.warn(file, f"No short_name given for abstract course {sis_id}", row)
            continue
        if not values.get("long_name"):
            run.warn(file, f"No long_name given for abstract course {sis_id}", row)
            continue
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for abstract course {sis_id}', row)
            continue
        if skipped_as_delete(run, status):
            continue
        edit = ObjectEdit(run, abstract_courses.get(sis_id))
        account = accounts.get(values.get("account_id")) or accounts.get(values.get("fallback_account_id"))
        if account is not None:
            edit.set("account_id", account["id"])
        elif edit.is_new:
            edit.set("account_id", run.root_account_id)
        # The term is sticky; an unknown or missing one is the default term
        # (SIS::AbstractCourseImporter).
        term = terms.get(values.get("term_id"))
        if term is not None:
            edit.set_sticky("enrollment_term_id", term["id"])
        elif not edit.is_stuck("enrollment_term_id"):
            if default_term is None:
                default_term = default_term_id(conn, run.root_account_id, run.now)
            edit.set_sticky("enrollment_term_id", default_term)
        set_integration_id(edit, row)
        edit.set_sticky("short_name", values["short_name"])
        edit.set_sticky("name", values["long_name"])
        edit.set("workflow_state", status)
        stored = save(
            writer, "abstract_courses", edit,
            {"root_account_id": run.root_account_id, "sis_source_id": sis_id},
        )
        abstract_courses.put(sis_id, stored)
        imported += 1
    writer.flush()
    return imported
