"""enrollments.csv and grade_publishing_results.csv (sections 9.8, 9.18)."""

from __future__ import annotations

from tests.sis.helpers import COURSES, SECTIONS, USERS, Sis, fresh_database


def enrollments(sis: Sis) -> list[tuple]:
    return [
        tuple(r)
        for r in sis.all(
            "SELECT p.sis_user_id, c.sis_source_id, s.sis_source_id, e.type, e.workflow_state"
            " FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id"
            " JOIN courses c ON c.id = e.course_id JOIN course_sections s ON s.id = e.course_section_id ORDER BY e.id"
        )
    ]


def test_roles_and_statuses(people: Sis) -> None:
    result = people.load("enrollment", """
course_id,section_id,user_id,role,status,start_date,end_date
,s1,u1,Student,active,2024-01-01,2024-06-01
,s1,u2,teacher,inactive,,
,s1,u3,TA,completed,,
,s2,u1,designer,Active,,
,s2,u2,studentish,deleted,,
,s2,u3,TaEnrollment,active,,
""")
    assert (result.count, result.warnings) == (6, [])
    assert enrollments(people) == [
        ("u1", "c1", "s1", "StudentEnrollment", "active"),
        ("u2", "c1", "s1", "TeacherEnrollment", "inactive"),
        ("u3", "c1", "s1", "TaEnrollment", "completed"),
        ("u1", "c2", "s2", "DesignerEnrollment", "active"),
        ("u2", "c2", "s2", "StudentEnrollment", "deleted"),
        ("u3", "c2", "s2", "TaEnrollment", "active"),
    ]
    first = people.one("SELECT * FROM enrollments ORDER BY id LIMIT 1")
    assert (first["start_at"], first["end_at"], first["sis_batch_id"]) == ("2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", 1)
    assert people.changed() == {
        "Enrollment": {"created": 6, "concluded": 1, "deactivated": 1, "deleted": 1},
    }


def test_enrollment_warnings(people: Sis) -> None:
    people.load("course", "course_id,short_name,long_name,status\nc3,C3,Three,active\n")
    result = people.load("enrollment", """
course_id,section_id,user_id,role,status,associated_user_id,start_date
,,u1,student,active,,
c1,,,student,active,,
c1,,u1,student,paused,,
c1,,ghost,student,active,,
nope,nada,u1,student,active,,
c1,nada,u1,student,active,,
nope,s1,u1,student,active,,
c3,s1,u1,student,active,,
c1,,u1,principal,active,,
c1,,u1,,active,,
c1,,u1,observer,active,ghost,
c1,,u1,student,active,,yesterday-ish
""", import_id=2)
    # Canvas's order: what it finds reading the rows, then what it finds processing them.
    assert result.rows == [
        (2, "No course_id or section_id given for an enrollment"),
        (3, "No user_id given for an enrollment"),
        (4, 'Improper status "paused" for an enrollment'),
        (13, "Bad date format for user u1 in course c1"),
        (5, "User not found for enrollment (User ID: ghost, Course ID: c1, Section ID: )"),
        (6, "Neither course nor section existed for user enrollment (Course ID: nope, Section ID: nada, User ID: u1)"),
        (7, "An enrollment referenced a non-existent section nada"),
        (8, "An enrollment referenced a non-existent course nope"),
        (9, "An enrollment listed a section (s1) and a course (c3) that are unrelated for user (u1)"),
        (10, 'Improper role "principal" for an enrollment'),
        (11, 'Improper role "" for an enrollment'),
        (12, "An enrollment referenced a non-existent associated user ghost"),
    ]
    assert result.count == 1  # the bad date only empties the date


def test_messages_come_in_canvas_blocks_of_a_hundred_rows_across_batches(people: Sis) -> None:
    valid = "c1,,u1,student,active"
    lines = ["course_id,section_id,user_id,role,status",
             "c1,,u1,principal,active",  # line 2: found when its block is processed
             *[valid] * 48,  # lines 3-50
             ",,u1,student,active",  # line 51: found as it is read, in the first block's time
             *[valid] * 51,  # lines 52-102: the 100th accepted row ends the first block
             "c1,,u1,student,paused",  # line 103: read after the first block was processed
             "c1,,u1,principal,active"]  # line 104: the second block, processed at the file's end
    expected = [
        (51, "No course_id or section_id given for an enrollment"),
        (2, 'Improper role "principal" for an enrollment'),
        (103, 'Improper status "paused" for an enrollment'),
        (104, 'Improper role "principal" for an enrollment'),
    ]
    for import_id, batch_rows in ((1, 2000), (2, 7), (3, 1)):
        result = people.load("enrollment", "\n".join(lines) + "\n", import_id=import_id, batch_rows=batch_rows)
        assert (result.rows, result.count) == (expected, 99), batch_rows
        assert result.run.held == []


