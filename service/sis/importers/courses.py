"""courses.csv (section 9.6): courses, their names, account, term, dates and publication state."""

from __future__ import annotations

import sqlite3
from typing import Any

from ...ids import new_uuid
from ...store.sis_batch import BatchWriter, as_dicts, fetch_in
from ...store.sis_queries import cascade_course_state, default_term_id
from ..context import ImportRun, SisRow
from .common import (
    ObjectEdit,
    SisIdCache,
    column_values,
    integration_id_taken,
    match_status_prefix,
    parse_bool,
    parse_dates,
    parse_stuck,
    save,
    set_integration_id,
    skipped_as_delete,
    without_sentinel,
)

STATUSES = ("active", "deleted", "completed", "published", "unpublished")
# What a course created by cross-listing takes over from its course along with the dates.
_TEMPLATED_DATE_FIELDS = ("start_at", "conclude_at", "restrict_enrollments_to_course_dates")
COURSE_FORMATS = ("on_campus", "online", "blended", "not_set")
GRADE_PASSBACK_SETTINGS = ("nightly_sync", "disabled", "not_set")


def next_course_state(current: str | None, status: str) -> str | None:
    """The workflow_state a course moves to for a CSV status (None: unchanged).

    ``active`` and ``unpublished`` leave a published course published, bring a completed course
    back to ``available`` and a new or deleted one to ``claimed`` (unpublished); ``published``
    gives ``available``.
    """
    if status in ("active", "unpublished"):
        if current == "completed":
            return "available"
        if current in (None, "created", "deleted"):
            return "claimed"
        return None
    if status == "published":
        return "available"
    return status  # deleted, completed


