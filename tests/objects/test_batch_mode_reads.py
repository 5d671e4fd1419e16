"""A batch-mode sync read back through canvasapi 3.6.0: what it removed is hidden from the
default lists and shows as ``deleted`` only when a ``state[]`` asks for it, as in Canvas."""

from __future__ import annotations

import io

from canvasapi import Canvas

from tests.helpers import make_zip, wait_for_canvasapi_import

# The term T1 sync sends C1's students U1 and U2 only: the other enrollments of T1's courses
# (C1's teacher and TA, U3's and U4's) are removed; T2's course C3 is not touched.
SYNC = "course_id,user_id,role,section_id,status\nC1,U1,student,S1A,active\nC1,U2,student,S1A,active\n"


def test_a_batch_mode_deletion_shows_only_when_asked_for(canvas: Canvas):
    account = canvas.get_account(1)
    created = account.create_sis_import(io.BytesIO(make_zip({"enrollments.csv": SYNC})), extension="zip",
                                        batch_mode=True, batch_mode_term_id="sis_term_id:T1")
    done = wait_for_canvasapi_import(account, created)
    assert done.workflow_state == "imported", vars(done)
    assert done.data["counts"]["batch_enrollments_deleted"] > 0

    course = canvas.get_course("C1", use_sis_id=True)
    # U7's observer enrollments follow the students it observes, which the sync kept.
    assert {(e.type, e.user["sis_user_id"]) for e in course.get_enrollments(per_page=1)} == {
        ("StudentEnrollment", "U1"), ("StudentEnrollment", "U2"), ("ObserverEnrollment", "U7")}
    removed = list(course.get_enrollments(state=["deleted"], type=["TeacherEnrollment"]))
    assert [(e.user["sis_user_id"], e.enrollment_state, e.sis_import_id) for e in removed] == [
        ("U6", "deleted", done.id)]
    donald = canvas.get_user("U6", "sis_user_id")
    assert list(donald.get_enrollments()) == []
    assert sorted(e.type for e in donald.get_enrollments(state=["deleted"])) == ["TaEnrollment", "TeacherEnrollment"]
    # T2's course keeps its roster (U1, U7 observing U1, and U2 teaching).
    physics = canvas.get_course("C3", use_sis_id=True)
    assert sorted((e.type, e.enrollment_state) for e in physics.get_enrollments()) == [
        ("ObserverEnrollment", "active"), ("StudentEnrollment", "active"), ("TeacherEnrollment", "active")]
    assert [u.sis_user_id for u in course.get_users(enrollment_type=["teacher"])] == []
