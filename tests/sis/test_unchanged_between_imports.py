"""The nightly file imported again after something changed its objects outside it: a restore, a
deletion by another file, an SIS id change, a field made sticky. The shortcut for unchanged rows
(service/sis/unchanged.py) compares every row with the objects as stored, so each such row must
take the full path and come out exactly as a first import leaves it; were a check missing, the
object would keep what the change outside the file did to it."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.helpers import import_and_wait, make_zip, restore_and_wait

COURSES = "course_id,short_name,long_name,status\nc1,C1,Course One,active\n"
SECTIONS = "section_id,course_id,name,status\ns1,c1,Section 1,active\n"
USERS = ("user_id,login_id,first_name,last_name,email,status\n"
         "u1,alice,Alice,Smith,alice@example.com,active\n"
         "u2,bob,Bob,Jones,bob@example.com,active\n")
ENROLLMENTS = "section_id,user_id,role,status\ns1,u1,student,active\ns1,u2,teacher,active\n"
NIGHTLY = make_zip({"courses.csv": COURSES, "sections.csv": SECTIONS, "users.csv": USERS,
                    "enrollments.csv": ENROLLMENTS})


def people(database: sqlite3.Connection) -> dict[str, Any]:
    """What the nightly file writes, by SIS id."""
    return {
        "logins": {r[0]: tuple(r[1:]) for r in database.execute(
            "SELECT p.sis_user_id, p.unique_id, p.workflow_state, u.name, u.workflow_state"
            " FROM pseudonyms p JOIN users u ON u.id = p.user_id")},
        "channels": {r[0]: r[1] for r in database.execute(
            "SELECT path, workflow_state FROM communication_channels")},
        "enrollments": {r[0]: tuple(r[1:]) for r in database.execute(
            "SELECT p.sis_user_id, e.type, e.workflow_state FROM enrollments e"
            " JOIN pseudonyms p ON p.user_id = e.user_id")},
    }


async def nightly(client) -> dict[str, Any]:
    final = await import_and_wait(client, NIGHTLY, "nightly.zip")
    assert final["workflow_state"] == "imported", final.get("processing_warnings")
    return final


async def test_a_restore_between_two_identical_imports(client, database: sqlite3.Connection) -> None:
    first = await nightly(client)
    expected = people(database)
    await nightly(client)
    # Restoring the first import deletes what it created, behind the nightly file's back.
    _, restored = await restore_and_wait(client, first["id"])
    assert restored["workflow_state"] == "restored"
    assert people(database)["logins"]["u1"][1] == "deleted"
    again = await nightly(client)
    assert people(database) == expected
    # Both logins came back through the full path, which counts them.
    assert again["data"]["statistics"]["Pseudonym"]["restored"] == 2
    assert again["data"]["counts"]["users"] == 2 and again["data"]["counts"]["enrollments"] == 2


async def test_a_deletion_by_another_file_between_two_identical_imports(client, database: sqlite3.Connection) -> None:
    await nightly(client)
    expected = people(database)
    # Bob deleted (his enrollment with him), Alice's login only suspended (her user, channel and
    # enrollment untouched: only the login's state tells).
    deleting = await import_and_wait(client, USERS.replace("bob@example.com,active", "bob@example.com,deleted")
                                     .replace("alice@example.com,active", "alice@example.com,suspended"))
    assert deleting["workflow_state"] == "imported"
    assert people(database)["enrollments"]["u2"][1] == "deleted"
    assert people(database)["logins"]["u1"][1] == "suspended"
    await nightly(client)
    assert people(database) == expected


async def test_an_sis_id_change_between_two_identical_imports(client, database: sqlite3.Connection) -> None:
    await nightly(client)
    changing = await import_and_wait(client, "old_id,new_id,type\nu1,u9,user\n", "change_sis_ids.csv")
    assert changing["workflow_state"] == "imported"
    changed = people(database)
    again = await import_and_wait(client, NIGHTLY, "nightly.zip")
    # The row of u1 finds no login by its SIS id: its login is claimed by u9 and it is skipped,
    # and so is its enrollment; nothing else moves.
    assert people(database) == changed
    assert changed["logins"]["u9"] == ("alice", "active", "Alice Smith", "registered")
    warnings = " ".join(message for _, message in again.get("processing_warnings", []))
    assert "u9" in warnings and "u1" in warnings


async def test_a_sticky_name_between_two_identical_imports(client, database: sqlite3.Connection) -> None:
    await nightly(client)
    renamed = USERS.replace("Alice,Smith", "Alicia,Smith")
    sticking = await import_and_wait(client, renamed, override_sis_stickiness="true", add_sis_stickiness="true")
    assert sticking["workflow_state"] == "imported"
    await nightly(client)
    # The name set with add_sis_stickiness stays; the row's other values are as they were.
    assert people(database)["logins"]["u1"] == ("alice", "active", "Alicia Smith", "registered")
    # The file that made it sticky, sent again as a nightly file, changes nothing either.
    again = await import_and_wait(client, renamed)
    assert people(database)["logins"]["u1"] == ("alice", "active", "Alicia Smith", "registered")
    assert again["data"]["statistics"]["total_state_changes"] == 0


def digests(database: sqlite3.Connection) -> dict[str, int | None]:
    """The digest of a re-sent row each login and enrollment holds, by SIS user id."""
    return {
        **{f"login {r[0]}": r[1] for r in database.execute("SELECT sis_user_id, sis_row_digest FROM pseudonyms")},
        **{f"enrollment {r[0]}": r[1] for r in database.execute(
            "SELECT p.sis_user_id, e.sis_row_digest FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id")},
    }


async def test_the_nightly_rows_digests_last_until_something_changes_their_objects(
        client, database: sqlite3.Connection) -> None:
    first = await nightly(client)
    # Every row of the nightly file is plain: its objects hold its digest from the first import.
    created = digests(database)
    assert len(created) == 4 and None not in created.values()
    await nightly(client)
    assert digests(database) == created
    _, restored = await restore_and_wait(client, first["id"])
    assert restored["workflow_state"] == "restored"
    assert set(digests(database).values()) == {None}
    # The next nightly import compares its rows again (the full path restores them) ...
    await nightly(client)
    assert set(digests(database).values()) == {None}
    # ... and the one after finds them unchanged and leaves the digests again.
    await nightly(client)
    assert digests(database) == created
