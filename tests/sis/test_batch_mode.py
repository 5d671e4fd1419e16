"""Batch mode through the real server: Canvas's cases of spec/models/sis_batch_spec.rb, ported.

One test per ``it``, named after it. Objects Canvas builds with factories are imported here; the
few properties an import cannot give (an object SIS never touched, a course whose SIS id was
removed) are then set in the database, as the Canvas UI would leave them.
"""

from __future__ import annotations

import sqlite3

from tests.helpers import import_and_wait, make_zip, restore_and_wait

SPEC = "spec/models/sis_batch_spec.rb"

TERMS = "term_id,name,status\nterm1,term1,active\nterm2,term2,active\n"
USERS = "user_id,login_id,status\nu1,u1,active\nu2,u2,active\n"


def state(database: sqlite3.Connection, table: str, sis_id: str) -> str:
    return database.execute(
        f"SELECT workflow_state FROM {table} WHERE sis_source_id = ?", (sis_id,)).fetchone()[0]


def enrollment_state(database: sqlite3.Connection, user_sis_id: str, course_sis_id: str,
                     role: str = "StudentEnrollment") -> str:
    return database.execute(
        "SELECT e.workflow_state FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id"
        " JOIN courses c ON c.id = e.course_id WHERE p.sis_user_id = ? AND c.sis_source_id = ?"
        " AND e.type = ?", (user_sis_id, course_sis_id, role)).fetchone()[0]


def term_id(database: sqlite3.Connection, sis_id: str) -> str:
    return str(database.execute(
        "SELECT id FROM enrollment_terms WHERE sis_source_id = ?", (sis_id,)).fetchone()[0])


async def threshold_setup(client, database: sqlite3.Connection) -> None:
    """change_threshold in batch mode: course test_1 in term1 with u1 and u2 from an old batch."""
    await import_and_wait(client, make_zip({
        "terms.csv": TERMS,
        "courses.csv": "course_id,short_name,long_name,term_id,status\ntest_1,T1,delete me maybe,term1,active\n",
        "users.csv": USERS,
        "enrollments.csv": "course_id,user_id,role,status\ntest_1,u1,student,active\ntest_1,u2,student,active\n",
    }), "old.zip")


