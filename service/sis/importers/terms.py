"""terms.csv (section 9.5): enrollment terms of the root account and their per-role date overrides."""

from __future__ import annotations

import sqlite3

from ...store.sis_batch import BatchWriter
from ...store.sis_cascades import term_has_live_courses
from ...store.sis_queries import date_override_stuck_fields, delete_date_override, upsert_date_override
from ..context import ImportRun, SisRow
from .common import (
    ObjectEdit,
    SisIdCache,
    integration_id_taken,
    match_status_prefix,
    parse_dates,
    parse_stuck,
    save,
    set_integration_id,
    skipped_as_delete,
    without_sentinel,
)

STATUSES = ("active", "deleted")
OVERRIDE_ENROLLMENT_TYPES = ("StudentEnrollment", "TeacherEnrollment", "TaEnrollment", "DesignerEnrollment")


def import_terms(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, date and delete terms; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    terms = SisIdCache.for_rows(conn, "enrollment_terms", "sis_source_id", scope, rows, "term_id")
    by_integration_id = SisIdCache.for_rows(conn, "enrollment_terms", "integration_id", scope, rows, "integration_id")
    imported = 0
    for row in rows:
        values = row.values
        sis_id = values.get("term_id")
        status_text = values.get("status")
        status = match_status_prefix(status_text, STATUSES)
        dates, dates_parsed = parse_dates(row, ("start_date", "end_date"))
        if not dates_parsed:
            run.warn(file, f"Bad date format for term {sis_id or ''}", row)
        if not sis_id:
            run.warn(file, "No term_id given for a term", row)
            continue
        if skipped_as_delete(run, status):
            continue
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for term {sis_id}', row)
            continue
        term = terms.get(sis_id)
        override_type = values.get("date_override_enrollment_type")
        if override_type:
            if term is None:
                run.warn(file, "Cannot set date override on non-existent term", row)
                continue
            if override_type not in OVERRIDE_ENROLLMENT_TYPES:
                run.warn(file, "Invalid date_override_enrollment_type", row)
                continue
            writer.flush()
            stuck = parse_stuck(date_override_stuck_fields(conn, term["id"], override_type))
            if stuck & {"start_at", "end_at"} and not run.options.override_sis_stickiness:
                # Dates set by hand stay, and the row neither changes nor deletes them.
                imported += 1
                continue
            if status == "deleted":
                delete_date_override(conn, term["id"], override_type)
            else:
                upsert_date_override(
                    conn, term["id"], override_type, without_sentinel(dates["start_date"]),
                    without_sentinel(dates["end_date"]), run.import_id, run.now,
                )
            imported += 1
            continue
        if not values.get("name"):
            run.warn(file, f"No name given for term {sis_id}", row)
            continue
        edit = ObjectEdit(run, term)
        previous_integration_id = edit.value("integration_id")
        set_integration_id(edit, row)
        if integration_id_taken(by_integration_id, edit.value("integration_id"), edit.value("id")):
            run.warn(
                file,
                f"A term did not pass validation (term: {sis_id} / {values['name']},"
                " error: Integration has already been taken)",
                row,
            )
            continue
        if status == "deleted" and term is not None and term["workflow_state"] != "deleted" \
                and term_has_live_courses(conn, term["id"]):
            # EnrollmentTerm#check_if_deletable, reported as the importer's validation error.
            run.warn(
                file,
                f"A term did not pass validation (term: {sis_id} / {values['name']},"
                " error: Workflow state Cannot delete a term with active courses)",
                row,
            )
            continue
        edit.set_sticky("name", values["name"])
        edit.set("workflow_state", status)
        # An empty date clears the term's date (section 9.5); while either date is stuck both
        # stay (SIS::TermImporter).
        if not (edit.is_stuck("start_at") or edit.is_stuck("end_at")):
            edit.set_sticky("start_at", without_sentinel(dates["start_date"]))
            edit.set_sticky("end_at", without_sentinel(dates["end_date"]))
        stored = save(
            writer, "enrollment_terms", edit,
            {"root_account_id": run.root_account_id, "sis_source_id": sis_id},
        )
        terms.put(sis_id, stored)
        by_integration_id.move(previous_integration_id, stored.get("integration_id"), stored)
        imported += 1
    writer.flush()
    return imported
