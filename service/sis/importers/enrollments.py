"""enrollments.csv (section 9.8): users in course sections with a built-in role.

The hot path of large imports (a million rows), so it works set-based: one pass validates the
batch and resolves references from bounded caches that live for the run (filled by a handful of
look-up queries per batch for what the run has not seen yet), one query fetches the existing
enrollments of every (section, user) pair, a second pass decides per row, and ``executemany``
writes. Later rows see what earlier rows of the batch did through the in-memory maps.

Most rows of a large file are *plain* (``_plan_rows``): a live user, a live section, a state that
deletes nothing, no other column. They are checked with a few look-ups, carried as bare tuples,
and a new enrollment that no other row of the batch names becomes a tuple of insert values
whose roll-back record the writer derives from the inserted rows in one statement. Every other
row, and a plain one that meets a stored enrollment or another row's, takes the general path.

Messages come in Canvas's order. Canvas checks a row's columns (course or section, user,
status, dates) as it reads the row, but resolves its references and saves it only when a block
of ``CANVAS_BLOCK_ROWS`` accepted rows is full (``SIS::EnrollmentImporter::BATCH_SIZE``), or the
file ends: a block's other messages come after the reading messages of every row up to its last
one. Here each message gets that place, and the messages of a block still open when the batch
ends wait in ``run.held`` for the block's end.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
from typing import Any, NamedTuple

from ...store.sis_batch import BatchWriter, fetch_by_packed_pairs, fetch_each, fetch_in, pack_pair
from ...store.sis_cascades import has_observer_links, json_ids
from ...store.sis_queries import live_enrollments_elsewhere, other_active_login
from .. import cascades
from .. import unchanged as unchanged_rows
from ..context import ImportRun, Message, SisOptions, SisRow
from .common import BoundedCache, ObjectEdit, match_status_prefix, parse_bool, parse_dates, without_sentinel

STATUSES = ("active", "deleted", "completed", "inactive", "deleted_last_completed")
# Canvas reads this many accepted rows before it processes them (and reports on them).
CANVAS_BLOCK_ROWS = 100

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
    block: int  # the Canvas block of rows it belongs to (module docstring)
    login: Login
    user_id: int
    login_id: int
    course_id: int
    section_id: int
    # Enrollment#valid_course? and #valid_section?: only a deleted enrollment may sit in a
    # deleted course or section.
    course_deleted: bool
    section_deleted: bool
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
        self.logins_by_sis_id = _LoginCache(_MAX_CACHED_LOGINS)
        self.logins_by_integration_id = _LoginCache(_MAX_CACHED_LOGINS)
        self.courses = BoundedCache(_MAX_CACHED_SECTIONS)
        self.sections = BoundedCache(_MAX_CACHED_SECTIONS)
        self.default_sections = BoundedCache(_MAX_CACHED_SECTIONS)

    def load(self, conn: sqlite3.Connection, root_account_id: int, columns: frozenset[str],
             rows: list[SisRow]) -> None:
        """Fetch what the batch names and the run has not seen yet, a query per kind of object
        (``columns``: every column the rows have)."""
        batch = [row.values for row in rows]

        def named(*names: str) -> set[str]:
            # Values are None or non-empty (the reader's rule), so a set of each column minus None.
            wanted: set[str | None] = set()
            for name in names:
                if name in columns:
                    wanted |= {v.get(name) for v in batch}
            wanted.discard(None)
            return wanted  # type: ignore[return-value]

        sis_user_ids = named("user_id", "associated_user_id", "temporary_enrollment_source_user_id")
        integration_ids = named("user_integration_id")
        course_ids = named("course_id")
        section_ids = named("section_id")
        login_scope = {"p.account_id": root_account_id}
        for cache, column, wanted in (
            (self.logins_by_sis_id, "sis_user_id", sis_user_ids),
            (self.logins_by_integration_id, "integration_id", integration_ids),
        ):
            missing = cache.missing(wanted)
            if missing:
                found = fetch_each(conn, _LOGINS_WITH_USERS, f"p.{column}", missing, scope=login_scope,
                                   columns=f"p.{column}, {_LOGIN_COLUMNS}")
                cache.fill_logins(missing, found)
        # Canvas looks courses and sections up among all of the account's, the deleted too
        # (all_courses, course_sections): enrolling into a deleted one fails its validation.
        scope = {"root_account_id": root_account_id}
        missing = self.courses.missing(course_ids)
        found = fetch_in(conn, "courses", "sis_source_id", missing, scope=scope,
                         columns="sis_source_id, id, name, workflow_state")
        self.courses.fill(missing, ((r[0], Course(*r[1:])) for r in found))
        missing = self.sections.missing(section_ids)
        found = fetch_in(
            conn, _SECTIONS_WITH_COURSES, "s.sis_source_id", missing, scope={"s.root_account_id": root_account_id},
            columns="s.sis_source_id, s.id, s.course_id, s.nonxlist_course_id, s.workflow_state, c.workflow_state",
        )
        self.sections.fill(missing, ((r[0], Section(*r[1:])) for r in found))
        course_only = {
            course.id
            for v in batch
            if not v.get("section_id") and (course := self.courses.get(v.get("course_id")))
        }
        # Course#default_section(include_xlists: true): the course's own default section, else
        # its default section cross-listed into another course.
        missing = self.default_sections.missing(course_only)
        live_default = "s.default_section = 1 AND s.workflow_state <> 'deleted'"
        own = {r[0]: DefaultSection(*r[1:]) for r in fetch_in(
            conn, _SECTIONS_WITH_COURSES, "s.course_id", missing, condition=live_default,
            columns="s.course_id, s.id, s.course_id, c.workflow_state")}
        crosslisted = {r[0]: DefaultSection(*r[1:]) for r in fetch_in(
            conn, _SECTIONS_WITH_COURSES, "s.nonxlist_course_id", [c for c in missing if c not in own],
            condition=live_default, columns="s.nonxlist_course_id, s.id, s.course_id, c.workflow_state")}
        self.default_sections.fill(missing, itertools.chain(own.items(), crosslisted.items()))


class Login(NamedTuple):
    """What an enrollment needs of a login, and of its user: two ids and flags (0 and 1 are
    shared objects, where states read back as strings would be new ones each time), and the
    login itself only for the one message that names it."""

    user_id: int
    id: int
    deleted: int  # 1 when the login is deleted
    user_deleted: int  # 1 when its user is
    deleted_unique_id: str | None  # the login's unique id, for a deleted login only


_LOGINS_WITH_USERS = "pseudonyms p JOIN users u ON u.id = p.user_id"
_LOGIN_COLUMNS = ("p.user_id, p.id, p.workflow_state = 'deleted', u.workflow_state = 'deleted',"
                  " CASE WHEN p.workflow_state = 'deleted' THEN p.unique_id END")
# A fetched row as a Login (tuple.__new__ straight: a NamedTuple's own constructor is Python
# code, and a batch of new enrollments makes a Login per row).
_login = functools.partial(tuple.__new__, Login)

_ID_BITS = 32
_ID_MASK = (1 << _ID_BITS) - 1


class _LoginCache(BoundedCache):
    """Logins by SIS user id or by integration id, for the run (``_MAX_CACHED_LOGINS``).

    A live login of a live user, nearly every one, is kept as a single int, its user's id and
    its own packed, and unpacked into a Login when asked for; any other login as its Login.
    Measured with 200k logins cached: 46 MiB as Logins, 25 MiB packed (the key string and the
    dict entry are the rest), where the first form of Login, with its own copy of the key and
    the login and both states as strings, took 82 MiB.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        stored = self._entries.get

        def get(key: str | None) -> Login | None:
            found = stored(key)
            if found.__class__ is int:
                return _login((found >> _ID_BITS, found & _ID_MASK, 0, 0, None))
            return found

        self.get = get

    def fill_logins(self, looked_up: list[str], found: list[list[Any]]) -> None:
        """Cache the logins ``found`` (rows of the key, then ``_LOGIN_COLUMNS``), every other
        key of ``looked_up`` as absent."""
        self.fill(looked_up, ((key, _packed(values)) for key, *values in found))


