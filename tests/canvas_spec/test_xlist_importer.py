"""Canvas's spec/lib/sis/csv/xlist_importer_spec.rb, against this server.

Every case of the spec lives in its context "account associations", whose ``before`` builds the
same accounts and courses. This server keeps no course account associations: a case that checks
them is ported where they follow from an observable field (the account a cross-listing course
copied), see tests/canvas_spec/SKIPPED.md for the rest.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects

COURSES = "course_id,short_name,long_name,account_id,term_id,status"
SECTIONS = "section_id,course_id,name,start_date,end_date,status"
XLISTS = "xlist_course_id,section_id,status"


@pytest.fixture
async def associations(sis: SisSpec) -> SisSpec:
    """The context's ``before(:each)``: four accounts and five courses."""
    await sis.process_csv_data_cleanly(
        "account_id,parent_account_id,name,status",
        "A001,,Humanities,active",
        "A002,A001,English,active",
        "A003,A002,English Literature,active",
        "A004,,Awesomeness,active")
    await sis.process_csv_data_cleanly(
        COURSES,
        "C001,TC 101,Test Course 101,,,active",
        "C002,TC 101,Test Course 101,A001,,active",
        "C003,TC 101,Test Course 101,A002,,active",
        "C004,TC 101,Test Course 101,A003,,active",
        "C005,TC 101,Test Course 101,A004,,active")
    return sis


async def course(sis: SisSpec, sis_id: str) -> dict[str, Any] | None:
    return await sis.find(f"/api/v1/courses/sis_course_id:{sis_id}")


async def test_has_proper_account_associations_when_new(associations: SisSpec, objects: Objects) -> None:
    """xlist_importer_spec.rb: "has proper account associations when new" (X001's associations
    [A001, root] are those of its account, A001, copied from the section's course)."""
    sis = associations
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C002,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert (await course(sis, "X001"))["account_id"] == objects.account("A001")["id"]
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,deleted")
    assert (await course(sis, "X001"))["account_id"] == objects.account("A001")["id"]


async def test_has_proper_account_associations_when_being_undeleted(associations: SisSpec, objects: Objects) -> None:
    """xlist_importer_spec.rb: "has proper account associations when being undeleted"."""
    sis = associations
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C002,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active",
                                       "S002,C002,Sec2,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert objects.course("X001")["workflow_state"] != "deleted"
    await sis.process_csv_data_cleanly(COURSES, "X001,TC 101,Test Course 101,,,deleted")
    assert objects.course("X001")["workflow_state"] == "deleted"
    await sis.process_csv_data_cleanly(XLISTS, "X001,S002,active")
    assert objects.course("X001")["workflow_state"] != "deleted"
    assert (await course(sis, "X001"))["account_id"] == objects.account("A001")["id"]


async def test_gets_account_associations_updated_when_the_template_course_is_updated(
        associations: SisSpec, objects: Objects) -> None:
    """xlist_importer_spec.rb: "gets account associations updated when the template course is
    updated" (X001 follows the account of C001, the course it was made from)."""
    sis = associations
    await sis.process_csv_data_cleanly(SECTIONS, "S001,C001,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    assert [(await course(sis, c))["account_id"] for c in ("C001", "X001")] == [1, 1]
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,A004,,active")
    a004 = objects.account("A004")["id"]
    assert [(await course(sis, c))["account_id"] for c in ("C001", "X001")] == [a004, a004]
    await sis.process_csv_data_cleanly(COURSES, "C001,TC 101,Test Course 101,A001,,active")
    a001 = objects.account("A001")["id"]
    assert [(await course(sis, c))["account_id"] for c in ("C001", "X001")] == [a001, a001]


async def test_allows_enrollments_on_crosslisted_sections_original_course(associations: SisSpec) -> None:
    """xlist_importer_spec.rb: "allows enrollments on crosslisted sections' original course"."""
    sis = associations
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,email,status",
                                       "user_1,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly("section_id,course_id,name,status,start_date,end_date", "S001,C001,Sec1,active,,")
    enrollment = ("course_id,user_id,role,section_id,status,associated_user_id", "C001,user_1,student,S001,active,")
    await sis.process_csv_data_cleanly(*enrollment)

    async def students(course_sis_id: str) -> list[str]:
        users = await sis.api(f"/api/v1/courses/sis_course_id:{course_sis_id}/users",
                              **{"enrollment_type[]": "student"})
        return [u["name"] for u in users]

    assert await students("C001") == ["User Uno"]
    assert await course(sis, "X001") is None
    await sis.process_csv_data_cleanly(XLISTS, "X001,S001,active")
    await sis.process_csv_data_cleanly(*enrollment)
    assert await students("C001") == []
    assert await students("X001") == ["User Uno"]