async def test_does_not_delete_batch_mode_above_threshold(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: change_threshold in batch mode,
    "does not delete batch mode above threshold"."""
    await threshold_setup(client, database)
    batch = await import_and_wait(client, make_zip({
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\ntest_1,TC 101,Test Course 101,,term1,active\n",
        "enrollments.csv": "course_id,user_id,role,status,section_id\ntest_1,u1,student,active,\n",
    }), "batch.zip", batch_mode="true", batch_mode_term_id="sis_term_id:term1", change_threshold="20")
    assert batch["workflow_state"] == "aborted"
    assert (batch["progress"], batch["ended_at"] is not None) == (100, True)
    assert batch["processing_warnings"] == [
        [None, "1 enrollments would be deleted and exceeds the set threshold of 20%"]]
    assert "batch_enrollments_deleted" not in batch["data"]["counts"]
    assert enrollment_state(database, "u1", "test_1") == "active"
    assert enrollment_state(database, "u2", "test_1") == "active"


async def test_does_not_delete_batch_mode_if_skip_deletes_is_set(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: change_threshold in batch mode,
    "does not delete batch mode if skip_deletes is set". Canvas's batch there has batch mode but
    no term; through the API that is multi_term_batch_mode=false (batch mode on, no term)."""
    await threshold_setup(client, database)
    batch = await import_and_wait(client, make_zip({
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\ntest_1,TC 101,Test Course 101,,term1,active\n",
        "enrollments.csv": "course_id,user_id,role,status,section_id\ntest_1,u1,student,active,\n",
    }), "batch.zip", batch_mode="true", multi_term_batch_mode="false", change_threshold="50",
        skip_deletes="true")
    assert batch["workflow_state"] == "imported"
    assert batch["batch_mode"] is True
    assert enrollment_state(database, "u1", "test_1") == "active"
    assert enrollment_state(database, "u2", "test_1") == "active"


async def test_deletes_batch_mode_below_threshold(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: change_threshold in batch mode,
    "deletes batch mode below threshold"."""
    await threshold_setup(client, database)
    batch = await import_and_wait(client, make_zip({
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\ntest_1,TC 101,Test Course 101,,term1,active\n",
        "enrollments.csv": "course_id,user_id,role,status,section_id\ntest_1,u1,student,active,\n",
    }), "batch.zip", batch_mode="true", batch_mode_term_id="sis_term_id:term1", change_threshold="50")
    assert batch["workflow_state"] == "imported"
    assert enrollment_state(database, "u1", "test_1") == "active"
    assert enrollment_state(database, "u2", "test_1") == "deleted"
    assert "processing_errors" not in batch
    counts = batch["data"]["counts"]
    assert (counts["batch_enrollments_deleted"], counts["batch_courses_deleted"]) == (1, 0)
    assert "batch_sections_deleted" not in counts


async def test_does_not_abort_batch_if_it_is_above_the_threshold(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: change_threshold in batch mode,
    "does not abort batch if it is above the threshold"."""
    await threshold_setup(client, database)
    batch = await import_and_wait(
        client, "course_id,user_id,role,status\ntest_1,u2,student,active\n", "enrollments.csv",
        batch_mode="true", batch_mode_term_id="sis_term_id:term1", change_threshold="51")
    assert batch["workflow_state"] == "imported"
    assert enrollment_state(database, "u1", "test_1") == "deleted"
    assert enrollment_state(database, "u2", "test_1") == "active"
    assert "processing_errors" not in batch


async def multi_term_setup(client, database: sqlite3.Connection) -> None:
    """multi_term_batch_mode: test_1 in term1 (u1, u2) and test_2 in term2, all from an old batch."""
    await threshold_setup(client, database)
    await import_and_wait(
        client, "course_id,short_name,long_name,term_id,status\ntest_2,T2,delete me,term2,active\n",
        "courses.csv")


async def test_uses_multi_term_batch_mode(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: multi_term_batch_mode, "uses multi_term_batch_mode"."""
    await multi_term_setup(client, database)
    batch = await import_and_wait(client, make_zip({
        "terms.csv": TERMS,
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\n",
        "enrollments.csv": "course_id,user_id,role,status\n",
    }), "batch.zip", batch_mode="true", multi_term_batch_mode="true", change_threshold="100")
    assert batch["workflow_state"] == "imported"
    assert enrollment_state(database, "u1", "test_1") == "deleted"
    assert enrollment_state(database, "u2", "test_1") == "deleted"
    assert state(database, "courses", "test_1") == "deleted"
    assert state(database, "courses", "test_2") == "deleted"
    deleted = database.execute(
        "SELECT object_type, previous_state, batch_mode_delete FROM sis_state_changes"
        " WHERE sis_import_id = ? AND new_state = 'deleted' ORDER BY object_type, object_id",
        (batch["id"],)).fetchall()
    assert [tuple(r) for r in deleted] == [
        ("Course", "claimed", 1), ("Course", "claimed", 1),
        ("Enrollment", "active", 1), ("Enrollment", "active", 1)]
    _, restored = await restore_and_wait(client, batch["id"])
    assert restored["workflow_state"] == "restored"
    assert enrollment_state(database, "u1", "test_1") == "active"
    assert enrollment_state(database, "u2", "test_1") == "active"
    assert state(database, "courses", "test_1") == "claimed"
    assert state(database, "courses", "test_2") == "claimed"


async def drop_status_case(client, database: sqlite3.Connection, drop_status: str) -> None:
    await multi_term_setup(client, database)
    await import_and_wait(client, make_zip({
        "users.csv": "user_id,login_id,status\nu3,u3,active\n",
        "enrollments.csv": f"course_id,user_id,role,status\ntest_1,u3,student,{drop_status}\n",
    }), "e3.zip")
    e3_batch = database.execute(
        "SELECT e.sis_batch_id FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id"
        " WHERE p.sis_user_id = 'u3'").fetchone()[0]
    batch = await import_and_wait(client, make_zip({
        "terms.csv": TERMS,
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\ntest_1,TC 101,Test Course 101,,term1,active\n",
        "enrollments.csv": "course_id,user_id,role,status\n",
    }), "batch.zip", batch_mode="true", multi_term_batch_mode="true", change_threshold="100",
        batch_mode_enrollment_drop_status=drop_status)
    assert batch["workflow_state"] == "imported"
    assert enrollment_state(database, "u1", "test_1") == drop_status
    assert enrollment_state(database, "u2", "test_1") == drop_status
    # already in the drop status: out of scope, not even touched
    assert database.execute(
        "SELECT e.sis_batch_id FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id"
        " WHERE p.sis_user_id = 'u3'").fetchone()[0] == e3_batch
    assert state(database, "courses", "test_2") == "deleted"
    assert database.execute(
        "SELECT count(*) FROM sis_state_changes WHERE sis_import_id = ? AND new_state = 'deleted'",
        (batch["id"],)).fetchone()[0] == 1
    assert batch["data"]["counts"]["batch_enrollments_deleted"] == 2
    _, restored = await restore_and_wait(client, batch["id"])
    assert restored["workflow_state"] == "restored"
    assert enrollment_state(database, "u1", "test_1") == "active"
    assert enrollment_state(database, "u2", "test_1") == "active"
    assert state(database, "courses", "test_1") == "claimed"
    assert state(database, "courses", "test_2") == "claimed"


async def test_sets_enrollment_workflow_state_to_completed(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: multi_term_batch_mode, "sets enrollment workflow_state to completed"."""
    await drop_status_case(client, database, "completed")


async def test_sets_enrollment_workflow_state_to_inactive(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: multi_term_batch_mode, "sets enrollment workflow_state to inactive"."""
    await drop_status_case(client, database, "inactive")


async def test_does_not_use_multi_term_batch_mode_if_no_terms_are_passed(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: multi_term_batch_mode,
    "does not use multi_term_batch_mode if no terms are passed"."""
    await multi_term_setup(client, database)
    batch = await import_and_wait(client, make_zip({
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\n",
        "enrollments.csv": "course_id,user_id,role,status\n",
    }), "batch.zip", batch_mode="true", multi_term_batch_mode="true", change_threshold="100")
    assert batch["workflow_state"] == "aborted"
    assert batch["processing_warnings"] == [
        [None, "Terms not found. Terms must be included with multi_term_batch_mode"]]
    assert enrollment_state(database, "u1", "test_1") == "active"
    assert enrollment_state(database, "u2", "test_1") == "active"
    assert state(database, "courses", "test_1") == "claimed"
    assert state(database, "courses", "test_2") == "claimed"


async def test_removes_only_from_the_specific_term_if_it_is_given(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: batch mode, "removes only from the specific term if it is given"."""
    await import_and_wait(client, make_zip({
        "terms.csv": TERMS,
        "accounts.csv": "account_id,parent_account_id,name,status\nsub1,,sub1,active\n",
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\n"
                       "my_first_course,c1,delete me,sub1,term1,published\n"
                       "my_course,c2,don't delete me,,term1,published\n"
                       "my_third_course,c3,delete me if terms,,term2,published\n"
                       "c5,c5,don't delete me cause sis was removed,,term1,published\n"
                       "another_course,not-delete,not deleted not changed,,term1,active\n",
        "sections.csv": "section_id,course_id,name,status\ns1,my_first_course,delete me,active\n"
                        "my_section,my_course,don't delete me,active\ns3,my_third_course,delete me if terms,active\n"
                        "s4,my_course,delete me,active\nsn,my_course,\"don't delete me, I've lost my sis\",active\n",
        "users.csv": "user_id,login_id,status\nx1,x1,active\nx2,x2,active\nx3,x3,active\nx4,x4,active\nmy_user,my_user,active\n",
        "enrollments.csv": "course_id,section_id,user_id,role,status\nmy_first_course,,x1,student,active\n"
                           "my_course,,x2,student,active\nmy_third_course,,x3,student,active\n"
                           "my_course,,x4,student,active\nmy_course,my_section,my_user,student,active\n",
    }), "setup.zip")
    # What Canvas's factories give and an import cannot: objects SIS never touched, lost SIS ids.
    database.execute("UPDATE courses SET sis_batch_id = NULL WHERE sis_source_id = 'my_course'")
    database.execute("UPDATE courses SET sis_source_id = NULL WHERE sis_source_id = 'c5'")
    database.execute("UPDATE course_sections SET sis_batch_id = NULL WHERE sis_source_id = 'my_section'")
    database.execute("UPDATE course_sections SET sis_source_id = NULL WHERE sis_source_id = 'sn'")
    x2 = database.execute("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'x2'").fetchone()[0]
    database.execute("UPDATE enrollments SET sis_batch_id = NULL WHERE user_id = ?", (x2,))
    database.commit()

    batch = await import_and_wait(client, make_zip({
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\n"
                       "test_1,TC 101,Test Course 101,,term1,active\nanother_course,not-delete,not deleted not changed,,term1,active\n",
        "enrollments.csv": "course_id,user_id,role,status,section_id\ntest_1,user_1,student,active,s2\n"
                           "my_course,user_2,student,active,\nmy_course,my_user,student,active,my_section\n",
        "sections.csv": "section_id,course_id,name,status\ns2,test_1,section2,active\n",
    }), "batch.zip", batch_mode="true", batch_mode_term_id=term_id(database, "term1"))
    assert "stack_trace" not in batch["data"]
    assert state(database, "courses", "my_first_course") == "deleted"
    assert database.execute(
        "SELECT stuck_sis_fields FROM courses WHERE sis_source_id = 'my_first_course'").fetchone()[0] == ""
    assert state(database, "courses", "my_course") == "available"
    assert state(database, "courses", "my_third_course") == "available"
    assert state(database, "courses", "another_course") == "claimed"
    assert database.execute("SELECT workflow_state FROM courses WHERE name LIKE '%sis was removed'").fetchone()[0] == "available"
    assert state(database, "courses", "test_1") == "claimed"
    assert database.execute("SELECT sis_batch_id FROM courses WHERE sis_source_id = 'test_1'").fetchone()[0] == batch["id"]
    assert state(database, "course_sections", "s1") == "deleted"
    assert state(database, "course_sections", "my_section") == "active"
    assert state(database, "course_sections", "s3") == "active"
    assert state(database, "course_sections", "s4") == "deleted"
    assert database.execute("SELECT workflow_state FROM course_sections WHERE name LIKE '%lost my sis'").fetchone()[0] == "active"
    assert state(database, "course_sections", "s2") == "active"
    assert enrollment_state(database, "x1", "my_first_course") == "deleted"
    assert enrollment_state(database, "x2", "my_course") == "active"
    assert enrollment_state(database, "x3", "my_third_course") == "active"
    assert enrollment_state(database, "x4", "my_course") == "deleted"
    assert enrollment_state(database, "my_user", "my_course") == "active"


async def test_has_correct_counts_for_batch_mode(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: batch mode, "has correct counts for batch_mode"."""
    await import_and_wait(client, make_zip({
        "terms.csv": "term_id,name,status\nterm_1,term_1,active\n",
        "users.csv": "user_id,login_id,status\nuser_1,user_1,active\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\ncourse_1,course_1,course_1,term_1,active\n",
        "sections.csv": "section_id,course_id,name,status\nsection_1,course_1,section_1,active\n",
        "enrollments.csv": "section_id,user_id,role,status\nsection_1,user_1,student,active\n",
    }), "setup.zip")
    batch = await import_and_wait(client, make_zip({
        "users.csv": "user_id,login_id,status\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\n",
        "sections.csv": "section_id,course_id,name,status\n",
        "enrollments.csv": "section_id,user_id,role,status\n",
    }), "batch.zip", batch_mode="true", batch_mode_term_id="sis_term_id:term_1")
    counts = batch["data"]["counts"]
    assert (counts["batch_enrollments_deleted"], counts["batch_sections_deleted"],
            counts["batch_courses_deleted"]) == (1, 1, 1)
    assert list(counts)[-5:] == ["batch_enrollments_deleted", "batch_sections_deleted",
                                 "batch_courses_deleted", "error_count", "warning_count"]
    assert batch["data"]["statistics"]["Course"]["deleted"] == 1
    assert batch["data"]["statistics"]["CourseSection"]["deleted"] == 1
    assert batch["data"]["statistics"]["Enrollment"]["deleted"] == 1


async def test_only_does_batch_mode_removals_for_supplied_data_types(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: batch mode, "only does batch mode removals for supplied data types"."""
    await import_and_wait(client, make_zip({
        "terms.csv": "term_id,name,status\nterm_1,term_1,active\n",
        "users.csv": "user_id,login_id,status\nuser_1,user_1,active\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\ncourse_1,course_1,course_1,term_1,active\n",
        "sections.csv": "section_id,course_id,name,status\nsection_1,course_1,section_1,active\n",
        "enrollments.csv": "section_id,user_id,role,status\nsection_1,user_1,student,active\n",
    }), "setup.zip")
    params = {"batch_mode": "true", "batch_mode_term_id": "sis_term_id:term_1"}
    b = await import_and_wait(client, "section_id,user_id,role,status\nsection_1,user_1,teacher,active\n",
                              "enrollments.csv", **params)
    assert b["data"]["counts"]["batch_enrollments_deleted"] == 1
    assert database.execute("SELECT workflow_state FROM users").fetchone()[0] == "registered"
    assert state(database, "course_sections", "section_1") == "active"
    assert state(database, "courses", "course_1") == "claimed"
    assert enrollment_state(database, "user_1", "course_1") == "deleted"
    assert enrollment_state(database, "user_1", "course_1", "TeacherEnrollment") == "active"

    b = await import_and_wait(client, "section_id,course_id,name\n", "sections.csv", **params)
    assert state(database, "course_sections", "section_1") == "deleted"
    assert {row[0] for row in database.execute(
        "SELECT e.workflow_state FROM enrollments e JOIN course_sections s ON s.id = e.course_section_id"
        " WHERE s.sis_source_id = 'section_1'")} == {"deleted"}
    assert state(database, "courses", "course_1") == "claimed"
    assert b["data"]["counts"]["batch_sections_deleted"] == 1

    b = await import_and_wait(client, "course_id,short_name,long_name,term_id\n", "courses.csv", **params)
    assert b["data"]["counts"]["batch_courses_deleted"] == 1
    assert state(database, "courses", "course_1") == "deleted"


async def test_skips_deletes_if_skip_deletes_is_set(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: batch mode, "skips deletes if skip_deletes is set" (batch mode
    without a term: multi_term_batch_mode=false through the API)."""
    await import_and_wait(client, make_zip({
        "users.csv": "user_id,login_id,status\nuser_1,user_1,active\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\ncourse_1,course_1,course_1,term_1,active\n",
        "sections.csv": "section_id,course_id,name,status\nsection_1,course_1,section_1,active\n",
        "enrollments.csv": "section_id,user_id,role,status\nsection_1,user_1,student,active\n",
    }), "setup.zip")
    batch = await import_and_wait(client, make_zip({
        "users.csv": "user_id,login_id,status\nuser_1,user_1,deleted\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\ncourse_1,course_1,course_1,term_1,deleted\n",
        "sections.csv": "section_id,course_id,name,status\nsection_1,course_1,section_1,deleted\n",
        "enrollments.csv": "section_id,user_id,role,status\nsection_1,user_1,student,deleted\n",
    }), "batch.zip", batch_mode="true", multi_term_batch_mode="false", change_threshold="10",
        skip_deletes="true")
    assert batch["workflow_state"] == "imported"
    assert database.execute("SELECT workflow_state FROM pseudonyms WHERE sis_user_id = 'user_1'").fetchone()[0] == "active"
    assert state(database, "courses", "course_1") == "claimed"
    assert state(database, "course_sections", "section_1") == "active"
    assert enrollment_state(database, "user_1", "course_1") == "active"


async def test_treats_crosslisted_sections_as_belonging_to_their_original_course(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: batch mode, "treats crosslisted sections as belonging to their
    original course"."""
    await import_and_wait(client, make_zip({
        "terms.csv": "term_id,name,status\nterm1,term1,active\nterm2,term2,active\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\nc1,c1,c1,term1,active\nc2,c2,c2,term2,active\n",
        "sections.csv": "section_id,course_id,name,status\ns1,c1,s1,active\ns2,c2,s2,active\n",
        "xlists.csv": "xlist_course_id,section_id,status\nc1,s2,active\n",
    }), "setup.zip")
    batch = await import_and_wait(client, "section_id,course_id,name,status}\n", "sections.csv",
                                  batch_mode="true", batch_mode_term_id="sis_term_id:term1")
    assert batch["workflow_state"] == "imported"
    assert state(database, "course_sections", "s1") == "deleted"
    assert state(database, "course_sections", "s2") == "active"


async def test_does_not_do_batch_mode_removals_if_not_in_batch_mode(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: batch mode, "does not do batch mode removals if not in batch mode"."""
    await import_and_wait(client, "course_id,short_name,long_name,status\nc1,c1,delete me,published\n", "courses.csv")
    await import_and_wait(client, "course_id,short_name,long_name,account_id,term_id,status\ntest_1,TC 101,Test Course 101,,,active\n",
                          "courses.csv", batch_mode="false")
    assert state(database, "courses", "c1") == "available"


async def test_refuses_to_do_anything_if_the_batch_is_already_failed(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: remove_previous_imports, "refuses to do anything if the batch
    is already failed": an import that failed cleans nothing up."""
    await import_and_wait(client, make_zip({
        "terms.csv": "term_id,name,status\nterm1,term1,active\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\nc1,c1,c1,term1,active\n",
    }), "setup.zip")
    batch = await import_and_wait(client, make_zip({
        "courses.csv": "course_id,short_name,long_name,term_id,status\n",
        "broken.csv": b"course_id,short_name\n\xff\xfe,x\n",
    }), "batch.zip", batch_mode="true", batch_mode_term_id="sis_term_id:term1")
    assert batch["workflow_state"] == "failed_with_messages"
    assert state(database, "courses", "c1") == "claimed"
    assert "batch_courses_deleted" not in batch["data"]["counts"]


async def test_does_not_do_batch_mode_when_there_is_not_batch_data_types(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: batch mode, "does not do batch mode when there is not batch data
    types": without courses, sections or enrollments in the import nothing is cleaned up."""
    await import_and_wait(client, make_zip({
        "terms.csv": "term_id,name,status\nterm_1,term_1,active\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\nc1,c1,c1,term_1,active\n",
    }), "setup.zip")
    batch = await import_and_wait(client, "user_id,login_id,status\nuser_1,user_1,active\n", "users.csv",
                                  batch_mode="true", batch_mode_term_id="sis_term_id:term_1")
    assert batch["workflow_state"] == "imported"
    assert not any(key.startswith("batch_") for key in batch["data"]["counts"])
    assert state(database, "courses", "c1") == "claimed"


async def test_skip_deletes_skips_deleted_rows_but_not_the_cleanup(client, database: sqlite3.Connection) -> None:
    """Section 7.2: skip_deletes skips rows that delete; batch-mode cleanup still removes what the
    import left out."""
    await threshold_setup(client, database)
    batch = await import_and_wait(
        client, "course_id,user_id,role,status\ntest_1,u1,student,deleted\n", "enrollments.csv",
        batch_mode="true", batch_mode_term_id="sis_term_id:term1", skip_deletes="true")
    assert batch["workflow_state"] == "imported"
    assert batch["data"]["counts"]["enrollments"] == 0
    # u1's row was skipped, so this import touched nothing: both enrollments are cleaned up
    assert enrollment_state(database, "u1", "test_1") == "deleted"
    assert enrollment_state(database, "u2", "test_1") == "deleted"
    assert batch["data"]["counts"]["batch_enrollments_deleted"] == 2
