"""Canvas's spec/lib/sis/csv/account_importer_spec.rb, against this server.

Accounts are read through ``/api/v1/accounts/1/sub_accounts?recursive=true`` and
``/api/v1/accounts/sis_account_id:X``; deleted ones (which no endpoint lists) and stuck fields
from the database. Its "creates rollback data" is in tests/sis/test_rollback_data.py.
"""

from __future__ import annotations

from typing import Any

from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects

ACCOUNTS = "account_id,parent_account_id,name,status"


def sis_accounts(objects: Objects) -> int:
    """``Account.where.not(sis_source_id: nil).count``."""
    return objects.value("SELECT count(*) FROM accounts WHERE sis_source_id IS NOT NULL")


async def account(sis: SisSpec, sis_id: str) -> dict[str, Any]:
    found = await sis.find(f"/api/v1/accounts/sis_account_id:{sis_id}")
    assert found is not None, sis_id
    return found


def parent_of(objects: Objects, sis_id: str) -> str | None:
    """The SIS id of the account's parent (None for the root account)."""
    parent = objects.get("accounts", id=objects.account(sis_id)["parent_account_id"])
    return parent["sis_source_id"]


async def test_skips_bad_content(sis: SisSpec, objects: Objects) -> None:
    """account_importer_spec.rb: "skips bad content"."""
    importer = await sis.process_csv_data(ACCOUNTS, "A001,,Humanities,active", ",,Humanities 3,active",
                                          "A002,A000,English,active", "A003,,English,inactive", "A004,,,active")
    assert sis_accounts(objects) == 1
    assert sorted(importer.messages) == sorted(["No account_id given for an account",
                                                "Parent account didn't exist for A002",
                                                'Improper status "inactive" for account A003, skipping',
                                                "No name given for account A004, skipping"])


async def test_creates_accounts(sis: SisSpec, objects: Objects) -> None:
    """account_importer_spec.rb: "creates accounts"."""
    await sis.process_csv_data_cleanly(ACCOUNTS, "A001,,Humanities,active", "A002,A001,English,active",
                                       "A003,A002,English Literature,active", "A004,,Awesomeness,active")
    assert sis_accounts(objects) == 4
    a1, a2, a3 = [await account(sis, a) for a in ("A001", "A002", "A003")]
    assert (a1["parent_account_id"], a1["root_account_id"], a1["name"]) == (1, 1, "Humanities")
    assert (a2["parent_account_id"], a2["root_account_id"], a2["name"]) == (a1["id"], 1, "English")
    assert (a3["parent_account_id"], a3["root_account_id"], a3["name"]) == (a2["id"], 1, "English Literature")
    subs = await sis.api(f"/api/v1/accounts/{a2['id']}/sub_accounts")
    assert [s["sis_account_id"] for s in subs] == ["A003"]


async def test_updates_the_hierarchies_of_existing_accounts(sis: SisSpec, objects: Objects) -> None:
    """account_importer_spec.rb: "updates the hierarchies of existing accounts"."""
    await sis.process_csv_data_cleanly(ACCOUNTS, "A001,,Humanities,active", "A002,,English,deleted",
                                       "A003,,English Literature,active", "A004,,Awesomeness,active")
    assert sis_accounts(objects) == 4
    assert [parent_of(objects, a) for a in ("A001", "A002", "A003", "A004")] == [None] * 4
    assert objects.account("A002")["workflow_state"] == "deleted"
    assert objects.account("A003")["name"] == "English Literature"
    await sis.process_csv_data_cleanly(ACCOUNTS, "A002,A001,,active", "A003,A002,,", "A004,A002,,")
    assert sis_accounts(objects) == 4
    assert [parent_of(objects, a) for a in ("A001", "A002", "A003", "A004")] == [None, "A001", "A002", "A002"]
    assert (await account(sis, "A002"))["workflow_state"] == "active"
    assert (await account(sis, "A003"))["name"] == "English Literature"


async def test_does_not_allow_deleting_accounts_with_content(sis: SisSpec) -> None:
    """account_importer_spec.rb: "does not allow deleting accounts with content"."""
    await sis.process_csv_data_cleanly(ACCOUNTS, "A001,,Humanities,active", "A002,A001,Sub Humanities,active")
    importer = await sis.process_csv_data(ACCOUNTS, "A001,,Humanities,deleted")
    assert importer.messages == ["Cannot delete the sub_account with ID: A001 because it has active sub accounts."]


