"""users, logins, admins and user_observers (sections 9.2, 9.3, 9.14, 9.15)."""

from __future__ import annotations

from tests.sis.helpers import USERS, Sis, fresh_database


def test_users_create_user_login_and_email(sis: Sis) -> None:
    result = sis.load("user", """
user_id,integration_id,login_id,password,first_name,last_name,full_name,sortable_name,short_name,email,status
u1,i1,Alice,secret,Alice,Smith,,,,alice@example.com,active
u2,,bob,,,,Bob B Jones,,Bobby,,active
u3,,carol,,,,,"King, Carol",,,suspended
u4,,dave,,,,,,,,active
""")
    assert (result.count, result.warnings) == (4, [])
    users = {
        r["sis_user_id"]: r
        for r in sis.all("SELECT p.*, u.name, u.sortable_name, u.short_name FROM pseudonyms p JOIN users u ON u.id = p.user_id")
    }
    assert (users["u1"]["name"], users["u1"]["sortable_name"]) == ("Alice Smith", "Smith, Alice")
    assert (users["u1"]["unique_id"], users["u1"]["unique_id_lower"], users["u1"]["integration_id"]) == ("Alice", "alice", "i1")
    assert users["u1"]["crypted_password"].startswith("sha256$") and users["u1"]["password_auto_generated"] == 1
    assert (users["u2"]["name"], users["u2"]["sortable_name"], users["u2"]["short_name"]) == ("Bob B Jones", "Jones, Bob B", "Bobby")
    # Name inference falls back to sortable_name, then the login.
    assert (users["u3"]["name"], users["u3"]["workflow_state"]) == ("King, Carol", "suspended")
    assert users["u4"]["name"] == "dave"
    channel = sis.one("SELECT * FROM communication_channels")
    assert (channel["path"], channel["workflow_state"], channel["user_id"]) == ("alice@example.com", "active", users["u1"]["user_id"])
    assert users["u1"]["sis_communication_channel_id"] == channel["id"]
    assert sis.changed() == {"Pseudonym": {"created": 4}, "CommunicationChannel": {"created": 1}}
    assert sis.statistics()["total_state_changes"] == 5


