"""enrollments.csv (section 9.8): users in course sections with a built-in role.

The hot path of large imports (a million rows), so it works set-based: one pass validates the
batch and resolves references from bounded caches that live for the run (filled by a handful of
look-up queries per batch for what the run has not seen yet), one query fetches the existing
enrollments of every (section, user) pair, a second pass decides per row, and ``executemany``
writes. Later rows see what earlier rows of the batch did through the in-memory maps.
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any, NamedTuple

from ...store.sis_batch import BatchWriter, fetch_by_pairs, fetch_in
from ...store.sis_cascades import has_observer_links, json_ids
from ...store.sis_queries import live_enrollments_elsewhere
from .. import cascades
from .. import unchanged as unchanged_rows
from ..context import ImportRun, SisOptions, SisRow
from .common import BoundedCache, ObjectEdit, match_status_prefix, parse_bool, parse_dates, without_sentinel

STATUSES = ("active", "deleted", "completed", "inactive", "deleted_last_completed")

# Canvas's built-in course roles by name; this server defines no custom roles.
BUILT_IN_ROLES = ("StudentEnrollment", "TeacherEnrollment", "TaEnrollment", "ObserverEnrollment", "DesignerEnrollment")
_ROLE_WORDS = {
    "teacher": "TeacherEnrollment",
    "ta": "TaEnrollment",
    "observer": "ObserverEnrollment",
    "designer": "DesignerEnrollment",
}


@functools.lru_cache(maxsize=256)  # a file names a handful of roles, a million times over
def enrollment_type(role: str | None) -> str | None:
    """The enrollment type of a role: Canvas matches /\\Astudent/i and /\\A(teacher|ta|observer|designer)\\z/i."""
    if not role:
        return None
    if role in BUILT_IN_ROLES:
        return role
    lowered = role.lower()
    if lowered.startswith("student"):
        return "StudentEnrollment"
    return _ROLE_WORDS.get(lowered)


class Plan(NamedTuple):
    """A validated row: what it asks for, with every reference resolved."""

    row: SisRow
    user_id: int
    login_id: int
    course_id: int
    section_id: int
    type: str
    associated_user_id: int | None
    temporary_source_user_id: int | None
    status: str
    start_at: str | None
    end_at: str | None
    limit_privileges: bool | None


# Look-ups kept across the batches of one run, each bounded so memory never grows with the file.
_MAX_CACHED_LOGINS = 200_000
_MAX_CACHED_SECTIONS = 100_000


class _References:
    """Users, courses and sections the run's enrollment rows name, fetched once per run.

    Kept in ``run.state`` between batches: nothing an enrollments file does changes a login,
    course or section (kinds run in order, so users, courses and sections are already final).
    Default sections created by a batch join the cache only once that batch is done.
    """

    def __init__(self) -> None:
        self.logins_by_sis_id = BoundedCache(_MAX_CACHED_LOGINS)
        self.logins_by_integration_id = BoundedCache(_MAX_CACHED_LOGINS)
        self.courses = BoundedCache(_MAX_CACHED_SECTIONS)
        self.sections = BoundedCache(_MAX_CACHED_SECTIONS)
        self.default_sections = BoundedCache(_MAX_CACHED_SECTIONS)

    def load(self, conn: sqlite3.Connection, root_account_id: int, rows: list[SisRow]) -> None:
        """Fetch what the batch names and the run has not seen yet, a query per kind of object."""
        # Values are None or non-empty (the reader's rule), so a set of each column minus None.
        batch = [row.values for row in rows]
        sis_user_ids = {v.get("user_id") for v in batch}
        sis_user_ids.update(v.get("associated_user_id") for v in batch)
        sis_user_ids.update(v.get("temporary_enrollment_source_user_id") for v in batch)
        integration_ids = {v.get("user_integration_id") for v in batch}
        course_ids = {v.get("course_id") for v in batch}
        section_ids = {v.get("section_id") for v in batch}
        for wanted in (sis_user_ids, integration_ids, course_ids, section_ids):
            wanted.discard(None)
        login_scope = {"account_id": root_account_id}
        for cache, column, wanted in (
            (self.logins_by_sis_id, "sis_user_id", sis_user_ids),
            (self.logins_by_integration_id, "integration_id", integration_ids),
        ):
            missing = cache.missing(wanted)
            found = fetch_in(conn, "pseudonyms", column, missing, scope=login_scope, columns=f"{column}, {_LOGIN_COLUMNS}")
            cache.fill(missing, ((r[0], Login(*r[1:])) for r in found))
        scope = {"root_account_id": root_account_id}
        missing = self.courses.missing(course_ids)
        found = fetch_in(conn, "courses", "sis_source_id", missing, scope=scope, columns="sis_source_id, id, name")
        self.courses.fill(missing, ((r[0], (r[1], r[2])) for r in found))
        missing = self.sections.missing(section_ids)
        found = fetch_in(
            conn, "course_sections", "sis_source_id", missing, scope=scope,
            columns="sis_source_id, id, course_id, nonxlist_course_id",
        )
        self.sections.fill(missing, ((r[0], (r[1], r[2], r[3])) for r in found))
        course_only = {
            course[0]
            for v in batch
            if not v.get("section_id") and (course := self.courses.get(v.get("course_id")))
        }
        missing = self.default_sections.missing(course_only)
        found = fetch_in(
            conn, "course_sections", "course_id", missing,
            condition="default_section = 1 AND workflow_state <> 'deleted'", columns="course_id, id",
        )
        self.default_sections.fill(missing, ((r[0], r[1]) for r in found))


class Login(NamedTuple):
    """What an enrollment needs of a login."""

    user_id: int
    id: int
    unique_id: str
    workflow_state: str


_LOGIN_COLUMNS = "user_id, id, unique_id, workflow_state"


def import_enrollments(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create and update enrollments; returns the rows imported."""
    rows, unchanged = unchanged_rows.split_unchanged_enrollments(conn, run, rows)
    writer = BatchWriter(conn, run.import_id, run.now)
    refs = run.state.get("enrollment_references")
    if refs is None:
        refs = run.state["enrollment_references"] = _References()
    refs.load(conn, run.root_account_id, rows)
    created_default_sections: dict[int, int] = {}
    plans = [
        plan for row in rows if (plan := _plan(run, file, row, refs, writer, created_default_sections)) is not None
    ]
    existing: dict[tuple[int, int, str, int | None], sqlite3.Row | dict[str, Any]] = {}
    pairs = [(plan.section_id, plan.user_id) for plan in plans]
    for enrollment in fetch_by_pairs(
        conn, "enrollments", "course_section_id", "user_id", pairs, columns=_EXISTING_COLUMNS
    ):
        key = (enrollment["course_section_id"], enrollment["user_id"], enrollment["type"], enrollment["associated_user_id"])
        existing[key] = enrollment
    options = run.options
    sticky_new = options.add_sis_stickiness and not options.clear_sis_stickiness
    # Observers' enrollments follow the students' (links are made after enrollments, in
    # user_observers.csv, so one probe per batch tells whether there is anything to follow).
    student_changes: list[cascades.EnrollmentChange] | None = [] if has_observer_links(conn) else None
    deleted_ids: list[int] = []  # enrollments this batch deleted: their group memberships may go
    to_stamp: list[int] = []  # unchanged enrollments, last seen by an earlier import
    for plan in plans:
        key = (plan.section_id, plan.user_id, plan.type, plan.associated_user_id)
        enrollment = existing.get(key)
        state = plan.status
        if state == "deleted_last_completed":
            writer.flush()  # the check must see the enrollments this batch has queued
            elsewhere = live_enrollments_elsewhere(
                conn, plan.user_id, plan.course_id, enrollment["id"] if enrollment else None
            )
            state = "deleted" if elsewhere else "completed"
        # Only a fetched row qualifies: one this batch created or edited is a dict holding just
        # the columns it wrote, and takes the general path (duplicates within a batch are rare).
        if isinstance(enrollment, sqlite3.Row) and _unchanged(enrollment, plan, state, options):
            if enrollment["sis_batch_id"] != run.import_id:
                to_stamp.append(enrollment["id"])
            continue
        if enrollment is None:
            values: dict[str, Any] = {
                "id": writer.new_id("enrollments"),
                "root_account_id": run.root_account_id,
                "user_id": plan.user_id,
                "course_id": plan.course_id,
                "course_section_id": plan.section_id,
                "type": plan.type,
                "workflow_state": state,
                "sis_pseudonym_id": plan.login_id,
            }
            # Optional columns only when set: every bound column costs, and rows of the same
            # shape still share one executemany.
            for column, value in (
                ("associated_user_id", plan.associated_user_id),
                ("start_at", plan.start_at),
                ("end_at", plan.end_at),
                ("temporary_enrollment_source_user_id", plan.temporary_source_user_id),
            ):
                if value is not None:
                    values[column] = value
            if plan.limit_privileges:
                values["limit_privileges_to_course_section"] = 1
            if sticky_new and (plan.start_at is not None or plan.end_at is not None):
                values["stuck_sis_fields"] = ",".join(
                    field for field, value in (("end_at", plan.end_at), ("start_at", plan.start_at)) if value is not None
                )
            existing[key] = writer.insert("enrollments", values)
            if student_changes is not None and plan.type == "StudentEnrollment":
                student_changes.append(cascades.EnrollmentChange(values["id"], None, state))
        else:
            if not isinstance(enrollment, dict):  # a fetched row, edited for the first time
                enrollment = existing[key] = dict(enrollment)
            edit = ObjectEdit(run, enrollment)
            edit.set("workflow_state", state)
            edit.set("course_id", plan.course_id)
            edit.set("sis_pseudonym_id", plan.login_id)
            # Canvas writes both dates or neither: "if (stuck_sis_fields & [:start_at, :end_at]).empty?"
            if not (edit.is_stuck("start_at") or edit.is_stuck("end_at")):
                edit.set_sticky("start_at", plan.start_at)
                edit.set_sticky("end_at", plan.end_at)
            if plan.limit_privileges is not None:
                edit.set("limit_privileges_to_course_section", int(plan.limit_privileges))
            if plan.temporary_source_user_id is not None:
                edit.set("temporary_enrollment_source_user_id", plan.temporary_source_user_id)
            previous_state = enrollment["workflow_state"]
            writer.update("enrollments", enrollment, edit.finish())
            if previous_state != state:
                if state == "deleted" and previous_state != "rejected":
                    deleted_ids.append(enrollment["id"])
                if student_changes is not None and plan.type == "StudentEnrollment":
                    student_changes.append(
                        cascades.EnrollmentChange(enrollment["id"], previous_state, state))
    writer.flush()
    unchanged_rows.stamp_sis_batch_id(conn, "enrollments", to_stamp, run.import_id)
    if deleted_ids:
        # Enrollment#destroy: the user leaves the course's groups unless still a student there.
        cascades.remove_orphaned_memberships(conn, writer, json_ids(deleted_ids), students_only=True)
    if student_changes:
        cascades.follow_student_enrollments(conn, writer, student_changes)
    refs.default_sections.fill(created_default_sections, created_default_sections.items())
    return len(plans) + unchanged


