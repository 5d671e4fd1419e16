"""Canvas's spec/lib/sis/csv/enrollment_importer_spec.rb, against this server.

The objects are read through the Enrollments API (every state asked for, so deleted and completed
enrollments show too); where Canvas's association leaves deleted ones out (``course.enrollments``)
the case filters them with ``not_deleted``.
"""

from __future__ import annotations

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects
from tests.canvas_spec.reads import Reads, not_deleted
from tests.helpers import restore_and_wait

COURSES = "course_id,short_name,long_name,account_id,term_id,status"
USERS = "user_id,login_id,first_name,last_name,email,status"
SECTIONS = "section_id,course_id,name,status,start_date,end_date"
ENROLLMENTS = "course_id,user_id,role,section_id,status,associated_user_id"


def names(enrollments: list[dict], type_: str) -> list[str]:
    """The names of the users holding enrollments of ``type_``."""
    return [e["user"]["name"] for e in enrollments if e["type"] == type_]


async def test_skips_bad_content(sis: SisSpec, objects: Objects) -> None:
    """enrollment_importer_spec.rb: "skips bad content"."""
    await factories.course(sis, "C001")
    await sis.process_csv_data_cleanly("section_id,course_id,name,status", "1B,C001,Section,active")
    await factories.user(sis, "U001")
    before_count = objects.count("enrollments")
    importer = await sis.process_csv_data(
        "course_id,user_id,role,section_id,status,associated_user_id",
        ",U001,student,,active",
        "C001,,student,1B,active",
        "C001,U001,cheater,1B,active",
        "C001,U001,observer,1B,active,NONEXISTENT",
        "C001,U001,student,1B,semi-active")
    assert objects.count("enrollments") == before_count
    # Canvas checks roles and references only when it processes a block of rows, after the
    # checks made as each row is read: the "cheater" row's warning comes after the later rows'.
    assert importer.messages == [
        "No course_id or section_id given for an enrollment",
        "No user_id given for an enrollment",
        'Improper status "semi-active" for an enrollment',
        'Improper role "cheater" for an enrollment',
        "An enrollment referenced a non-existent associated user NONEXISTENT",
    ]