async def test_does_not_allow_the_restoration_of_a_sub_account_with_a_deleted_parent_account(
        sis: SisSpec, objects: Objects) -> None:
    """account_importer_spec.rb: "does not allow the restoration of a sub_account with a deleted parent_account"."""
    await sis.process_csv_data_cleanly(ACCOUNTS, "A001,,Humanities,active", "A002,A001,Sub Humanities,active")
    assert [(await account(sis, a))["workflow_state"] for a in ("A001", "A002")] == ["active", "active"]
    await sis.process_csv_data_cleanly(ACCOUNTS, "A002,A001,Sub Humanities,deleted", "A001,,Humanities,deleted")
    assert [objects.account(a)["workflow_state"] for a in ("A001", "A002")] == ["deleted", "deleted"]
    importer = await sis.process_csv_data(ACCOUNTS, "A002,A001,Sub Humanities,active")
    assert importer.messages == [
        "Cannot restore sub_account with ID: A002 because parent_account with ID: A001 has been deleted."]


async def test_supports_sticky_fields(sis: SisSpec, objects: Objects) -> None:
    """account_importer_spec.rb: "supports sticky fields"."""
    await sis.process_csv_data_cleanly(ACCOUNTS, "A001,,Humanities,active")
    assert (await account(sis, "A001"))["name"] == "Humanities"
    await sis.process_csv_data_cleanly(ACCOUNTS, "A001,,Math,active")
    assert (await account(sis, "A001"))["name"] == "Math"
    objects.edit_by_hand("accounts", objects.account("A001")["id"], name="Science")
    await sis.process_csv_data_cleanly(ACCOUNTS, "A001,,History,active")
    assert (await account(sis, "A001"))["name"] == "Science"


async def test_treats_parent_account_id_as_stickyish(sis: SisSpec, objects: Objects) -> None:
    """account_importer_spec.rb: "treats parent_account_id as stickyish" (Canvas's spec hands the
    importer ``add_sis_stickiness`` directly; through the API it counts only with
    ``override_sis_stickiness``, so both are sent)."""
    sticky = {"override_sis_stickiness": "true", "add_sis_stickiness": "true"}
    await sis.process_csv_data_cleanly(ACCOUNTS, "A001,,Math,active", "A002,,Humanities,active",
                                       "S001,A001,Submath,active", **sticky)
    assert parent_of(objects, "S001") == "A001"
    assert "parent_account_id" in objects.account("S001")["stuck_sis_fields"].split(",")
    await sis.process_csv_data_cleanly(ACCOUNTS, "S001,A002,Submath,active")
    assert parent_of(objects, "S001") == "A001"  # should not update
    await sis.process_csv_data_cleanly(ACCOUNTS, "S001,A002,Submath,active", **sticky)
    assert parent_of(objects, "S001") == "A002"  # should override


async def test_matches_headers_case_insensitively(sis: SisSpec, objects: Objects) -> None:
    """account_importer_spec.rb: "matches headers case-insensitively"."""
    await sis.process_csv_data_cleanly("Account_ID,Parent_Account_ID,Name,Status", "A001,,Humanities,active")
    assert sis_accounts(objects) == 1
    a1 = await account(sis, "A001")
    assert (a1["parent_account_id"], a1["root_account_id"], a1["name"]) == (1, 1, "Humanities")


async def test_does_not_allow_the_creation_of_loops_in_account_chains(sis: SisSpec) -> None:
    """account_importer_spec.rb: "does not allow the creation of loops in account chains"."""
    await sis.process_csv_data_cleanly("Account_ID,Parent_Account_ID,Name,Status",
                                       "A001,,Humanities,active", "A002,A001,Humanities,active")
    importer = await sis.process_csv_data("Account_ID,Parent_Account_ID,Name,Status", "A001,A002,Humanities,active")
    assert importer.messages == ["Setting account A001's parent to A002 would create a loop"]


async def test_updates_batch_id_on_unchanging_accounts(sis: SisSpec) -> None:
    """account_importer_spec.rb: "updates batch id on unchanging accounts"."""
    await sis.process_csv_data_cleanly("Account_ID,Parent_Account_ID,Name,Status", "A001,,Humanities,active")
    batch = await sis.process_csv_data_cleanly("Account_ID,Parent_Account_ID,Name,Status", "A001,,Humanities,active")
    assert (await account(sis, "A001"))["sis_import_id"] == batch.json["id"]
