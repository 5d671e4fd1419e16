"""sections.csv (section 9.7): course sections, including moving a section to another course."""

from __future__ import annotations

import sqlite3

from ...store.sis_batch import BatchWriter
from ...store.sis_queries import move_section_enrollments
from .. import cascades
from ..context import ImportRun, SisRow
from .common import (
    ObjectEdit,
    SisIdCache,
    integration_id_taken,
    match_status_prefix,
    parse_dates,
    save,
    set_integration_id,
    skipped_as_delete,
    without_sentinel,
)

STATUSES = ("active", "deleted")


def import_sections(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, move and delete sections; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    sections = SisIdCache.for_rows(conn, "course_sections", "sis_source_id", scope, rows, "section_id")
    by_integration_id = SisIdCache.for_rows(conn, "course_sections", "integration_id", scope, rows, "integration_id")
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "course_id")
    moved_sections: dict[int, int] = {}
    deleted_sections: list[int] = []
    imported = 0
    for row in rows:
        values = row.values
        sis_id = values.get("section_id")
        course_sis_id = values.get("course_id")
        name = values.get("name")
        status_text = values.get("status")
        status = match_status_prefix(status_text, STATUSES)
        dates, dates_parsed = parse_dates(row, ("start_date", "end_date"))
        if not dates_parsed:
            run.warn(file, f"Bad date format for section {sis_id or ''}", row)
        if not sis_id:
            run.warn(file, f"No section_id given for a section in course {course_sis_id or ''}", row)
            continue
        if not course_sis_id:
            run.warn(file, f"No course_id given for a section {sis_id}", row)
            continue
        if not name:
            run.warn(file, f"No name given for section {sis_id} in course {course_sis_id}", row)
            continue
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for section {sis_id} in course {course_sis_id}', row)
            continue
        if skipped_as_delete(run, status):
            continue
        course = courses.get(course_sis_id)
        if course is None:
            run.warn(file, f"Section {sis_id} references course {course_sis_id} which doesn't exist", row)
            continue
        section = sections.get(sis_id)
        edit = ObjectEdit(run, section)
        previous_integration_id = edit.value("integration_id")
        set_integration_id(edit, row)
        if integration_id_taken(by_integration_id, edit.value("integration_id"), edit.value("id")):
            run.warn(
                file,
                f"A section did not pass validation (section: {sis_id}, error: Integration has already been taken)",
                row,
            )
            continue
        if section is None:
            edit.set_sticky("course_id", course["id"])
        elif section["nonxlist_course_id"] is not None:
            # A cross-listed section stays in its cross-listed course; its home course changes.
            if not edit.is_stuck("course_id"):
                edit.set("nonxlist_course_id", course["id"])
            edit.touch("course_id")
        else:
            edit.set_sticky("course_id", course["id"])
        edit.set_sticky("name", name)
        edit.set("workflow_state", status)
        # An empty date clears the section's date (section 9.7).
        for field, column in (("start_at", "start_date"), ("end_at", "end_date")):
            edit.set_sticky(field, without_sentinel(dates[column]))
        stored = save(
            writer, "course_sections", edit,
            {"root_account_id": run.root_account_id, "sis_source_id": sis_id},
        )
        if section is not None and "course_id" in edit.changes:
            moved_sections[stored["id"]] = stored["course_id"]
        if section is not None and edit.changes.get("workflow_state") == "deleted":
            deleted_sections.append(stored["id"])
        sections.put(sis_id, stored)
        by_integration_id.move(previous_integration_id, stored.get("integration_id"), stored)
        imported += 1
    writer.flush()
    if moved_sections:
        move_section_enrollments(conn, moved_sections, run.now)
    if deleted_sections:
        # CourseSection#destroy deletes the section's enrollments (with their cascades).
        cascades.destroy_sections_enrollments(conn, writer, deleted_sections)
    return imported
