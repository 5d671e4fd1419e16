"""Canvas's spec/lib/sis/csv/login_importer_spec.rb, against this server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects


@pytest.fixture
async def user(sis: SisSpec) -> dict[str, Any]:
    """before(:once): user_1 (integration id int1, login user1, e-mail user@example.com)."""
    await sis.process_csv_data_cleanly(
        "user_id,integration_id,login_id,first_name,last_name,email,status",
        "user_1,int1,user1,User,Uno,user@example.com,active")
    return await sis.user("user_1")


async def assert_untouched(sis: SisSpec, objects: Objects, user: dict[str, Any]) -> None:
    """The user still has its one login and its one e-mail channel."""
    assert [login["unique_id"] for login in await sis.logins(user["id"])] == ["user1"]
    assert [c["path"] for c in objects.channels(user["id"])] == ["user@example.com"]


async def test_creates_new_logins_on_existing_users(sis: SisSpec, objects: Objects, user: dict[str, Any]) -> None:
    """login_importer_spec.rb: "creates new logins on existing users"."""
    await sis.process_csv_data_cleanly("user_id,login_id,existing_user_id,email",
                                       "user_1b,user1b,user_1,userb@example.com")
    logins = await sis.logins(user["id"])
    assert [(login["unique_id"], login["sis_user_id"]) for login in logins] == [("user1", "user_1"),
                                                                              ("user1b", "user_1b")]
    assert [c["path"] for c in objects.channels(user["id"])] == ["user@example.com", "userb@example.com"]


async def test_creates_new_logins_on_existing_users_with_integration_id(
        sis: SisSpec, objects: Objects, user: dict[str, Any]) -> None:
    """login_importer_spec.rb: "creates new logins on existing users with integration_id"."""
    await sis.process_csv_data_cleanly("user_id,login_id,existing_integration_id,email",
                                       "user_1b,user1b,int1,userb@example.com")
    assert len(await sis.logins(user["id"])) == 2
    assert len(objects.channels(user["id"])) == 2


async def test_creates_new_logins_on_existing_users_with_canvas_id(
        sis: SisSpec, objects: Objects, user: dict[str, Any]) -> None:
    """login_importer_spec.rb: "creates new logins on existing users with canvas id"."""
    await sis.process_csv_data_cleanly("user_id,login_id,existing_canvas_user_id,email",
                                       f"user_1b,user1b,{user['id']},userb@example.com")
    assert len(await sis.logins(user["id"])) == 2
    assert len(objects.channels(user["id"])) == 2


async def test_fails_when_no_found_user(sis: SisSpec, objects: Objects, user: dict[str, Any]) -> None:
    """login_importer_spec.rb: "fails when no found user"."""
    importer = await sis.process_csv_data("user_id,login_id,existing_canvas_user_id,email",
                                          "user_1b,user1b,not an id,userb@example.com")
    assert "Could not find the existing user for login with SIS ID user_1b, skipping" in importer.messages[0]
    await assert_untouched(sis, objects, user)


async def test_fails_when_existing_user_identifiers_are_invalid(
        sis: SisSpec, objects: Objects, user: dict[str, Any]) -> None:
    """login_importer_spec.rb: "fails when existing user identifiers are invalid"."""
    importer = await sis.process_csv_data("user_id,login_id,existing_user_id,existing_integration_id,email",
                                          "user_1b,user1b,user_1,oops,userb@example.com")
    assert ("An existing user does not match existing user ids provided for login with SIS ID user_1b, skipping"
            in importer.messages[0])
    await assert_untouched(sis, objects, user)


async def test_fails_when_login_is_already_taken(sis: SisSpec, objects: Objects, user: dict[str, Any]) -> None:
    """login_importer_spec.rb: "fails when login is already taken"."""
    importer = await sis.process_csv_data("user_id,login_id,existing_user_id,existing_integration_id,email",
                                          "user_1,user1,user_1,oops,userb@example.com")
    assert ("An existing Canvas user with the SIS ID user_1 or login of user1 already exists, skipping"
            in importer.messages[0])
    await assert_untouched(sis, objects, user)


async def test_fails_for_nil_existing_user_id(sis: SisSpec, objects: Objects, user: dict[str, Any]) -> None:
    """login_importer_spec.rb: "fails for nil existing user_id"."""
    importer = await sis.process_csv_data("user_id,login_id,existing_user_id,email",
                                          "user_1b,user1b,,userb@example.com")
    assert "No existing user provided for login with SIS ID user_1b" in importer.messages[0]
    await assert_untouched(sis, objects, user)
