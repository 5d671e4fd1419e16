"""Canvas's spec/lib/sis/csv/group_category_importer_spec.rb, against this server."""

from __future__ import annotations

import pytest

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects

SPEC = "spec/lib/sis/csv/group_category_importer_spec.rb"


@pytest.fixture
async def a001(sis: SisSpec) -> SisSpec:
    """before(:once): the sub-account A001."""
    await factories.account(sis, "A001")
    return sis


async def test_should_skip_bad_content(a001: SisSpec, objects: Objects) -> None:
    """group_category_importer_spec.rb: "should skip bad content"."""
    importer = await a001.process_csv_data(
        "group_category_id,account_id,category_name,status,course_id",
        "GC001,A001,Group Cat 1,active",
        "Gc002,A001,Group Cat 2,blerged",
        "Gc003,A001,,active",
        "Gc004,invalid,Group Cat 4,active",
        "Gc004,invalid,Group Cat 4,active,invalid",
        ",A001,G1,active")
    assert importer.messages == [
        'Improper status "blerged" for group category Gc002, skipping',
        "No name given for group category Gc003",
        'Account with id "invalid" didn\'t exist for group category Gc004',
        "Only one context is allowed and both course_id and account_id where provided for group category Gc004.",
        "No sis_id given for a group category",
    ]
    assert [c["sis_source_id"] for c in objects.rows("group_categories")] == ["GC001"]


async def test_should_ensure_group_category_id_is_unique(a001: SisSpec, objects: Objects) -> None:
    """group_category_importer_spec.rb: "should ensure group_category_id is unique"."""
    importer = await a001.process_csv_data(
        "group_category_id,category_name,status",
        "gc1,Some Category,active",
        "gc1,Other Category,active")
    assert importer.state == "imported"
    assert [(c["sis_source_id"], c["name"]) for c in objects.rows("group_categories")] == [
        ("gc1", "Other Category")]


async def test_should_create_group_categories(a001: SisSpec, objects: Objects) -> None:
    """group_category_importer_spec.rb: "should create group categories"."""
    sub = objects.account("A001")
    await a001.process_csv_data_cleanly(
        "group_category_id,account_id,course_id,category_name,status",
        'Gc001,,"",Group Cat 1,active',
        "Gc002,A001,,Group Cat 2,active")
    category = objects.get("group_categories", sis_source_id="Gc001")
    assert (category["context_type"], category["context_id"]) == ("Account", 1)
    assert category["name"] == "Group Cat 1"
    assert category["workflow_state"] == "active"  # deleted_at is nil
    category2 = objects.get("group_categories", sis_source_id="Gc002")
    assert (category2["context_type"], category2["context_id"]) == ("Account", sub["id"])


async def test_should_allow_moving_group_categories(a001: SisSpec, objects: Objects) -> None:
    """group_category_importer_spec.rb: "should allow moving group categories"."""
    sub = objects.account("A001")
    await a001.process_csv_data_cleanly(
        "group_category_id,account_id,category_name,status",
        "Gc001,,Group Cat 1,active",
        "Gc002,A001,Group Cat 2,active")
    category = objects.get("group_categories", sis_source_id="Gc001")
    category2 = objects.get("group_categories", sis_source_id="Gc002")
    assert (category["context_id"], category2["context_id"]) == (1, sub["id"])
    await a001.process_csv_data_cleanly(
        "group_category_id,account_id,category_name,status",
        "Gc001,A001,Group Cat 1,active",
        "Gc002,,Group Cat 2,active")
    assert objects.reload("group_categories", category)["context_id"] == sub["id"]
    assert objects.reload("group_categories", category2)["context_id"] == 1


async def test_should_fail_model_validations(a001: SisSpec) -> None:
    """group_category_importer_spec.rb: "should fail model validations"."""
    importer = await a001.process_csv_data(
        "group_category_id,account_id,category_name,status",
        "Gc001,,Group Cat 1,active",
        "Gc002,,Group Cat 1,active")
    assert importer.messages == [
        "A group category did not pass validation (group category: Gc002, error: Name Group Cat 1 is already in use.)"]


async def test_should_create_in_a_course(a001: SisSpec, objects: Objects) -> None:
    """group_category_importer_spec.rb: "should create in a course."."""
    await factories.course(a001, "c01")
    await a001.process_csv_data_cleanly(
        "group_category_id,course_id,category_name,status",
        "Gc001,c01,Group Cat 1,active")
    category = objects.get("group_categories", sis_source_id="Gc001")
    assert (category["context_type"], category["context_id"]) == ("Course", objects.course("c01")["id"])


async def test_should_not_allow_moving_a_group_category_with_groups(a001: SisSpec, objects: Objects) -> None:
    """group_category_importer_spec.rb: "should not allow moving a group category with groups"."""
    await a001.process_csv_data_cleanly("group_category_id,category_name,status", "Gc001,gc1,active")
    await a001.process_csv_data_cleanly("group_id,name,status,group_category_id", "G1,G1,available,Gc001")
    await factories.course(a001, "c01")
    importer = await a001.process_csv_data(
        "group_category_id,course_id,category_name,status",
        "Gc001,c01,Group Cat 1,active")
    assert importer.messages[-1] == "Cannot move group category Gc001 because it has groups in it."
    category = objects.get("group_categories", sis_source_id="Gc001")
    assert (category["context_type"], category["context_id"], category["name"]) == ("Account", 1, "gc1")


async def test_should_delete_and_restore_group_categories(a001: SisSpec, objects: Objects) -> None:
    """group_category_importer_spec.rb: "should delete and restore group categories"."""
    await a001.process_csv_data_cleanly(
        "group_category_id,account_id,category_name,status",
        "Gc001,,Group Cat 1,active",
        "Gc002,A001,Group Cat 2,deleted")
    assert objects.get("group_categories", sis_source_id="Gc001")["workflow_state"] == "active"
    assert objects.get("group_categories", sis_source_id="Gc002")["workflow_state"] == "deleted"
    await a001.process_csv_data_cleanly(
        "group_category_id,account_id,category_name,status",
        "Gc001,,Group Cat 1,deleted",
        "Gc002,A001,Group Cat 2,active")
    assert objects.get("group_categories", sis_source_id="Gc001")["workflow_state"] == "deleted"
    assert objects.get("group_categories", sis_source_id="Gc002")["workflow_state"] == "active"


async def test_should_not_fail_on_refactored_importer(a001: SisSpec) -> None:
    """group_category_importer_spec.rb: "should not fail on refactored importer"."""
    importer = await a001.process_csv_data_cleanly(
        "group_category_id,account_id,category_name,status",
        "Gc002,A001,Group Cat 2,deleted")
    assert importer.errors == []