async def test_warns_about_inconsistent_data(sis: SisSpec) -> None:
    """enrollment_importer_spec.rb: "warns about inconsistent data"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active",
                                       "C002,TC 102,Test Course 102,,,active")
    await sis.process_csv_data_cleanly("section_id,course_id,name,start_date,end_date,status",
                                       "1B,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly(USERS, "U001,user1,User,Uno,user@example.com,active")
    importer = await sis.process_csv_data(
        "course_id,user_id,role,section_id,status",
        "NONEXISTENT,U001,student,1B,active",
        "C001,U001,student,NONEXISTENT,active",
        "C002,U001,student,1B,active")
    assert importer.messages == [
        "An enrollment referenced a non-existent course NONEXISTENT",
        "An enrollment referenced a non-existent section NONEXISTENT",
        "An enrollment listed a section (1B) and a course (C002) that are unrelated for user (U001)",
    ]


async def test_does_not_fail_for_really_long_course_names(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "does not fail for really long course names"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    name = "0123456789" * 25
    await sis.process_csv_data_cleanly("section_id,course_id,name,status,start_date,end_date",
                                       f"S001,test_1,{name},active,,")
    await sis.process_csv_data_cleanly(
        "course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date",
        "test_1,user_1,teacher,S001,active,,,")
    assert [(e["type"], e["sis_user_id"]) for e in await reads.section_enrollments("S001")] == [
        ("TeacherEnrollment", "user_1")]


async def test_enrolls_users(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "enrolls users"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    importer = await sis.process_csv_data(
        "user_id,login_id,first_name,last_name,email,status,notify",
        "user_1,user1,User,Uno,user@example.com,active,true",
        "user_2,user2,User,Dos,user2@example.com,active,true",
        "user_3,user4,User,Tres,user3@example.com,active",
        "user_5,user5,User,Quatro,user5@example.com,active,false",
        "user_6,user6,User,Cinco,user6@example.com,active,false",
        "user_7,user7,User,Siete,user7@example.com,active",
        ",,,,,")
    assert importer.errors == []
    # should skip empty lines without error or warning
    assert importer.counts["users"] == 6
    await sis.process_csv_data_cleanly(SECTIONS, "S001,test_1,Sec1,active,,")
    await sis.process_csv_data_cleanly(
        "course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date",
        "test_1,user_1,teacher,,active,,,",
        ",user_2,student,S001,active,,,",
        "test_1,user_3,ta,S001,active,,,",
        "test_1,user_5,observer,S001,active,user_2,,",
        "test_1,user_6,designer,S001,active,,,",
        "test_1,user_7,teacher,S001,active,,1985-08-24,2011-08-29")
    enrollments = await reads.course_enrollments("test_1")
    assert "User Uno" in names(enrollments, "TeacherEnrollment")
    assert names(enrollments, "StudentEnrollment") == ["User Dos"]
    assert names(enrollments, "TaEnrollment") == ["User Tres"]
    assert names(enrollments, "ObserverEnrollment") == ["User Quatro"]
    student = next(e for e in enrollments if e["type"] == "StudentEnrollment")
    observer = next(e for e in enrollments if e["type"] == "ObserverEnrollment")
    assert observer["associated_user_id"] == student["user_id"]
    assert names(enrollments, "DesignerEnrollment") == ["User Cinco"]
    siete = next(e for e in enrollments if e["user"]["name"] == "User Siete")
    assert siete["type"] == "TeacherEnrollment"
    assert (siete["start_at"], siete["end_at"]) == ("1985-08-24T00:00:00Z", "2011-08-29T00:00:00Z")


async def test_enrolls_users_by_integration_id(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "enrolls users by integration id"."""
    await sis.process_csv_data_cleanly(COURSES, "course_sis_id,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly("user_id,integration_id,login_id,first_name,last_name,email,status",
                                       "user_1,user_1_int,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(
        "course_id,user_integration_id,role,section_id,status,associated_user_id,start_date,end_date",
        "course_sis_id,user_1_int,teacher,,active,,,")
    user = await reads.user("user_1")
    assert (user["sis_user_id"], user["integration_id"]) == ("user_1", "user_1_int")
    enrollments = await reads.user_enrollments("user_1")
    assert [e["sis_course_id"] for e in enrollments] == ["course_sis_id"]


