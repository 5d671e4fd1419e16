"""Canvas's spec/lib/sis/csv/course_importer_spec.rb, against this server.

Courses are read through ``/api/v1/courses/sis_course_id:X`` (workflow states as the API names
them: ``claimed`` is ``unpublished``); deleted courses and stuck fields from the database.
Canvas's account associations of a course are its account and that account's ancestors: the
cases that check them are ported as checks of the course's account.
"""

from __future__ import annotations

from typing import Any

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects

COURSES = "course_id,short_name,long_name,account_id,term_id,status"
DATED = COURSES + ",start_date,end_date"
TERMS = ("term_id,name,status,start_date,end_date",
         "T001,Winter13,active,,", "T002,Spring14,active,,", "T003,Summer14,active,,", "T004,Fall14,active,,")
ACCOUNTS = ("account_id,parent_account_id,name,status",
            "A001,,Humanities,active", "A002,,Humanities,active", "A003,,Humanities,active",
            "A004,,Humanities,active")


async def course(sis: SisSpec, sis_id: str) -> dict[str, Any]:
    found = await sis.find(f"/api/v1/courses/sis_course_id:{sis_id}")
    assert found is not None, sis_id
    return found


async def test_skips_bad_content(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "skips bad content"."""
    importer = await sis.process_csv_data(
        "course_id,short_name,long_name,term_id,status",
        "C001,Hum101,Humanities,T001,active",
        ",Hum102,Humanities 2,T001,active",
        "C003,Hum102,Humanities 2,T001,inactive",
        "C004,,Humanities 2,T001,active",
        "C005,Hum102,,T001,active")
    assert objects.count("courses") == 1
    assert importer.messages == ["No course_id given for a course",
                                 'Improper status "inactive" for course C003',
                                 "No short_name given for course C004",
                                 "No long_name given for course C005"]


async def test_creates_new_courses(sis: SisSpec) -> None:
    """course_importer_spec.rb: "creates new courses"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    found = await course(sis, "test_1")
    assert (found["course_code"], found["name"], found["account_id"]) == ("TC 101", "Test Course 101", 1)


async def test_throws_an_error_when_account_is_not_found(sis: SisSpec) -> None:
    """course_importer_spec.rb: "throws an error when account is not found"."""
    importer = await sis.process_csv_data(COURSES, "test_1,TC 101,Test Course 101,VERY_INVALID_ACCOUNT,,active")
    assert importer.messages == ['Account not found "VERY_INVALID_ACCOUNT" for course test_1']


async def test_supports_term_stickiness(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "supports term stickiness"."""
    await sis.process_csv_data_cleanly(*TERMS)
    await sis.process_csv_data_cleanly(COURSES + ",blueprint_course_id", 'test_1,TC 101,Test Course 101,,T001,active,""')
    assert (await course(sis, "test_1"))["enrollment_term_id"] == objects.term("T001")["id"]
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,T002,active")
    assert (await course(sis, "test_1"))["enrollment_term_id"] == objects.term("T002")["id"]
    objects.edit_by_hand("courses", objects.course("test_1")["id"], enrollment_term_id=objects.term("T003")["id"])
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,T004,active")
    assert (await course(sis, "test_1"))["enrollment_term_id"] == objects.term("T003")["id"]


async def test_supports_account_stickiness(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "supports account stickiness"."""
    await sis.process_csv_data_cleanly(*ACCOUNTS)
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,A001,,active")
    assert (await course(sis, "test_1"))["account_id"] == objects.account("A001")["id"]
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,A002,,active")
    assert (await course(sis, "test_1"))["account_id"] == objects.account("A002")["id"]
    objects.edit_by_hand("courses", objects.course("test_1")["id"], account_id=objects.account("A003")["id"])
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,A004,,active")
    assert (await course(sis, "test_1"))["account_id"] == objects.account("A003")["id"]


async def test_supports_term_stickiness_from_abstract_courses(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "supports term stickiness from abstract courses"."""
    await sis.process_csv_data_cleanly(*TERMS)
    abstract = "abstract_course_id,short_name,long_name,account_id,term_id,status"
    row = (COURSES + ",abstract_course_id", "test_1,TC 101,Test Course 101,,,active,AC001")
    await sis.process_csv_data_cleanly(abstract, "AC001,Hum101,Humanities,A001,T001,active")
    await sis.process_csv_data_cleanly(*row)
    assert (await course(sis, "test_1"))["enrollment_term_id"] == objects.term("T001")["id"]
    await sis.process_csv_data_cleanly(abstract, "AC001,Hum101,Humanities,A001,T002,active")
    await sis.process_csv_data_cleanly(*row)
    assert (await course(sis, "test_1"))["enrollment_term_id"] == objects.term("T002")["id"]
    objects.edit_by_hand("courses", objects.course("test_1")["id"], enrollment_term_id=objects.term("T003")["id"])
    await sis.process_csv_data_cleanly(abstract, "AC001,Hum101,Humanities,A001,T004,active")
    await sis.process_csv_data_cleanly(*row)
    assert (await course(sis, "test_1"))["enrollment_term_id"] == objects.term("T003")["id"]


async def test_does_not_blow_away_the_account_id_if_its_already_set(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "does not blow away the account id if it's already set"."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,Humanities,active")
    account = objects.account("A001")["id"]
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    assert (await course(sis, "test_1"))["account_id"] == 1
    assert account != 1
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,A001,,active")
    assert (await course(sis, "test_1"))["account_id"] == account
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    assert (await course(sis, "test_1"))["account_id"] == account


async def test_supports_falling_back_to_a_fallback_account_if_the_primary_one_doesnt_exist(
        sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "supports falling back to a fallback account if the primary one doesn't exist"."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,Humanities,active")
    await sis.process_csv_data_cleanly(COURSES + ",fallback_account_id",
                                       "test_1,TC 101,Test Course 101,NOEXIST,,active,A001")
    assert (await course(sis, "test_1"))["account_id"] == objects.account("A001")["id"]


async def test_renames_courses_that_have_not_had_their_name_manually_changed(sis: SisSpec) -> None:
    """course_importer_spec.rb: "renames courses that have not had their name manually changed"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active",
                                       "test_2,TB 101,Testing & Breaking 101,,,active")
    assert [(c["course_code"], c["name"]) for c in [await course(sis, "test_1"), await course(sis, "test_2")]] == [
        ("TC 101", "Test Course 101"), ("TB 101", "Testing & Breaking 101")]
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 102,Test Course 102,,,active",
                                       "test_2,TB 102,Testing & Breaking 102,,,active")
    assert [(c["course_code"], c["name"]) for c in [await course(sis, "test_1"), await course(sis, "test_2")]] == [
        ("TC 102", "Test Course 102"), ("TB 102", "Testing & Breaking 102")]


async def test_does_not_rename_courses_that_have_had_their_names_manually_changed(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "does not rename courses that have had their names manually changed"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    found = await course(sis, "test_1")
    assert (found["course_code"], found["name"]) == ("TC 101", "Test Course 101")
    objects.edit_by_hand("courses", found["id"], name="Haha my course lol", course_code="SUCKERS 101")
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 102,Test Course 102,,,active")
    found = await course(sis, "test_1")
    assert (found["course_code"], found["name"]) == ("SUCKERS 101", "Haha my course lol")


async def test_overrides_term_dates_if_the_start_or_end_dates_are_set(sis: SisSpec) -> None:
    """course_importer_spec.rb: "overrides term dates if the start or end dates are set"."""
    await sis.process_csv_data_cleanly(
        DATED,
        "test1,TC 101,Test Course 1,,,active,,",
        "test2,TC 102,Test Course 2,,,active,,2011-05-14 00:00:00",
        "test3,TC 103,Test Course 3,,,active,2011-04-14 00:00:00,",
        "test4,TC 104,Test Course 4,,,active,2011-04-14 00:00:00,2011-05-14 00:00:00")
    assert [(await course(sis, c))["restrict_enrollments_to_course_dates"]
            for c in ("test1", "test2", "test3", "test4")] == [False, True, True, True]


async def test_removes_dates_with_delete(sis: SisSpec) -> None:
    """course_importer_spec.rb: "removes dates with <delete>"."""
    await sis.process_csv_data_cleanly(DATED, "test4,TC 104,Test Course 4,,,active,2011-04-14 00:00:00,2011-05-14 00:00:00")
    assert (await course(sis, "test4"))["restrict_enrollments_to_course_dates"] is True
    await sis.process_csv_data_cleanly(DATED, "test4,TC 104,Test Course 4,,,active,<delete>,<delete>")
    found = await course(sis, "test4")
    assert (found["restrict_enrollments_to_course_dates"], found["start_at"], found["end_at"]) == (False, None, None)


def dates_of(found: dict[str, Any]) -> tuple[bool, str | None, str | None]:
    return found["restrict_enrollments_to_course_dates"], found["start_at"], found["end_at"]


async def test_supports_start_end_date_and_restriction_stickiness(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "supports start/end date and restriction stickiness"."""
    await sis.process_csv_data_cleanly(DATED, "test4,TC 104,Test Course 4,,,active,2011-04-14 00:00:00,2011-05-14 00:00:00")
    assert dates_of(await course(sis, "test4")) == (True, "2011-04-14T00:00:00Z", "2011-05-14T00:00:00Z")
    # The restriction changes without the dates getting stuck.
    objects.edit_by_hand("courses", objects.course("test4")["id"], restrict_enrollments_to_course_dates=0)
    # Without the date columns the dates and the restriction stay.
    await sis.process_csv_data_cleanly(COURSES, "test4,TC 104,Test Course 4,,,active")
    assert dates_of(await course(sis, "test4")) == (False, "2011-04-14T00:00:00Z", "2011-05-14T00:00:00Z")
    await sis.process_csv_data_cleanly(DATED, "test4,TC 104,Test Course 4,,,active,2012-04-14 00:00:00,2012-05-14 00:00:00")
    assert dates_of(await course(sis, "test4")) == (False, "2012-04-14T00:00:00Z", "2012-05-14T00:00:00Z")
    objects.edit_by_hand("courses", objects.course("test4")["id"],
                         start_at="2010-04-14T00:00:00Z", conclude_at="2010-05-14T00:00:00Z")
    await sis.process_csv_data_cleanly(DATED, "test4,TC 104,Test Course 4,,,active,2011-04-14 00:00:00,2011-05-14 00:00:00")
    assert dates_of(await course(sis, "test4")) == (False, "2010-04-14T00:00:00Z", "2010-05-14T00:00:00Z")


async def cross_listed_copies(sis: SisSpec) -> None:
    """The templated-course cases' start: c1 with dates, and c2 and c3 made by cross-listing its sections."""
    await sis.process_csv_data_cleanly(*TERMS)
    await sis.process_csv_data_cleanly(*ACCOUNTS)
    await sis.process_csv_data_cleanly(DATED, "c1,TC 101,Test Course 1,A001,T001,active,2011-04-14 00:00:00,2011-05-14 00:00:00")
    await sis.process_csv_data_cleanly("section_id,course_id,name,start_date,end_date,status",
                                       "s1,c1,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active",
                                       "s2,c1,Sec1,2011-1-05 00:00:00,2011-4-14 00:00:00,active")
    await sis.process_csv_data_cleanly("xlist_course_id,section_id,status", "c2,s1,active", "c3,s2,active")


async def fields_of(sis: SisSpec, objects: Objects, sis_id: str) -> tuple[Any, ...]:
    """(account, name, course code, term, start, end, restriction) of a course, by SIS ids."""
    found = await course(sis, sis_id)
    account = objects.get("accounts", id=found["account_id"])["sis_source_id"]
    term = objects.get("enrollment_terms", id=found["enrollment_term_id"])["sis_source_id"]
    return (account, found["name"], found["course_code"], term, found["start_at"], found["end_at"],
            found["restrict_enrollments_to_course_dates"])


async def test_does_not_change_templated_course_names_or_course_codes_if_the_course_has_those_fields_marked_as_sticky(
        sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "does not change templated course names or course codes if the
    course has those fields marked as sticky"."""
    await cross_listed_copies(sis)
    for c in ("c1", "c2", "c3"):
        assert await fields_of(sis, objects, c) == (
            "A001", "Test Course 1", "TC 101", "T001", "2011-04-14T00:00:00Z", "2011-05-14T00:00:00Z", True)
    await sis.process_csv_data_cleanly(DATED, "c1,TC 102,Test Course 2,A002,T002,active,2011-04-12 00:00:00,2011-05-12 00:00:00")
    for c in ("c1", "c2", "c3"):
        assert await fields_of(sis, objects, c) == (
            "A002", "Test Course 2", "TC 102", "T002", "2011-04-12T00:00:00Z", "2011-05-12T00:00:00Z", True)
    await sis.process_csv_data_cleanly(DATED, "c1,TC 102,Test Course 2,A002,T002,active,,")
    for c in ("c1", "c2", "c3"):
        assert await fields_of(sis, objects, c) == ("A002", "Test Course 2", "TC 102", "T002", None, None, False)
    objects.edit_by_hand("courses", objects.course("c1")["id"], account_id=objects.account("A003")["id"],
                         name="Test Course 3", course_code="TC 103", enrollment_term_id=objects.term("T003")["id"],
                         start_at="2011-04-13T00:00:00Z", conclude_at="2011-05-13T00:00:00Z",
                         restrict_enrollments_to_course_dates=1)
    await sis.process_csv_data_cleanly(DATED, "c1,TC 104,Test Course 4,A004,T004,active,2011-04-16 00:00:00,2011-05-16 00:00:00")
    assert await fields_of(sis, objects, "c1") == (
        "A003", "Test Course 3", "TC 103", "T003", "2011-04-13T00:00:00Z", "2011-05-13T00:00:00Z", True)
    for c in ("c2", "c3"):
        assert await fields_of(sis, objects, c) == ("A002", "Test Course 2", "TC 102", "T002", None, None, False)


async def test_does_not_change_templated_course_names_or_course_codes_if_the_templated_course_has_those_fields_marked_as_sticky(
        sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "does not change templated course names or course codes if the
    templated course has those fields marked as sticky"."""
    await cross_listed_copies(sis)
    for c in ("c1", "c2", "c3"):
        assert await fields_of(sis, objects, c) == (
            "A001", "Test Course 1", "TC 101", "T001", "2011-04-14T00:00:00Z", "2011-05-14T00:00:00Z", True)
    await sis.process_csv_data_cleanly(DATED, "c1,TC 102,Test Course 2,A002,T002,active,2011-04-12 00:00:00,2011-05-12 00:00:00")
    for c in ("c1", "c2", "c3"):
        assert await fields_of(sis, objects, c) == (
            "A002", "Test Course 2", "TC 102", "T002", "2011-04-12T00:00:00Z", "2011-05-12T00:00:00Z", True)
    await sis.process_csv_data_cleanly(DATED, "c1,TC 102,Test Course 2,A002,T002,active,,")
    for c in ("c1", "c2", "c3"):
        assert await fields_of(sis, objects, c) == ("A002", "Test Course 2", "TC 102", "T002", None, None, False)
    for c in ("c2", "c3"):
        objects.edit_by_hand("courses", objects.course(c)["id"], account_id=objects.account("A003")["id"],
                             name="Test Course 3", course_code="TC 103", enrollment_term_id=objects.term("T003")["id"],
                             start_at="2011-04-13T00:00:00Z", conclude_at="2011-05-13T00:00:00Z",
                             restrict_enrollments_to_course_dates=1)
    await sis.process_csv_data_cleanly(DATED, "c1,TC 104,Test Course 4,A004,T004,active,2011-04-16 00:00:00,2011-05-16 00:00:00")
    for c in ("c2", "c3"):
        assert await fields_of(sis, objects, c) == (
            "A003", "Test Course 3", "TC 103", "T003", "2011-04-13T00:00:00Z", "2011-05-13T00:00:00Z", True)
    assert await fields_of(sis, objects, "c1") == (
        "A004", "Test Course 4", "TC 104", "T004", "2011-04-16T00:00:00Z", "2011-05-16T00:00:00Z", True)


async def test_uses_the_default_term_if_none_given(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "uses the default term if none given" (its term without a SIS
    id cannot be made through SIS; the one with a SIS id is)."""
    await sis.process_csv_data_cleanly("term_id,name,status", "test,test,active")
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,status", "c1,c1,c1,active")
    default_term = objects.get("enrollment_terms", is_default=1)
    assert default_term["name"] == "Default Term"
    assert (await course(sis, "c1"))["enrollment_term_id"] == default_term["id"]


async def test_changes_course_account_associations_when_a_course_account_changes(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "changes course account associations when a course account
    changes" (context "account associations"; the associations are the account and its
    ancestors, checked here as the course's account and that account's chain)."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status",
                                       "A001,,Humanities,active", "A002,A001,English,active",
                                       "A003,A002,English Literature,active", "A004,,Awesomeness,active")

    async def chain() -> list[str | None]:
        account = objects.get("accounts", id=(await course(sis, "test_1"))["account_id"])
        names = []
        while account is not None:
            names.append(account["sis_source_id"])
            account = objects.find("accounts", id=account["parent_account_id"])
        return names

    for account, expected in (("", [None]), ("A001", ["A001", None]), ("A004", ["A004", None]),
                              ("A003", ["A003", "A002", "A001", None]), ("A001", ["A001", None])):
        await sis.process_csv_data_cleanly(COURSES, f"test_1,TC 101,Test Course 101,{account},,active")
        assert await chain() == expected


async def test_throws_error_when_restoring_a_course_form_deleted_account(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "throws error when restoring a course form deleted account"."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,del acc,active")
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,status,account_id",
                                       "C001,del course,del course,active,A001")
    assert (await course(sis, "C001"))["account_id"] == objects.account("A001")["id"]
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,status", "C001,del course,del course,deleted")
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,del acc,deleted")
    importer = await sis.process_csv_data("course_id,short_name,long_name,status", "C001,del course,del course,active")
    assert "Cannot restore course C001 because the associated account A001 is deleted" in importer.messages


async def test_makes_workflow_state_sticky(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "makes workflow_state sticky"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    assert objects.course("test_1")["workflow_state"] == "claimed"
    # course.process_event("offer"); course.complete
    objects.edit_by_hand("courses", objects.course("test_1")["id"], workflow_state="completed")
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active")
    assert (await course(sis, "test_1"))["workflow_state"] == "completed"


async def test_allows_publishing_a_course(sis: SisSpec) -> None:
    """course_importer_spec.rb: "allows publishing a course"."""
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,published")
    assert (await course(sis, "test_1"))["workflow_state"] == "available"


async def test_allows_publishing_an_existing_course(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "allows publishing an existing course"."""
    await factories.course(sis, "test_1")
    assert objects.course("test_1")["workflow_state"] == "claimed"
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,published")
    assert (await course(sis, "test_1"))["workflow_state"] == "available"


async def test_sets_and_updates_course_format(sis: SisSpec) -> None:
    """course_importer_spec.rb: "sets and updates course_format"."""
    await sis.process_csv_data_cleanly(COURSES + ",course_format", "test_1,TC 101,Test Course 101,,,active,online",
                                       "test_2,TC 102,Test Course 102,,,active,blended",
                                       "test_3,TC 103,Test Course 103,,,active,on_campus")
    assert [(await course(sis, c)).get("course_format") for c in ("test_1", "test_2", "test_3")] == [
        "online", "blended", "on_campus"]
    await sis.process_csv_data_cleanly(COURSES + ",course_format", "test_1,TC 101,Test Course 101,,,active,",
                                       'test_2,TC 102,Test Course 102,,,active,""',
                                       "test_3,TC 103,Test Course 103,,,active,blended")
    assert [(await course(sis, c)).get("course_format") for c in ("test_1", "test_2", "test_3")] == [
        None, None, "blended"]
    await sis.process_csv_data_cleanly(COURSES, "test_3,TC 103,Test Course 103,,,active")
    assert (await course(sis, "test_3"))["course_format"] == "blended"


async def test_rejects_invalid_course_format(sis: SisSpec) -> None:
    """course_importer_spec.rb: "rejects invalid course_format"."""
    importer = await sis.process_csv_data(COURSES + ",course_format", "test_1,TC 101,Test Course 101,,,active,FAT32")
    assert 'Invalid course_format "FAT32" for course test_1' in importer.messages


async def test_allows_unpublished_to_be_passed_for_active(sis: SisSpec) -> None:
    """course_importer_spec.rb: "allows unpublished to be passed for active"."""
    await sis.process_csv_data_cleanly(COURSES, "c1,TC 101,Test Course 1,,T001,unpublished")
    assert (await course(sis, "c1"))["workflow_state"] == "unpublished"


async def test_gives_one_warning_per_row(sis: SisSpec) -> None:
    """course_importer_spec.rb: "gives one warning per row" (context "blueprint courses")."""
    for x in (1, 2, 3):
        await factories.course(sis, f"acourse{x}")
    importer = await sis.process_csv_data("course_id,short_name,long_name,status,blueprint_course_id",
                                          *[f"acourse{x},shortname,long name,active,missingid" for x in (1, 2, 3)])
    assert sorted(importer.messages) == [f'Unknown blueprint course "missingid" for course "acourse{x}"'
                                         for x in (1, 2, 3)]


async def test_sets_and_updates_grade_passback_setting(sis: SisSpec) -> None:
    """course_importer_spec.rb: "sets and updates grade_passback_setting" (context "blueprint courses")."""
    header = COURSES + ",grade_passback_setting"
    await sis.process_csv_data_cleanly(header, "test_1,TC 101,Test Course 101,,,active,disabled",
                                       "test_2,TC 102,Test Course 102,,,active,not_set",
                                       "test_3,TC 103,Test Course 103,,,active,nightly_sync")
    assert [(await course(sis, c))["grade_passback_setting"] for c in ("test_1", "test_2", "test_3")] == [
        "disabled", None, "nightly_sync"]
    await sis.process_csv_data_cleanly(header, "test_1,TC 101,Test Course 101,,,active,",
                                       'test_2,TC 102,Test Course 102,,,active,""',
                                       "test_3,TC 103,Test Course 103,,,active,nightly_sync")
    assert [(await course(sis, c))["grade_passback_setting"] for c in ("test_1", "test_2", "test_3")] == [
        None, None, "nightly_sync"]
    await sis.process_csv_data_cleanly(COURSES, "test_3,TC 103,Test Course 103,,,active")
    assert (await course(sis, "test_3"))["grade_passback_setting"] == "nightly_sync"


async def test_respects_stuck_grade_passback_setting(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "respects stuck grade_passback setting" (context "blueprint courses")."""
    header = COURSES + ",grade_passback_setting"
    await sis.process_csv_data_cleanly(header, "test_1,TC 101,Test Course 101,,,active,nightly_sync")
    assert (await course(sis, "test_1"))["grade_passback_setting"] == "nightly_sync"
    objects.edit_by_hand("courses", objects.course("test_1")["id"], grade_passback_setting=None)
    await sis.process_csv_data_cleanly(header, "test_1,TC 101,Test Course 101,,,active,nightly_sync")
    assert (await course(sis, "test_1"))["grade_passback_setting"] is None


async def test_creates_course_with_homeroom_course_setting(sis: SisSpec) -> None:
    """course_importer_spec.rb: "creates course with homeroom_course setting" (describe "homeroom_course setting")."""
    await sis.process_csv_data_cleanly(COURSES + ",homeroom_course", "test_1,TC 101,Test Course 101,,,active,true",
                                       "test_2,TC 102,Test Course 102,,,active,0",
                                       "test_3,TC 103,Test Course 103,,,active,")
    assert [(await course(sis, c))["homeroom_course"] for c in ("test_1", "test_2", "test_3")] == [True, False, False]


async def test_updates_homeroom_course_setting(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "updates homeroom course setting" (describe "homeroom_course setting")."""
    await factories.course(sis, "test_1")
    await factories.course(sis, "test_2")
    objects.edit_by_hand("courses", objects.course("test_1")["id"], homeroom_course=1)
    await sis.process_csv_data_cleanly(COURSES + ",homeroom_course", "test_1,TC 101,Test Course 101,,,active,false",
                                       "test_2,TC 101,Test Course 101,,,active,1")
    assert [(await course(sis, c))["homeroom_course"] for c in ("test_1", "test_2")] == [False, True]


async def test_leaves_the_setting_unchanged_if_not_provided_in_csv(sis: SisSpec, objects: Objects) -> None:
    """course_importer_spec.rb: "leaves the setting unchanged if not provided in csv" (describe "homeroom_course setting")."""
    await factories.course(sis, "test_1")
    await factories.course(sis, "test_2")
    objects.edit_by_hand("courses", objects.course("test_1")["id"], homeroom_course=1)
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,,,active",
                                       "test_2,TC 101,Test Course 101,,,active")
    assert [(await course(sis, c))["homeroom_course"] for c in ("test_1", "test_2")] == [True, False]


async def test_does_not_import_friendly_name_if_its_blank(sis: SisSpec) -> None:
    """course_importer_spec.rb: "does not import friendly name if it's blank" (its account is an
    elementary one in Canvas, which no account of this server can be; the blank column is what
    the case is about)."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,Humanities,active")
    await sis.process_csv_data_cleanly(COURSES, "test_1,TC 101,Test Course 101,A001,,active")
    found = await course(sis, "test_1")
    assert (found["name"], found["friendly_name"]) == ("Test Course 101", None)


async def test_does_not_import_friendly_name_for_not_elementary_account(sis: SisSpec) -> None:
    """course_importer_spec.rb: "does not import friendly name for not elementary account"."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,Humanities,active")
    await sis.process_csv_data_cleanly(COURSES + ",friendly_name", "test_1,TC 101,Test Course 101,A001,,active,george")
    found = await course(sis, "test_1")
    assert (found["name"], found["friendly_name"]) == ("Test Course 101", None)