# What the importer reads of an existing enrollment: its key, and every column a row may change.
_EXISTING_COLUMNS = (
    "t.id, t.course_section_id, t.user_id, t.type, t.associated_user_id, t.workflow_state, t.course_id,"
    " t.sis_pseudonym_id, t.start_at, t.end_at, t.limit_privileges_to_course_section,"
    " t.temporary_enrollment_source_user_id, t.sis_batch_id, t.stuck_sis_fields"
)


def _unchanged(enrollment: sqlite3.Row, plan: Plan, state: str, options: SisOptions) -> bool:
    """Whether the row would leave the enrollment exactly as it is (a re-sent row, the common
    case), so it needs neither an edit nor a write.

    Only when no sticky field could move: with clear_sis_stickiness even an unchanged date
    un-sticks, so such rows take the general path (as do rows whose stored stuck_sis_fields an
    edit would rewrite). What is left to write, the import's sis_batch_id, the caller writes for
    the whole batch.
    """
    return (
        enrollment["workflow_state"] == state
        and enrollment["course_id"] == plan.course_id
        and enrollment["sis_pseudonym_id"] == plan.login_id
        and enrollment["start_at"] == plan.start_at
        and enrollment["end_at"] == plan.end_at
        and (plan.limit_privileges is None or enrollment["limit_privileges_to_course_section"] == plan.limit_privileges)
        and (plan.temporary_source_user_id is None
             or enrollment["temporary_enrollment_source_user_id"] == plan.temporary_source_user_id)
        and not (options.clear_sis_stickiness and enrollment["stuck_sis_fields"])
        and unchanged_rows.stuck_fields_normalised(enrollment["stuck_sis_fields"])
    )


