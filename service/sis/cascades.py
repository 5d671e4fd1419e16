"""Canvas's deletion cascades and observer enrollments, shared by the importers and batch mode.

What Canvas's models do when an object goes away, done set-based, every change with its
roll-back record so ``restore_states`` brings it back:

* an enrollment deleted (``Enrollment::BatchStateUpdater.destroy_batch``, ``Enrollment#destroy``):
  the user's memberships in the course's groups go when the user keeps no other enrollment in
  the course; the enrollments of the student's linked observers follow it;
* a section deleted (``CourseSection.destroy_batch``): its enrollments are deleted as above;
* a course deleted in batch mode (``Course.destroy_batch``): its enrollments are deleted;
* a group deleted: its memberships are deleted;
* a user's last login deleted (``SIS::UserImporter``): their enrollments (as above), group
  memberships and admin rights in the account are deleted;
* observer enrollments (``UserObservationLink#create_linked_enrollments``,
  ``Enrollment#update_linked_enrollments``): an observer linked to a student holds an
  ObserverEnrollment (``associated_user_id`` = the student) beside each of the student's
  enrollments, created, changed, deleted and restored with it and with the link.

Every function is called inside the caller's write transaction with the caller's
``BatchWriter`` (flushed first, so the SQL sees what the batch queued).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterable

from ..store import sis_cascades as store
from ..store.sis_batch import BatchWriter, record_state_changes

# Enrollment states a student enrollment comes back from that make Canvas (re)create the
# observers' enrollments (update_linked_enrollments' restorable_states).
_RESTORABLE_STATES = frozenset({"inactive", "deleted", "completed"})


@dataclass(frozen=True, slots=True)
class EnrollmentChange:
    """A student enrollment a batch created or whose state it changed."""

    enrollment_id: int
    previous_state: str | None  # None: created by the batch
    new_state: str


def destroy_enrollments(
    conn: sqlite3.Connection, writer: BatchWriter, enrollment_ids: Iterable[int], *,
    batch_mode: bool = False, per_row_group_rule: bool = False,
) -> int:
    """Delete enrollments with what Canvas deletes with them; returns how many were deleted.

    ``batch_mode`` marks the roll-back records as batch-mode cleanup's (and stamps the
    enrollments with the import, as destroy_batch does). ``per_row_group_rule``: group
    memberships follow Enrollment#destroy (kept while the user has another student enrollment in
    the course) instead of destroy_batch (kept while the user has any other live enrollment).
    """
    writer.flush()
    ids = store.json_ids(enrollment_ids)
    # The observers' enrollments follow the students' to "deleted", so look them up first.
    linked = _linked_rows_if_any(conn, writer, ids)
    deleted = store.change_states(
        conn, import_id=writer.import_id, table="enrollments", object_type="Enrollment", ids=ids,
        new_state=store.DELETED, now=writer.now, batch_mode_delete=batch_mode,
        stamp_sis_batch=batch_mode)
    if not deleted:
        return 0
    remove_orphaned_memberships(conn, writer, ids, batch_mode=batch_mode,
                                students_only=per_row_group_rule)
    if linked:
        _follow(conn, writer, linked, {
            row["student_enrollment_id"]: EnrollmentChange(
                row["student_enrollment_id"], row["workflow_state"], store.DELETED)
            for row in linked
        }, batch_mode=batch_mode)
    return deleted


def set_enrollment_states(
    conn: sqlite3.Connection, writer: BatchWriter, enrollment_ids: Iterable[int], state: str, *,
    batch_mode: bool = False,
) -> int:
    """Conclude or deactivate enrollments (Enrollment::BatchStateUpdater.complete_batch and
    inactivate_batch); the observers' enrollments follow. Returns how many changed."""
    writer.flush()
    ids = store.json_ids(enrollment_ids)
    changed = store.change_states(
        conn, import_id=writer.import_id, table="enrollments", object_type="Enrollment", ids=ids,
        new_state=state, now=writer.now, batch_mode_delete=batch_mode, stamp_sis_batch=batch_mode)
    if changed:
        linked = _linked_rows_if_any(conn, writer, ids)
        # run_call_backs_for updates the linked enrollments with restore: true.
        _follow(conn, writer, linked, None, batch_mode=batch_mode)
    return changed


