"""user_observers.csv (section 9.15): observer links between users.

As Canvas's UserObservationLink, an active link enrolls the observer beside each of the
student's active or pending student enrollments, and a deleted one deletes those observer
enrollments (``service.sis.cascades``).
"""

from __future__ import annotations

import sqlite3

from ...store.sis_batch import BatchWriter, as_dicts, fetch_by_pairs
from .. import cascades
from ..context import ImportRun, SisRow
from .common import SisIdCache, column_values, match_status_exact, skipped_as_delete

STATUSES = ("active", "deleted")


def import_user_observers(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create or delete observer links; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    root = run.root_account_id
    # Canvas looks the users up by their live logins (pseudonyms.active).
    logins = SisIdCache(conn, "pseudonyms", "sis_user_id", {"account_id": root}, "workflow_state <> 'deleted'")
    logins.load(column_values(rows, "observer_id", "student_id"))
    resolved: list[tuple[SisRow, int, int, str]] = []
    for row in rows:
        values = row.values
        observer_sis_id = values.get("observer_id")
        student_sis_id = values.get("student_id")
        status_text = values.get("status")
        if not observer_sis_id:
            run.warn(file, "No observer_id given for a user observer", row)
            continue
        if not student_sis_id:
            run.warn(file, "No user_id given for a user observer", row)
            continue
        if observer_sis_id == student_sis_id:
            run.warn(file, f"Can't observe yourself user {observer_sis_id}", row)
            continue
        # user_observers want the status exactly (ignoring case), not as a prefix (section 9.1).
        status = match_status_exact(status_text, STATUSES)
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for a user_observer', row)
            continue
        if skipped_as_delete(run, status):
            continue
        observer = logins.get(observer_sis_id)
        if observer is None:
            run.warn(file, f"An observer referenced a non-existent user {observer_sis_id}", row)
            continue
        student = logins.get(student_sis_id)
        if student is None:
            run.warn(file, f"A student referenced a non-existent user {student_sis_id}", row)
            continue
        if student["user_id"] == observer["user_id"]:  # two logins of one user
            run.warn(file, f"Can't observe yourself user {student_sis_id}", row)
            continue
        resolved.append((row, student["user_id"], observer["user_id"], status))
    pairs = [(student_id, observer_id) for _, student_id, observer_id, _ in resolved]
    existing = {
        (link["user_id"], link["observer_id"]): link
        for link in as_dicts(fetch_by_pairs(conn, "user_observers", "user_id", "observer_id", pairs))
        if link["root_account_id"] == root
    }
    imported = 0
    applied: list[tuple[int, int, str]] = []
    for row, student_id, observer_id, status in resolved:
        link = existing.get((student_id, observer_id))
        # Canvas deletes only an active link (observer.user_observees.active); a re-run of this
        # import finds its first attempt's deletion and repeats it.
        if status == "deleted" and (link is None or (link["workflow_state"] != "active"
                                                      and link.get("sis_batch_id") != run.import_id)):
            run.warn(
                file,
                f"Can't delete a non-existent observer for observer: {row.values['observer_id']},"
                f" student: {row.values['student_id']}",
                row,
            )
            continue
        if link is None:
            existing[(student_id, observer_id)] = writer.insert(
                "user_observers",
                {
                    "id": writer.new_id("user_observers"),
                    "root_account_id": root,
                    "user_id": student_id,
                    "observer_id": observer_id,
                    "workflow_state": "active",
                },
            )
        else:
            writer.update("user_observers", link, {"workflow_state": status})
        applied.append((student_id, observer_id, status))
        imported += 1
    writer.flush()
    for student_id, observer_id, status in applied:  # in row order: the last row wins
        # create_or_restore enrolls the observer on every active row, not only on new links.
        if status == "active":
            cascades.link_observer(conn, writer, root, student_id, observer_id)
        else:
            cascades.unlink_observer(conn, writer, root, student_id, observer_id)
    return imported
