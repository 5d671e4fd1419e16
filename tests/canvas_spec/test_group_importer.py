"""Canvas's spec/lib/sis/csv/group_importer_spec.rb, against this server."""

from __future__ import annotations

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects


async def test_skips_bad_content(sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "skips bad content"."""
    await factories.account(sis, "A001")
    importer = await sis.process_csv_data(
        "group_id,account_id,name,status,group_category_id,course_id",
        "G001,A001,Group 1,available,",
        "G001,,Group 1,available,,invalid",
        "G001,invalid,Group 1,available,,invalid",
        "G002,A001,Group 1,blerged,",
        "G003,A001,,available,",
        "G004,A004,Group 4,available,",
        ",A001,G1,available,",
        "G006,A001,Group 6,available,invalid")
    assert importer.messages == [
        "Course with sis id invalid didn't exist for group G001.",
        "Only one context is allowed and both course_id and account_id where provided for group G001.",
        'Improper status "blerged" for group G002.',
        "No name given for group G003.",
        "Account with sis id A004 didn't exist for group G004.",
        "No group_id given for a group.",
        "Group Category invalid didn't exist in account A001 for group G006.",
    ]
    assert [g["sis_source_id"] for g in objects.rows("groups")] == ["G001"]


async def test_creates_groups(sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "creates groups"."""
    await factories.account(sis, "A002", "sub")
    await sis.process_csv_data_cleanly(
        "group_id,account_id,name,status",
        "G001,,Group 1,available",
        "G002,A002,Group 2,deleted")
    groups = objects.rows("groups")
    assert [g["context_id"] for g in groups] == [1, objects.account("A002")["id"]]
    assert [g["sis_source_id"] for g in groups] == ["G001", "G002"]
    assert [g["name"] for g in groups] == ["Group 1", "Group 2"]
    assert [g["workflow_state"] for g in groups] == ["available", "deleted"]


async def test_creates_groups_with_no_account_id_column(sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "creates groups with no account id column"."""
    await sis.process_csv_data_cleanly("group_id,name,status", "G001,Group 1,available")
    groups = objects.rows("groups")
    assert [(g["context_type"], g["context_id"], g["sis_source_id"], g["name"], g["workflow_state"])
            for g in groups] == [("Account", 1, "G001", "Group 1", "available")]


async def test_updates_group_attributes(sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "updates group attributes"."""
    await factories.account(sis, "A002", "sub")
    await sis.process_csv_data_cleanly(
        "group_id,account_id,name,status",
        "G001,,Group 1,available",
        "G002,,Group 2,available")
    assert objects.count("groups") == 2
    objects.edit_by_hand("groups", objects.get("groups", sis_source_id="G001")["id"], name="Group 1-1")
    await sis.process_csv_data_cleanly(
        "group_id,account_id,name,status",
        "G001,,Group 1-b,available",
        "G002,A002,Group 2-b,deleted")
    groups = objects.rows("groups")
    assert [g["name"] for g in groups] == ["Group 1-1", "Group 2-b"]
    assert [g["root_account_id"] for g in groups] == [1, 1]
    assert [g["workflow_state"] for g in groups] == ["available", "deleted"]
    assert [g["context_id"] for g in groups] == [1, objects.account("A002")["id"]]


async def test_uses_group_category_id_and_set_sis_id(sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "uses group_category_id and set sis_id"."""
    await factories.account(sis, "A002", "sub")
    await sis.process_csv_data_cleanly(
        "group_category_id,account_id,category_name,status",
        "Gc001,,Group Cat 1,active",
        "Gc002,A002,Group Cat 2,active")
    await sis.process_csv_data_cleanly(
        "group_id,account_id,name,status,group_category_id",
        "G001,,Group 1,available,Gc001",
        "G002,,Group 2,available,Gc002")
    groups = [objects.get("groups", sis_source_id="G001"), objects.get("groups", sis_source_id="G002")]
    assert [g["context_id"] for g in groups] == [1, objects.account("A002")["id"]]
    assert [g["group_category_id"] for g in groups] == [c["id"] for c in objects.rows("group_categories")]


async def test_uses_course_id(sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "uses course_id"."""
    await factories.course(sis, "c001")
    await sis.process_csv_data_cleanly("group_id,course_id,name,status", "G001,c001,Group 1,available")
    group = objects.get("groups", sis_source_id="G001")
    assert (group["context_type"], group["context_id"]) == ("Course", objects.course("c001")["id"])


async def test_does_not_allow_changing_course_id_with_group_memberships(sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "does not allow changing course_id with group_memberships"."""
    await factories.course(sis, "c001")
    await factories.course(sis, "c002")
    await factories.group_with_member(sis, "G001", "c001", "U001")
    importer = await sis.process_csv_data("group_id,course_id,name,status", "G001,c002,Group 1,available")
    assert importer.messages[-1] == "Cannot move group G001 because it has group_memberships."
    assert objects.get("groups", sis_source_id="G001")["context_id"] == objects.course("c001")["id"]


async def test_does_not_update_the_group_category_when_a_group_with_a_matching_group_category_and_context_id_is_created(
        sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "does not update the group_category when a group with a matching
    group_category and context_id is created"."""
    await factories.course(sis, "c001")
    await sis.process_csv_data_cleanly("group_category_id,course_id,category_name,status",
                                       "gc001,c001,Group Category 1,active")
    course_id = objects.course("c001")["id"]
    await sis.process_csv_data("group_id,group_category_id,course_id,name,status",
                               "g001,gc001,c001,Group 1,available")
    assert objects.get("group_categories", sis_source_id="gc001")["context_id"] == course_id
    assert objects.get("groups", sis_source_id="g001")["group_category_id"] == \
        objects.get("group_categories", sis_source_id="gc001")["id"]


async def test_creates_a_default_group_category_of_student_groups_when_a_group_category_id_is_not_provided(
        sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "creates a default group_category of “Student Groups” when a
    group_category_id is not provided"."""
    await factories.course(sis, "c001")
    await sis.process_csv_data("group_id,course_id,name,status", "g001,c001,Group 1,available")
    group = objects.get("groups", sis_source_id="g001")
    category = objects.get("group_categories", id=group["group_category_id"])
    assert (category["name"], category["context_type"], category["context_id"]) == (
        "Student Groups", "Course", objects.course("c001")["id"])


async def test_updates_the_context_id_of_student_groups_group_category_to_match_the_course_for_an_existing_group(
        sis: SisSpec, objects: Objects) -> None:
    """group_importer_spec.rb: "updates the context_id of “Student Groups” group_category to match
    the course for an existing group"."""
    await factories.course(sis, "c001")
    await sis.process_csv_data_cleanly("group_id,course_id,name,status", "g001,c001,Group 1,available")
    category = objects.get("group_categories", name="Student Groups")
    objects.edit_by_hand("group_categories", category["id"], context_id=1234)
    await sis.process_csv_data("group_id,course_id,name,status", "g001,c001,Group 1,available")
    assert objects.reload("group_categories", category)["context_id"] == objects.course("c001")["id"]
