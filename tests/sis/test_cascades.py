"""Canvas's deletion cascades and observer enrollments, importer by importer (service.sis.cascades).

Each import here is its own batch (import_id), so the roll-back records of each step can be
checked, and restoring a batch's records puts back everything it cascaded.
"""

from __future__ import annotations

import sqlite3

from service.clock import utc_now
from service.store import sis_restore
from tests.sis.helpers import Sis

GROUPS = "group_id,course_id,name,status\ng1,c1,Group 1,available\ng2,c2,Group 2,available\n"
MEMBERSHIPS = "group_id,user_id,status\ng1,u1,accepted\ng1,u2,accepted\ng2,u1,accepted\n"
ENROLLMENTS = (
    "course_id,section_id,user_id,role,status\n"
    "c1,s1,u1,student,active\nc1,s1,u2,student,active\nc2,s2,u1,student,active\n"
)


def states(sis: Sis, sql: str) -> dict[str, str]:
    return {row[0]: row[1] for row in sis.all(sql)}


def memberships(sis: Sis) -> dict[str, str]:
    return states(sis, "SELECT g.sis_source_id || ':' || p.sis_user_id, m.workflow_state"
                       " FROM group_memberships m JOIN groups g ON g.id = m.group_id"
                       " JOIN pseudonyms p ON p.user_id = m.user_id")


def enrollments(sis: Sis) -> dict[str, str]:
    return states(sis, "SELECT c.sis_source_id || ':' || p.sis_user_id || ':' || e.type, e.workflow_state"
                       " FROM enrollments e JOIN courses c ON c.id = e.course_id"
                       " JOIN pseudonyms p ON p.user_id = e.user_id")


def restore(sis: Sis, import_id: int) -> None:
    """Apply an import's roll-back records the way restore_states does."""
    scope = sis_restore.RestoreScope()
    for object_type in sis_restore.RESTORE_ORDER:
        records = sis_restore.records_page(sis.conn, import_id, object_type, scope, 0, 100_000)
        assert sis_restore.restore_states(sis.conn, records, utc_now()) == []


def groups_setup(people: Sis) -> Sis:
    assert people.load("enrollment", ENROLLMENTS, import_id=100).count == 3
    assert people.load("group", GROUPS, import_id=100).count == 2
    assert people.load("group_membership", MEMBERSHIPS, import_id=100).count == 3
    return people


def test_a_deleted_group_deletes_its_memberships_and_restore_brings_them_back(people: Sis) -> None:
    sis = groups_setup(people)
    sis.load("group", "group_id,course_id,name,status\ng1,c1,Group 1,deleted\n", import_id=2)
    assert memberships(sis) == {"g1:u1": "deleted", "g1:u2": "deleted", "g2:u1": "accepted"}
    assert sis.changed(2) == {"Group": {"deleted": 1}, "GroupMembership": {"deleted": 2}}
    restore(sis, 2)
    assert memberships(sis) == {"g1:u1": "accepted", "g1:u2": "accepted", "g2:u1": "accepted"}


def test_a_deleted_enrollment_takes_the_users_memberships_in_that_course_only(people: Sis) -> None:
    sis = groups_setup(people)
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u1,student,deleted\n", import_id=2)
    assert memberships(sis) == {"g1:u1": "deleted", "g1:u2": "accepted", "g2:u1": "accepted"}
    assert sis.changed(2) == {"Enrollment": {"deleted": 1}, "GroupMembership": {"deleted": 1}}
    restore(sis, 2)
    assert memberships(sis)["g1:u1"] == "accepted"


def test_memberships_stay_while_the_user_is_still_a_student_in_the_course(people: Sis) -> None:
    sis = groups_setup(people)
    sis.load("section", "section_id,course_id,name,status\ns1b,c1,Section 1b,active\n", import_id=2)
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1b,u1,student,active\n", import_id=2)
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u1,student,deleted\n", import_id=3)
    assert memberships(sis)["g1:u1"] == "accepted"


def test_a_deleted_section_deletes_its_enrollments_and_their_memberships(people: Sis) -> None:
    sis = groups_setup(people)
    sis.load("section", "section_id,course_id,name,status\ns1,c1,Section 1,deleted\n", import_id=2)
    assert enrollments(sis) == {
        "c1:u1:StudentEnrollment": "deleted", "c1:u2:StudentEnrollment": "deleted",
        "c2:u1:StudentEnrollment": "active"}
    assert memberships(sis) == {"g1:u1": "deleted", "g1:u2": "deleted", "g2:u1": "accepted"}
    assert sis.changed(2) == {
        "CourseSection": {"deleted": 1}, "Enrollment": {"deleted": 2}, "GroupMembership": {"deleted": 2}}
    restore(sis, 2)
    assert set(enrollments(sis).values()) == {"active"}
    assert set(memberships(sis).values()) == {"accepted"}