async def test_supports_sis_stickiness(sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """enrollment_importer_spec.rb: "supports sis stickiness"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,test_1,Sec1,active,,")
    row = ("course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date",
           "test_1,user_1,teacher,,active,,1985-08-24,2011-08-29")
    await sis.process_csv_data_cleanly(*row)
    [teacher] = await reads.course_enrollments("test_1", types=("TeacherEnrollment",))
    assert (teacher["start_at"], teacher["end_at"]) == ("1985-08-24T00:00:00Z", "2011-08-29T00:00:00Z")
    objects.edit_by_hand("enrollments", teacher["id"], start_at="1985-05-24T00:00:00Z",
                         end_at="2011-05-29T00:00:00Z")
    await sis.process_csv_data_cleanly(*row)
    [teacher] = await reads.course_enrollments("test_1", types=("TeacherEnrollment",))
    assert (teacher["start_at"], teacher["end_at"]) == ("1985-05-24T00:00:00Z", "2011-05-29T00:00:00Z")


async def test_does_not_try_looking_up_a_section_to_enroll_into_if_the_section_name_is_empty(
        sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "does not try looking up a section to enroll into if the
    section name is empty"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active",
                                       "test_2,TC 102,Test Course 102,,,active")
    assert await reads.course_sections("test_1") == []
    assert await reads.course_sections("test_2") == []
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_2,user_1,teacher,,active,")
    assert names(await reads.course_enrollments("test_2"), "TeacherEnrollment") == ["User Uno"]


async def test_properly_handles_repeated_courses_and_sections(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "properly handles repeated courses and sections"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active",
                                       "test_2,TC 102,Test Course 102,,,active")
    await sis.process_csv_data_cleanly(
        USERS,
        "user_1,user1,User,Uno,user@example.com,active",
        "user_2,user2,User,Dos,user2@example.com,active",
        "user_3,user3,User,Tres,user3@example.com,active",
        "user_4,user4,User,Cuatro,user4@example.com,active",
        "user_5,user5,User,Cinco,user5@example.com,active",
        "user_6,user6,User,Seis,user6@example.com,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S101,test_1,Sec1.1,active,,", "S102,test_1,Sec1.2,active,,",
                                       "S201,test_2,Sec2.1,active,,", "S202,test_2,Sec2.2,active,,")
    await sis.process_csv_data_cleanly(
        ENROLLMENTS,
        "test_1,user_1,student,,active,",
        "test_1,user_2,student,S101,active,",
        "test_1,user_3,student,S102,active,",
        "test_2,user_4,student,S201,active,",
        ",user_5,student,S201,active,",
        ",user_6,student,S202,active,")
    [default_section] = [s for s in await reads.course_sections("test_1") if s["sis_section_id"] is None]

    async def section_names(section: str | int) -> list[str]:
        found = (await reads.section_id_enrollments(section) if isinstance(section, int)
                 else await reads.section_enrollments(section))
        return sorted(e["user"]["name"] for e in found)

    assert await section_names(default_section["id"]) == ["User Uno"]
    assert await section_names("S101") == ["User Dos"]
    assert await section_names("S102") == ["User Tres"]
    assert await section_names("S201") == sorted(["User Cuatro", "User Cinco"])
    assert await section_names("S202") == ["User Seis"]

    # exercise batch updating account associations
    await sis.process_csv_data_cleanly(
        USERS, *(f"user_{n},user{n},User,Uno,user{n}@example.com,active" for n in range(10, 40)))
    await sis.process_csv_data_cleanly(
        ENROLLMENTS, *(f"test_{1 if n < 25 else 2},user_{n},student,,active," for n in range(10, 40)))
    assert len(await reads.course_enrollments("test_1")) == 3 + 15
    assert len(await reads.course_enrollments("test_2")) == 3 + 15


async def test_resurrects_deleted_enrollments(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "resurrects deleted enrollments"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    # should be able to create an enrollment in a deleted state
    importer = await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,deleted,")
    assert importer.counts["enrollments"] == 1
    [enrollment] = await reads.course_enrollments("test_1")
    assert enrollment["enrollment_state"] == "deleted"
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,active,")
    assert [(e["id"], e["enrollment_state"]) for e in await reads.course_enrollments("test_1")] == [
        (enrollment["id"], "active")]


async def test_does_not_update_an_enrollment_that_is_deleted_and_pseudonym_is_deleted(
        sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """enrollment_importer_spec.rb: "does not update an enrollment that is deleted and pseudonym
    is deleted"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    # deleted user
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,deleted")
    # deleted enrollment
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,deleted,")
    # skipped enrollment update
    importer = await sis.process_csv_data(ENROLLMENTS, "test_1,user_1,student,,active,")
    assert "Attempted enrolling with deleted sis login user1 in course test_1" in importer.messages
    assert len(objects.rows("sis_state_changes", order="object_id", sis_import_id=importer.json["id"])) == 0
    assert [e["enrollment_state"] for e in await reads.course_enrollments("test_1")] == ["deleted"]


async def test_counts_re_deletions(sis: SisSpec) -> None:
    """enrollment_importer_spec.rb: "counts re-deletions"."""
    await factories.course(sis, "C001")
    await factories.user(sis, "U001")
    await sis.process_csv_data_cleanly("course_id,user_id,role,status", "C001,U001,student,deleted")
    importer = await sis.process_csv_data_cleanly("course_id,user_id,role,status", "C001,U001,student,deleted")
    assert importer.counts["enrollments"] == 1


async def test_always_updates_sis_batch_id(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "always updates sis_batch_id"."""
    await factories.course(sis, "C001")
    await factories.user(sis, "U001")
    for status in ("active", "deleted", "deleted"):
        importer = await sis.process_csv_data_cleanly("course_id,user_id,role,status", f"C001,U001,student,{status}")
        [enrollment] = await reads.course_enrollments("C001")
        assert enrollment["sis_import_id"] == importer.json["id"]


async def test_allows_one_user_multiple_enrollment_types_in_the_same_section(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "allows one user multiple enrollment types in the same section"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,active,", "test_1,user_1,teacher,,active,")
    enrollments = not_deleted(await reads.course_enrollments("test_1"))
    user = await reads.user("user_1")
    assert [e["user_id"] for e in enrollments] == [user["id"], user["id"]]
    assert sorted(e["type"] for e in enrollments) == ["StudentEnrollment", "TeacherEnrollment"]


async def test_sets_limit_section_privileges(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "sets limit_section_privileges"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active",
                                       "user_2,user2,User,Uno,user2@example.com,active",
                                       "user_3,user3,User,Uno,user@example.com,active")
    header = "course_id,user_id,role,section_id,status,limit_section_privileges"
    await sis.process_csv_data_cleanly(header, "test_1,user_1,student,,active,true",
                                       "test_1,user_2,teacher,,active,false", "test_1,user_3,student,,active,")

    async def limited() -> dict[str, bool]:
        return {e["sis_user_id"]: e["limit_privileges_to_course_section"]
                for e in await reads.course_enrollments("test_1")}

    assert await limited() == {"user_1": True, "user_2": False, "user_3": False}
    await sis.process_csv_data_cleanly(header, "test_1,user_1,student,,active,")
    assert (await limited())["user_1"] is True


async def test_allows_one_user_to_observe_multiple_students(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "allows one user to observe multiple students"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active",
                                       "user_2,user2,User,Uno,user@example.com,active",
                                       "observer_1,user3,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(
        ENROLLMENTS,
        "test_1,user_1,student,,active,",
        "test_1,user_2,student,,active,",
        "test_1,observer_1,observer,,active,user_1",
        "test_1,observer_1,observer,,active,user_2")
    enrollments = not_deleted(await reads.course_enrollments("test_1"))
    assert len(enrollments) == 4
    observer, user1, user2 = [(await reads.user(u))["id"] for u in ("observer_1", "user_1", "user_2")]
    observers = [e for e in enrollments if e["type"] == "ObserverEnrollment"]
    assert [e["user_id"] for e in observers] == [observer, observer]
    assert sorted(e["associated_user_id"] for e in observers) == sorted([user1, user2])


async def test_finds_manually_xlisted_sections_when_enrolling_by_course_id(
        sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """enrollment_importer_spec.rb: "finds manually xlisted sections when enrolling by course id"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active",
                                       "test_2,TC 102,Test Course 102,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active",
                                       "user_2,user2,User,Uno,user@example.com,active",
                                       "user_3,user3,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,active,", "test_2,user_1,student,,active,")
    # Canvas: @course1.default_section.crosslist_to_course(@course2). Here the default section
    # gets a SIS id (as an edit in the UI would give it) and is cross-listed by xlists.csv.
    [default_section] = await reads.course_sections("test_1")
    objects.edit_by_hand("course_sections", default_section["id"], sis_source_id="test_1_default")
    await sis.process_csv_data_cleanly("xlist_course_id,section_id,status", "test_2,test_1_default,active")
    assert len(await reads.course_sections("test_2")) == 2
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_3,student,,active,")
    assert len(not_deleted(await reads.course_enrollments("test_2"))) == 3
    assert len(not_deleted(await reads.course_enrollments("test_1"))) == 0


async def test_does_not_recycle_an_observers_associated_user_id_in_subsequent_student_enrollments(
        sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "does not recycle an observer's associated user id in
    subsequent student enrollments"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_2,user2,User,Dos,user2@example.com,active",
                                       "observer_1,observer1,Observer,Uno,observer1@example.com,active")
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,active,",
                                       "test_1,observer_1,observer,,active,user_1", "test_1,user_2,student,,active,")
    assert len(not_deleted(await reads.course_enrollments("test_1"))) == 3
    user1 = await reads.user("user_1")
    [observer_enrollment] = await reads.user_enrollments("observer_1")
    assert observer_enrollment["type"] == "ObserverEnrollment"
    assert observer_enrollment["associated_user_id"] == user1["id"]
    [user2_enrollment] = await reads.user_enrollments("user_2")
    assert user2_enrollment["type"] == "StudentEnrollment"
    assert user2_enrollment["associated_user_id"] is None


