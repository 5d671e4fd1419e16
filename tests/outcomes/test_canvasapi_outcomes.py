"""canvasapi 3.6.0, unmodified, importing outcomes through a real TCP server."""

from __future__ import annotations

import asyncio
import io
import time

from canvasapi import Canvas
from canvasapi.outcome_import import OutcomeImport

from service.states import OUTCOME_TERMINAL
from tests.helpers import WAIT_TIMEOUT_S, COURSES_CSV, import_and_wait
from tests.outcomes.support import HEADERS, csv_text, group, row

OUTCOMES_CSV = csv_text([HEADERS, group(vendor_guid="g"), row(vendor_guid="o", parent_guids="g")])


def _wait(context, outcome_import: OutcomeImport) -> OutcomeImport:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while outcome_import.workflow_state not in OUTCOME_TERMINAL:
        assert time.monotonic() < deadline, outcome_import
        time.sleep(0.05)
        outcome_import = context.get_outcome_import_status(outcome_import)
    return outcome_import


def _account_import(canvas: Canvas, path: str) -> tuple[OutcomeImport, OutcomeImport, OutcomeImport]:
    account = canvas.get_account(1)
    created = account.import_outcome(path, import_type="instructure_csv")
    done = _wait(account, created)
    return created, done, account.get_outcome_import_status("latest")


async def test_account_import_outcome_and_status(canvas: Canvas, tmp_path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text(OUTCOMES_CSV)
    created, done, latest = await asyncio.to_thread(_account_import, canvas, str(path))
    assert (created.workflow_state, created.progress, created.account_id) == ("created", 0, 1)
    assert created.data == {"import_type": "instructure_csv"} and created.processing_errors == []
    assert (done.workflow_state, done.progress, done.processing_errors) == ("succeeded", 100, [])
    assert done.ended_at is not None and str(done) == f"succeeded ({done.id})"
    assert (latest.id, latest.account_id) == (done.id, 1)


def _course_import(canvas: Canvas, course_id: int, group_id: int | None) -> OutcomeImport:
    course = canvas.get_course(course_id)
    kwargs = {"learning_outcome_group_id": group_id} if group_id else {}
    created = course.import_outcome(io.BytesIO(OUTCOMES_CSV.encode()), **kwargs)
    assert created.course_id == course_id
    _wait(course, created)
    return course.get_outcome_import_status("latest")


async def test_course_import_outcome_with_a_target_group(canvas: Canvas, client, database) -> None:
    await import_and_wait(client, COURSES_CSV, "courses.csv")
    course_id = database.execute("SELECT id FROM courses").fetchone()[0]
    first = await asyncio.to_thread(_course_import, canvas, course_id, None)
    assert (first.workflow_state, first.course_id) == ("succeeded", course_id)

    database.execute("INSERT INTO learning_outcome_groups (context_type, context_id,"
                     " root_account_id, title, created_at, updated_at)"
                     " VALUES ('Course', ?, 1, 'Target', 'x', 'x')", (course_id,))
    database.commit()
    target = database.execute("SELECT max(id) FROM learning_outcome_groups").fetchone()[0]
    # canvasapi sends learning_outcome_group_id as a form field.
    second = await asyncio.to_thread(_course_import, canvas, course_id, target)
    assert second.workflow_state == "succeeded"
    parent = database.execute("SELECT parent_group_id FROM learning_outcome_groups"
                              " WHERE vendor_guid = 'g' AND outcome_import_id = ?",
                              (second.id,)).fetchone()[0]
    assert parent == target
