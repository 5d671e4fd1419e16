"""Canvas's spec/lib/sis/csv/abstract_course_importer_spec.rb, against this server.

Abstract courses have no read endpoint (Canvas has none either): they are read from the
database; the courses made from them through ``/api/v1/courses/sis_course_id:X``.
"""

from __future__ import annotations

from typing import Any

from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects

ABSTRACT = "abstract_course_id,short_name,long_name,account_id,term_id,status"
TERM = ("term_id,name,status,start_date,end_date", "T001,Winter13,active,,")
ACCOUNT = ("account_id,parent_account_id,name,status", "A001,,TestAccount,active")


def last_abstract_course(objects: Objects) -> dict[str, Any]:
    return objects.rows("abstract_courses")[-1]


async def course(sis: SisSpec, sis_id: str) -> dict[str, Any]:
    found = await sis.find(f"/api/v1/courses/sis_course_id:{sis_id}")
    assert found is not None, sis_id
    return found


async def test_skips_bad_content(sis: SisSpec, objects: Objects) -> None:
    """abstract_course_importer_spec.rb: "should skip bad content"."""
    importer = await sis.process_csv_data(
        ABSTRACT,
        "C001,Hum101,Humanities,A001,T001,active",
        ",Hum102,Humanities 2,A001,T001,active",
        "C003,Hum102,Humanities 2,A001,T001,inactive",
        "C004,,Humanities 2,A001,T001,active",
        "C005,Hum102,,A001,T001,active")
    assert objects.count("abstract_courses") == 1
    assert importer.failures == []
    assert importer.warnings == ["No abstract_course_id given for an abstract course",
                                 'Improper status "inactive" for abstract course C003',
                                 "No short_name given for abstract course C004",
                                 "No long_name given for abstract course C005"]


async def test_supports_sticky_fields(sis: SisSpec, objects: Objects) -> None:
    """abstract_course_importer_spec.rb: "should support sticky fields"."""
    await sis.process_csv_data_cleanly("term_id,name,status,start_date,end_date", "T001,Winter13,active,,",
                                       "T002,Spring14,active,,", "T003,Summer14,active,,", "T004,Fall14,active,,")
    await sis.process_csv_data_cleanly(*ACCOUNT)
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Hum101,Humanities,A001,T001,active")
    c = last_abstract_course(objects)
    assert (objects.count("abstract_courses"), c["name"], c["short_name"], c["enrollment_term_id"]) == (
        1, "Humanities", "Hum101", objects.term("T001")["id"])
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Math101,Mathematics,A001,T002,active")
    c = last_abstract_course(objects)
    assert (objects.count("abstract_courses"), c["name"], c["short_name"], c["enrollment_term_id"]) == (
        1, "Mathematics", "Math101", objects.term("T002")["id"])
    objects.edit_by_hand("abstract_courses", c["id"], name="Physics", short_name="Phys101",
                         enrollment_term_id=objects.term("T003")["id"])
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Thea101,Theater,A001,T004,active")
    c = last_abstract_course(objects)
    assert (objects.count("abstract_courses"), c["name"], c["short_name"], c["enrollment_term_id"]) == (
        1, "Physics", "Phys101", objects.term("T003")["id"])


async def test_creates_new_abstract_courses(sis: SisSpec, objects: Objects) -> None:
    """abstract_course_importer_spec.rb: "should create new abstract courses"."""
    await sis.process_csv_data_cleanly(*TERM)
    await sis.process_csv_data_cleanly(*ACCOUNT)
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Hum101,Humanities,A001,T001,active")
    assert objects.count("abstract_courses") == 1
    c = last_abstract_course(objects)
    assert (c["sis_source_id"], c["short_name"], c["name"], c["workflow_state"]) == (
        "C001", "Hum101", "Humanities", "active")
    assert objects.get("enrollment_terms", id=c["enrollment_term_id"])["name"] == "Winter13"
    assert objects.get("accounts", id=c["account_id"])["name"] == "TestAccount"
    assert c["root_account_id"] == 1


async def test_allows_instantiations_of_abstract_courses(sis: SisSpec, objects: Objects) -> None:
    """abstract_course_importer_spec.rb: "should allow instantiations of abstract courses"."""
    await sis.process_csv_data_cleanly(*TERM)
    await sis.process_csv_data_cleanly(*ACCOUNT)
    await sis.process_csv_data_cleanly(ABSTRACT, "AC001,Hum101,Humanities,A001,T001,active")
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,account_id,term_id,status,abstract_course_id",
                                       "C001,,,,,active,AC001")
    found = await course(sis, "C001")
    assert objects.course("C001")["abstract_course_id"] == objects.get("abstract_courses", sis_source_id="AC001")["id"]
    assert (found["course_code"], found["name"]) == ("Hum101", "Humanities")
    assert found["enrollment_term_id"] == objects.term("T001")["id"]
    assert (found["account_id"], found["root_account_id"]) == (objects.account("A001")["id"], 1)


async def test_skips_references_to_nonexistent_abstract_courses(sis: SisSpec, objects: Objects) -> None:
    """abstract_course_importer_spec.rb: "should skip references to nonexistent abstract courses"."""
    await sis.process_csv_data_cleanly(*TERM)
    await sis.process_csv_data_cleanly(*ACCOUNT)
    row = ("course_id,short_name,long_name,account_id,term_id,status,abstract_course_id",
           "C001,shortname,longname,,,active,AC001")
    importer = await sis.process_csv_data(*row)
    assert importer.failures == []
    assert importer.warnings == ["unknown abstract course id AC001, ignoring abstract course reference"]
    found = await course(sis, "C001")
    assert objects.course("C001")["abstract_course_id"] is None
    assert (found["course_code"], found["name"], found["account_id"], found["root_account_id"]) == (
        "shortname", "longname", 1, 1)
    assert found["enrollment_term_id"] == objects.get("enrollment_terms", is_default=1)["id"]
    await sis.process_csv_data_cleanly(ABSTRACT, "AC001,Hum101,Humanities,A001,T001,active")
    await sis.process_csv_data_cleanly(*row)
    found = await course(sis, "C001")
    assert objects.course("C001")["abstract_course_id"] == objects.get("abstract_courses", sis_source_id="AC001")["id"]
    assert (found["course_code"], found["name"]) == ("shortname", "longname")
    assert found["enrollment_term_id"] == objects.term("T001")["id"]
    assert (found["account_id"], found["root_account_id"]) == (objects.account("A001")["id"], 1)


async def test_supports_falling_back_to_a_fallback_account_if_the_primary_one_doesnt_exist(
        sis: SisSpec, objects: Objects) -> None:
    """abstract_course_importer_spec.rb: "should support falling back to a fallback account if the
    primary one doesn't exist"."""
    await sis.process_csv_data_cleanly(*ACCOUNT)
    await sis.process_csv_data_cleanly(ABSTRACT + ",fallback_account_id", "C001,Hum101,Humanities,NOEXIST,T001,active,A001")
    assert objects.count("abstract_courses") == 1
    c = last_abstract_course(objects)
    assert objects.get("accounts", id=c["account_id"])["name"] == "TestAccount"
    assert c["root_account_id"] == 1
