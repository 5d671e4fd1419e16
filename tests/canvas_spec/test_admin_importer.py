"""Canvas's spec/lib/sis/csv/admin_importer_spec.rb, against this server.

Admins are read through ``GET /api/v1/accounts/:id/admins``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects


@pytest.fixture
async def sub1(sis: SisSpec, objects: Objects) -> int:
    """before: the sub-account sub1 (its Canvas id) and the user U001
    (``user_with_managed_pseudonym(sis_user_id: 'U001')``)."""
    await factories.account(sis, "sub1", "sub1")
    await factories.user(sis, "U001")
    return objects.account("sub1")["id"]


async def active_admins(sis: SisSpec, account_id: int) -> list[dict[str, Any]]:
    """``account.account_users.active``, as the Admins API lists them."""
    admins = await sis.api(f"/api/v1/accounts/{account_id}/admins")
    assert all(a["workflow_state"] == "active" for a in admins)
    return admins


async def test_should_skip_bad_content(sis: SisSpec, sub1: int) -> None:
    """admin_importer_spec.rb: "should skip bad content"."""
    before = len(await active_admins(sis, 1)) + len(await active_admins(sis, sub1))
    importer = await sis.process_csv_data(
        "user_id,account_id,role_id,role,status",
        ",sub1,,AccountAdmin,active",
        "invalid,sub1,,AccountAdmin,active",
        "U001,invalid,,AccountAdmin,active",
        "U001,sub1,,invalid role,active",
        "U001,sub1,invalid,,active",
        "U001,sub1,,AccountAdmin,invalid",
        "U001,sub1,,AccountAdmin,",
        "U001,sub1,,,deleted")
    assert len(await active_admins(sis, 1)) + len(await active_admins(sis, sub1)) == before
    assert importer.messages == ["No user_id given for admin",
                                 "Invalid or unknown user_id 'invalid' for admin",
                                 "Invalid account_id given for admin",
                                 "Invalid role 'invalid role' for admin",
                                 "Invalid role_id 'invalid' for admin",
                                 "Invalid status invalid for admin",
                                 "No status given for admin",
                                 "No role_id or role given for admin"]


async def test_should_add_and_remove_admins(sis: SisSpec, objects: Objects, sub1: int) -> None:
    """admin_importer_spec.rb: "should add and remove admins"."""
    u1 = objects.login("U001")["user_id"]
    before = len(await active_admins(sis, 1)) + len(await active_admins(sis, sub1))
    await sis.process_csv_data_cleanly("user_id,account_id,role,status", "U001,sub1,AccountAdmin,active")
    assert len(await active_admins(sis, 1)) + len(await active_admins(sis, sub1)) == before + 1
    await sis.process_csv_data_cleanly("user_id,account_id,role,status",
                                       "U001,sub1,AccountAdmin,deleted", "U001,,AccountAdmin,active")
    assert len(await active_admins(sis, 1)) + len(await active_admins(sis, sub1)) == before + 1
    assert [a["user"]["id"] for a in await active_admins(sis, sub1)].count(u1) == 0
    # The Admins API lists live admins only: the deleted right is read from the database.
    assert [a["workflow_state"] for a in objects.rows("account_users", account_id=sub1, user_id=u1)] == ["deleted"]
    assert [a["user"]["id"] for a in await sis.api("/api/v1/accounts/1/admins")].count(u1) == 1


async def test_should_add_admins_by_role_id(sis: SisSpec, sub1: int) -> None:
    """admin_importer_spec.rb: "should add admins by role_id"."""
    role_id = 1  # sub_account.available_account_roles.first: AccountAdmin, the one account role here
    before = len(await active_admins(sis, sub1))
    await sis.process_csv_data_cleanly("user_id,account_id,role_id,status", f"U001,sub1,{role_id},active")
    admins = await active_admins(sis, sub1)
    assert len(admins) == before + 1
    assert (admins[-1]["role"], admins[-1]["role_id"]) == ("AccountAdmin", role_id)
