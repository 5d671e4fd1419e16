"""Canvas's spec/lib/sis/csv/section_importer_spec.rb, against this server.

Sections are read through ``/api/v1/sections/sis_section_id:X`` (a deleted one answers 404) and
courses through ``/api/v1/courses/sis_course_id:X``; stuck fields and deleted objects, which no
endpoint shows, from the database.
"""

from __future__ import annotations

from typing import Any

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects

COURSES = "course_id,short_name,long_name,account_id,term_id,status"
SECTIONS = "section_id,course_id,name,start_date,end_date,status"
XLISTS = "xlist_course_id,section_id,status"


async def section(sis: SisSpec, sis_id: str) -> dict[str, Any] | None:
    return await sis.find(f"/api/v1/sections/sis_section_id:{sis_id}")


async def course(sis: SisSpec, sis_id: str) -> dict[str, Any] | None:
    return await sis.find(f"/api/v1/courses/sis_course_id:{sis_id}")


async def section_ids_of(sis: SisSpec, course_sis_id: str) -> list[str]:
    """The SIS ids of a course's sections (Canvas: ``course.course_sections``)."""
    sections = await sis.api(f"/api/v1/courses/sis_course_id:{course_sis_id}/sections")
    return [s["sis_section_id"] for s in sections]


async def placement(sis: SisSpec, sis_id: str) -> tuple[str | None, str | None]:
    """(the SIS id of the section's course, of its nonxlist course) as Canvas's specs check them."""
    found = await section(sis, sis_id)
    assert found is not None
    nonxlist = None
    if found["nonxlist_course_id"] is not None:
        nonxlist = (await sis.api(f"/api/v1/courses/{found['nonxlist_course_id']}"))["sis_course_id"]
    return found["sis_course_id"], nonxlist