def import_courses(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create and update courses; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "course_id")
    by_integration_id = SisIdCache.for_rows(conn, "courses", "integration_id", scope, rows, "integration_id")
    accounts = SisIdCache(conn, "accounts", "sis_source_id", scope)
    accounts.load(column_values(rows, "account_id", "fallback_account_id"))
    accounts_by_id = SisIdCache(conn, "accounts", "id")
    terms = SisIdCache.for_rows(conn, "enrollment_terms", "sis_source_id", scope, rows, "term_id")
    abstract_courses = SisIdCache.for_rows(conn, "abstract_courses", "sis_source_id", scope, rows, "abstract_course_id")
    default_term: int | None = None
    cascades: dict[int, str] = {}
    # Courses this batch changed, with their stuck fields before the change, for the courses
    # cross-listing copied from them.
    templates: dict[int, tuple[dict[str, Any], set[str]]] = {}
    blueprints: dict[str, list[str]] = {}
    imported = 0
    for row in rows:
        values = row.values
        sis_id = values.get("course_id")
        abstract_sis_id = values.get("abstract_course_id")
        status_text = values.get("status")
        status = match_status_prefix(status_text, STATUSES)
        course_format = values.get("course_format")
        passback = values.get("grade_passback_setting")
        dates, dates_parsed = parse_dates(row, ("start_date", "end_date"))
        if not dates_parsed:
            run.warn(file, f"Bad date format for course {sis_id or ''}", row)
        if not sis_id:
            run.warn(file, "No course_id given for a course", row)
            continue
        # Section 9.6: the name checks are skipped when the course has an abstract course.
        if not values.get("short_name") and not abstract_sis_id:
            run.warn(file, f"No short_name given for course {sis_id}", row)
            continue
        if not values.get("long_name") and not abstract_sis_id:
            run.warn(file, f"No long_name given for course {sis_id}", row)
            continue
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for course {sis_id}', row)
            continue
        if course_format and match_status_prefix(course_format, COURSE_FORMATS) is None:
            run.warn(file, f'Invalid course_format "{course_format}" for course {sis_id}', row)
            continue
        if passback and passback.lower() not in GRADE_PASSBACK_SETTINGS:
            run.warn(file, f'Invalid grade_passback_setting "{passback}" for course {sis_id}', row)
            continue
        if skipped_as_delete(run, status):
            continue
        account_sis_id = values.get("account_id")
        account = accounts.get(account_sis_id) or accounts.get(values.get("fallback_account_id"))
        if account_sis_id and account is None:
            run.warn(file, f'Account not found "{account_sis_id}" for course {sis_id}', row)
            continue
        course = courses.get(sis_id)
        edit = ObjectEdit(run, course)
        previous_integration_id = edit.value("integration_id")
        set_integration_id(edit, row)
        if integration_id_taken(by_integration_id, edit.value("integration_id"), edit.value("id")):
            run.warn(
                file,
                f"A course did not pass validation (course: {sis_id} / {values.get('short_name') or ''},"
                " error: Integration has already been taken)",
                row,
            )
            continue

        abstract_course = None
        if abstract_sis_id:
            abstract_course = abstract_courses.get(abstract_sis_id)
            if abstract_course is None:
                run.warn(file, f"unknown abstract course id {abstract_sis_id}, ignoring abstract course reference", row)
        edit.set("abstract_course_id", abstract_course["id"] if abstract_course else None)

        term = terms.get(values.get("term_id"))
        if term is not None and term["workflow_state"] != "active":
            term = None  # Canvas looks terms up among the active ones only
        if term is not None:
            edit.set_sticky("enrollment_term_id", term["id"])
        elif abstract_course is not None and not values.get("term_id") and abstract_course["enrollment_term_id"]:
            edit.set_sticky("enrollment_term_id", abstract_course["enrollment_term_id"])
        if edit.value("enrollment_term_id") is None:
            if default_term is None:
                default_term = default_term_id(conn, run.root_account_id, run.now)
            edit.set("enrollment_term_id", default_term)

        if account is None and abstract_course is not None and not account_sis_id:
            edit.set_sticky("account_id", abstract_course["account_id"])
        elif account is not None:
            edit.set_sticky("account_id", account["id"])
        if edit.value("account_id") is None:
            edit.set("account_id", run.root_account_id)

        _set_names(edit, values, abstract_course)
        if not edit.value("name"):
            # Only reachable through an unknown abstract course: Canvas's validation fails.
            run.warn(
                file,
                f"A course did not pass validation (course: {sis_id} / {values.get('short_name') or ''},"
                " error: Name can't be blank)",
                row,
            )
            continue

        current_state = edit.value("workflow_state")
        target_state = next_course_state(current_state, status)
        if target_state is not None and target_state != current_state:
            if current_state == "deleted" and target_state != "deleted":
                owner = accounts_by_id.get(edit.value("account_id"))
                if owner is not None and owner["workflow_state"] == "deleted":
                    owner_sis_id = owner["sis_source_id"] or owner["id"]
                    run.warn(
                        file, f"Cannot restore course {sis_id} because the associated account {owner_sis_id} is deleted", row
                    )
                    continue
            edit.set_sticky("workflow_state", target_state)
        else:
            edit.touch("workflow_state")

        _set_dates(edit, values, dates)
        # A present but blank course_format or grade_passback_setting clears it; a missing
        # column leaves it (SIS::CourseImporter).
        if "course_format" in values:
            edit.set("course_format", None if not course_format or course_format.lower().startswith("not_set")
                     else course_format.lower())
        if "grade_passback_setting" in values:
            edit.set_sticky("grade_passback_setting", None if not passback or passback.lower() == "not_set"
                            else passback.lower())
        homeroom = parse_bool(values.get("homeroom_course"))
        if homeroom is not None:
            edit.set("homeroom_course", int(homeroom))
        # Canvas imports friendly_name only into courses of elementary (K-5) accounts, and no
        # account of this server is one (an account setting outside SIS), so the column is read
        # and left alone.

        stored = save(
            writer, "courses", edit,
            {"root_account_id": run.root_account_id, "sis_source_id": sis_id, "uuid": new_uuid()},
        )
        if course is not None and set(edit.changes) - {"stuck_sis_fields"}:
            templates[stored["id"]] = (stored, set() if run.options.override_sis_stickiness else edit.stuck)
        blueprint_id = values.get("blueprint_course_id")
        if blueprint_id and blueprint_id != "dissociate" and stored["workflow_state"] != "deleted":
            blueprints.setdefault(blueprint_id, []).append(sis_id)
        if course is not None and edit.changes.get("workflow_state") in ("completed", "deleted"):
            cascades[stored["id"]] = edit.changes["workflow_state"]
        courses.put(sis_id, stored)
        by_integration_id.move(previous_integration_id, stored.get("integration_id"), stored)
        imported += 1
    writer.flush()
    _update_templated_courses(conn, writer, run, templates)
    _cascade_to_enrollments(conn, writer, cascades, run.now)
    _warn_unknown_blueprints(run, file, blueprints)
    return imported