def test_course_only_rows_use_the_default_section_created_once(people: Sis) -> None:
    result = people.load("enrollment", "course_id,user_id,role,status\nc1,u1,student,active\nc1,u2,student,active\n")
    assert result.count == 2
    sections = people.all("SELECT * FROM course_sections WHERE default_section = 1")
    assert len(sections) == 1 and sections[0]["name"] == "Course One" and sections[0]["sis_source_id"] is None
    # The default section is created on the side: it is not a CourseSection state change.
    assert people.changed() == {"Enrollment": {"created": 2}}
    people.load("enrollment", "course_id,user_id,role,status\nc1,u3,student,active\n", import_id=2)
    assert people.value("SELECT count(*) FROM course_sections WHERE default_section = 1") == 1


def test_updates_and_duplicates_in_one_batch(people: Sis) -> None:
    result = people.load("enrollment", """
section_id,user_id,role,status
s1,u1,student,active
s1,u1,student,completed
s1,u1,teacher,active
""")
    assert result.count == 3
    assert enrollments(people) == [
        ("u1", "c1", "s1", "StudentEnrollment", "completed"),
        ("u1", "c1", "s1", "TeacherEnrollment", "active"),
    ]
    # One object: one record, its first previous state (none) and its last new state.
    assert people.changed() == {"Enrollment": {"created": 2, "concluded": 1}}
    assert people.statistics()["total_state_changes"] == 2
    people.load("enrollment", "section_id,user_id,role,status\ns1,u1,student,active\ns1,u1,teacher,deleted\n", import_id=2)
    assert people.changed(2) == {"Enrollment": {"deleted": 1}}
    assert people.statistics(2)["total_state_changes"] == 2
    people.load("enrollment", "section_id,user_id,role,status\ns1,u1,teacher,active\n", import_id=3)
    assert people.changed(3) == {"Enrollment": {"restored": 1}}


def test_user_integration_id_wins_and_observers_link_their_student(people: Sis) -> None:
    people.conn.execute("UPDATE pseudonyms SET integration_id = 'int-3' WHERE sis_user_id = 'u3'")
    result = people.load("enrollment", """
section_id,user_id,user_integration_id,role,status,associated_user_id
s1,u1,int-3,student,active,
s1,u2,,observer,active,u3
""")
    assert (result.count, result.warnings) == (2, [])
    u3 = people.value("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u3'")
    rows = people.all("SELECT user_id, type, associated_user_id FROM enrollments ORDER BY id")
    assert rows[0]["user_id"] == u3
    assert (rows[1]["type"], rows[1]["associated_user_id"]) == ("ObserverEnrollment", u3)


def test_enrolling_a_deleted_login_saves_a_deleted_enrollment(people: Sis) -> None:
    people.load("user", "user_id,login_id,status\nu3,carol,deleted\n", import_id=2)
    result = people.load("enrollment", "course_id,user_id,role,status\nc1,u3,student,active\n", import_id=3)
    assert result.count == 1
    # Canvas words it so even though the user itself is not deleted (invalid_active_enrollment).
    assert result.warnings == ["Attempted enrolling of deleted user u3 in course c1"]
    assert people.value("SELECT workflow_state FROM enrollments") == "deleted"
    # Now the enrollment is deleted, a row leaves it alone, uncounted, and says why.
    result = people.load("enrollment", "course_id,user_id,role,status\nc1,u3,student,completed\n", import_id=4)
    assert (result.count, result.warnings) == (0, ["Attempted enrolling with deleted sis login carol in course c1"])
    assert people.value("SELECT workflow_state FROM enrollments") == "deleted"


def test_a_deleted_login_of_a_user_with_another_active_login_enrolls(people: Sis) -> None:
    u3 = people.value("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u3'")
    people.load("login", f"user_id,login_id,existing_canvas_user_id,status\nu3b,carol2,{u3},active\n", import_id=2)
    people.load("user", "user_id,login_id,status\nu3,carol,deleted\n", import_id=3)
    result = people.load("enrollment", "course_id,user_id,role,status\nc1,u3,student,active\n", import_id=4)
    assert result.count == 1
    assert result.warnings == ["Enrolled a user u3 in course c1, but referenced a deleted sis login"]
    assert people.value("SELECT workflow_state FROM enrollments") == "active"


def test_deleted_last_completed(people: Sis) -> None:
    people.load("enrollment", "section_id,user_id,role,status\ns1,u1,student,active\ns1,u1,ta,active\n")
    people.load("enrollment", """
section_id,user_id,role,status
s1,u1,student,deleted_last_completed
s1,u1,ta,deleted_last_completed
""", import_id=2)
    # Only an enrollment of the same role (and observee) counts: each is the last of its role.
    assert [r[0] for r in people.all("SELECT workflow_state FROM enrollments ORDER BY id")] == ["completed", "completed"]
    people.load("enrollment", "course_id,user_id,role,status\nc1,u1,student,active\n", import_id=3)
    people.load("enrollment", "section_id,user_id,role,status\ns1,u1,student,deleted_last_completed\n", import_id=4)
    # The student's enrollment in the default section is live: the one in s1 is deleted.
    assert [r[0] for r in people.all("SELECT workflow_state FROM enrollments ORDER BY id")] == [
        "deleted", "completed", "active"]


