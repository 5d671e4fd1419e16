"""Canvas's spec/lib/sis/csv/user_importer_spec.rb, against this server.

Users are read through ``GET /api/v1/users/:id`` (name, sortable and short name, e-mail) and
``/users/:id/logins``; what no endpoint shows (e-mail channels, passwords, stuck fields) is read
from the database.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects

USERS = "user_id,login_id,first_name,last_name,email,status"
PASSWORDS = "user_id,login_id,password,first_name,last_name,email,status,ssha_password"


def gen_ssha_password(password: str) -> str:
    """The spec's gen_ssha_password: an SSHA digest with a random salt."""
    salt = os.urandom(10)
    digest = hashlib.sha1(password.encode() + salt).hexdigest().encode()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


async def user_by_email(sis: SisSpec, objects: Objects, path: str) -> dict[str, Any]:
    """``CommunicationChannel.by_path(path).first.user``, as the Users API shows it."""
    channel = objects.rows("communication_channels", path=path)[0]
    return await sis.api(f"/api/v1/users/{channel['user_id']}")


async def user_by_login(sis: SisSpec, objects: Objects, unique_id: str) -> dict[str, Any]:
    """``Pseudonym.by_unique_id(unique_id).first.user``."""
    login = objects.rows("pseudonyms", unique_id_lower=unique_id.lower())[0]
    return await sis.api(f"/api/v1/users/{login['user_id']}")


def login_by_unique_id(objects: Objects, unique_id: str) -> dict[str, Any] | None:
    """``Pseudonym.by_unique_id(unique_id).first``."""
    return objects.find("pseudonyms", unique_id_lower=unique_id.lower())


async def assert_one_login_and_channel(sis: SisSpec, objects: Objects, user: dict[str, Any],
                                       unique_id: str, email: str) -> None:
    """``user.pseudonyms.count == 1`` with that unique_id, and one channel with that path."""
    logins = await sis.logins(user["id"])
    assert [(login["unique_id"], login["account_id"]) for login in logins] == [(unique_id, 1)]
    assert [c["path"] for c in objects.channels(user["id"])] == [email]


async def test_should_create_new_users_and_update_names(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should create new users and update names"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    user = await user_by_email(sis, objects, "user@example.com")
    assert (user["name"], user["short_name"]) == ("User Uno", "User Uno")
    await assert_one_login_and_channel(sis, objects, user, "user1", "user@example.com")

    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno 2,user@example.com,active")
    user = await user_by_email(sis, objects, "user@example.com")
    assert (user["name"], user["short_name"]) == ("User Uno 2", "User Uno 2")
    await assert_one_login_and_channel(sis, objects, user, "user1", "user@example.com")

    objects.edit_by_hand("users", user["id"], name="My Awesome Name")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno 2,user@example.com,active")
    user = await user_by_email(sis, objects, "user@example.com")
    assert (user["name"], user["short_name"]) == ("My Awesome Name", "My Awesome Name")


async def test_should_create_new_users_with_display_name(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should create new users with display name"."""
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,short_name,email,status",
                                       "user_1,user1,User,Uno,The Uno,user@example.com,active")
    user = await user_by_email(sis, objects, "user@example.com")
    assert (user["name"], user["short_name"]) == ("User Uno", "The Uno")
    await assert_one_login_and_channel(sis, objects, user, "user1", "user@example.com")

    # Field order shouldn't matter
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,email,status,short_name",
                                       "user_2,user2,User,Dos,user2@example.com,active,The Dos")
    user = await user_by_email(sis, objects, "user2@example.com")
    assert (user["name"], user["short_name"]) == ("User Dos", "The Dos")
    await assert_one_login_and_channel(sis, objects, user, "user2", "user2@example.com")


async def test_should_create_new_users_with_full_name(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should create new users with full name"."""
    await sis.process_csv_data_cleanly("user_id,login_id,full_name,email,status",
                                       "user_1,user1,User Uno,user@example.com,active")
    user = await user_by_email(sis, objects, "user@example.com")
    assert user["name"] == "User Uno"
    await assert_one_login_and_channel(sis, objects, user, "user1", "user@example.com")

    # Field order shouldn't matter
    await sis.process_csv_data_cleanly("user_id,login_id,email,status,full_name",
                                       "user_2,user2,user2@example.com,active,User Dos")
    user = await user_by_email(sis, objects, "user2@example.com")
    assert user["name"] == "User Dos"
    await assert_one_login_and_channel(sis, objects, user, "user2", "user2@example.com")


async def test_should_create_new_users_with_sortable_name(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should create new users with sortable name"."""
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,sortable_name,email,status",
                                       'user_1,user1,User,Uno,"One, User",user@example.com,active')
    user = await user_by_email(sis, objects, "user@example.com")
    assert (user["name"], user["sortable_name"]) == ("User Uno", "One, User")
    await assert_one_login_and_channel(sis, objects, user, "user1", "user@example.com")

    # Field order shouldn't matter
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,email,status,sortable_name",
                                       'user_2,user2,User,Dos,user2@example.com,active,"Two, User"')
    user = await user_by_email(sis, objects, "user2@example.com")
    assert (user["name"], user["sortable_name"]) == ("User Dos", "Two, User")
    await assert_one_login_and_channel(sis, objects, user, "user2", "user2@example.com")