def _packed(values: list[Any]) -> int | Login:
    user_id, login_id, deleted, user_deleted, _ = values
    if not deleted and not user_deleted and 0 <= login_id <= _ID_MASK:
        return (user_id << _ID_BITS) | login_id
    return _login(values)


class Course(NamedTuple):
    id: int
    name: str
    workflow_state: str


_SECTIONS_WITH_COURSES = "course_sections s JOIN courses c ON c.id = s.course_id"


class Section(NamedTuple):
    id: int
    course_id: int  # where it is now (cross-listed or not)
    nonxlist_course_id: int | None  # its home course while cross-listed
    workflow_state: str
    course_workflow_state: str


class DefaultSection(NamedTuple):
    """The section a row naming only a course enrolls into, and the course that holds it."""

    id: int
    course_id: int
    course_workflow_state: str


def import_enrollments(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create and update enrollments; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    refs = run.state.get("enrollment_references")
    if refs is None:
        refs = run.state["enrollment_references"] = _References()
    # Re-sent rows recognised in one query: their enrollments are stamped (or their states
    # moved) already.
    unchanged = unchanged_rows.re_sent_enrollment_rows(conn, run, rows)
    # Every column a row of the batch has (a short row lacks the last ones).
    columns = frozenset().union(*map(dict.keys, [row.values for row in rows]))
    refs.load(conn, run.root_account_id, columns,
              [row for index, row in enumerate(rows) if index not in unchanged] if unchanged else rows)
    messages = _Messages(run, file)
    created_default_sections: dict[int, DefaultSection] = {}
    plans, pairs = _plan_rows(run, rows, columns, unchanged, refs, writer, created_default_sections, messages)
    existing: dict[tuple[int, int, str, int | None], sqlite3.Row | dict[str, Any]] = {}
    unique_pairs = dict.fromkeys(pairs)
    for enrollment in fetch_by_packed_pairs(
        conn, "enrollments", "course_section_id", "user_id", unique_pairs, columns=_EXISTING_COLUMNS
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
    skipped = 0  # rows that got this far and still change nothing (Canvas does not count them)
    # Each row's key, when it can meet a stored enrollment or another row's: with no stored
    # enrollment and no (section, user) pair named twice (a file of new rows), none can.
    keys: list[tuple[int, int, str, int | None]] | None = None
    repeated: set[tuple[int, int, str, int | None]] = set()
    if existing or len(unique_pairs) != len(pairs):
        keys = [_key(plan) for plan in plans]
        # Keys two rows of the batch name: the later row must see what the earlier one wrote.
        repeated = unchanged_rows.repeated_keys(keys)
    import_id, now, root_account_id = run.import_id, run.now, run.root_account_id
    new_id = writer.new_id
    # New enrollments no later row reads back, as the values of _NEW_ENROLLMENT_COLUMNS: handed
    # to the writer before any other write (the queue keeps order), so their ids run on.
    new_rows: list[tuple[Any, ...]] = []
    for position, plan in enumerate(plans):
        if plan.__class__ is tuple:  # a plain row (_plan_rows)
            row, block, login, section, kind, state = plan
            if keys is None or ((key := keys[position]) not in existing and key not in repeated):
                enrollment_id = new_id("enrollments")
                new_rows.append((enrollment_id, root_account_id, login.user_id, section.course_id, section.id,
                                 kind, state, login.id, now, now, import_id,
                                 unchanged_rows.created_enrollment_digest(run, row)))
                if student_changes is not None and kind == "StudentEnrollment":
                    student_changes.append(cascades.EnrollmentChange(enrollment_id, None, state))
                continue
            plan = _general_plan(plan)
        if new_rows:
            _queue_new_rows(writer, new_rows)
            new_rows = []
        key = _key(plan) if keys is None else keys[position]
        enrollment = existing.get(key)
        state = _state(conn, run, writer, plan, enrollment, messages)
        if state is None:
            skipped += 1
            continue
        if state != "deleted" and (plan.course_deleted or plan.section_deleted):
            messages.warn(plan.row, plan.block, _invalid_message(plan))
            skipped += 1
            continue
        # Only a fetched row qualifies: one this batch created or edited is a dict holding just
        # the columns it wrote, and takes the general path (duplicates within a batch are rare).
        if isinstance(enrollment, sqlite3.Row) and _unchanged(enrollment, plan, state, options):
            if enrollment["sis_batch_id"] != run.import_id:
                to_stamp.append(enrollment["id"])
            continue
        if (enrollment is None and key not in repeated and plan.associated_user_id is None
                and plan.start_at is None and plan.end_at is None and plan.temporary_source_user_id is None
                and not plan.limit_privileges):
            # The common new enrollment, which no later row of the batch reads back.
            enrollment_id = new_id("enrollments")
            new_rows.append((enrollment_id, root_account_id, plan.user_id, plan.course_id, plan.section_id,
                             plan.type, state, plan.login_id, now, now, import_id, None))
            if student_changes is not None and plan.type == "StudentEnrollment":
                student_changes.append(cascades.EnrollmentChange(enrollment_id, None, state))
        elif enrollment is None:
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
    _queue_new_rows(writer, new_rows)
    writer.flush()
    unchanged_rows.stamp_sis_batch_id(conn, "enrollments", to_stamp, run.import_id)
    if deleted_ids:
        # Enrollment#destroy: the user leaves the course's groups unless still a student there.
        cascades.remove_orphaned_memberships(conn, writer, json_ids(deleted_ids), students_only=True)
    if student_changes:
        cascades.follow_student_enrollments(conn, writer, student_changes)
    refs.default_sections.fill(created_default_sections, created_default_sections.items())
    messages.finish()
    return len(plans) - skipped + len(unchanged)


# Columns a plain row may fill; a value in any other column (dates, an associated, source or
# integration user, section privileges) sends its row the general way.
_PLAIN_COLUMNS = frozenset({"course_id", "section_id", "user_id", "role", "status"})
# States a plain row may ask for: the deleting ones have rules of their own.
_PLAIN_STATES = frozenset({"active", "inactive", "completed"})

PlainRow = tuple[SisRow, int, "Login", "Section", str, str]
"""A plain row, validated: (row, its block, login, section, enrollment type, state)."""


def _plan_rows(
    run: ImportRun, rows: list[SisRow], columns: frozenset[str], unchanged: set[int], refs: _References,
    writer: BatchWriter, created_default_sections: dict[int, DefaultSection], messages: _Messages,
) -> tuple[list[Plan | PlainRow], list[int]]:
    """The first pass: read each row and resolve its references, as Canvas does when it reads
    the row and processes its block, with the messages of both. Returns the plans in row order
    and the (section, user) pair of each, packed (``pack_pair``).

    Most rows of a large file are *plain*: they name a live user's SIS id, a live section (and
    maybe its course) and a built-in role, ask for a state that deletes nothing, and fill no
    other column. No message can come from such a row before the second pass, so it is checked
    here with a few look-ups and comes out as a ``PlainRow`` tuple; any other row takes the
    general path, ``_readable`` and ``_plan``, which a plain row would pass without a word.
    """
    plans: list[Plan | PlainRow] = []
    pairs: list[int] = []
    other_columns = tuple(columns - _PLAIN_COLUMNS)
    login_of, section_of, course_of = refs.logins_by_sis_id.get, refs.sections.get, refs.courses.get
    # A file names a handful of statuses and roles, a million times over: each judged once.
    states: dict[str | None, str | None] = {}
    kinds: dict[str | None, str | None] = {}
    # Where the file stands in Canvas's blocks (_Messages.accept, kept in locals here).
    blocks, block_ends = messages.blocks, messages.block_ends
    number, accepted = blocks.number, blocks.accepted
    for index, row in enumerate(rows):
        read: _Read | None = None
        if not (unchanged and index in unchanged):  # (an unchanged row only takes its place in the block)
            get = row.values.get
            if not other_columns or all(get(name) is None for name in other_columns):
                login = login_of(get("user_id"))
                section = section_of(get("section_id"))
                status = get("status")
                try:
                    state = states[status]
                except KeyError:
                    state = states[status] = _plain_state(status)
                role = get("role")
                try:
                    kind = kinds[role]
                except KeyError:
                    kind = kinds[role] = enrollment_type(role)
                if (login is not None and section is not None and state is not None and kind is not None
                        and not login.deleted and not login.user_deleted
                        and section.workflow_state != "deleted" and section.course_workflow_state != "deleted"):
                    course_sis_id = get("course_id")
                    course = course_of(course_sis_id) if course_sis_id else None
                    # The course a row names must hold the section, or have before cross-listing.
                    if not course_sis_id or (course is not None and (
                            course.id == section.course_id or course.id == section.nonxlist_course_id)):
                        plans.append((row, number, login, section, kind, state))
                        pairs.append((section.id << 32) | login.user_id)  # pack_pair, inline
                        # The row joins the open block (as below).
                        accepted += 1
                        if accepted == CANVAS_BLOCK_ROWS:
                            block_ends[number] = row.line
                            number += 1
                            accepted = 0
                        continue
            read = _readable(run, messages, row)
            if read is None:
                continue
        # The row joins the open block.
        block = number
        accepted += 1
        if accepted == CANVAS_BLOCK_ROWS:
            block_ends[number] = row.line
            number += 1
            accepted = 0
        if read is not None:
            plan = _plan(run, row, read, block, refs, writer, created_default_sections, messages)
            if plan is not None:
                plans.append(plan)
                pairs.append(pack_pair(plan.section_id, plan.user_id))
    blocks.number, blocks.accepted = number, accepted
    return plans, pairs


def _plain_state(status: str | None) -> str | None:
    """The state a plain row may ask for with ``status``, or None."""
    state = match_status_prefix(status, STATUSES)
    return state if state in _PLAIN_STATES else None


def _queue_new_rows(writer: BatchWriter, new_rows: list[tuple[Any, ...]]) -> None:
    """Queue new enrollments (values of _NEW_ENROLLMENT_COLUMNS, their ids consecutive) with
    their roll-back records."""
    if not new_rows:
        return
    writer.insert_rows("enrollments", _NEW_ENROLLMENT_COLUMNS, new_rows)
    first_id, last_id = new_rows[0][0], new_rows[-1][0]
    # Nothing takes an enrollment id while rows gather (they are queued before any other write).
    assert last_id - first_id + 1 == len(new_rows), "new enrollment ids must run on"
    writer.record_creations("Enrollment", "enrollments", first_id, last_id)


def _general_plan(plain: PlainRow) -> Plan:
    """A plain row as a Plan, for the general path (``_plan`` would have made the same)."""
    row, block, login, section, kind, state = plain
    return Plan(row, block, login, login.user_id, login.id, section.course_id, section.id, False, False, kind,
                None, None, state, None, None, None)


def _key(plan: Plan | PlainRow) -> tuple[int, int, str, int | None]:
    """What tells one enrollment from another: (section, user, type, associated user)."""
    if plan.__class__ is tuple:
        _, _, login, section, kind, _ = plan
        return (section.id, login.user_id, kind, None)
    assert isinstance(plan, Plan)
    return (plan.section_id, plan.user_id, plan.type, plan.associated_user_id)


class _Blocks:
    """Where a file stands in Canvas's blocks of accepted rows (kept for the file's length)."""

    def __init__(self) -> None:
        self.number = 0  # the block being filled
        self.accepted = 0  # its rows so far


class _Messages:
    """The messages of a batch, each put in its place in Canvas's order (module docstring).

    A message of a row's reading sorts at the row; one of its processing at the last row of its
    block. Those of the block still open at the batch's end are held for a later batch.
    """

    def __init__(self, run: ImportRun, file: str) -> None:
        self.run = run
        self.file = file
        self.blocks: _Blocks = run.file_state.setdefault("enrollment_blocks", _Blocks())
        self.block_ends: dict[int, int] = {}  # block -> line of its last row, for blocks closed now
        # (block, line, message); block None for a reading message. The open block's held
        # messages come first, in their order.
        self.notes: list[tuple[int | None, int, Message]] = [
            (self.blocks.number, message.row or 0, message) for message in run.held
        ]

    def read_warning(self, row: SisRow, message: str) -> None:
        """A problem found as the row is read."""
        self.notes.append((None, row.line, self._message(row, message)))

    def accept(self, row: SisRow) -> int:
        """The row joins the open block; returns the block's number."""
        blocks = self.blocks
        number = blocks.number
        blocks.accepted += 1
        if blocks.accepted == CANVAS_BLOCK_ROWS:
            self.block_ends[number] = row.line
            blocks.number += 1
            blocks.accepted = 0
        return number

    def warn(self, row: SisRow, block: int, message: str) -> None:
        """A problem found as the row's block is processed."""
        self.notes.append((block, row.line, self._message(row, message)))

    def finish(self) -> None:
        """Store the messages whose place is known, in order; hold the open block's."""
        placed: list[tuple[tuple[int, int, int], Message]] = []
        held: list[tuple[int, Message]] = []
        for block, line, message in self.notes:
            if block is None:
                placed.append(((line, 0, line), message))
            elif block in self.block_ends:
                placed.append(((self.block_ends[block], 1, line), message))
            else:
                held.append((line, message))
        # Stable sorts: a row's messages keep the order they were found in.
        self.run.messages.extend(message for _, message in sorted(placed, key=lambda p: p[0]))
        self.run.held = [message for _, message in sorted(held, key=lambda h: h[0])]

    def _message(self, row: SisRow, message: str) -> Message:
        return Message(self.file, message, row.line, row.raw, False)


def _state(
    conn: sqlite3.Connection, run: ImportRun, writer: BatchWriter, plan: Plan,
    enrollment: sqlite3.Row | dict[str, Any] | None, messages: _Messages,
) -> str | None:
    """The state the row gives the enrollment, or None when it leaves it alone
    (SIS::EnrollmentImporter#enrollment_status, with its messages)."""
    login = plan.login
    user_deleted = login.user_deleted
    login_deleted = login.deleted
    if not (user_deleted or login_deleted or plan.status == "deleted_last_completed"):
        return plan.status  # the common case
    values = plan.row.values
    user_sis_id, course_sis_id = values.get("user_id") or "", values.get("course_id") or ""
    deleted_user = f"Attempted enrolling of deleted user {user_sis_id} in course {course_sis_id}"
    if enrollment is not None and enrollment["workflow_state"] == "deleted" and (user_deleted or login_deleted):
        # A deleted enrollment of a deleted user or SIS login stays deleted, whatever the row says.
        messages.warn(plan.row, plan.block, deleted_user if user_deleted else
                      f"Attempted enrolling with deleted sis login {login.deleted_unique_id} in course {course_sis_id}")
        return None
    state = plan.status
    if state == "active" and (user_deleted or login_deleted):
        if not user_deleted and other_active_login(conn, run.root_account_id, login.user_id, values.get("user_id")):
            messages.warn(plan.row, plan.block, f"Enrolled a user {user_sis_id} in course {course_sis_id},"
                                                " but referenced a deleted sis login")
        else:
            # Canvas still saves the enrollment, deleted, and counts the row.
            messages.warn(plan.row, plan.block, deleted_user)
            state = "deleted"
    elif state == "deleted_last_completed":
        writer.flush()  # the check must see the enrollments this batch has queued
        elsewhere = live_enrollments_elsewhere(
            conn, plan.user_id, plan.course_id, plan.type, plan.associated_user_id,
            plan.temporary_source_user_id, enrollment["id"] if enrollment else None,
        )
        state = "deleted" if elsewhere else "completed"
    return state


def _invalid_message(plan: Plan) -> str:
    """Canvas's message for an enrollment that fails Enrollment's validations."""
    values = plan.row.values
    errors = []
    if plan.course_deleted:
        errors.append("Course is not a valid course")
    if plan.section_deleted:
        errors.append("Course section is not a valid section")
    # Canvas builds it with ``msg += "user: ..., error: " + msg += errors.join(",") + ")"``: the
    # inner += appends the start of the message a second time, and clients see it so.
    start = (f"An enrollment did not pass validation (course: {values.get('course_id') or ''},"
             f" section: {values.get('section_id') or ''}, ")
    return (f"{start}user: {values.get('user_id') or ''}, role: {values.get('role') or ''}, error: "
            f"{start}{','.join(errors)})")


# A new enrollment without dates, associated or source user, or section privileges.
_NEW_ENROLLMENT_COLUMNS = ("id", "root_account_id", "user_id", "course_id", "course_section_id", "type",
                           "workflow_state", "sis_pseudonym_id", "created_at", "updated_at", "sis_batch_id",
                           "sis_row_digest")

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


class _Read(NamedTuple):
    """What Canvas takes from a row as it reads it."""

    status: str
    start_at: str | None
    end_at: str | None


def _readable(run: ImportRun, messages: _Messages, row: SisRow) -> _Read | None:
    """The checks Canvas makes as it reads a row (SIS::CSV::EnrollmentImporter#create_enrollment
    and Work#add_enrollment): None when the row goes no further."""
    get = row.values.get
    course_sis_id = get("course_id")
    section_sis_id = get("section_id")
    start_at = end_at = None
    if get("start_date") or get("end_date"):
        dates, dates_parsed = parse_dates(row, ("start_date", "end_date"))
        if not dates_parsed:  # the row goes on, without the dates
            where = f"course {course_sis_id}" if course_sis_id else f"section {section_sis_id}"
            messages.read_warning(row, f"Bad date format for user {get('user_id') or ''} in {where}")
        start_at, end_at = without_sentinel(dates["start_date"]), without_sentinel(dates["end_date"])
    if not course_sis_id and not section_sis_id:
        messages.read_warning(row, "No course_id or section_id given for an enrollment")
        return None
    if not get("user_id") and not get("user_integration_id"):
        messages.read_warning(row, "No user_id given for an enrollment")
        return None
    status = match_status_prefix(get("status"), STATUSES)
    if status is None:
        messages.read_warning(row, f'Improper status "{get("status") or ""}" for an enrollment')
        return None
    if run.options.skip_deletes and status.startswith("deleted"):
        return None
    return _Read(status, start_at, end_at)


def _plan(
    run: ImportRun, row: SisRow, read: _Read, block: int, refs: _References, writer: BatchWriter,
    created_default_sections: dict[int, DefaultSection], messages: _Messages,
) -> Plan | None:
    """Resolve a readable row's references, as Canvas does when it processes the row's block;
    warns and returns None when the row is skipped."""
    values = row.values
    get = values.get
    course_sis_id = get("course_id")
    section_sis_id = get("section_id")
    user_sis_id = get("user_id")
    user_integration_id = get("user_integration_id")

    # user_integration_id wins when present (section 9.8).
    if user_integration_id:
        login = refs.logins_by_integration_id.get(user_integration_id)
    else:
        login = refs.logins_by_sis_id.get(user_sis_id)
    if login is None:
        messages.warn(row, block, f"User not found for enrollment (User ID: {user_sis_id or ''},"
                      f" Course ID: {course_sis_id or ''}, Section ID: {section_sis_id or ''})")
        return None

    course: Course | None = refs.courses.get(course_sis_id) if course_sis_id else None
    section: Section | None = refs.sections.get(section_sis_id) if section_sis_id else None
    if course is None and section is None:
        messages.warn(row, block, f"Neither course nor section existed for user enrollment"
                      f" (Course ID: {course_sis_id or ''}, Section ID: {section_sis_id or ''},"
                      f" User ID: {user_sis_id or ''})")
        return None
    if section_sis_id and section is None:
        messages.warn(row, block, f"An enrollment referenced a non-existent section {section_sis_id}")
        return None
    if course_sis_id and course is None:
        messages.warn(row, block, f"An enrollment referenced a non-existent course {course_sis_id}")
        return None
    if section is None:
        assert course is not None
        default = _default_section(run, refs, writer, course, created_default_sections)
        section_id, course_id, course_state = default.id, default.course_id, default.course_workflow_state
        section_deleted = False
    else:
        section_id, course_id, course_state = section.id, section.course_id, section.course_workflow_state
        section_deleted = section.workflow_state == "deleted"
        # A section cross-listed away from the listed course still enrolls, in its new course.
        if course is not None and course.id != course_id and section.nonxlist_course_id != course.id:
            messages.warn(row, block, f"An enrollment listed a section ({section_sis_id}) and a course"
                                      f" ({course_sis_id}) that are unrelated for user ({user_sis_id or ''})")
            return None

    role = get("role")
    kind = enrollment_type(role)
    if kind is None:
        messages.warn(row, block, f'Improper role "{role or ""}" for an enrollment')
        return None
    associated_user_id = None
    associated_sis_id = get("associated_user_id")
    if associated_sis_id and kind == "ObserverEnrollment":
        associated = refs.logins_by_sis_id.get(associated_sis_id)
        if associated is None:
            messages.warn(row, block, f"An enrollment referenced a non-existent associated user {associated_sis_id}")
            return None
        associated_user_id = associated.user_id
    temporary_source_user_id = None
    source_sis_id = get("temporary_enrollment_source_user_id")
    if source_sis_id:
        source = refs.logins_by_sis_id.get(source_sis_id)
        if source is None:
            messages.warn(row, block,
                          f"An enrollment referenced a non-existent temporary enrollment source user {source_sis_id}")
            return None
        temporary_source_user_id = source.user_id
    limit = get("limit_section_privileges")
    return Plan(
        row, block, login, login.user_id, login.id, course_id, section_id,
        course_state == "deleted", section_deleted, kind, associated_user_id,
        temporary_source_user_id, read.status, read.start_at, read.end_at,
        None if limit is None else parse_bool(limit),
    )


def _default_section(
    run: ImportRun, refs: _References, writer: BatchWriter, course: Course,
    created_default_sections: dict[int, DefaultSection],
) -> DefaultSection:
    """The course's default section (Course#default_section(include_xlists: true)), created
    (named after the course) when it has none yet."""
    default = refs.default_sections.get(course.id) or created_default_sections.get(course.id)
    if default is None:
        section_id = writer.new_id("course_sections")
        writer.insert(
            "course_sections",
            {
                "id": section_id,
                "root_account_id": run.root_account_id,
                "course_id": course.id,
                "name": course.name,
                "workflow_state": "active",
                "default_section": 1,
            },
            record=False,
        )
        default = created_default_sections[course.id] = DefaultSection(section_id, course.id, course.workflow_state)
    return default