def test_user_warnings(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,status,integration_id\nu1,alice,active,i1\nu2,bob,active,\n")
    result = sis.load("user", """
user_id,login_id,status,email,authentication_provider_id,integration_id,declared_user_type
,x,active,,,,
u9,,active,,,,
u9,x9,,,,,
u9,x9,paused,,,,
u9,x9\u00adz\ud7ff\U000e0080,active,,,,
u9,x9,active,not-an-email,,,
u9,x9,active,,google,,
u9,alice,active,,,,
u2,alice,active,,,,
u9,x9,active,,,i1,
u9,x9,active,,,,wizard
u9,x9,active,,canvas,,student
""", import_id=2)
    assert result.rows == [
        (2, "No user_id given for a user"),
        (3, "No login_id given for user u9"),
        (4, "No status given for user u9"),
        (5, "Improper status for user u9"),
        # Pseudonym's unique_id format (Ruby's [[:print:]]) refuses the unassigned code points.
        (6, "Could not save the user with user_id: 'u9'. Invalid login_id: 'x9\u00adz\ud7ff\U000e0080'"),
        (7, "The email address associated with user 'u9' is invalid (email: 'not-an-email')"),
        (8, "unrecognized authentication provider google for u9, skipping"),
        (9, "An existing Canvas user with the SIS ID u1 has already claimed u9's user_id requested login information, skipping"),
        (10, "An existing Canvas user with the SIS ID u1 has already claimed u2's user_id requested login information, skipping"),
        (11, "An existing Canvas user with the SIS ID u1 has already claimed u9's requested integration_id, skipping"),
        (12, "Could not save the user with user_id: 'u9'. Unknown reason: declared_user_type is invalid"),
    ]
    assert result.count == 1
    login = sis.one("SELECT * FROM pseudonyms WHERE sis_user_id = 'u9'")
    assert (login["authentication_provider_id"], login["declared_user_type"]) == ("canvas", "student")


def test_null_characters_are_refused(sis: Sis) -> None:
    result = sis.load("user", "user_id,login_id,status\nu1,al\x00ice,active\n")
    assert (result.count, result.warnings) == (0, ["Some of the fields contain NULL character"])


def test_login_held_by_a_user_without_sis_id_is_named_by_canvas_id(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,status\nu1,alice,active\n")
    sis.conn.execute("UPDATE pseudonyms SET sis_user_id = NULL")
    user_id = sis.value("SELECT user_id FROM pseudonyms")
    sis.load("user", "user_id,login_id,status\nu2,bob,active\n")
    result = sis.load("user", "user_id,login_id,status\nu2,alice,active\n", import_id=2)
    assert result.warnings == [
        f"An existing Canvas user with the Canvas ID {user_id} has already claimed u2's user_id requested login"
        " information, skipping"
    ]


def test_update_sis_id_if_login_claimed_takes_the_login_over(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,status\nold,alice,active\n")
    result = sis.load("user", "user_id,login_id,status\nnew,alice,active\n", import_id=2, update_sis_id_if_login_claimed=True)
    assert (result.count, result.warnings) == (1, [])
    assert [r[0] for r in sis.all("SELECT sis_user_id FROM pseudonyms")] == ["new"]


def test_a_taken_over_sis_id_is_free_for_a_later_row_of_the_batch(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,status\nold,alice,active\n")
    result = sis.load(
        "user", "user_id,login_id,status\nnew,alice,active\nold,carol,active\n", import_id=2,
        update_sis_id_if_login_claimed=True,
    )
    assert (result.count, result.warnings) == (2, [])
    logins = {r["sis_user_id"]: r["unique_id"] for r in sis.all("SELECT * FROM pseudonyms")}
    assert logins == {"new": "alice", "old": "carol"}
    assert sis.value("SELECT count(*) FROM users") == 2


def test_updates_rename_and_change_login_and_email(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,full_name,email,status\nu1,alice,Alice A,a@example.com,active\n")
    result = sis.load("user", "user_id,login_id,full_name,email,status\nu1,alice2,Alice B,b@example.com,active\n", import_id=2)
    assert (result.count, result.warnings) == (1, [])
    assert sis.value("SELECT name FROM users") == "Alice B"
    assert sis.value("SELECT unique_id FROM pseudonyms") == "alice2"
    # The SIS channel follows the new address; nothing changed state.
    assert [r[0] for r in sis.all("SELECT path FROM communication_channels")] == ["b@example.com"]
    assert sis.statistics(2)["total_state_changes"] == 0
    # The old login is free again: another user may take it in the same batch.
    result = sis.load("user", "user_id,login_id,status\nu1,alice3,active\nu2,alice2,active\n", import_id=3)
    assert (result.count, result.warnings) == (2, [])


def test_same_user_twice_in_a_batch_and_the_login_of_an_earlier_row(sis: Sis) -> None:
    result = sis.load("user", "user_id,login_id,status\nu1,alice,active\nu1,alice,active\nu2,ALICE,active\n")
    assert result.count == 2
    assert result.warnings == [
        "An existing Canvas user with the SIS ID u1 has already claimed u2's user_id requested login information, skipping"
    ]
    assert sis.value("SELECT count(*) FROM users") == 1


def test_a_deleted_login_does_not_stand_for_the_live_one_holding_its_login_id(sis: Sis) -> None:
    # The row's user_id finds u1's deleted login, whose login_id u2's live login now holds: the
    # login_id look-up must find u2's login (users.py, Logins._seed_logins_found_by_sis_id).
    sis.load("user", "user_id,login_id,status\nu1,alice,deleted\n")
    sis.load("user", "user_id,login_id,status\nu2,alice,active\n", import_id=2)
    result = sis.load("user", "user_id,login_id,status\nu1,alice,active\n", import_id=3)
    assert result.count == 0
    assert result.warnings == [
        "An existing Canvas user with the SIS ID u2 has already claimed u1's user_id requested login information, skipping"
    ]


def test_password_is_kept_unless_sis_set_it(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,password,status\nu1,alice,one,active\n")
    first = sis.value("SELECT crypted_password FROM pseudonyms")
    sis.load("user", "user_id,login_id,password,status\nu1,alice,one,active\n", import_id=2)
    assert sis.value("SELECT crypted_password FROM pseudonyms") == first
    sis.load("user", "user_id,login_id,password,status\nu1,alice,two,active\n", import_id=3)
    assert sis.value("SELECT crypted_password FROM pseudonyms") != first
    sis.conn.execute("UPDATE pseudonyms SET password_auto_generated = 0")  # the user chose a password
    changed = sis.value("SELECT crypted_password FROM pseudonyms")
    sis.load("user", "user_id,login_id,password,status\nu1,alice,three,active\n", import_id=4)
    assert sis.value("SELECT crypted_password FROM pseudonyms") == changed


def test_deleting_the_last_login_removes_enrollments_memberships_and_admin_rights(people: Sis) -> None:
    people.load("enrollment", "course_id,user_id,role,status\nc1,u1,student,active\nc2,u1,teacher,active\nc1,u2,student,active\n")
    people.load("group", "group_id,name,status,course_id\ng1,Group,available,c1\n")
    people.load("group_membership", "group_id,user_id,status\ng1,u1,accepted\n")
    people.load("admin", "user_id,account_id,role,status\nu1,,AccountAdmin,active\n")
    result = people.load("user", "user_id,login_id,email,status\nu1,alice,alice@example.com,deleted\n", import_id=9)
    assert (result.count, result.warnings) == (1, [])
    assert [r[0] for r in people.all("SELECT workflow_state FROM enrollments ORDER BY id")] == ["deleted", "deleted", "active"]
    assert people.value("SELECT workflow_state FROM group_memberships") == "deleted"
    assert people.value("SELECT workflow_state FROM account_users") == "deleted"
    assert people.value("SELECT workflow_state FROM pseudonyms WHERE sis_user_id = 'u1'") == "deleted"
    assert people.value("SELECT workflow_state FROM communication_channels WHERE path = 'alice@example.com'") == "retired"
    assert people.changed(9) == {
        "Pseudonym": {"deleted": 1},
        "CommunicationChannel": {"deleted": 1},
        "Enrollment": {"deleted": 2},
        "GroupMembership": {"deleted": 1},
        "AccountUser": {"deleted": 1},
    }


def test_a_second_login_keeps_the_memberships(people: Sis) -> None:
    people.load("enrollment", "course_id,user_id,role,status\nc1,u1,student,active\n")
    people.load("login", "user_id,login_id,existing_user_id\nu1b,alice.b,u1\n")
    people.load("user", "user_id,login_id,status\nu1,alice,deleted\n", import_id=9)
    assert people.value("SELECT workflow_state FROM enrollments") == "active"


def test_logins_add_to_existing_users(sis: Sis) -> None:
    sis.load("user", USERS)
    u1 = sis.value("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u1'")
    sis.conn.execute("UPDATE pseudonyms SET integration_id = 'int2' WHERE sis_user_id = 'u2'")
    result = sis.load("login", """
user_id,login_id,existing_user_id,existing_integration_id,existing_canvas_user_id,email
l1,alice.work,u1,,,alice@work.example
l2,alice.home,,,{u1},
l3,nobody,,,,
u2,new.login,u1,,,
l4,bob,u1,,,
l5,ghost,missing,,,
l6,mixed,u1,int2,,
""".replace("{u1}", str(u1)), import_id=2)
    assert result.rows == [
        (4, "No existing user provided for login with SIS ID l3"),
        (5, "An existing Canvas user with the SIS ID u2 or login of new.login already exists, skipping"),
        (6, "An existing Canvas user with the SIS ID l4 or login of bob already exists, skipping"),
        (7, "Could not find the existing user for login with SIS ID l5, skipping"),
        (8, "An existing user does not match existing user ids provided for login with SIS ID l6, skipping"),
    ]
    assert result.count == 2
    logins = people_logins = sis.all("SELECT sis_user_id, user_id, workflow_state FROM pseudonyms WHERE user_id = ? ORDER BY id", u1)
    assert [tuple(r) for r in people_logins] == [("u1", u1, "active"), ("l1", u1, "active"), ("l2", u1, "active")]
    assert logins
    assert sis.value("SELECT count(*) FROM communication_channels WHERE user_id = ?", u1) == 2


def test_admins(people: Sis) -> None:
    people.load("account", "account_id,parent_account_id,name,status\nA,,Arts,active\n")
    result = people.load("admin", """
user_id,account_id,role,role_id,status
u1,,AccountAdmin,,active
u2,A,AccountAdmin,,Active
,,AccountAdmin,,active
u1,,AccountAdmin,,
u1,,,,active
u1,,AccountAdmin,,activeXYZ
u1,nope,AccountAdmin,,active
u1,,TeacherAdmin,,active
u1,,,99,active
ghost,,AccountAdmin,,active
""", import_id=2)
    assert result.count == 2
    assert result.warnings == [
        "No user_id given for admin",
        "No status given for admin",
        "No role_id or role given for admin",
        "Invalid status activeXYZ for admin",
        "Invalid account_id given for admin",
        "Invalid role 'TeacherAdmin' for admin",
        "Invalid role_id '99' for admin",
        "Invalid or unknown user_id 'ghost' for admin",
    ]
    assert people.changed(2) == {"AccountUser": {"created": 2}}
    people.load("admin", "user_id,account_id,role,status\nu2,A,AccountAdmin,deleted\n", import_id=3)
    assert people.changed(3) == {"AccountUser": {"deleted": 1}}


def test_user_observers(people: Sis) -> None:
    result = people.load("user_observer", """
observer_id,student_id,status
u1,u2,active
,u2,active
u1,,active
u1,u1,active
u1,u3,activeX
ghost,u2,active
u1,ghost,active
u3,u2,deleted
""", import_id=2)
    assert result.count == 1
    assert result.warnings == [
        "No observer_id given for a user observer",
        "No user_id given for a user observer",
        "Can't observe yourself user u1",
        'Improper status "activeX" for a user_observer',
        "An observer referenced a non-existent user ghost",
        "A student referenced a non-existent user ghost",
        "Can't delete a non-existent observer for observer: u3, student: u2",
    ]
    people.load("user_observer", "observer_id,student_id,status\nu1,u2,DELETED\n", import_id=3)
    assert people.changed(2) == {"UserObserver": {"created": 1}}
    assert people.changed(3) == {"UserObserver": {"deleted": 1}}


def test_canvas_password_notification_leaves_a_new_canvas_user_pre_registered(sis: Sis) -> None:
    """lib/sis/user_importer.rb: a new user with an e-mail, ``canvas_password_notification``
    (value_to_boolean) and the provider ``canvas`` is ``pre_registered``, its e-mail unconfirmed
    until the user sets a password; later imports keep it so. Any other row registers the user."""
    header = "user_id,login_id,email,status,canvas_password_notification,authentication_provider_id\n"
    result = sis.load("user", header + "u1,alice,alice@example.com,active,true,canvas\n"
                      "u2,bob,bob@example.com,active,false,canvas\n"
                      "u3,carol,carol@example.com,active,1,\n"
                      "u4,dave,,active,yes,canvas\n"
                      "u5,erin,erin@example.com,active,2,canvas\n")
    assert (result.count, result.warnings) == (5, [])
    states = dict(sis.all("SELECT p.sis_user_id, u.workflow_state FROM pseudonyms p JOIN users u ON u.id = p.user_id"))
    assert states == {"u1": "pre_registered", "u2": "registered", "u3": "registered", "u4": "registered",
                      "u5": "pre_registered"}  # Ruby's "2".to_i is not 0: true
    channels = dict(sis.all("SELECT path, workflow_state FROM communication_channels"))
    assert channels["alice@example.com"] == "unconfirmed" and channels["bob@example.com"] == "active"
    sis.load("user", header + "u1,alice,alice@example.com,active,,\n", import_id=2)
    assert sis.value("SELECT workflow_state FROM users WHERE name = 'alice'") == "pre_registered"


def test_an_invalid_email_leaves_the_user_and_login_saved(sis: Sis) -> None:
    """lib/sis/user_importer.rb saves the user and login before it looks at the e-mail: an
    invalid address warns and leaves out only the e-mail channel (and the row's count)."""
    result = sis.load("user", "user_id,login_id,email,status\nu1,alice,not-an-email,active\n")
    assert (result.count, result.warnings) == (
        0, ["The email address associated with user 'u1' is invalid (email: 'not-an-email')"])
    assert sis.value("SELECT unique_id FROM pseudonyms WHERE sis_user_id = 'u1'") == "alice"
    assert sis.value("SELECT count(*) FROM communication_channels") == 0


def test_login_ids_are_printable_as_ruby_sees_it(sis: Sis) -> None:
    """Pseudonym validates unique_id with Ruby's [[:print:]]: format characters, private use and
    no-break spaces print, line separators and unassigned code points do not."""
    result = sis.load("user", "user_id,login_id,status\n"
                      "u1,soft\u00adhyphen,active\nu2,no\u00a0break,active\nu3,private\ue000use,active\n"
                      "u4,line\u2028break,active\nu5,new\U000e0080,active\n")
    assert result.count == 3
    assert result.warnings == ["Could not save the user with user_id: 'u4'. Invalid login_id: 'line\u2028break'",
                               "Could not save the user with user_id: 'u5'. Invalid login_id: 'new\U000e0080'"]


def test_login_existing_ids_of_two_different_users_do_not_match(sis: Sis) -> None:
    """logins.csv: Canvas finds the login by the first identifier given and then wants every
    other one to name that same login."""
    sis.load("user", "user_id,integration_id,login_id,status\nu1,i1,alice,active\nu2,i2,bob,active\n")
    bob = sis.value("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u2'")
    result = sis.load("login", "user_id,login_id,existing_user_id,existing_canvas_user_id,existing_integration_id\n"
                      f"n1,new1,u1,{bob},\nn2,new2,,{bob},i2\nn3,new3,u9,,i1\n", import_id=2)
    # n3: u9 names no login, so i1 (alice's) is the one found, and its SIS id is not u9.
    assert result.warnings == [
        f"An existing user does not match existing user ids provided for login with SIS ID {n}, skipping"
        for n in ("n1", "n3")]
    # n2: the login i2 is bob's.
    assert [tuple(r) for r in sis.all("SELECT sis_user_id, user_id FROM pseudonyms WHERE sis_user_id LIKE 'n%'")] == [("n2", bob)]


def test_pronouns_are_set_sticky_and_removed_with_delete(sis: Sis) -> None:
    """lib/sis/user_importer.rb: a row's pronouns replace the user's unless stuck; ``<delete>``
    removes them; a blank cell leaves them."""
    header = "user_id,login_id,status,pronouns\n"
    sis.load("user", header + "u1,alice,active,she/her\nu2,bob,active,<delete>\n")
    assert dict(sis.all("SELECT name, pronouns FROM users")) == {"alice": "she/her", "bob": None}
    sis.load("user", header + "u1,alice,active,\n", import_id=2)
    assert sis.value("SELECT pronouns FROM users WHERE name = 'alice'") == "she/her"
    sis.load("user", header + "u1,alice,active,they/them\n", import_id=3)
    assert sis.value("SELECT pronouns FROM users WHERE name = 'alice'") == "they/them"
    sis.conn.execute("UPDATE users SET stuck_sis_fields = 'pronouns' WHERE name = 'alice'")
    sis.load("user", header + "u1,alice,active,<delete>\n", import_id=4)
    assert sis.value("SELECT pronouns FROM users WHERE name = 'alice'") == "they/them"


def test_admins_as_canvas_finds_them(sis: Sis) -> None:
    """lib/sis/admin_importer.rb: role_id is the role's id and falls back to the role's name; a
    deleted row with no such admin right changes nothing (and counts); deleted logins and
    accounts are not found."""
    sis.load("user", "user_id,login_id,status\nu1,alice,active\nu2,bob,deleted\n")
    sis.load("account", "account_id,parent_account_id,name,status\nA,,Arts,active\nB,,Gone,deleted\n")
    result = sis.load("admin", "user_id,account_id,role_id,role,status\n"
                      "u1,A,1,,active\nu1,,nope,AccountAdmin,active\nu1,,,AccountAdmin,deleted\n"
                      "u1,A,AccountAdmin,,active\nu2,,,AccountAdmin,active\nu1,B,,AccountAdmin,active\n"
                      "u1,A,,AccountAdmin,deleted\n", import_id=2)
    assert result.warnings == ["Invalid role_id 'AccountAdmin' for admin",
                               "Invalid or unknown user_id 'u2' for admin",
                               "Invalid account_id given for admin"]
    assert result.count == 4
    rows = [tuple(r) for r in sis.all("SELECT a.sis_source_id, u.role, u.workflow_state FROM account_users u"
                                      " JOIN accounts a ON a.id = u.account_id ORDER BY u.id")]
    # Each right was made active, then a later row of the same file deleted it.
    assert rows == [("A", "AccountAdmin", "deleted"), (None, "AccountAdmin", "deleted")]
    sis.load("user", "user_id,login_id,status\nu4,dave,active\n", import_id=3)
    result = sis.load("admin", "user_id,account_id,role,status\nu4,,AccountAdmin,deleted\n", import_id=4)
    assert (result.count, result.warnings) == (1, [])
    assert sis.value("SELECT count(*) FROM account_users") == 2


def test_user_observers_as_canvas_finds_them(sis: Sis) -> None:
    """lib/sis/user_observer_importer.rb: two logins of one user cannot observe each other, a
    deleted login is not found, and only an active link can be deleted."""
    sis.load("user", "user_id,login_id,status\nu1,alice,active\nu2,bob,active\nu3,carol,deleted\n")
    sis.load("login", "user_id,login_id,existing_user_id\nu1b,alice.b,u1\n")
    result = sis.load("user_observer", "observer_id,student_id,status\n"
                      "u1,u1b,active\nu3,u2,active\nu1,u2,active\nu1,u2,deleted\n", import_id=2)
    assert result.warnings == ["Can't observe yourself user u1b", "An observer referenced a non-existent user u3"]
    result = sis.load("user_observer", "observer_id,student_id,status\nu1,u2,deleted\n", import_id=3)
    assert (result.count, result.warnings) == (
        0, ["Can't delete a non-existent observer for observer: u1, student: u2"])


NEW_USERS = """user_id,integration_id,login_id,first_name,last_name,full_name,sortable_name,short_name,pronouns,email,status
u1,i1,Alice,Alice,Smith,,,,,alice@example.com,active
u2,,bob,,,Bob B Jones,,Bobby,he/him,,suspended
u3,,carol,,,,"King, Carol",,,carol@example.com,deleted
u4,,dave,,,,,,,not-an-email,active
u5,i5,Eve,Eve,,,,,,eve@example.com,active
"""


def _people_tables(sis: Sis) -> list[list[tuple]]:
    return [sis.rows_as_written(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
            for table in ("users", "pseudonyms", "communication_channels", "sis_state_changes")]


def test_new_users_created_as_value_tuples_match_the_general_path(sis: Sis, tmp_path) -> None:
    """Plain new users are queued as value tuples; a declared_user_type column set to <delete>
    (stored as NULL) sends the same rows through the general path: the same rows, ids,
    messages and roll-back records must come out, with and without add_sis_stickiness."""
    general = NEW_USERS.replace("status\n", "status,declared_user_type\n").replace("\n", ",<delete>\n")
    general = general.replace("declared_user_type,<delete>\n", "declared_user_type\n", 1)
    for options in ({}, {"add_sis_stickiness": True}):
        with fresh_database(tmp_path / f"general{len(options)}.sqlite3") as other:
            reference = Sis(other)
            expected = reference.load("user", general, **options)
            result = sis.load("user", NEW_USERS, **options)
            assert (result.count, result.rows) == (expected.count, expected.rows) == (
                4, [(5, "The email address associated with user 'u4' is invalid (email: 'not-an-email')")])
            assert _people_tables(sis) == _people_tables(reference)
            assert sis.value("SELECT count(*) FROM users") == 5
        sis.conn.execute("BEGIN IMMEDIATE")
        for table in ("sis_state_changes", "communication_channels", "pseudonyms", "users"):
            sis.conn.execute(f"DELETE FROM {table}")
        sis.conn.execute("COMMIT")