async def test_should_preserve_first_name_last_name_split(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should preserve first name/last name split".

    Canvas's User#first_name and #last_name are read back from the sortable name ("last,
    first"), so the sortable name is what keeps the split."""
    await sis.process_csv_data_cleanly(PASSWORDS, "user_1,user1,badpassword,John,St. Clair,user@example.com,active,")
    user = await user_by_login(sis, objects, "user1")
    assert (user["name"], user["sortable_name"]) == ("John St. Clair", "St. Clair, John")
    last_name, first_name = user["sortable_name"].split(", ")
    assert (first_name, last_name) == ("John", "St. Clair")


async def test_uses_sortable_name_if_none_of_first_name_last_name_full_name_is_given(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "uses sortable_name if none of first_name/last_name/full_name is given"."""
    await sis.process_csv_data_cleanly("user_id,login_id,sortable_name,short_name,email,status",
                                       "user_1,user1,blah,bleh,user@example.com,active")
    assert (await user_by_login(sis, objects, "user1"))["name"] == "blah"


async def test_uses_short_name_is_none_of_first_name_last_name_full_name_sortable_name_is_given(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "uses short_name is none of first_name/last_name/full_name/sortable_name is given"."""
    await sis.process_csv_data_cleanly("user_id,login_id,short_name,email,status",
                                       "user_1,user1,bleh,user@example.com,active")
    assert (await user_by_login(sis, objects, "user1"))["name"] == "bleh"


async def test_uses_login_id_as_a_name_if_no_form_of_name_is_given(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "uses login_id as a name if no form of name is given"."""
    await sis.process_csv_data_cleanly("user_id,login_id,status", "user_1,user1,active")
    assert (await user_by_login(sis, objects, "user1"))["name"] == "user1"


async def test_should_leave_the_name_alone_if_no_name_is_supplied_for_an_existing_user(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should leave the name alone if no name is supplied for an existing user"."""
    await sis.process_csv_data_cleanly("user_id,login_id,full_name,status",
                                       "greeble,greeble@example.com,Greeble,active")
    await sis.process_csv_data_cleanly("user_id,login_id,status", "greeble,greeble@example.com,active")
    assert (await sis.user("greeble"))["name"] == "Greeble"


async def test_should_ignore_first_and_last_names_if_full_name_is_provided(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should ignore first and last names if full name is provided"."""
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,full_name,email,status",
                                       "user_1,user1,,,User One,user@example.com,active")
    user = await user_by_email(sis, objects, "user@example.com")
    assert (user["name"], user["sortable_name"]) == ("User One", "One, User")
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,full_name,email,status",
                                       "user_2,user2,User,Dos,User Two,user2@example.com,active")
    user = await user_by_email(sis, objects, "user2@example.com")
    assert (user["name"], user["sortable_name"]) == ("User Two", "Two, User")


async def test_should_not_override_the_sortable_name_if_full_name_is_provided(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should not override the sortable name if full name is provided"."""
    await sis.process_csv_data_cleanly("user_id,login_id,full_name,sortable_name,status",
                                       'user_1,user1,User One Two,"One Two, User",active')
    user = await sis.user("user_1")
    assert (user["name"], user["sortable_name"]) == ("User One Two", "One Two, User")


def set_password_by_hand(objects: Objects, login: dict[str, Any], password: str) -> None:
    """``p.password = ...; p.save``: a password the user chose, so no longer SIS's to change."""
    from service.sis.importers.users import password_digest  # the server's own digest format
    objects.conn.execute("UPDATE pseudonyms SET crypted_password = ?, password_auto_generated = 0 WHERE id = ?",
                         (password_digest(password), login["id"]))
    objects.conn.commit()


def password_is(objects: Objects, login: dict[str, Any], password: str) -> bool:
    """Whether ``password`` is the login's Canvas password."""
    from service.sis.importers.users import password_matches
    return password_matches(password, objects.reload("pseudonyms", login)["crypted_password"])


async def test_should_set_passwords_and_not_overwrite_current_passwords(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should set passwords and not overwrite current passwords"."""
    first_ssha = gen_ssha_password("password")
    await sis.process_csv_data_cleanly(PASSWORDS,
                                       "user_1,user1,badpassword,User,Uno 2,user@example.com,active,",
                                       f"user_2,user2,,User,Uno 2,user2@example.com,active,{first_ssha}")
    p1, p2 = objects.login("user_1"), objects.login("user_2")
    assert password_is(objects, p1, "badpassword")
    set_password_by_hand(objects, p1, "lessbadpassword")
    assert objects.reload("pseudonyms", p2)["sis_ssha"] == first_ssha
    set_password_by_hand(objects, p2, "newpassword")
    assert password_is(objects, p2, "newpassword") and not password_is(objects, p2, "password")

    changed_ssha = gen_ssha_password("changedpassword")
    await sis.process_csv_data_cleanly(PASSWORDS,
                                       "user_1,user1,badpassword2,User,Uno 2,user@example.com,active",
                                       f"user_2,user2,,User,Uno 2,user2@example.com,active,{changed_ssha}")
    assert not password_is(objects, p1, "badpassword")
    assert not password_is(objects, p1, "badpassword2")
    assert password_is(objects, p1, "lessbadpassword")
    p2 = objects.reload("pseudonyms", p2)
    # The user's own password wins (Canvas checks the SSHA only while SIS set the password) ...
    assert password_is(objects, p2, "newpassword") and not p2["password_auto_generated"]
    # ... and the new SSHA is stored all the same (valid_ssha?('changedpassword')).
    assert p2["sis_ssha"] == changed_ssha


async def test_should_recognize_integration_id_and_work(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should recognize integration_id and work"."""
    await sis.process_csv_data_cleanly(
        "user_id,login_id,first_name,last_name,email,status,ssha_password,integration_id",
        f"user_2,user2,User,Dos,user@example.com,active,{gen_ssha_password('password')}, 9000")
    assert (await user_by_login(sis, objects, "user2"))["integration_id"] == "9000"


async def test_should_recognize_there_s_no_integration_id_and_still_work(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should recognize there's no integration_id and still work"."""
    await sis.process_csv_data_cleanly(
        "user_id,login_id,first_name,last_name,email,status,ssha_password",
        f"user_2,user2,User,Dos,user@example.com,active,{gen_ssha_password('password')}")
    assert (await user_by_login(sis, objects, "user2"))["integration_id"] is None


async def test_should_recognize_a_blank_integration_id_and_still_work(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should recognize a blank integration_id and still work"."""
    await sis.process_csv_data_cleanly(
        "user_id,login_id,first_name,last_name,email,status,ssha_password,integration_id",
        f'user_2,user2,User,Dos,user@example.com,active,{gen_ssha_password("password")},""')
    assert (await user_by_login(sis, objects, "user2"))["integration_id"] is None


async def test_should_not_set_integration_id_to_nil_when_it_is_not_passed(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not set integration_id to nil when it is not passed"."""
    await sis.process_csv_data_cleanly(USERS + ",integration_id", "user_2,user2,User,Dos,user@example.com,active,9000")
    await sis.process_csv_data_cleanly(USERS, "user_2,user2,User,Dos,user@example.com,active")
    assert (await user_by_login(sis, objects, "user2"))["integration_id"] == "9000"


async def test_should_allow_setting_and_resetting_of_passwords(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should allow setting and resetting of passwords".

    Canvas's persistence token changes exactly when the password does; here the stored
    digest (password) and SSHA stand for it."""
    assert objects.rows("communication_channels", path="user1@example.com") == []
    encpass1 = gen_ssha_password("encpass1")
    await sis.process_csv_data_cleanly(PASSWORDS,
                                       "user_1,user1,password1,User,Uno,user1@example.com,active,",
                                       f"user_2,user2,,User,Dos,user2@example.com,active,{encpass1}")
    p1, p2 = objects.login("user_1"), objects.login("user_2")
    token1, ssha2 = p1["crypted_password"], p2["sis_ssha"]
    assert password_is(objects, p1, "password1") and not password_is(objects, p1, "password2")
    assert ssha2 == encpass1

    # passwords haven't changed, neither should persistence tokens
    await sis.process_csv_data_cleanly(PASSWORDS,
                                       "user_1,user1,password1,User,Uno,user1@example.com,active,",
                                       f"user_2,user2,,User,Dos,user2@example.com,active,{ssha2}")
    assert objects.reload("pseudonyms", p1)["crypted_password"] == token1
    assert objects.reload("pseudonyms", p2)["sis_ssha"] == ssha2

    # passwords change, persistence token should change
    encpass2 = gen_ssha_password("encpass2")
    await sis.process_csv_data_cleanly(PASSWORDS,
                                       "user_1,user1,password2,User,Uno,user1@example.com,active,",
                                       f"user_2,user2,,User,Dos,user2@example.com,active,{encpass2}")
    assert objects.reload("pseudonyms", p1)["crypted_password"] != token1
    assert not password_is(objects, p1, "password1") and password_is(objects, p1, "password2")
    assert objects.reload("pseudonyms", p2)["sis_ssha"] == encpass2
    set_password_by_hand(objects, p1, "password4")
    set_password_by_hand(objects, p2, "password4")
    token1, token2 = (objects.reload("pseudonyms", p)["crypted_password"] for p in (p1, p2))

    # user set password, persistence token should not change
    await sis.process_csv_data_cleanly(PASSWORDS,
                                       "user_1,user1,password3,User,Uno,user1@example.com,active,",
                                       f"user_2,user2,,User,Dos,user2@example.com,active,{gen_ssha_password('encpass3')}")
    assert objects.reload("pseudonyms", p1)["crypted_password"] == token1
    assert password_is(objects, p1, "password4") and not password_is(objects, p1, "password3")
    assert objects.reload("pseudonyms", p2)["crypted_password"] == token2
    assert password_is(objects, p2, "password4")


async def test_should_catch_active_record_level_errors_like_invalid_unique_id(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should catch active-record-level errors, like invalid unique_id"."""
    before = (objects.count("users"), objects.count("pseudonyms"))
    importer = await sis.process_csv_data(USERS, "U1,u\x01ser,User,Uno,user@example.com,active")
    assert objects.rows("communication_channels", path="user@example.com") == []
    assert "Invalid login_id" in importer.messages[0]
    assert (objects.count("users"), objects.count("pseudonyms")) == before


async def test_should_not_allow_a_secondary_user_account_with_the_same_login_id(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not allow a secondary user account with the same login id."."""
    logins_before = objects.count("pseudonyms")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    user = await user_by_email(sis, objects, "user@example.com")
    assert [(p["unique_id"], p["sis_user_id"]) for p in await sis.logins(user["id"])] == [("user1", "user_1")]

    importer = await sis.process_csv_data(USERS, "user_2,user1,User,Uno,user@example.com,active")
    assert importer.messages == ["An existing Canvas user with the SIS ID user_1 has already claimed user_2's"
                                 " user_id requested login information, skipping"]
    user = await user_by_email(sis, objects, "user@example.com")
    assert [(p["unique_id"], p["sis_user_id"]) for p in await sis.logins(user["id"])] == [("user1", "user_1")]
    assert objects.count("pseudonyms") == logins_before + 1


async def test_should_not_allow_a_secondary_user_account_to_change_its_login_id_to_some_other_registered_login_id(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not allow a secondary user account to change its login id to some other
    registered login id"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_2,user2,User,Dos,user2@example.com,active")
    importer = await sis.process_csv_data(USERS, "user_2,user1,User,Dos,user2@example.com,active",
                                          "user_1,user3,User,Uno,user1@example.com,active")
    assert importer.messages == ["An existing Canvas user with the SIS ID user_1 has already claimed user_2's"
                                 " user_id requested login information, skipping"]
    assert objects.login("user_1")["unique_id"] == "user3"
    assert objects.login("user_2")["unique_id"] == "user2"


async def test_should_not_show_error_when_an_integration_id_is_taken(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should not show error when an integration_id is taken"."""
    await sis.process_csv_data_cleanly(USERS + ",integration_id", "user_1,user1,User,Uno,user1@example.com,active,int_1")
    importer = await sis.process_csv_data(USERS + ",integration_id",
                                          "user_2,user2,User,Uno,user2@example.com,active,int_1")
    assert importer.messages == ["An existing Canvas user with the SIS ID user_1 has already claimed user_2's"
                                 " requested integration_id, skipping"]


async def test_should_process_user_row_when_integration_id_is_not_set(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should process user row when integration_id is not set"."""
    lines = ("user_1,user1,User,Uno,user1@example.com,active,int_1", "user_2,user2,User,dos,user2@example.com,active,")
    importer1 = await sis.process_csv_data(USERS + ",integration_id", *lines)
    importer2 = await sis.process_csv_data(USERS + ",integration_id", *lines)
    assert importer1.errors == []
    assert importer2.errors == []


async def test_should_allow_a_secondary_user_account_to_change_its_login_id_to_some_other_registered_login_id_if_the_other_changes_it_first(  # noqa: E501
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should allow a secondary user account to change its login id to some other
    registered login id if the other changes it first"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_2,user2,User,Dos,user2@example.com,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user3,User,Uno,user1@example.com,active",
                                       "user_2,user1,User,Dos,user2@example.com,active")
    assert objects.login("user_1")["unique_id"] == "user3"
    assert objects.login("user_2")["unique_id"] == "user1"


async def test_should_allow_a_user_to_update_information(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should allow a user to update information".

    Canvas's last_name is read back from the sortable name."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user2,User,Uno-Dos,user1@example.com,active")
    assert (await sis.user("user_1"))["sortable_name"] == "Uno-Dos, User"


async def test_should_have_the_correct_count_when_the_pseudonym_doesn_t_change(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should have the correct count when the pseudonym doesn't change"."""
    importer = await sis.process_csv_data(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    assert importer.counts["users"] == 1
    importer = await sis.process_csv_data(USERS, "user_1,user1,User,Uno-Dos,user1@example.com,active")
    assert importer.counts["users"] == 1


async def test_should_allow_a_user_to_update_display_name_specifically(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should allow a user to update display name specifically"."""
    header = "user_id,login_id,first_name,last_name,short_name,email,status"
    await sis.process_csv_data_cleanly(header, "user_1,user1,User,Uno,The Uno,user1@example.com,active")
    await sis.process_csv_data_cleanly(header, "user_1,user1,User,Uno,The Uno-Dos,user1@example.com,active")
    assert (await sis.user("user_1"))["short_name"] == "The Uno-Dos"


async def test_should_allow_a_user_to_update_full_name_name_specifically(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should allow a user to update full name name specifically"."""
    header = "user_id,login_id,full_name,email,status"
    await sis.process_csv_data_cleanly(header, "user_1,user1,User Uno,user1@example.com,active")
    await sis.process_csv_data_cleanly(header, "user_1,user1,User Dos,user1@example.com,active")
    assert (await sis.user("user_1"))["name"] == "User Dos"


async def test_should_allow_a_user_to_update_sortable_name_specifically(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should allow a user to update sortable name specifically"."""
    header = "user_id,login_id,first_name,last_name,sortable_name,email,status"
    await sis.process_csv_data_cleanly(header, 'user_1,user1,User,Uno,"One, User",user1@example.com,active')
    await sis.process_csv_data_cleanly(header, 'user_1,user1,User,Uno,"Two, User",user1@example.com,active')
    assert (await sis.user("user_1"))["sortable_name"] == "Two, User"


async def test_should_allow_a_user_to_update_emails_and_bounce_count_specifically(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should allow a user to update emails and bounce count specifically".

    This server keeps no bounce count (nothing sends mail); the e-mail half is checked, and the
    channel whose path changed is the same one (Canvas resets its bounce count)."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    channel = objects.get("communication_channels", path="user1@example.com")
    assert (await sis.user("user_1"))["email"] == "user1@example.com"
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user2@example.com,active")
    assert objects.reload("communication_channels", channel)["path"] == "user2@example.com"
    assert (await sis.user("user_1"))["email"] == "user2@example.com"


async def test_clears_the_email_cache_when_email_is_changed_and_full_name_is_supplied(sis: SisSpec) -> None:
    """user_importer_spec.rb: "clears the email cache when email is changed and full_name is supplied"."""
    header = "user_id,login_id,full_name,email,status"
    await sis.process_csv_data_cleanly(header, "sharky,sharky,Sharkwig von Sharkface,sharky@example.com,active")
    assert (await sis.user("sharky"))["email"] == "sharky@example.com"
    await sis.process_csv_data_cleanly(header, "sharky,sharky,Sharkwig von Sharkface,sharkface@example.com,active")
    assert (await sis.user("sharky"))["email"] == "sharkface@example.com"


async def test_should_update_sortable_name_properly_when_full_name_is_updated(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should update sortable name properly when full name is updated"."""
    header = "user_id,login_id,full_name,email,status"
    await sis.process_csv_data_cleanly(header, "user_1,user1,User Uno,user1@example.com,active")
    assert (await sis.user("user_1"))["sortable_name"] == "Uno, User"
    await sis.process_csv_data_cleanly(header, "user_1,user1,User Dos,user1@example.com,active")
    assert (await sis.user("user_1"))["sortable_name"] == "Dos, User"


async def non_sis_user(sis: SisSpec, objects: Objects, unique_id: str, email: str | None = None,
                       name: str = "User Uno") -> dict[str, Any]:
    """A user made outside SIS (``User.create!`` + ``pseudonyms.create!``, and an active channel
    when ``email`` is given): imported, then its login loses its SIS id and the channel its tie
    to the login, as if Canvas's UI had made them."""
    sis_id = f"made_by_hand_{unique_id}"
    await sis.process_csv_data_cleanly("user_id,login_id,full_name,email,status",
                                       f"{sis_id},{unique_id},{name},{email or ''},active")
    login = objects.login(sis_id)
    objects.conn.execute("UPDATE pseudonyms SET sis_user_id = NULL, sis_communication_channel_id = NULL"
                         " WHERE id = ?", (login["id"],))
    objects.conn.execute("UPDATE communication_channels SET pseudonym_id = NULL WHERE user_id = ?",
                         (login["user_id"],))
    objects.conn.commit()
    return objects.get("users", id=login["user_id"])


async def test_should_add_two_users_with_different_user_ids_login_ids_but_the_same_email(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should add two users with different user_ids, login_ids, but the same email".

    The merge notification Canvas then sends is not checked: this server sends no messages."""
    user1 = await non_sis_user(sis, objects, "user1", "user@example.com")
    await sis.process_csv_data_cleanly(USERS, "user_2,user2,User,Dos,user@example.com,active")
    user2 = await user_by_login(sis, objects, "user2")
    assert user1["id"] != user2["id"]
    assert user2["sortable_name"] == "Dos, User"
    assert len(await sis.logins(user2["id"])) == 1
    assert objects.login("user_2")["sis_communication_channel_id"] is not None


async def test_should_not_notify_about_a_merge_opportunity_to_an_sis_user_in_the_same_account(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not notify about a merge opportunity to an SIS user in the same account"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active",
                                       "user_2,user2,User,Dos,user@example.com,active")
    await assert_two_users_sharing_an_email(sis, objects)


async def test_should_not_notify_about_merge_opportunities_for_users_that_have_no_means_of_logging_in(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not notify about merge opportunities for users that have no means of
    logging in"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,deleted",
                                       "user_2,user2,User,Dos,user@example.com,active")
    await assert_two_users_sharing_an_email(sis, objects)


async def assert_two_users_sharing_an_email(sis: SisSpec, objects: Objects) -> None:
    """user_1 (Uno) and user_2 (Dos) are two users, each with one login tied to its own channel."""
    p1, p2 = objects.login("user_1"), objects.login("user_2")
    assert p1["user_id"] != p2["user_id"]
    names = [objects.get("users", id=p["user_id"])["sortable_name"] for p in (p1, p2)]
    assert names == ["Uno, User", "Dos, User"]
    assert [objects.count("pseudonyms", user_id=p["user_id"]) for p in (p1, p2)] == [1, 1]
    channels = [objects.get("communication_channels", id=p["sis_communication_channel_id"]) for p in (p1, p2)]
    assert [(c["user_id"], c["path"]) for c in channels] == [(p1["user_id"], "user@example.com"),
                                                              (p2["user_id"], "user@example.com")]


async def test_should_not_have_problems_updating_a_user_to_a_conflicting_email(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not have problems updating a user to a conflicting email"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_2,user2,User,Dos,user2@example.com,active")
    p1, p2 = objects.login("user_1"), objects.login("user_2")
    assert p1["user_id"] != p2["user_id"]
    assert p1["sis_communication_channel_id"] is not None and p2["sis_communication_channel_id"] is not None
    await sis.process_csv_data_cleanly(USERS, "user_2,user2,User,Dos,user1@example.com,active")
    channels = objects.channels(p2["user_id"])
    assert [(c["path"], c["workflow_state"]) for c in channels] == [("user1@example.com", "active")]
    assert (await sis.user("user_2"))["email"] == "user1@example.com"


async def test_should_not_have_a_problem_adding_an_existing_e_mail_that_differs_in_case(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not have a problem adding an existing e-mail that differs in case"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    user_id = objects.login("user_1")["user_id"]
    objects.add_channel(user_id, "JT@instructure.com")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,jt@instructure.com,active")
    channels = objects.channels(user_id)
    assert len(channels) == 2
    assert [c["path"] for c in channels if c["workflow_state"] == "active"] == ["jt@instructure.com"]
    assert (await sis.user("user_1"))["email"] == "jt@instructure.com"


async def test_should_re_activate_retired_e_mails(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should re-activate retired e-mails"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    channel = objects.get("communication_channels", path="user1@example.com")
    objects.conn.execute("UPDATE communication_channels SET workflow_state = 'retired' WHERE id = ?",
                         (channel["id"],))  # user1.email_channel.destroy
    objects.conn.commit()
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    channels = objects.channels(channel["user_id"])
    assert [(c["id"], c["workflow_state"]) for c in channels] == [(channel["id"], "active")]


async def test_should_send_merge_opportunity_notifications_when_reactivating_an_email(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should send merge opportunity notifications when reactivating an email".

    The notification is not checked (this server sends no messages); the users and channels are."""
    user1 = await non_sis_user(sis, objects, "user1", "user1@example.com")
    await sis.process_csv_data_cleanly(USERS, "user_2,user2,User,Dos,user1@example.com,deleted")
    p2 = objects.login("user_2")
    assert p2["user_id"] != user1["id"]
    assert objects.get("users", id=user1["id"])["name"] == "User Uno"
    assert objects.get("users", id=p2["user_id"])["sortable_name"] == "Dos, User"
    assert objects.count("pseudonyms", user_id=user1["id"]) == 1
    assert p2["sis_communication_channel_id"] is not None
    assert objects.channels(user1["id"])[0]["id"] != p2["sis_communication_channel_id"]
    await sis.process_csv_data_cleanly(USERS, "user_2,user2,User,Dos,user1@example.com,active")
    assert objects.get("communication_channels", id=p2["sis_communication_channel_id"])["workflow_state"] == "active"


async def test_should_not_send_merge_opportunity_notifications_if_the_conflicting_cc_is_retired_or_unconfirmed(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not send merge opportunity notifications if the conflicting cc is retired
    or unconfirmed"."""
    u1 = await non_sis_user(sis, objects, "someone1")
    cc1 = objects.add_channel(u1["id"], "user1@example.com", "retired")
    u2 = await non_sis_user(sis, objects, "someone2")
    cc2 = objects.add_channel(u2["id"], "user1@example.com")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    login = objects.login("user_1")
    assert login["user_id"] not in (u1["id"], u2["id"])
    channels = objects.channels(login["user_id"])
    assert [c["path"] for c in channels] == ["user1@example.com"]
    assert (await sis.user("user_1"))["email"] == "user1@example.com"
    assert channels[0]["id"] not in (cc1["id"], cc2["id"])


async def test_should_create_everything_in_the_deleted_state_when_deleted_initially(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should create everything in the deleted state when deleted initially"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,deleted")
    login = login_by_unique_id(objects, "user1")
    assert login is not None and login["workflow_state"] == "deleted"
    assert [c["workflow_state"] for c in objects.channels(login["user_id"])] == ["retired"]


async def test_should_not_add_a_user_with_the_same_login_id_as_another_user(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not add a user with the same login id as another user"."""
    importer = await sis.process_csv_data(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                          "user_2,user1,User,Dos,user2@example.com,active")
    assert importer.messages == ["An existing Canvas user with the SIS ID user_1 has already claimed user_2's"
                                 " user_id requested login information, skipping"]
    assert login_by_unique_id(objects, "user1") is not None
    assert login_by_unique_id(objects, "user2") is None


async def test_should_not_throw_an_error_to_sentry_for_all_errors(sis: SisSpec) -> None:
    """user_importer_spec.rb: "should not throw an error to sentry for all errors".

    The stored spec quotes Rails' old "unique_id is too long"; current Canvas words the
    attribute "Unique ID" (issue 8), and that is the message kept here."""
    importer = await sis.process_csv_data(
        "user_id,login_id,full_name,email,status",
        "u,'long_string_for_user_login_should_throw_an_error_and_be_caught_and_be_returned_to_import_and_not_sent"
        "_to_sentry',U U,u@example.com,active")
    assert importer.messages == ["Could not save the user with user_id: 'u'. Unknown reason: Unique ID is too long"
                                 " (maximum is 100 characters)"]
    assert importer.state == "imported_with_messages"


async def test_should_not_confirm_an_email_communication_channel_that_has_an_invalid_email(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not confirm an email communication channel that has an invalid email"."""
    importer = await sis.process_csv_data(USERS, "user_1,user1,User,Uno,None,active")
    assert len(importer.errors) == 1
    assert importer.errors[0][1] == "The email address associated with user 'user_1' is invalid (email: 'None')"
    assert objects.rows("communication_channels") == []


async def test_should_not_present_an_error_for_the_same_login_id_with_different_case_for_same_user(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not present an error for the same login_id with different case for same user"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_1,USer1,User,Uno,user1@example.com,active")
    assert objects.login("user_1")["unique_id"] == "USer1"


async def test_should_use_an_existing_pseudonym_if_it_wasn_t_imported_from_sis_and_has_the_same_login_id(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should use an existing pseudonym if it wasn't imported from sis and has the same
    login id"."""
    user = await non_sis_user(sis, objects, "user2")
    logins_before = objects.count("pseudonyms")
    p = objects.get("pseudonyms", user_id=user["id"])
    assert login_by_unique_id(objects, "user1") is None and p["sis_user_id"] is None
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_2,user2,User,Dos,user2@example.com,active")
    assert login_by_unique_id(objects, "user1") is not None
    assert objects.count("pseudonyms") == logins_before + 1
    assert objects.reload("pseudonyms", p)["sis_user_id"] == "user_2"


async def test_should_strip_white_space_on_fields(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should strip white space on fields"."""
    await sis.process_csv_data_cleanly(
        "user_id,login_id,first_name,last_name,short_name,sortable_name,email,status",
        'user_1  ,user1   ,User   ,Uno   ,The Uno   ,"Uno, User   ",user@example.com   ,active  ',
        '   user_2,   user2,   User,   Dos,   The Dos,"   Dos, User",   user2@example.com,  active')
    for email, name, sortable, short, login in (("user@example.com", "User Uno", "Uno, User", "The Uno", "user1"),
                                                ("user2@example.com", "User Dos", "Dos, User", "The Dos", "user2")):
        user = await user_by_email(sis, objects, email)
        assert (user["name"], user["sortable_name"], user["short_name"]) == (name, sortable, short)
        assert (await sis.logins(user["id"]))[0]["unique_id"] == login


async def test_should_use_an_existing_communication_channel(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should use an existing communication channel"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    p = objects.login("user_1")
    assert objects.get("users", id=p["user_id"])["sortable_name"] == "Uno, User"
    assert [c["path"] for c in objects.channels(p["user_id"])] == ["user1@example.com"]
    assert p["sis_communication_channel_id"] == objects.channels(p["user_id"])[0]["id"]
    objects.add_channel(p["user_id"], "user2@example.com", "active")

    # change to user2@example.com; because user1@example.com was sis created, it should disappear
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user2@example.com,active")
    p = objects.reload("pseudonyms", p)
    assert objects.count("pseudonyms", user_id=p["user_id"]) == 1
    channels = objects.channels(p["user_id"])
    assert len(channels) == 2
    unretired = [c for c in channels if c["workflow_state"] != "retired"]
    assert [c["path"] for c in unretired] == ["user2@example.com"]
    assert p["sis_communication_channel_id"] == unretired[0]["id"]


async def test_should_work_when_a_communication_channel_already_exists_but_there_s_no_sis_communication_channel(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should work when a communication channel already exists, but there's no
    sis_communication_channel"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,,active")
    p = objects.login("user_1")
    assert objects.channels(p["user_id"]) == [] and p["sis_communication_channel_id"] is None
    objects.add_channel(p["user_id"], "user2@example.com", "active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user2@example.com,active")
    p = objects.reload("pseudonyms", p)
    channels = objects.channels(p["user_id"])
    assert [(c["path"], c["workflow_state"]) for c in channels] == [("user2@example.com", "active")]
    assert p["sis_communication_channel_id"] == channels[0]["id"]


async def test_should_handle_stickiness(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should handle stickiness"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,,active")
    p = login_by_unique_id(objects, "user1")
    assert p is not None
    objects.edit_by_hand("pseudonyms", p["id"], unique_id="user5", unique_id_lower="user5")
    await sis.process_csv_data_cleanly(USERS, "user_1,user3,User,Uno,,active")
    assert objects.reload("pseudonyms", p)["unique_id"] == "user5"
    assert login_by_unique_id(objects, "user1") is None and login_by_unique_id(objects, "user3") is None
    await sis.process_csv_data_cleanly(USERS, "user_1,user3,User,Uno,,active", override_sis_stickiness="true")
    assert objects.reload("pseudonyms", p)["unique_id"] == "user3"
    assert login_by_unique_id(objects, "user1") is None and login_by_unique_id(objects, "user5") is None


async def test_should_handle_display_name_stickiness(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should handle display name stickiness"."""
    header = "user_id,login_id,first_name,last_name,short_name,email,status"
    await sis.process_csv_data_cleanly(header, "user_1,user1,User,Uno,The Uno,,active")
    user = await user_by_login(sis, objects, "user1")
    objects.edit_by_hand("users", user["id"], short_name="The Amazing Uno")
    await sis.process_csv_data_cleanly(header, "user_1,user1,User,Uno,The Uno-Dos,,active")
    assert (await sis.user("user_1"))["short_name"] == "The Amazing Uno"
    await sis.process_csv_data_cleanly(header, "user_1,user1,User,Uno,The Uno-Dos,,active",
                                       override_sis_stickiness="true")
    assert (await sis.user("user_1"))["short_name"] == "The Uno-Dos"


async def test_should_handle_full_name_stickiness(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should handle full name stickiness"."""
    header = "user_id,login_id,full_name,email,status"
    await sis.process_csv_data_cleanly(header, "user_1,user1,User Uno,,active")
    user = await user_by_login(sis, objects, "user1")
    objects.edit_by_hand("users", user["id"], name="The Amazing Uno")
    await sis.process_csv_data_cleanly(header, "user_1,user1,User Uno,,active")
    assert (await sis.user("user_1"))["name"] == "The Amazing Uno"
    await sis.process_csv_data_cleanly(header, "user_1,user1,User Uno,,active", override_sis_stickiness="true")
    assert (await sis.user("user_1"))["name"] == "User Uno"


async def test_should_handle_sortable_name_stickiness(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should handle sortable name stickiness"."""
    header = "user_id,login_id,first_name,last_name,sortable_name,email,status"
    await sis.process_csv_data_cleanly(header, 'user_1,user1,User,Uno,"One, User",,active')
    user = await user_by_login(sis, objects, "user1")
    objects.edit_by_hand("users", user["id"], sortable_name="Uno, The Amazing")
    await sis.process_csv_data_cleanly(header, 'user_1,user1,User,Uno,"Two, User",,active')
    assert (await sis.user("user_1"))["sortable_name"] == "Uno, The Amazing"
    await sis.process_csv_data_cleanly(header, 'user_1,user1,User,Uno,"Two, User",,active',
                                       override_sis_stickiness="true")
    assert (await sis.user("user_1"))["sortable_name"] == "Two, User"


async def test_should_leave_users_around_always(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should leave users around always"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_2,user2,User,Dos,user2@example.com,deleted")
    user1, user2 = objects.login("user_1"), objects.login("user_2")
    assert (user1["workflow_state"], user2["workflow_state"]) == ("active", "deleted")
    assert [objects.get("users", id=p["user_id"])["workflow_state"] for p in (user1, user2)] == ["registered",
                                                                                                "registered"]


async def enrolled_names(sis: SisSpec, objects: Objects, course_sis_id: str, kind: str) -> list[str]:
    """``course.teachers.map(&:name)`` / ``course.students...``: the course's active users of a kind."""
    course_id = objects.course(course_sis_id)["id"]
    users = await sis.api(f"/api/v1/courses/{course_id}/users", **{"enrollment_type[]": kind})
    return [user["name"] for user in users]


async def test_should_leave_users_enrollments_when_there_is_another_pseudonym(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should leave users enrollments when there is another pseudonym"."""
    await factories.course(sis, "test_1", name="TC 101")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    # u.pseudonyms.create!: a second login of the same user, added through logins.csv.
    await sis.process_csv_data_cleanly("user_id,login_id,existing_user_id", "other_1,other_login@example.com,user_1")
    await sis.process_csv_data_cleanly("course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date",
                                       "test_1,user_1,teacher,,active,,,")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,deleted")
    pseudonym1, pseudonym2 = objects.login("user_1"), objects.login("other_1")
    assert objects.get("users", id=pseudonym1["user_id"])["workflow_state"] == "registered"
    assert (pseudonym1["workflow_state"], pseudonym2["workflow_state"]) == ("deleted", "active")
    assert [e["workflow_state"] for e in objects.rows("enrollments", user_id=pseudonym1["user_id"])] == ["active"]


async def test_should_remove_enrollments_when_a_user_is_deleted(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should remove enrollments when a user is deleted"."""
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,account_id,term_id,status",
                                       "test_1,TC 101,Test Course 101,,,active", "test_2,TC 102,Test Course 102,,,active")
    active = "user_1,user1,User,Uno,user@example.com,active"
    deleted = "user_1,user1,User,Uno,user@example.com,deleted"
    enrollments = ("course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date",
                   "test_1,user_1,teacher,,active,,,", ",user_1,student,S002,active,,,")
    await sis.process_csv_data_cleanly(USERS, active)
    await sis.process_csv_data_cleanly("section_id,course_id,name,status,start_date,end_date",
                                       "S001,test_1,Sec1,active,,", "S002,test_2,Sec1,active,,")
    await sis.process_csv_data_cleanly(*enrollments)

    async def enrolled() -> tuple[bool, bool]:
        return ("User Uno" in await enrolled_names(sis, objects, "test_1", "teacher"),
                "User Uno" in await enrolled_names(sis, objects, "test_2", "student"))

    assert await enrolled() == (True, True)
    await sis.process_csv_data_cleanly(USERS, active)
    assert await enrolled() == (True, True)
    await sis.process_csv_data_cleanly(USERS, deleted)
    assert await enrolled() == (False, False)
    await sis.process_csv_data_cleanly(USERS, active)
    assert await enrolled() == (False, False)
    await sis.process_csv_data_cleanly(*enrollments)
    assert await enrolled() == (True, True)
    await sis.process_csv_data_cleanly(USERS, active)
    assert await enrolled() == (True, True)
    await sis.process_csv_data_cleanly(USERS, deleted)
    assert await enrolled() == (False, False)


async def test_should_remove_group_memberships_when_a_user_is_deleted(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should remove group_memberships when a user is deleted"."""
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,account_id,term_id,status",
                                       "test_1,TC 101,Test Course 101,,,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,active")
    await sis.process_csv_data_cleanly("course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date",
                                       "test_1,user_1,student,,active,,,")
    await sis.process_csv_data_cleanly("group_id,course_id,name,status", "group1,test_1,group1,available")
    await sis.process_csv_data_cleanly("group_id,user_id,status", "group1,user_1,accepted")
    membership = objects.get("group_memberships", user_id=objects.login("user_1")["user_id"])
    assert membership["workflow_state"] == "accepted"
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user@example.com,deleted")
    assert objects.reload("group_memberships", membership)["workflow_state"] == "deleted"


async def admins_of(sis: SisSpec, account_id: int, user_id: int) -> list[dict[str, Any]]:
    """The account's active admin rights of one user (``account_users.active``)."""
    admins = await sis.api(f"/api/v1/accounts/{account_id}/admins")
    return [a for a in admins if a["user"]["id"] == user_id and a["workflow_state"] == "active"]


async def test_removes_account_memberships_when_a_user_is_deleted(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "removes account memberships when a user is deleted"."""
    await sis.process_csv_data_cleanly("user_id,login_id,full_name,status", "badmin,badmin,bad admin,active")
    await sis.process_csv_data_cleanly("user_id,account_id,role,status", "badmin,,AccountAdmin,active")
    user_id = objects.login("badmin")["user_id"]
    assert len(await admins_of(sis, 1, user_id)) == 1
    await sis.process_csv_data_cleanly(USERS, "badmin,badmin,Bad,Admin,badmin@example.com,deleted")
    assert await admins_of(sis, 1, user_id) == []
    assert [a["workflow_state"] for a in objects.rows("account_users", user_id=user_id)] == ["deleted"]


async def test_removes_subaccount_memberships_when_a_user_is_deleted(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "removes subaccount memberships when a user is deleted"."""
    await factories.account(sis, "subbie", "subbie")
    await sis.process_csv_data_cleanly("user_id,login_id,full_name,status", "badmin,badmin,bad admin,active")
    await sis.process_csv_data_cleanly("user_id,account_id,role,status", "badmin,subbie,AccountAdmin,active")
    user_id = objects.login("badmin")["user_id"]
    subaccount_id = objects.account("subbie")["id"]
    assert len(await admins_of(sis, subaccount_id, user_id)) == 1
    await sis.process_csv_data_cleanly(USERS, "badmin,badmin,Bad,Admin,badmin@example.com,deleted")
    assert await admins_of(sis, subaccount_id, user_id) == []
    assert [a["workflow_state"] for a in objects.rows("account_users", user_id=user_id)] == ["deleted"]


async def account_user_ids(sis: SisSpec) -> list[int]:
    """The root account's users (Canvas lists the users associated with the account)."""
    return [user["id"] for user in await sis.api("/api/v1/accounts/1/users")]


async def test_should_work_with_users_created_as_both_active_and_deleted(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: context "account associations", "should work with users created as both active
    and deleted".

    Canvas's user_account_associations are what ``GET /accounts/:id/users`` lists; the root
    account's are the users with a live login there."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,Humanities,active",
                                       "A002,A001,English,active", "A003,A002,English Literature,active",
                                       "A004,,Awesomeness,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_2,user2,User,Dos,user2@example.com,deleted")
    user1, user2 = objects.login("user_1")["user_id"], objects.login("user_2")["user_id"]
    assert await account_user_ids(sis) == [user1]
    assert user2 not in await account_user_ids(sis)
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,deleted")
    assert await account_user_ids(sis) == []


async def test_should_work_when_a_user_gets_undeleted(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: context "account associations", "should work when a user gets undeleted"."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,Humanities,active",
                                       "A002,A001,English,active", "A003,A002,English Literature,active",
                                       "A004,,Awesomeness,active")
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    user_id = objects.login("user_1")["user_id"]
    assert await account_user_ids(sis) == [user_id]
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,deleted")
    assert await account_user_ids(sis) == []
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    assert await account_user_ids(sis) == [user_id]


async def test_should_not_steal_the_communication_channel_of_the_previous_user(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not steal the communication channel of the previous user"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    assert (await sis.user("user_1"))["email"] == "user1@example.com"
    channel = objects.get("communication_channels", path="user1@example.com")
    assert objects.login("user_1")["sis_communication_channel_id"] == channel["id"]
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,active",
                                       "user_2,user2,User,Dos,user2@example.com,active")
    for sis_id, email in (("user_1", "user1@example.com"), ("user_2", "user2@example.com")):
        login = objects.login(sis_id)
        assert (await sis.user(sis_id))["email"] == email
        sis_channel = objects.get("communication_channels", id=login["sis_communication_channel_id"])
        assert (sis_channel["user_id"], sis_channel["path"]) == (login["user_id"], email)


async def test_should_not_resurrect_a_non_sis_user(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should not resurrect a non SIS user".

    Canvas removes the user's login from the root account (``remove_from_root_account``): here
    the non-SIS login is deleted in the one root account the import then runs in."""
    non_sis_user_ = await non_sis_user(sis, objects, "nobody@example.com")
    old_login = objects.get("pseudonyms", user_id=non_sis_user_["id"])
    objects.conn.execute("UPDATE pseudonyms SET workflow_state = 'deleted' WHERE id = ?", (old_login["id"],))
    objects.conn.commit()
    await sis.process_csv_data_cleanly(USERS, "user_1,nobody@example.com,User,Uno,nobody@example.com,active")
    login = objects.login("user_1")
    assert login["user_id"] != non_sis_user_["id"]
    assert login["id"] != old_login["id"]


async def test_should_error_nicely_when_resurrecting_an_sis_user_that_conflicts_with_an_active_user(
        sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "should error nicely when resurrecting an SIS user that conflicts with an active user"."""
    await sis.process_csv_data_cleanly(USERS, "user_1,user1,User,Uno,user1@example.com,deleted")
    other = await non_sis_user(sis, objects, "user1")
    importer = await sis.process_csv_data(USERS, "user_1,user1,User,Uno,user1@example.com,active")
    assert len(importer.errors) == 1
    assert importer.errors[-1][-1] == (f"An existing Canvas user with the Canvas ID {other['id']} has already claimed"
                                       " user_1's user_id requested login information, skipping")


async def test_warns_on_invalid_authentication_providers(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "warns on invalid authentication providers"."""
    importer = await sis.process_csv_data(USERS + ",authentication_provider_id",
                                          "user_1,user1,User,Uno,user1@example.com,active,google")
    assert len(importer.errors) == 1
    assert importer.errors[-1][-1] == "unrecognized authentication provider google for user_1, skipping"
    assert objects.find("pseudonyms", sis_user_id="user_1", workflow_state="active") is None


async def test_allows_utf_8_in_usernames(sis: SisSpec, objects: Objects) -> None:
    """user_importer_spec.rb: "allows UTF-8 in usernames"."""
    await sis.process_csv_data_cleanly(USERS, "user_1ö,user1ö,User,Unö,user@example.com,active")
    user = await user_by_email(sis, objects, "user@example.com")
    assert (user["name"], user["short_name"]) == ("User Unö", "User Unö")
    logins = await sis.logins(user["id"])
    assert [(p["unique_id"], p["sis_user_id"], p["account_id"]) for p in logins] == [("user1ö", "user_1ö", 1)]