def remove_orphaned_memberships(
    conn: sqlite3.Connection, writer: BatchWriter, deleted_enrollment_ids: str, *,
    batch_mode: bool = False, students_only: bool = False,
) -> int:
    """Delete the group memberships that deleted enrollments leave without an enrollment in
    their group's course (``deleted_enrollment_ids`` is a JSON list)."""
    memberships = store.memberships_left_without_enrollment(
        conn, deleted_enrollment_ids, students_only=students_only)
    if not memberships:
        return 0
    return _delete(conn, writer, "group_memberships", "GroupMembership", memberships,
                   batch_mode=batch_mode)


def destroy_sections_enrollments(
    conn: sqlite3.Connection, writer: BatchWriter, section_ids: Iterable[int], *,
    batch_mode: bool = False,
) -> int:
    """Delete the live enrollments of deleted sections (CourseSection#destroy, destroy_batch)."""
    writer.flush()
    enrollments = store.live_enrollments_of_sections(conn, store.json_ids(section_ids))
    if not enrollments:
        return 0
    return destroy_enrollments(conn, writer, enrollments, batch_mode=batch_mode,
                               per_row_group_rule=not batch_mode)


def destroy_groups_memberships(
    conn: sqlite3.Connection, writer: BatchWriter, group_ids: Iterable[int]
) -> int:
    """Delete the live memberships of deleted groups."""
    writer.flush()
    memberships = store.live_memberships_of_groups(conn, store.json_ids(group_ids))
    if not memberships:
        return 0
    return _delete(conn, writer, "group_memberships", "GroupMembership", memberships)


def remove_user_from_account(
    conn: sqlite3.Connection, writer: BatchWriter, user_id: int, root_account_id: int
) -> None:
    """A user's last login in the account was deleted: their enrollments (with their
    cascades), group memberships and admin rights there go (SIS::UserImporter)."""
    writer.flush()
    enrollments = store.live_enrollments_of_user(conn, user_id, root_account_id)
    if enrollments:
        destroy_enrollments(conn, writer, enrollments, per_row_group_rule=True)
    memberships = store.live_memberships_of_user(conn, user_id, root_account_id)
    if memberships:
        _delete(conn, writer, "group_memberships", "GroupMembership", memberships)
    admins = store.live_account_users_of_user(conn, user_id, root_account_id)
    if admins:
        _delete(conn, writer, "account_users", "AccountUser", admins)


def follow_student_enrollments(
    conn: sqlite3.Connection, writer: BatchWriter, changes: list[EnrollmentChange]
) -> None:
    """Bring the observers' enrollments in line with student enrollments a batch created or
    changed (Enrollment's after_create create_linked_enrollments and after_save
    update_linked_enrollments)."""
    if not changes:
        return
    writer.flush()
    by_id = {change.enrollment_id: change for change in changes}
    linked = _linked_rows_if_any(conn, writer, store.json_ids(by_id))
    if linked:
        _follow(conn, writer, linked, by_id)


def link_observer(
    conn: sqlite3.Connection, writer: BatchWriter, root_account_id: int, student_id: int,
    observer_id: int,
) -> None:
    """A new (or restored) observer link: the observer is enrolled beside each of the student's
    active or pending student enrollments (create_linked_enrollments)."""
    writer.flush()
    rows = store.student_enrollments_for_link(conn, root_account_id, student_id, observer_id)
    # create_linked_enrollment_for keeps a linked enrollment that is neither deleted nor inactive.
    wanted = [row for row in rows if row["linked_state"] in (None, "deleted", "inactive")]
    _set_linked(conn, writer, wanted, batch_mode=False)


def unlink_observer(
    conn: sqlite3.Connection, writer: BatchWriter, root_account_id: int, student_id: int,
    observer_id: int,
) -> None:
    """A deleted observer link: the observer's enrollments observing the student are deleted
    (UserObservationLink#remove_linked_enrollments)."""
    writer.flush()
    enrollments = store.live_linked_enrollments(conn, root_account_id, student_id, observer_id)
    if enrollments:
        _delete(conn, writer, "enrollments", "Enrollment", enrollments)