def test_a_users_last_login_deleted_takes_enrollments_memberships_and_admin_rights(people: Sis) -> None:
    sis = groups_setup(people)
    sis.load("admin", "user_id,account_id,role,status\nu1,,AccountAdmin,active\n", import_id=100)
    sis.load("user", "user_id,login_id,status\nu1,alice,deleted\n", import_id=2)
    assert enrollments(sis)["c1:u1:StudentEnrollment"] == "deleted"
    assert enrollments(sis)["c2:u1:StudentEnrollment"] == "deleted"
    assert memberships(sis) == {"g1:u1": "deleted", "g1:u2": "accepted", "g2:u1": "deleted"}
    assert sis.value("SELECT workflow_state FROM account_users") == "deleted"
    assert sis.changed(2) == {
        "Pseudonym": {"deleted": 1}, "Enrollment": {"deleted": 2}, "GroupMembership": {"deleted": 2},
        "AccountUser": {"deleted": 1}}


def test_a_term_with_active_courses_is_not_deleted(sis: Sis) -> None:
    sis.load("term", "term_id,name,status\nT001,Winter11,active\n", import_id=1)
    sis.load("course", "course_id,short_name,long_name,term_id,status\nc1,C1,One,T001,active\n", import_id=1)
    result = sis.load("term", "term_id,name,status\nT001,Winter11,deleted\n", import_id=2)
    assert result.count == 0
    assert result.warnings == [
        "A term did not pass validation (term: T001 / Winter11, error: Workflow state Cannot delete"
        " a term with active courses)"]
    assert sis.value("SELECT workflow_state FROM enrollment_terms WHERE sis_source_id = 'T001'") == "active"
    sis.load("course", "course_id,short_name,long_name,term_id,status\nc1,C1,One,T001,deleted\n", import_id=3)
    assert sis.load("term", "term_id,name,status\nT001,Winter11,deleted\n", import_id=4).warnings == []
    assert sis.value("SELECT workflow_state FROM enrollment_terms WHERE sis_source_id = 'T001'") == "deleted"


OBSERVER = "observer_id,student_id,status\nu3,u1,active\n"


def observer_enrollments(sis: Sis) -> list[tuple]:
    return [tuple(row) for row in sis.all(
        "SELECT c.sis_source_id, s.sis_source_id, e.workflow_state, e.associated_user_id = st.user_id,"
        " e.sis_batch_id FROM enrollments e JOIN courses c ON c.id = e.course_id"
        " JOIN course_sections s ON s.id = e.course_section_id"
        " JOIN pseudonyms o ON o.user_id = e.user_id AND o.sis_user_id = 'u3'"
        " JOIN pseudonyms st ON st.sis_user_id = 'u1'"
        " WHERE e.type = 'ObserverEnrollment' ORDER BY c.sis_source_id")]


def test_an_observer_link_enrolls_the_observer_beside_each_student_enrollment(people: Sis) -> None:
    sis = people
    sis.load("enrollment", ENROLLMENTS.replace("c2,s2,u1,student,active", "c2,s2,u1,student,completed"), import_id=1)
    sis.load("user_observer", OBSERVER, import_id=2)
    # completed is not "active or pending": no observer enrollment in c2
    assert observer_enrollments(sis) == [("c1", "s1", "active", 1, None)]
    assert sis.changed(2) == {"UserObserver": {"created": 1}, "Enrollment": {"created": 1}}
    sis.load("user_observer", "observer_id,student_id,status\nu3,u1,deleted\n", import_id=3)
    assert observer_enrollments(sis) == [("c1", "s1", "deleted", 1, None)]
    restore(sis, 3)
    assert observer_enrollments(sis) == [("c1", "s1", "active", 1, None)]


def test_observer_enrollments_follow_the_students_created_deleted_and_restored(people: Sis) -> None:
    sis = people
    sis.load("user_observer", OBSERVER, import_id=1)
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u1,student,active\n", import_id=2)
    assert observer_enrollments(sis) == [("c1", "s1", "active", 1, None)]
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u1,student,deleted\n", import_id=3)
    assert observer_enrollments(sis) == [("c1", "s1", "deleted", 1, None)]
    assert sis.changed(3) == {"Enrollment": {"deleted": 2}}
    restore(sis, 3)
    assert observer_enrollments(sis) == [("c1", "s1", "active", 1, None)]
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u1,student,deleted\n", import_id=4)
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u1,student,active\n", import_id=5)
    assert observer_enrollments(sis) == [("c1", "s1", "active", 1, None)]


def test_an_observer_enrollment_deleted_on_its_own_stays_deleted(people: Sis) -> None:
    sis = people
    sis.load("user_observer", OBSERVER, import_id=1)
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u1,student,active\n", import_id=2)
    sis.load("enrollment", "course_id,section_id,user_id,role,status,associated_user_id\n"
                           "c1,s1,u3,observer,deleted,u1\n", import_id=3)
    sis.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u1,student,completed\n", import_id=4)
    # active_linked_enrollment_for: an explicitly deleted observer enrollment is not undeleted
    assert observer_enrollments(sis) == [("c1", "s1", "deleted", 1, 3)]