async def test_finds_observed_user_who_is_deleted_and_clear_observer_correctly(
        sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "finds observed user who is deleted and clear observer correctly"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "observer_1,observer1,Observer,Uno,observer1@example.com,active")
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,active,",
                                       "test_1,observer_1,observer,,active,user_1")
    assert len(await reads.user_enrollments("observer_1")) == 1
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,completed,",
                                       "test_1,observer_1,observer,,completed,user_1")
    [enrollment] = await reads.user_enrollments("observer_1")
    assert enrollment["enrollment_state"] == "completed"
    # Canvas also sets completed_at; this server keeps no such field (docs/decisions.md).


async def test_enrolls_observers_when_observer_is_added_before_restoring_enrollment(
        sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "enrolls observers when observer is added before restoring enrollment"."""
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,status", "tc101,TC 101,Test Course 101,active")
    await sis.process_csv_data_cleanly("user_id,login_id,full_name,email,status",
                                       "user1,user1,User One,user1@example.com,active",
                                       "user2,user2,User Two,user2@example.com,active")
    await sis.process_csv_data_cleanly("course_id,user_id,role,status", "tc101,user1,student,deleted_last_completed")
    await sis.process_csv_data_cleanly("observer_id,student_id,status", "user2,user1,active")
    await sis.process_csv_data_cleanly("course_id,user_id,role,status", "tc101,user1,student,active")
    student = await reads.user("user1")
    observations = [e for e in await reads.user_enrollments("user2") if e["type"] == "ObserverEnrollment"]
    assert [(e["sis_course_id"], e["associated_user_id"]) for e in observations] == [("tc101", student["id"])]


async def test_does_not_enroll_with_a_nonexistent_role(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: custom roles, in an account: "does not enroll with a nonexistent role"."""
    await factories.course(sis, "TehCourse")
    await factories.user(sis, "user1")
    await factories.user(sis, "user2")
    importer = await sis.process_csv_data(ENROLLMENTS, "TehCourse,user1,basketweaver,,active,")
    assert await reads.user_enrollments("user1") == []
    assert importer.messages == ['Improper role "basketweaver" for an enrollment']


async def test_links_with_observer_enrollments(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "links with observer enrollments"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    student = await reads.user("user_1")
    # Canvas: user_with_pseudonym + add_linked_observer(student, observer).
    await factories.user(sis, "observer")
    await sis.process_csv_data_cleanly("observer_id,student_id,status", "observer,user_1,active")
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,active,")
    observations = [e for e in await reads.user_enrollments("observer") if e["type"] == "ObserverEnrollment"]
    assert [(e["sis_course_id"], e["associated_user_id"]) for e in observations] == [("test_1", student["id"])]
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,user_1,student,,deleted,")
    [observation] = [e for e in await reads.user_enrollments("observer") if e["type"] == "ObserverEnrollment"]
    assert (observation["id"], observation["enrollment_state"]) == (observations[0]["id"], "deleted")


async def test_deletes_observer_enrollments_when_the_student_enrollment_is_already_deleted(
        sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "deletes observer enrollments when the student enrollment is
    already deleted"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,active",
                                       "observer_user,user2,User,Two,user2@example.com,active")
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,student_user,student,,active,",
                                       "test_1,observer_user,observer,,active,student_user")
    student = await reads.user("student_user")
    [observation] = await reads.user_enrollments("observer_user")
    assert observation["associated_user_id"] == student["id"]
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,student_user,student,,deleted,",
                                       "test_1,observer_user,observer,,deleted,student_user")
    assert [e["enrollment_state"] for e in await reads.user_enrollments("observer_user")] == ["deleted"]