def _plan(
    run: ImportRun, file: str, row: SisRow, refs: _References, writer: BatchWriter,
    created_default_sections: dict[int, int],
) -> Plan | None:
    """Validate a row and resolve its references; warns and returns None when it is skipped."""
    values = row.values
    get = values.get
    course_sis_id = get("course_id")
    section_sis_id = get("section_id")
    user_sis_id = get("user_id")
    user_integration_id = get("user_integration_id")
    start_at = end_at = None
    if get("start_date") or get("end_date"):
        dates, dates_parsed = parse_dates(row, ("start_date", "end_date"))
        if not dates_parsed:
            where = f"course {course_sis_id}" if course_sis_id else f"section {section_sis_id}"
            run.warn(file, f"Bad date format for user {user_sis_id or ''} in {where}", row)
        start_at, end_at = without_sentinel(dates["start_date"]), without_sentinel(dates["end_date"])
    if not course_sis_id and not section_sis_id:
        run.warn(file, "No course_id or section_id given for an enrollment", row)
        return None
    if not user_sis_id and not user_integration_id:
        run.warn(file, "No user_id given for an enrollment", row)
        return None
    status_text = get("status")
    status = match_status_prefix(status_text, STATUSES)
    if status is None:
        run.warn(file, f'Improper status "{status_text or ""}" for an enrollment', row)
        return None
    if run.options.skip_deletes and status.startswith("deleted"):
        return None

    # user_integration_id wins when present (section 9.8).
    if user_integration_id:
        login = refs.logins_by_integration_id.get(user_integration_id)
    else:
        login = refs.logins_by_sis_id.get(user_sis_id)
    if login is None:
        run.warn(
            file,
            f"User not found for enrollment (User ID: {user_sis_id or ''}, Course ID: {course_sis_id or ''},"
            f" Section ID: {section_sis_id or ''})",
            row,
        )
        return None

    course = refs.courses.get(course_sis_id) if course_sis_id else None
    section = refs.sections.get(section_sis_id) if section_sis_id else None
    if course is None and section is None:
        run.warn(
            file,
            f"Neither course nor section existed for user enrollment (Course ID: {course_sis_id or ''},"
            f" Section ID: {section_sis_id or ''}, User ID: {user_sis_id or ''})",
            row,
        )
        return None
    if section_sis_id and section is None:
        run.warn(file, f"An enrollment referenced a non-existent section {section_sis_id}", row)
        return None
    if course_sis_id and course is None:
        run.warn(file, f"An enrollment referenced a non-existent course {course_sis_id}", row)
        return None
    if section is None:
        section_id, course_id = _default_section(run, refs, writer, course, created_default_sections), course[0]
    else:
        section_id, course_id, home_course_id = section
        # A section cross-listed away from the listed course still enrolls, in its new course.
        if course is not None and course[0] != course_id and home_course_id != course[0]:
            run.warn(
                file,
                f"An enrollment listed a section ({section_sis_id}) and a course ({course_sis_id}) that are"
                f" unrelated for user ({user_sis_id or ''})",
                row,
            )
            return None

    role = get("role")
    kind = enrollment_type(role)
    if kind is None:
        run.warn(file, f'Improper role "{role or ""}" for an enrollment', row)
        return None
    associated_user_id = None
    associated_sis_id = get("associated_user_id")
    if associated_sis_id and kind == "ObserverEnrollment":
        associated = refs.logins_by_sis_id.get(associated_sis_id)
        if associated is None:
            run.warn(file, f"An enrollment referenced a non-existent associated user {associated_sis_id}", row)
            return None
        associated_user_id = associated.user_id
    temporary_source_user_id = None
    source_sis_id = get("temporary_enrollment_source_user_id")
    if source_sis_id:
        source = refs.logins_by_sis_id.get(source_sis_id)
        if source is None:
            run.warn(file, f"An enrollment referenced a non-existent temporary enrollment source user {source_sis_id}", row)
            return None
        temporary_source_user_id = source.user_id
    if status == "active" and login.workflow_state == "deleted":
        # Canvas still saves the enrollment, deleted, and counts the row.
        run.warn(file, f"Attempted enrolling with deleted sis login {login.unique_id} in course {course_sis_id or ''}", row)
        status = "deleted"
    limit = get("limit_section_privileges")
    return Plan(
        row, login.user_id, login.id, course_id, section_id, kind, associated_user_id,
        temporary_source_user_id, status, start_at, end_at, None if limit is None else parse_bool(limit),
    )


def _default_section(
    run: ImportRun, refs: _References, writer: BatchWriter, course: tuple[int, str],
    created_default_sections: dict[int, int],
) -> int:
    """The course's default section, created (named after the course) when it has none yet."""
    course_id, course_name = course
    section_id = refs.default_sections.get(course_id) or created_default_sections.get(course_id)
    if section_id is None:
        section_id = writer.new_id("course_sections")
        writer.insert(
            "course_sections",
            {
                "id": section_id,
                "root_account_id": run.root_account_id,
                "course_id": course_id,
                "name": course_name,
                "workflow_state": "active",
                "default_section": 1,
            },
            record=False,
        )
        created_default_sections[course_id] = section_id
    return section_id