async def test_skips_bad_content(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should skip bad content"."""
    await sis.process_csv_data_cleanly(COURSES, "C010,TC 101,Test Course 101,,,active")
    importer = await sis.process_csv_data(
        SECTIONS,
        "S001,C010,Sec1,,,active",
        "S002,,Sec2,,,active",
        ",C001,Sec2,,,active",
        "S003,C002,Sec1,,,inactive",
        "S004,C002,,,,active",
        "S005,C001,Sec1,,,active")
    assert objects.count("course_sections", default_section=0) == 1
    assert importer.messages == [
        "No course_id given for a section S002",
        "No section_id given for a section in course C001",
        'Improper status "inactive" for section S003 in course C002',
        "No name given for section S004 in course C002",
        "Section S005 references course C001 which doesn't exist",
    ]


async def test_does_not_die_when_a_course_is_deleted(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should not die when a course is deleted"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active",
                                       "C002,TC 102,Test Course 102,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "1B,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await factories.user(sis, "U001", "user1", "user@example.com")
    await sis.process_csv_data_cleanly("course_id,user_id,role,section_id,status", "C001,U001,student,1B,active")
    await sis.process_csv_data_cleanly(COURSES, "C002,TC 101,Test Course 101,,,deleted")
    importer = await sis.process_csv_data(SECTIONS, "1B,C002,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert importer.errors == []


async def test_does_not_require_a_name_when_section_is_being_deleted(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should not require a name when section is being deleted"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    importer = await sis.process_csv_data(SECTIONS, "section,C001,,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert importer.messages[0] == "No name given for section section in course C001"
    await sis.process_csv_data_cleanly(SECTIONS, "section,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly("section_id,course_id,name,status", "section,C001,,deleted")
    assert objects.section("section")["workflow_state"] == "deleted"
    assert objects.section("section")["name"] == "Sec1"


async def test_still_requires_a_name_for_new_deleted_sections(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should still require a name for new deleted sections"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    importer = await sis.process_csv_data("section_id,course_id,name,status", "sec1,C001,Sec1,deleted")
    assert importer.errors == []
    # And, as SIS::SectionImporter says, a new section is not made without one.
    importer = await sis.process_csv_data("section_id,course_id,name,status", "sec2,C001,,deleted")
    assert importer.messages == ["No name given for section sec2 in course C001"]


async def test_ignores_unsupported_column_account_id(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should ignore unsupported column account_id"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(SECTIONS + ",account_id",
                                       "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active,bogus")
    assert await section_ids_of(sis, "C001") == ["S001"]
    assert (await section(sis, "S001"))["name"] == "Sec1"


async def test_supports_stickiness(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should support stickiness"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert (await section(sis, "S001"))["name"] == "Sec1"
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec2,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert (await section(sis, "S001"))["name"] == "Sec2"
    objects.edit_by_hand("course_sections", objects.section("S001")["id"], name="Sec3")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec4,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert await section_ids_of(sis, "C001") == ["S001"]
    assert (await section(sis, "S001"))["name"] == "Sec3"


async def test_creates_sections(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should create sections"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    importer = await sis.process_csv_data(
        SECTIONS,
        "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active",
        "S002,C001,Sec2,2012-13-05 00:00:00,2012-14-14 00:00:00,active",
        "S003,C002,Sec1,,,active")
    assert await section_ids_of(sis, "C001") == ["S001", "S002"]
    s1 = await section(sis, "S001")
    assert (s1["name"], s1["start_at"], s1["end_at"]) == ("Sec1", "2011-01-05T00:00:00Z", "2011-04-14T00:00:00Z")
    s2 = await section(sis, "S002")
    assert (s2["name"], s2["start_at"], s2["end_at"]) == ("Sec2", None, None)
    assert importer.messages == ["Bad date format for section S002",
                                 "Section S003 references course C002 which doesn't exist"]


async def test_overrides_term_dates_if_the_start_or_end_dates_are_set(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should override term dates if the start or end dates are set"."""
    await sis.process_csv_data_cleanly(COURSES + ",start_date,end_date", "test1,TC 101,Test Course 1,,,active,,")
    await sis.process_csv_data_cleanly(
        "section_id,course_id,name,status,start_date,end_date",
        "sec1,test1,Test Course 1,active,,",
        "sec2,test1,Test Course 2,active,,2011-05-14 00:00:00",
        "sec3,test1,Test Course 3,active,2011-04-14 00:00:00,",
        "sec4,test1,Test Course 4,active,2011-04-14 00:00:00,2011-05-14 00:00:00")
    restricted = [(await section(sis, s))["restrict_enrollments_to_section_dates"]
                  for s in ("sec1", "sec2", "sec3", "sec4")]
    assert restricted == [False, True, True, True]


async def test_supports_start_end_date_and_restriction_stickiness(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should support start/end date and restriction stickiness"."""
    await sis.process_csv_data_cleanly(COURSES + ",start_date,end_date", "test1,TC 101,Test Course 1,,,active,,")
    row = "sec4,test1,Test Course 4,active,2011-04-14 00:00:00,2011-05-14 00:00:00"
    await sis.process_csv_data_cleanly("section_id,course_id,name,status,start_date,end_date", row)
    found = await section(sis, "sec4")
    assert (found["restrict_enrollments_to_section_dates"], found["start_at"], found["end_at"]) == (
        True, "2011-04-14T00:00:00Z", "2011-05-14T00:00:00Z")
    objects.edit_by_hand("course_sections", objects.section("sec4")["id"],
                         restrict_enrollments_to_section_dates=0,
                         start_at="2010-04-14T00:00:00Z", end_at="2010-05-14T00:00:00Z")
    await sis.process_csv_data_cleanly("section_id,course_id,name,status,start_date,end_date", row)
    found = await section(sis, "sec4")
    assert (found["restrict_enrollments_to_section_dates"], found["start_at"], found["end_at"]) == (
        False, "2010-04-14T00:00:00Z", "2010-05-14T00:00:00Z")


async def test_verifies_xlist_files(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should verify xlist files"."""
    importer = await sis.process_csv_data(XLISTS, ",S001,active", "X001,,active", "X001,S001,", "X001,S001,baleeted")
    assert importer.messages == ["No xlist_course_id given for a cross-listing",
                                 "No section_id given for a cross-listing",
                                 'Improper status "" for a cross-listing',
                                 'Improper status "baleeted" for a cross-listing']
    assert objects.count("courses") == 0


async def test_works_with_xlists_with_no_xlist_course(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should work with xlists with no xlist course" (the account
    associations it also checks are not kept by this server)."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active",
                                       "S002,C001,Sec2,2012-12-05 00:00:00,2012-12-14 00:00:00,active")
    assert await placement(sis, "S001") == ("C001", None)
    assert await section_ids_of(sis, "C001") == ["S001", "S002"]
    assert await course(sis, "X001") is None

    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert await placement(sis, "S001") == ("X001", "C001")
    assert await section_ids_of(sis, "X001") == ["S001"]
    assert await section_ids_of(sis, "C001") == ["S002"]

    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,deleted")
    assert await section_ids_of(sis, "X001") == []
    assert await placement(sis, "S001") == ("C001", None)
    assert await section_ids_of(sis, "C001") == ["S001", "S002"]

    xlist_course = await course(sis, "X001")
    assert (xlist_course["name"], xlist_course["course_code"], xlist_course["sis_course_id"]) == (
        "Test Course 101", "TC 101", "X001")
    assert (xlist_course["root_account_id"], xlist_course["account_id"]) == (1, 1)
    assert objects.course("X001")["workflow_state"] == "claimed"


async def test_preserves_data_into_copied_xlist_courses(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should preserve data into copied xlist courses"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active",
                                       "C002,TC 102,Test Course 102,,,active")
    await sis.process_csv_data_cleanly(
        SECTIONS,
        "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active",
        "S002,C001,Sec2,2012-12-05 00:00:00,2012-12-14 00:00:00,active",
        "S003,C001,Sec3,2012-12-05 00:00:00,2012-12-14 00:00:00,active",
        "S004,C002,Sec4,2012-12-05 00:00:00,2012-12-14 00:00:00,active",
        "S005,C002,Sec5,2012-12-05 00:00:00,2012-12-14 00:00:00,active")

    def deleted(*sis_ids: str) -> list[bool]:
        return [objects.course(sis_id)["workflow_state"] == "deleted" for sis_id in sis_ids]

    assert deleted("C001", "C002") == [False, False]
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active", "X001,S002,active",
                                       "X002,S004,active", "X002,S005,active")
    assert deleted("C001", "C002", "X001", "X002") == [False] * 4
    assert [(await course(sis, c))["name"] for c in ("X001", "X002")] == ["Test Course 101", "Test Course 102"]
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 103,Test Course 103,,,active",
                                       "C002,TC 104,Test Course 104,,,active")
    assert deleted("C001", "C002", "X001", "X002") == [False] * 4
    assert [(await course(sis, c))["name"] for c in ("X001", "X002")] == ["Test Course 103", "Test Course 104"]
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,deleted", "X001,S002,deleted",
                                       "X002,S004,deleted", "X002,S005,deleted")
    assert deleted("C001", "C002", "X001", "X002") == [False] * 4


async def test_works_with_xlists_with_an_xlist_course_defined(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should work with xlists with an xlist course defined"."""
    await sis.process_csv_data_cleanly(COURSES, "X001,TC 102,Test Course 102,,,active",
                                       "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active",
                                       "S002,C001,Sec2,2012-12-05 00:00:00,2012-12-14 00:00:00,active")
    assert await placement(sis, "S001") == ("C001", None)
    assert await section_ids_of(sis, "C001") == ["S001", "S002"]
    assert await course(sis, "X001") is not None

    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert await placement(sis, "S001") == ("X001", "C001")
    assert await section_ids_of(sis, "C001") == ["S002"]

    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,deleted")
    assert await section_ids_of(sis, "X001") == []
    assert await placement(sis, "S001") == ("C001", None)
    assert await section_ids_of(sis, "C001") == ["S001", "S002"]
    assert (await course(sis, "X001"))["name"] == "Test Course 102"


async def test_works_with_xlist_courses_in_crazy_orders(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should work with xlist courses in crazy orders"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(
        SECTIONS, *[f"S00{i},C001,Sec{i},2011-1-05 00:00:00,2011-4-14 00:00:00,active" for i in range(1, 6)])
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active", "X001,S002,active", "X001,S003,active",
                                       "X002,S004,active", "X001,S005,active")
    assert await section_ids_of(sis, "X001") == ["S001", "S002", "S003", "S005"]
    assert await section_ids_of(sis, "X002") == ["S004"]


async def test_is_idempotent_with_active_xlists(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should be idempotent with active xlists"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    for _ in range(3):
        await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
        assert await placement(sis, "S001") == ("X001", "C001")


async def test_is_idempotent_with_deleted_xlists(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should be idempotent with deleted xlists"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert await placement(sis, "S001") == ("X001", "C001")
    for _ in range(3):
        await sis.process_csv_data_cleanly(XLISTS, "X001,S001,deleted")
        assert await placement(sis, "S001") == ("C001", None)


async def test_is_able_to_move_around_a_section_and_then_uncrosslist_back_to_the_original(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should be able to move around a section and then uncrosslist
    back to the original"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    for i in range(3):
        await sis.process_csv_data_cleanly(XLISTS, f"X00{i},S001,active")
        assert await placement(sis, "S001") == (f"X00{i}", "C001")
    # X101 names no course: the section is uncrosslisted wherever it is.
    await sis.process_csv_data_cleanly(XLISTS, "X101,S001,deleted")
    assert await placement(sis, "S001") == ("C001", None)


async def test_is_able_to_handle_additional_section_updates_and_not_screw_up_the_crosslisting(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should be able to handle additional section updates and not
    screw up the crosslisting"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert await placement(sis, "S001") == ("X001", "C001")
    assert (await section(sis, "S001"))["name"] == "Sec1"
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec2,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert await placement(sis, "S001") == ("X001", "C001")
    assert (await section(sis, "S001"))["name"] == "Sec2"


async def test_is_able_to_move_a_non_crosslisted_section_between_courses(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should be able to move a non-crosslisted section between courses"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active",
                                       "C002,TC 102,Test Course 102,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert await placement(sis, "S001") == ("C001", None)
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C002,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert await placement(sis, "S001") == ("C002", None)


async def test_uncrosslists_a_section_if_it_is_getting_moved_from_the_original_course(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should uncrosslist a section if it is getting moved from the
    original course"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active",
                                       "C002,TC 102,Test Course 102,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert await placement(sis, "S001") == ("X001", "C001")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C002,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert await placement(sis, "S001") == ("C002", None)


async def test_uncrosslists_a_section_if_the_course_has_been_deleted(sis: SisSpec) -> None:
    """section_importer_spec.rb: "should uncrosslist a section if the course has been deleted"
    (the cross-list course is deleted through courses.csv: Canvas's ``destroy``)."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active",
                                       "C002,TC 102,Test Course 102,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert await placement(sis, "S001") == ("X001", "C001")
    await sis.process_csv_data_cleanly(COURSES, "X001,TC 101,Test Course 101,,,deleted")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert await placement(sis, "S001") == ("C001", None)


def crosslist_by_hand(objects: Objects, course_sis_id: str) -> None:
    """``section.crosslist_to_course`` outside SIS: the section's course becomes stuck."""
    s1 = objects.section("S001")
    objects.edit_by_hand("course_sections", s1["id"], course_id=objects.course(course_sis_id)["id"],
                         nonxlist_course_id=s1["nonxlist_course_id"] or s1["course_id"])


def uncrosslist_by_hand(objects: Objects) -> None:
    """``section.uncrosslist`` outside SIS: back home, the section's course stuck."""
    s1 = objects.section("S001")
    objects.edit_by_hand("course_sections", s1["id"], course_id=s1["nonxlist_course_id"], nonxlist_course_id=None)


def clear_course_stickiness(objects: Objects) -> None:
    """``section.clear_sis_stickiness :course_id``."""
    s1 = objects.section("S001")
    stuck = [f for f in s1["stuck_sis_fields"].split(",") if f and f != "course_id"]
    objects.conn.execute("UPDATE course_sections SET stuck_sis_fields = ? WHERE id = ?", (",".join(stuck), s1["id"]))
    objects.conn.commit()


async def test_leaves_a_section_alone_if_a_section_has_been_crosslisted_manually(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should leave a section alone if a section has been crosslisted manually"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active",
                                       "C002,TC 102,Test Course 102,,,active", "C003,TC 103,Test Course 103,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert await placement(sis, "S001") == ("C001", None)
    await sis.process_csv_data_cleanly(XLISTS, "C002,S001,active")
    assert await placement(sis, "S001") == ("C002", "C001")
    await sis.process_csv_data_cleanly(XLISTS, "C002,S001,deleted")
    assert await placement(sis, "S001") == ("C001", None)
    crosslist_by_hand(objects, "C002")
    assert await placement(sis, "S001") == ("C002", "C001")
    await sis.process_csv_data_cleanly(XLISTS, "C002,S001,deleted")
    assert await placement(sis, "S001") == ("C002", "C001")
    await sis.process_csv_data_cleanly(XLISTS, "C003,S001,active")
    assert await placement(sis, "S001") == ("C002", "C001")
    uncrosslist_by_hand(objects)
    clear_course_stickiness(objects)
    assert await placement(sis, "S001") == ("C001", None)
    await sis.process_csv_data_cleanly(XLISTS, "C003,S001,active")
    assert await placement(sis, "S001") == ("C003", "C001")
    await sis.process_csv_data_cleanly(XLISTS, "C003,S001,deleted")
    assert await placement(sis, "S001") == ("C001", None)


async def test_leaves_a_section_alone_if_a_section_has_been_decrosslisted_manually(sis: SisSpec, objects: Objects) -> None:
    """section_importer_spec.rb: "should leave a section alone if a section has been decrosslisted manually"."""
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,,,active",
                                       "C002,TC 102,Test Course 102,,,active", "C003,TC 103,Test Course 103,,,active")
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    assert await placement(sis, "S001") == ("C001", None)
    await sis.process_csv_data_cleanly(XLISTS, "C002,S001,active")
    assert await placement(sis, "S001") == ("C002", "C001")
    uncrosslist_by_hand(objects)
    assert await placement(sis, "S001") == ("C001", None)
    await sis.process_csv_data_cleanly(XLISTS, "C002,S001,active")
    clear_course_stickiness(objects)
    assert await placement(sis, "S001") == ("C001", None)
    await sis.process_csv_data_cleanly(XLISTS, "C002,S001,active")
    assert await placement(sis, "S001") == ("C002", "C001")