async def test_creates_rollback_data(sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """enrollment_importer_spec.rb: "creates rollback data"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,active",
                                       "observer_user,user2,User,Two,user2@example.com,active")
    batch1 = await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,student_user,student,,active,",
                                                "test_1,observer_user,observer,,active,student_user")
    # Canvas: course.groups.create!(name: "group") and a membership of the student.
    await sis.process_csv_data_cleanly("group_id,course_id,name,status", "g,test_1,group,available")
    await sis.process_csv_data_cleanly("group_id,user_id,status", "g,student_user,accepted")
    batch2 = await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,student_user,student,,deleted,",
                                                "test_1,observer_user,observer,,deleted,student_user")
    changes = objects.rows("sis_state_changes", order="object_type, object_id")
    assert len([c for c in changes if c["sis_import_id"] == batch1.json["id"] and c["previous_state"] is None]) == 2
    batch2_changes = [c for c in changes if c["sis_import_id"] == batch2.json["id"]]
    assert len([c for c in batch2_changes if c["new_state"] == "deleted"]) == 3
    assert len([c for c in batch2_changes if c["object_type"] == "GroupMembership"]) == 1
    progress, _ = await restore_and_wait(sis.client, batch2.json["id"])
    assert progress["workflow_state"] == "completed"
    assert len([e for e in await reads.course_enrollments("test_1") if e["enrollment_state"] == "active"]) == 2
    assert len(await reads.group_memberships("g", states=("accepted",))) == 1


async def test_does_not_create_active_enrollments_for_deleted_users(
        sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """enrollment_importer_spec.rb: "does not create active enrollments for deleted users"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,deleted")
    importer = await sis.process_csv_data(ENROLLMENTS, "test_1,student_user,student,,active,")
    assert importer.messages == ["Attempted enrolling of deleted user student_user in course test_1"]
    # The login is deleted, so the user is found by its Canvas id.
    user_id = objects.login("student_user")["user_id"]
    assert [e["enrollment_state"] for e in await reads.user_enrollments(user_id)] == ["deleted"]


async def test_does_not_create_new_enrollments_for_an_already_deleted_user_and_enrollment(
        sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """enrollment_importer_spec.rb: "does not create new enrollments for an already deleted user
    and enrollment"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,active")
    user_id = objects.login("student_user")["user_id"]
    # Canvas: User.where(...).update_all(workflow_state: "deleted"), which no import can do.
    objects.conn.execute("UPDATE users SET workflow_state = 'deleted' WHERE id = ?", (user_id,))
    objects.conn.commit()
    await sis.process_csv_data("user_id,course_id,role,status", "student_user,test_1,student,active")
    importer = await sis.process_csv_data("user_id,course_id,role,status", "student_user,test_1,student,active")
    enrollments = objects.rows("enrollments", user_id=user_id)
    assert [e["workflow_state"] for e in enrollments] == ["deleted"]
    assert any(m.startswith("Attempted enrolling of deleted user") for m in importer.messages)
    assert len(objects.rows("sis_state_changes", order="object_id", sis_import_id=importer.json["id"])) == 0


async def test_do_not_create_enrollments_for_deleted_pseudonyms_except_when_they_have_an_active_pseudonym_too(
        sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "do not create enrollments for deleted pseudonyms except when
    they have an active pseudonym too"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,active")
    # Canvas: p.user.pseudonyms.create(sis_user_id: "second_sis", unique_id: "second_sis").
    await sis.process_csv_data_cleanly("user_id,login_id,existing_user_id,status",
                                       "second_sis,second_sis,student_user,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,deleted")
    importer = await sis.process_csv_data(ENROLLMENTS, "test_1,student_user,student,,active,")
    assert importer.messages == [
        "Enrolled a user student_user in course test_1, but referenced a deleted sis login"]
    assert [e["enrollment_state"] for e in await reads.user_enrollments("second_sis")] == ["active"]


async def test_does_not_enroll_users_into_deleted_sections(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "does not enroll users into deleted sections"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,test_1,Sec1,deleted,,")
    importer = await sis.process_csv_data(
        "course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date",
        "test_1,user_1,teacher,S001,active,,,")
    assert "not a valid section" in importer.messages[0]
    # Canvas's message repeats its start (lib/sis/enrollment_importer.rb builds it with a nested +=).
    assert importer.messages == [
        "An enrollment did not pass validation (course: test_1, section: S001, user: user_1, role: teacher,"
        " error: An enrollment did not pass validation (course: test_1, section: S001,"
        " Course section is not a valid section)"]
    assert await reads.user_enrollments("user_1") == []


async def test_still_works_when_creating_a_completed_enrollment(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "still works when creating a completed enrollment"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(ENROLLMENTS, "test_1,student_user,student,,completed,")
    assert [e["enrollment_state"] for e in await reads.user_enrollments("student_user")] == ["completed"]


async def test_completes_last_and_delete_the_rest(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "completes last and delete the rest"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,test_1,Sec1,active,,", "S002,test_1,Sec1,active,,",
                                       "S003,test_1,Sec1,active,,")
    await sis.process_csv_data_cleanly(
        ENROLLMENTS,
        "test_1,student_user,student,S001,deleted_last_completed,",
        "test_1,student_user,student,S002,deleted_last_completed,",
        "test_1,student_user,student,S003,deleted_last_completed,")
    states = [e["enrollment_state"] for e in await reads.user_enrollments("student_user")]
    assert (states.count("completed"), states.count("deleted")) == (1, 2)


async def test_deletes_enrollments_if_active_exists(sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "deletes enrollments if active exists"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "student_user,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,test_1,Sec1,active,,", "S002,test_1,Sec1,active,,",
                                       "S003,test_1,Sec1,active,,")
    await sis.process_csv_data_cleanly(
        ENROLLMENTS,
        "test_1,student_user,student,S001,active,",
        "test_1,student_user,student,S002,deleted_last_completed,",
        "test_1,student_user,student,S003,deleted_last_completed,")
    states = [e["enrollment_state"] for e in await reads.user_enrollments("student_user")]
    assert (states.count("active"), states.count("deleted")) == (1, 2)


async def test_doesnt_die_if_the_last_record_is_invalid(sis: SisSpec) -> None:
    """enrollment_importer_spec.rb: "doesn't die if the last record is invalid"."""
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,status", "c1,Course,Course,active")
    await sis.process_csv_data_cleanly("section_id,course_id,name,status", "s1,c1,Section,active")
    await sis.process_csv_data_cleanly(USERS, *(f"u{n},user{n},User,Uno,user@example.com,active"
                                                for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)))
    importer = await sis.process_csv_data(
        "course_id,user_id,role,section_id,status",
        *(f"c1,u{n},student,s1,active" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)),
        "c1,u1,student,s2,active")
    assert "non-existent section" in importer.messages[0]


async def test_associates_to_the_correct_accounts_and_doesnt_die_for_invalid_rows(
        sis: SisSpec, reads: Reads) -> None:
    """enrollment_importer_spec.rb: "associates to the correct accounts and doesn't die for invalid rows"."""
    await sis.process_csv_data_cleanly("account_id,name,parent_account_id,status", "a1,a1,,active", "a2,a2,,active")
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,account_id,status",
                                       "c1,Course,Course,a1,active", "c2,Course,Course,a2,active")
    await sis.process_csv_data_cleanly(SECTIONS, "s1,c1,Sec1,active,,", "s2,c2,Sec2,active,,", "s3,c1,Sec3,active,,")
    await sis.process_csv_data_cleanly(USERS, *(f"u{n},user{n},User,Uno,user@example.com,active"
                                                for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)),
                                       "v1,vser1,User,Uno,user@example.com,active")
    importer = await sis.process_csv_data(
        "course_id,section_id,user_id,role,status",
        *(f"c1,s1,u{n},student,active" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)),
        "c3,s3,v1,student,active",  # invalid course_id
        "c2,s2,v1,student,active")
    assert importer.messages == ["An enrollment referenced a non-existent course c3"]
    # Canvas checks the users' account associations; here an account's users are the users
    # enrolled in its courses, as the Users API lists them.
    a1_users = {u["sis_user_id"] for u in await reads.account_users("a1")}
    a2_users = {u["sis_user_id"] for u in await reads.account_users("a2")}
    assert "u1" in a1_users and "u1" not in a2_users
    assert "v1" in a2_users and "v1" not in a1_users


async def test_creates_a_new_temporary_enrollment_association(sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """enrollment_importer_spec.rb: temporary enrollments, when feature flag is enabled: "creates a
    new temporary enrollment association"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "provider,provider,Temp,Provider,provider@example.com,active",
                                       "recipient,recipient,Temp,Recipient,recipient@example.com,active")
    await sis.process_csv_data_cleanly(
        "course_id,user_id,role,status,start_date,end_date,temporary_enrollment_source_user_id",
        "test_1,provider,teacher,active,2023-09-10T23:08:51Z,2023-09-30T23:08:51Z,,",
        "test_1,recipient,teacher,active,2023-09-10T23:08:51Z,2043-09-30T23:08:51Z,provider")
    assert len(not_deleted(await reads.course_enrollments("test_1"))) == 2
    assert [e["type"] for e in await reads.user_enrollments("recipient")] == ["TeacherEnrollment"]
    provider = await reads.user("provider")
    # The Enrollments API does not show the source user: the database does.
    [temporary] = objects.rows("enrollments", user_id=(await reads.user("recipient"))["id"])
    assert temporary["temporary_enrollment_source_user_id"] == provider["id"]