def test_skip_deletes_and_date_stickiness(people: Sis) -> None:
    result = people.load("enrollment", "section_id,user_id,role,status\ns1,u1,student,deleted\n", skip_deletes=True)
    assert (result.count, result.warnings) == (0, [])
    people.load("enrollment", "section_id,user_id,role,status,start_date\ns1,u1,student,active,2024-01-01\n",
                import_id=2, override_sis_stickiness=True, add_sis_stickiness=True)
    assert people.value("SELECT stuck_sis_fields FROM enrollments") == "start_at"
    people.load("enrollment", "section_id,user_id,role,status,start_date\ns1,u1,student,active,2025-01-01\n", import_id=3)
    assert people.value("SELECT start_at FROM enrollments") == "2024-01-01T00:00:00Z"


def test_batches_see_the_rows_of_earlier_batches(people: Sis) -> None:
    text = "section_id,user_id,role,status\n" + "s1,u1,student,active\ns1,u2,student,active\ns1,u1,student,completed\n"
    result = people.load("enrollment", text, batch_rows=1)
    assert result.count == 3
    assert people.value("SELECT count(*) FROM enrollments") == 2
    assert people.changed() == {"Enrollment": {"created": 2, "concluded": 1}}


def test_grade_publishing_results(people: Sis) -> None:
    people.load("enrollment", "section_id,user_id,role,status\ns1,u1,student,active\n")
    enrollment_id = people.value("SELECT id FROM enrollments")
    result = people.load("grade_publishing_results", f"""
enrollment_id,grade_publishing_status,message
{enrollment_id},Published,All good
,error,
{enrollment_id},,
{enrollment_id},lost,
999,error,
""", import_id=2)
    assert result.count == 1
    assert result.warnings == [
        "No enrollment_id given",
        f"No grade_publishing_status given for enrollment {enrollment_id}",
        f'Improper grade_publishing_status "lost" for enrollment {enrollment_id}',
        "Enrollment 999 doesn't exist",
    ]
    row = people.one("SELECT * FROM enrollments")
    assert (row["grade_publishing_status"], row["grade_publishing_message"], row["sis_batch_id"]) == ("published", "All good", 1)


def test_a_row_resent_within_an_import_writes_nothing_unless_it_unsticks(people: Sis) -> None:
    row = "section_id,user_id,role,status,start_date\ns1,u1,student,active,2024-01-01\n"
    assert people.load("enrollment", row).count == 1
    writes_before = people.conn.total_changes
    assert people.load("enrollment", row).count == 1  # the same import again: nothing to write
    assert people.conn.total_changes == writes_before
    # clear_sis_stickiness unsticks the dates the row writes through even when they are unchanged.
    people.conn.execute("UPDATE enrollments SET stuck_sis_fields = 'start_at'")
    people.load("enrollment", row, clear_sis_stickiness=True)
    assert people.value("SELECT stuck_sis_fields FROM enrollments") == "start_at"  # stuck: not written
    people.load("enrollment", row, clear_sis_stickiness=True, override_sis_stickiness=True)
    assert people.value("SELECT stuck_sis_fields FROM enrollments") == ""
    assert people.changed() == {"Enrollment": {"created": 1}}


def test_identical_rows_in_one_batch_make_one_enrollment(people: Sis) -> None:
    row = "s1,u1,student,active\n"
    result = people.load("enrollment", "section_id,user_id,role,status\n" + row * 3)
    assert (result.count, result.warnings) == (3, [])
    assert people.value("SELECT count(*) FROM enrollments") == 1
    assert people.changed() == {"Enrollment": {"created": 1}}


def _enrollment_tables(sis: Sis) -> list[list[tuple]]:
    return [sis.rows_as_written(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
            for table in ("enrollments", "course_sections", "sis_state_changes")]


def test_new_enrollments_queued_as_value_tuples_match_the_general_path(people: Sis, tmp_path) -> None:
    """A new enrollment no other row of its batch names is queued as a value tuple; the same
    rows each sent twice in one batch take the general path (the second finds what the first
    queued and changes nothing): the tables must come out alike."""
    text = """course_id,user_id,role,section_id,status
,u1,student,s1,active
,u2,teacher,s1,inactive
c2,u3,ta,,completed
c1,u1,observer,,active
,u3,student,s2,deleted
"""
    header, *lines = text.strip().split("\n")
    twice = "\n".join([header] + [line for line in lines for _ in range(2)]) + "\n"
    with fresh_database(tmp_path / "general.sqlite3") as other:
        reference = Sis(other)
        for kind, csv_text in (("user", USERS), ("course", COURSES), ("section", SECTIONS)):
            reference.load(kind, csv_text, import_id=100)
        expected = reference.load("enrollment", twice)
        result = people.load("enrollment", text)
        assert (result.count, expected.count) == (5, 10)
        assert result.warnings == expected.warnings == []
        assert _enrollment_tables(people) == _enrollment_tables(reference)
        assert people.value("SELECT count(*) FROM sis_state_changes WHERE object_type = 'Enrollment'") == 5
