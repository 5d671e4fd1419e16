"""Canvas's spec/lib/sis/csv/change_sis_id_importer_spec.rb, against this server.

The objects are read back by their Canvas ids through the read endpoints (accounts, courses,
sections, terms, group categories, a user's logins).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects


async def managed_user(sis: SisSpec, objects: Objects, sis_id: str, integration_id: str = "") -> dict[str, Any]:
    """``user_with_managed_pseudonym(sis_user_id:)``, with an integration id when given
    (``p1.integration_id = 'int1'; p1.save!``); returns the login."""
    await sis.process_csv_data_cleanly("user_id,login_id,full_name,integration_id,status",
                                       f"{sis_id},{sis_id.lower()},{sis_id},{integration_id},active")
    return objects.login(sis_id)


async def login_of(sis: SisSpec, login: dict[str, Any]) -> dict[str, Any]:
    """``p1.reload``: the login as ``GET /users/:id/logins`` shows it."""
    logins = await sis.logins(login["user_id"])
    return next(found for found in logins if found["id"] == login["id"])


@pytest.fixture
async def gc(sis: SisSpec, objects: Objects) -> dict[str, Any]:
    """let!(:gc): ``group_category(context: @account, sis_source_id: 'GC1')``."""
    await sis.process_csv_data_cleanly("group_category_id,category_name,status", "GC1,GC1,active")
    return objects.get("group_categories", sis_source_id="GC1")


async def test_should_change_values_of_sis_ids(sis: SisSpec, objects: Objects) -> None:
    """change_sis_id_importer_spec.rb: "should change values of sis ids"."""
    p1 = await managed_user(sis, objects, "U001")
    await factories.account(sis, "sub1", "English")
    await factories.course(sis, "c001")
    await sis.process_csv_data_cleanly("section_id,course_id,name,status", "s001,c001,section1,active")
    await sis.process_csv_data_cleanly("term_id,name,status", "term1,term1,active")
    a, c = objects.account("sub1"), objects.course("c001")
    cs, t = objects.section("s001"), objects.term("term1")
    await sis.process_csv_data_cleanly("old_id,new_id,type", "U001,u00a,user", "sub1,sub_a,Account",
                                       "c001,c_a,COURSE", "s001,s_a,Section ", "term1,term_a,term")
    assert (await login_of(sis, p1))["sis_user_id"] == "u00a"
    assert (await sis.api(f"/api/v1/accounts/{a['id']}"))["sis_account_id"] == "sub_a"
    assert (await sis.api(f"/api/v1/courses/{c['id']}"))["sis_course_id"] == "c_a"
    assert (await sis.api(f"/api/v1/sections/{cs['id']}"))["sis_section_id"] == "s_a"
    assert (await sis.api(f"/api/v1/accounts/1/terms/{t['id']}"))["sis_term_id"] == "term_a"


async def test_should_give_errors_and_warnings(sis: SisSpec, objects: Objects) -> None:
    """change_sis_id_importer_spec.rb: "should give errors and warnings"."""
    await factories.course(sis, "c001")
    await factories.course(sis, "c002")
    importer = await sis.process_csv_data("old_id,new_id,type", "invalid,valid,term", ",blank,term", "blank,,term",
                                          "c_a,blank,", "c002,c001,course", "c001,new_id,invalid")
    assert importer.messages == [
        "An old_id, 'invalid', referenced a non-existent term and was not changed.",
        "No old_id or old_integration_id given for change_sis_id",
        "No new_id or new_integration_id given for change_sis_id",
        "No type given for change_sis_id",
        "A new_id, 'c001', referenced an existing course and the course with sis_source_id 'c002' was not updated",
        "Invalid type 'invalid' for change_sis_id",
    ]
    assert sorted(c["sis_source_id"] for c in objects.rows("courses")) == ["c001", "c002"]


async def test_should_allow_removing_user_integration_ids(sis: SisSpec, objects: Objects) -> None:
    """change_sis_id_importer_spec.rb: "should allow removing user.integration_ids"."""
    p1 = await managed_user(sis, objects, "U001", "int1")
    await sis.process_csv_data_cleanly("old_integration_id,new_integration_id,type", "int1,<delete>,user")
    assert (await login_of(sis, p1))["integration_id"] is None


async def test_should_allow_changing_integration_ids(sis: SisSpec, objects: Objects) -> None:
    """change_sis_id_importer_spec.rb: "should allow changing integration_ids"."""
    p1 = await managed_user(sis, objects, "U001", "int1")
    await sis.process_csv_data_cleanly("old_integration_id,new_integration_id,type", "int1,int2,user")
    assert (await login_of(sis, p1))["integration_id"] == "int2"


async def test_should_change_both_sis_id_and_integration_id(sis: SisSpec, objects: Objects) -> None:
    """change_sis_id_importer_spec.rb: "should change both SIS ID and integration ID"."""
    p1 = await managed_user(sis, objects, "U001", "int1")
    await sis.process_csv_data_cleanly("old_id,new_id,old_integration_id,new_integration_id,type",
                                       "U001,sis2,int1,int2,user")
    login = await login_of(sis, p1)
    assert (login["integration_id"], login["sis_user_id"]) == ("int2", "sis2")


async def test_should_change_both_sis_id_and_integration_id_if_only_one_is_passed_in(
        sis: SisSpec, objects: Objects) -> None:
    """change_sis_id_importer_spec.rb: "should change both SIS ID and integration ID if only one is passed in"."""
    p1 = await managed_user(sis, objects, "U001", "int1")
    await sis.process_csv_data_cleanly("new_id,old_integration_id,new_integration_id,type", "sis2,int1,int2,user")
    login = await login_of(sis, p1)
    assert (login["integration_id"], login["sis_user_id"]) == ("int2", "sis2")


async def test_should_throw_an_error_when_you_pass_in_mismatched_sis_id_and_integration_id(
        sis: SisSpec, objects: Objects) -> None:
    """change_sis_id_importer_spec.rb: "should throw an error when you pass in mismatched SIS ID and integration ID".

    Canvas's expectation (``importer.errors`` not nil) holds for any import; the row, one cell
    short, leaves ``type`` blank, which is the error Canvas gives, and nothing changes."""
    p1 = await managed_user(sis, objects, "U001", "int1")
    p2 = await managed_user(sis, objects, "U002", "int2")
    importer = await sis.process_csv_data("old_id,new_id,old_integration_id,new_integration_id,type",
                                          "U001,int2,new_integration_id,user")
    assert importer.messages == ["No type given for change_sis_id"]
    assert [((await login_of(sis, p))["sis_user_id"], (await login_of(sis, p))["integration_id"])
            for p in (p1, p2)] == [("U001", "int1"), ("U002", "int2")]


async def test_should_change_the_sis_id_for_a_group_category(sis: SisSpec, gc: dict[str, Any]) -> None:
    """change_sis_id_importer_spec.rb: describe "group categories", "should change the sis id for a group category"."""
    importer = await sis.process_csv_data("old_id,new_id,type", "GC1,GC2,group_category")
    assert importer.errors == []
    assert (await sis.api(f"/api/v1/group_categories/{gc['id']}"))["sis_group_category_id"] == "GC2"


async def test_should_not_error_if_other_rows_have_an_integration_id(
        sis: SisSpec, objects: Objects, gc: dict[str, Any]) -> None:
    """change_sis_id_importer_spec.rb: describe "group categories", "should not error if other rows have an
    integration_id"."""
    await managed_user(sis, objects, "U001", "int1")
    await sis.process_csv_data("old_id,new_id,old_integration_id,new_integration_id,type",
                               ",,int1,int2,user", "GC1,GC2,,,group_category")
    assert (await sis.api(f"/api/v1/group_categories/{gc['id']}"))["sis_group_category_id"] == "GC2"


async def test_should_cleanly_handle_error_if_integration_id_is_given(
        sis: SisSpec, objects: Objects, gc: dict[str, Any]) -> None:
    """change_sis_id_importer_spec.rb: describe "group categories", "should cleanly handle error if
    integration_id is given"."""
    p1 = await managed_user(sis, objects, "U001")
    importer = await sis.process_csv_data("old_id,new_integration_id,new_id,type",
                                          "GC1,INTID,group_category", "U001,,U002,user")
    assert importer.errors != []
    assert (await login_of(sis, p1))["sis_user_id"] == "U002"
