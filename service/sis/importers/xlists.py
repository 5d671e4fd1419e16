"""xlists.csv (section 9.9): cross-listing sections into another course, and back."""

from __future__ import annotations

import sqlite3

from ...ids import new_uuid
from ...store.sis_batch import BatchWriter
from ...store.sis_queries import move_section_enrollments
from ..context import ImportRun, SisRow
from .common import SisIdCache, column_values, match_status_exact, parse_stuck, skipped_as_delete

STATUSES = ("active", "deleted")

# What a course created by a cross-listing copies from the section's course (SIS::XlistImporter).
_COPIED_COURSE_FIELDS = (
    "account_id", "enrollment_term_id", "name", "course_code", "start_at", "conclude_at",
    "restrict_enrollments_to_course_dates",
)


def import_xlists(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Cross-list sections (creating the target course if needed) or undo it; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    sections = SisIdCache.for_rows(conn, "course_sections", "sis_source_id", scope, rows, "section_id")
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "xlist_course_id")
    courses_by_id = SisIdCache(conn, "courses", "id")
    courses_by_id.load(section["course_id"] for section in _known(sections, rows))
    moved_sections: dict[int, int] = {}
    imported = 0
    for row in rows:
        values = row.values
        course_sis_id = values.get("xlist_course_id")
        section_sis_id = values.get("section_id")
        status_text = values.get("status")
        # Cross-lists want the status exactly (ignoring case), not as a prefix (section 9.1).
        status = match_status_exact(status_text, STATUSES)
        if not course_sis_id:
            run.warn(file, "No xlist_course_id given for a cross-listing", row)
            continue
        if not section_sis_id:
            run.warn(file, "No section_id given for a cross-listing", row)
            continue
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for a cross-listing', row)
            continue
        if skipped_as_delete(run, status):
            continue
        section = sections.get(section_sis_id)
        if section is None:
            run.warn(file, f"A cross-listing referenced a non-existent section {section_sis_id}", row)
            continue
        course = courses.get(course_sis_id)
        if course is None and status == "active":
            home = courses_by_id.get(section["course_id"])
            assert home is not None  # a section always has its course
            course = writer.insert(
                "courses",
                {
                    "id": writer.new_id("courses"),
                    "uuid": new_uuid(),
                    "root_account_id": run.root_account_id,
                    "sis_source_id": course_sis_id,
                    **{field: home[field] for field in _COPIED_COURSE_FIELDS},
                    "workflow_state": "claimed",
                    # The copy follows the later SIS changes of the course it was made from.
                    "template_course_id": home["id"],
                },
            )
            courses.put(course_sis_id, course)
            courses_by_id.put(course["id"], course)
        # SIS::XlistImporter leaves a section whose course was set by hand alone.
        if "course_id" in parse_stuck(section["stuck_sis_fields"]) and not run.options.override_sis_stickiness:
            continue
        if status == "active":
            assert course is not None
            if course["workflow_state"] == "deleted":
                writer.update("courses", course, {"workflow_state": "claimed"})
            else:
                writer.update("courses", course, {})
            if section["course_id"] != course["id"]:
                home_id = section["nonxlist_course_id"] or section["course_id"]
                writer.update(
                    "course_sections",
                    section,
                    # Cross-listing a section into its own home course is an uncrosslist.
                    {"course_id": course["id"], "nonxlist_course_id": None if home_id == course["id"] else home_id},
                )
                moved_sections[section["id"]] = course["id"]
            else:
                writer.update("course_sections", section, {})
        # A deleted row uncrosslists the section unless the row names a course other than the
        # one the section is in; a cross-list id no course has uncrosslists it wherever it is.
        elif (course is None or section["course_id"] == course["id"]) and section["nonxlist_course_id"]:
            home = courses_by_id.get(section["nonxlist_course_id"])
            if home is not None and home["workflow_state"] == "deleted":
                writer.update("courses", home, {"workflow_state": "claimed"})
            writer.update(
                "course_sections", section, {"course_id": section["nonxlist_course_id"], "nonxlist_course_id": None}
            )
            moved_sections[section["id"]] = section["course_id"]
        imported += 1
    writer.flush()
    if moved_sections:
        move_section_enrollments(conn, moved_sections, run.now)
    return imported


def _known(sections: SisIdCache, rows: list[SisRow]) -> list[dict]:
    found = (sections.get(value) for value in column_values(rows, "section_id"))
    return [section for section in found if section is not None]