def _set_names(edit: ObjectEdit, values: dict[str, str | None], abstract_course: dict[str, Any] | None) -> None:
    # Canvas writes a stuck name only when the course has none yet; a blank CSV name falls back
    # to the abstract course's.
    for field, column, abstract_field in (("course_code", "short_name", "short_name"), ("name", "long_name", "name")):
        blank = not edit.value(field)
        if values.get(column):
            edit.set_sticky(field, values[column], even_if_stuck=blank)
        elif abstract_course is not None and blank:
            edit.set_sticky(field, abstract_course[abstract_field], even_if_stuck=True)


def _set_dates(edit: ObjectEdit, values: dict[str, str | None], dates: dict[str, str | None]) -> None:
    # SIS::CourseImporter: a date column that is present sets the date (blank and <delete>
    # clear it, as does a date it cannot read), a missing one leaves it; the restriction
    # follows the dates unless it is stuck. Stuck dates leave both alone.
    if edit.is_stuck("start_at") or edit.is_stuck("conclude_at"):
        return
    present = [column for column in ("start_date", "end_date") if column in values]
    if not present:
        return
    for field, column in (("start_at", "start_date"), ("conclude_at", "end_date")):
        if column in present:
            edit.set_sticky(field, without_sentinel(dates[column]))
    edit.set_sticky("restrict_enrollments_to_course_dates",
                    int(bool(edit.value("start_at") or edit.value("conclude_at"))))


def _update_templated_courses(conn: sqlite3.Connection, writer: BatchWriter, run: ImportRun,
                              templates: dict[int, tuple[dict[str, Any], set[str]]]) -> None:
    """Carry a changed course's account, names, term and dates to the courses cross-listing
    created from it, field by field unless either course has the field stuck (Canvas's
    ``course.templated_courses``)."""
    if not templates:
        return
    for templated in as_dicts(fetch_in(conn, "courses", "template_course_id", list(templates))):
        course, course_stuck = templates[templated["template_course_id"]]
        own_stuck = set() if run.options.override_sis_stickiness else parse_stuck(templated["stuck_sis_fields"])
        changes = {field: course[field] for field in ("account_id", "name", "course_code", "enrollment_term_id")
                   if field not in own_stuck and field not in course_stuck}
        if not own_stuck & set(_TEMPLATED_DATE_FIELDS) and not course_stuck & {"start_at", "conclude_at"}:
            changes.update({field: course[field] for field in _TEMPLATED_DATE_FIELDS})
        writer.update("courses", templated, changes)
    writer.flush()


def _warn_unknown_blueprints(run: ImportRun, file: str, blueprints: dict[str, list[str]]) -> None:
    # No course of this server is a blueprint course (blueprint templates are made outside
    # SIS), so every blueprint_course_id but "dissociate" is unknown: Canvas reports it once
    # per course that names it, after the rows (MasterTemplate.create_associations_from_sis).
    for blueprint_id, course_ids in blueprints.items():
        for course_id in course_ids:
            run.warn(file, f'Unknown blueprint course "{blueprint_id}" for course "{course_id}"')


def _cascade_to_enrollments(conn: sqlite3.Connection, writer: BatchWriter, cascades: dict[int, str], now: str) -> None:
    for course_id, state in cascades.items():
        for enrollment_id, previous, new in cascade_course_state(conn, course_id, state, now):
            writer.record_state_change("Enrollment", enrollment_id, previous, new)
    writer.flush()
