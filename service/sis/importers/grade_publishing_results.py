"""grade_publishing_results.csv (section 9.18, undocumented): grade publishing status per enrollment."""

from __future__ import annotations

import sqlite3

from ...store.sis_queries import enrollment_exists, set_grade_publishing_result
from ..context import ImportRun, SisRow

STATUSES = ("published", "error")


def import_grade_publishing_results(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Store grade_publishing_status and message on enrollments; returns the rows imported."""
    imported = 0
    for row in rows:
        values = row.values
        enrollment_id = values.get("enrollment_id")
        status = values.get("grade_publishing_status")
        if not enrollment_id:
            run.warn(file, "No enrollment_id given", row)
            continue
        if not status:
            run.warn(file, f"No grade_publishing_status given for enrollment {enrollment_id}", row)
            continue
        if status.lower() not in STATUSES:
            run.warn(file, f'Improper grade_publishing_status "{status}" for enrollment {enrollment_id}', row)
            continue
        if not (enrollment_id.isdigit() and enrollment_exists(conn, int(enrollment_id), run.root_account_id)):
            run.warn(file, f"Enrollment {enrollment_id} doesn't exist", row)
            continue
        # Not an SIS change of the enrollment: its sis_batch_id stays (batch mode looks at it).
        set_grade_publishing_result(conn, int(enrollment_id), status.lower(), values.get("message"), run.now)
        imported += 1
    return imported