def _linked_rows_if_any(conn: sqlite3.Connection, writer: BatchWriter, ids: str) -> list[sqlite3.Row]:
    # One cheap probe spares the join on the (usual) database without any observer link.
    if not store.has_observer_links(conn):
        return []
    return store.observers_of_student_enrollments(conn, ids)


def _follow(
    conn: sqlite3.Connection, writer: BatchWriter, linked: list[sqlite3.Row],
    changes: dict[int, EnrollmentChange] | None, *, batch_mode: bool = False,
) -> None:
    """Apply update_linked_enrollments to each (student enrollment, observer) row;
    ``changes`` None means restore: true (every linked enrollment follows, missing ones are made)."""
    wanted: list[sqlite3.Row] = []
    for row in linked:
        if changes is None:
            wanted.append(row)
            continue
        change = changes[row["student_enrollment_id"]]
        linked_state = row["linked_state"]
        if change.previous_state is None:
            # after_create: create_linked_enrollment_for, then after_save updates it anyway.
            wanted.append(row)
        elif linked_state is not None and (linked_state != "deleted" or change.previous_state == "deleted"):
            wanted.append(row)  # active_linked_enrollment_for: an explicit deletion stays
        elif change.previous_state in _RESTORABLE_STATES:
            wanted.append(row)  # the student came back: create (or undelete) the observer's
    new_states = None if changes is None else {
        enrollment_id: change.new_state for enrollment_id, change in changes.items()}
    _set_linked(conn, writer, wanted, batch_mode=batch_mode, new_states=new_states)


def _set_linked(
    conn: sqlite3.Connection, writer: BatchWriter, rows: list[sqlite3.Row], *, batch_mode: bool,
    new_states: dict[int, str] | None = None,
) -> None:
    """Make each row's observer enrollment match its student enrollment (Enrollment#update_from):
    state (an invited student's observer is active), course and dates; create it if missing.

    ``new_states`` (student enrollment id -> state) overrides the state the rows were read with,
    for rows read before the students' enrollments changed.
    """
    updates: list[tuple[str, int, str | None, str | None, int | None, str, int]] = []
    records: list[tuple[int, str, int, str | None, str, int]] = []
    for row in rows:
        state = row["workflow_state"]
        if new_states is not None:
            state = new_states.get(row["student_enrollment_id"], state)
        if state == "invited":
            state = "active"
        if row["linked_id"] is None:
            if state == "deleted":
                continue  # nothing to observe
            writer.insert("enrollments", {
                "id": writer.new_id("enrollments"),
                "root_account_id": row["root_account_id"],
                "user_id": row["observer_id"],
                "course_id": row["course_id"],
                "course_section_id": row["course_section_id"],
                "type": "ObserverEnrollment",
                "associated_user_id": row["student_id"],
                "workflow_state": state,
                "start_at": row["start_at"],
                "end_at": row["end_at"],
                # update_from copies sis_batch_id only onto an enrollment that already has one:
                # the observer's is not SIS's, and batch mode never deletes it on its own.
                "sis_batch_id": None,
            })
            continue
        updates.append((state, row["course_id"], row["start_at"], row["end_at"],
                        row["sis_batch_id"], writer.now, row["linked_id"]))
        if row["linked_state"] != state:
            records.append((writer.import_id, "Enrollment", row["linked_id"], row["linked_state"],
                            state, int(batch_mode)))
    if records:
        record_state_changes(conn, records)
    if updates:
        store.update_linked_enrollments(conn, updates)
    writer.flush()


def _delete(
    conn: sqlite3.Connection, writer: BatchWriter, table: str, object_type: str, ids: list[int],
    *, batch_mode: bool = False,
) -> int:
    return store.change_states(
        conn, import_id=writer.import_id, table=table, object_type=object_type,
        ids=store.json_ids(ids), new_state=store.DELETED, now=writer.now,
        batch_mode_delete=batch_mode)
