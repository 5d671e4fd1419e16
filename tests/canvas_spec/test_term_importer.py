"""Canvas's spec/lib/sis/csv/term_importer_spec.rb, against this server.

Terms are read through ``/api/v1/accounts/1/terms/sis_term_id:X``; their per-role date
overrides, deleted terms and stuck fields from the database.
"""

from __future__ import annotations

from typing import Any

from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects

TERMS = "term_id,name,status,start_date,end_date"
OVERRIDES = TERMS + ",date_override_enrollment_type"


async def term(sis: SisSpec, sis_id: str) -> dict[str, Any]:
    found = await sis.find(f"/api/v1/accounts/1/terms/sis_term_id:{sis_id}")
    assert found is not None, sis_id
    return found


def sis_terms(objects: Objects) -> int:
    """``EnrollmentTerm.where.not(sis_source_id: nil).count``."""
    return objects.value("SELECT count(*) FROM enrollment_terms WHERE sis_source_id IS NOT NULL")


def override(objects: Objects, term_sis_id: str, enrollment_type: str) -> dict[str, Any] | None:
    found = objects.rows("enrollment_dates_overrides", order="enrollment_type",
                         enrollment_term_id=objects.term(term_sis_id)["id"], enrollment_type=enrollment_type)
    return found[0] if found else None


async def test_skips_bad_content(sis: SisSpec, objects: Objects) -> None:
    """term_importer_spec.rb: "skips bad content"."""
    importer = await sis.process_csv_data(TERMS, "T001,Winter11,active,,", ",Winter13,active,,",
                                          "T002,Winter10,inactive,,", "T003,,active,,")
    assert sis_terms(objects) == 1
    assert importer.messages == ["No term_id given for a term", 'Improper status "inactive" for term T002',
                                 "No name given for term T003"]


async def test_creates_terms(sis: SisSpec, objects: Objects) -> None:
    """term_importer_spec.rb: "creates terms"."""
    importer = await sis.process_csv_data(TERMS, "T001,Winter11,active,2011-1-05 00:00:00,2011-4-14 00:00:00",
                                          "T002,Winter12,active,2012-13-05 00:00:00,2012-14-14 00:00:00",
                                          "T003,Winter13,active,,")
    assert sis_terms(objects) == 3
    t1 = await term(sis, "T001")
    assert (t1["name"], t1["start_at"], t1["end_at"]) == ("Winter11", "2011-01-05T00:00:00Z", "2011-04-14T00:00:00Z")
    t2 = await term(sis, "T002")
    assert (t2["name"], t2["start_at"], t2["end_at"]) == ("Winter12", None, None)
    assert importer.messages == ["Bad date format for term T002"]


async def test_supports_stickiness(sis: SisSpec, objects: Objects) -> None:
    """term_importer_spec.rb: "supports stickiness"."""
    await sis.process_csv_data(TERMS, "T001,Winter11,active,2011-1-05 00:00:00,2011-4-14 00:00:00")
    assert sis_terms(objects) == 1
    t = await term(sis, "T001")
    assert (t["name"], t["start_at"], t["end_at"]) == ("Winter11", "2011-01-05T00:00:00Z", "2011-04-14T00:00:00Z")
    await sis.process_csv_data(TERMS, "T001,Winter12,active,2010-1-05 00:00:00,2010-4-14 00:00:00")
    assert sis_terms(objects) == 1
    t = await term(sis, "T001")
    assert (t["name"], t["start_at"], t["end_at"]) == ("Winter12", "2010-01-05T00:00:00Z", "2010-04-14T00:00:00Z")
    objects.edit_by_hand("enrollment_terms", t["id"], name="Fall11",
                         start_at="2009-01-05T00:00:00Z", end_at="2009-04-14T00:00:00Z")
    await sis.process_csv_data(TERMS, "T001,Fall12,active,2011-1-05 00:00:00,2011-4-14 00:00:00")
    assert sis_terms(objects) == 1
    t = await term(sis, "T001")
    assert (t["name"], t["start_at"], t["end_at"]) == ("Fall11", "2009-01-05T00:00:00Z", "2009-04-14T00:00:00Z")


async def test_does_not_delete_terms_with_active_courses(sis: SisSpec, objects: Objects) -> None:
    """term_importer_spec.rb: "does not delete terms with active courses" (the course is made and
    destroyed through courses.csv)."""
    await sis.process_csv_data(TERMS, "T001,Winter11,active,2011-1-05 00:00:00,2011-4-14 00:00:00")
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,term_id,status", "C001,C1,Course 1,T001,active")
    importer = await sis.process_csv_data(TERMS, "T001,Winter11,deleted,2011-1-05 00:00:00,2011-4-14 00:00:00")
    assert objects.term("T001")["workflow_state"] != "deleted"
    assert "Cannot delete a term with active courses" in importer.messages[0]
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,term_id,status", "C001,C1,Course 1,T001,deleted")
    await sis.process_csv_data(TERMS, "T001,Winter11,deleted,2011-1-05 00:00:00,2011-4-14 00:00:00")
    assert objects.term("T001")["workflow_state"] == "deleted"


async def test_allows_setting_and_removing_enrollment_type_date_overrides(sis: SisSpec, objects: Objects) -> None:
    """term_importer_spec.rb: "allows setting and removing enrollment type date overrides"."""
    await sis.process_csv_data(OVERRIDES, "T001,Winter11,active,2011-1-05 00:00:00,2011-4-14 00:00:00,",
                               "T001,Winter11,active,2012-1-05 00:00:00,2012-4-14 00:00:00,StudentEnrollment")
    found = override(objects, "T001", "StudentEnrollment")
    assert (found["start_at"], found["end_at"]) == ("2012-01-05T00:00:00Z", "2012-04-14T00:00:00Z")
    await sis.process_csv_data(OVERRIDES, "T001,,deleted,,,StudentEnrollment")
    assert override(objects, "T001", "StudentEnrollment") is None


async def test_makes_manual_enrollment_type_date_change_overrides_sticky(sis: SisSpec, objects: Objects) -> None:
    """term_importer_spec.rb: "makes manual enrollment type date change overrides sticky"."""
    await sis.process_csv_data(OVERRIDES, "T001,Winter24,active,2024-01-01 00:00:00,2024-05-01 00:00:00,",
                               "T001,Winter24,active,2024-01-01 00:00:00,2024-04-25 00:00:00,StudentEnrollment",
                               "T001,Winter24,active,2023-12-31 00:00:00,2024-04-25 00:00:00,TeacherEnrollment")
    # override.end_at = ...; override.save! (a save outside SIS sticks the changed date)
    objects.conn.execute(
        "UPDATE enrollment_dates_overrides SET end_at = '2024-04-30T00:00:00Z', stuck_sis_fields = 'end_at'"
        " WHERE enrollment_term_id = ? AND enrollment_type = 'StudentEnrollment'", (objects.term("T001")["id"],))
    objects.conn.commit()
    await sis.process_csv_data(OVERRIDES, "T001,Winter24,active,2024-1-02 00:00:00,2024-04-26 00:00:00,StudentEnrollment")
    assert override(objects, "T001", "StudentEnrollment")["end_at"] == "2024-04-30T00:00:00Z"
    assert override(objects, "T001", "TeacherEnrollment") is not None
    await sis.process_csv_data(OVERRIDES, "T001,Winter24,deleted,,,StudentEnrollment",
                               "T001,Winter24,deleted,,,TeacherEnrollment")
    assert override(objects, "T001", "StudentEnrollment") is not None
    assert override(objects, "T001", "TeacherEnrollment") is None
