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
    courses_by_id = SisIdCache(conn, "courses", "id")
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
        # Canvas wants a name to make a section active, or to create one at all; an existing
        # section is deleted without one.
        if not name and status_text and status_text.lower().startswith("active"):
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
        if section is None and not name:
            run.warn(file, f"No name given for section {sis_id} in course {course_sis_id}", row)
            continue
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
        _place_section(edit, section, course, status, courses_by_id)
        if name:
            edit.set_sticky("name", name)
        edit.set("workflow_state", status)
        # A blank or missing date clears the section's date (SIS::SectionImporter), unless a
        # date is stuck; the restriction follows the dates unless it is stuck itself.
        if not (edit.is_stuck("start_at") or edit.is_stuck("end_at")):
            for field, column in (("start_at", "start_date"), ("end_at", "end_date")):
                edit.set_sticky(field, without_sentinel(dates.get(column)))
        edit.set_sticky("restrict_enrollments_to_section_dates",
                        int(bool(edit.value("start_at") or edit.value("end_at"))))
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


def _place_section(edit: ObjectEdit, section: dict | None, course: dict, status: str,
                   courses_by_id: SisIdCache) -> None:
    """Put the section in the row's course, as SIS::SectionImporter does.

    A cross-listed section stays where it is while the row names its home course, unless its
    cross-list course has been deleted and the row makes it active; a row naming another course
    uncrosslists it and moves it there (when its course is not stuck).
    """
    if section is None:
        edit.set_sticky("course_id", course["id"])
        return
    edit.touch("course_id")
    if section["course_id"] == course["id"]:
        return
    if section["nonxlist_course_id"] is not None:
        current = courses_by_id.get(section["course_id"])
        crosslist_course_deleted = current is not None and current["workflow_state"] == "deleted"
        if (section["nonxlist_course_id"] != course["id"] and not edit.is_stuck("course_id")) \
                or (crosslist_course_deleted and status == "active"):
            edit.set_sticky("course_id", course["id"], even_if_stuck=True)
            edit.set("nonxlist_course_id", None)
    elif not edit.is_stuck("course_id"):
        edit.set_sticky("course_id", course["id"])
