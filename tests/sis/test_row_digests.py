"""Digests of re-sent rows (service/sis/row_digests.py and the ROW_DIGESTS triggers): which rows
get one, that a re-sent row is then taken without any comparison, and that every change of what
a digest depends on deletes it, whoever writes it. That the result equals the full path's is
the snapshot test's job (test_reimport_equivalence.py) and the last test's here: with digests or
without, a batch leaves the same rows to the full path."""

from __future__ import annotations

import sqlite3
from typing import Any, Callable

import pytest

from service.sis import row_digests, unchanged
from service.sis.context import ImportRun, SisOptions
from service.store import sis_row_digests
from tests.sis.helpers import COURSES, NOW, SECTIONS, USERS, Sis, sis_header, sis_rows

ENROLLMENTS = "section_id,user_id,role,status\ns1,u1,student,active\ns1,u2,teacher,active\ns2,u3,student,active\n"


def known_lines(conn: sqlite3.Connection, kind: str, text: str, root_account_id: int = 1) -> list[int]:
    """The lines of ``text`` whose login or enrollment holds their digest."""
    run = ImportRun(2, root_account_id, SisOptions(), NOW)
    run.file_state[row_digests.HEADER_KEY] = sis_header(text)
    rows = sis_rows(text)
    digests = row_digests.digests(run, f"{kind}s", rows)  # (the importers' names: users, enrollments)
    assert digests is not None
    if kind == "user":
        user_sis_ids = [row.values["user_id"] for row in rows]
        found, _ = sis_row_digests.known_logins(conn, root_account_id, user_sis_ids, digests)
    else:
        found = sis_row_digests.known_enrollments(conn, digests)
    return sorted(rows[position].line for position, *_ in found)


def digest_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT (SELECT count(sis_row_digest) FROM pseudonyms)"
                        " + (SELECT count(sis_row_digest) FROM enrollments)").fetchone()[0]


@pytest.fixture
def forbid_comparison(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Once called, the one-query comparisons fail the test if they run: what is taken then,
    digests took."""
    def refuse(*args: Any) -> None:
        raise AssertionError("the comparison ran")

    def forbid() -> None:
        monkeypatch.setattr(unchanged.store, "re_sent_users", refuse)
        monkeypatch.setattr(unchanged.store, "re_sent_enrollments", refuse)
    return forbid


def test_rows_created_on_the_plain_path_get_their_digest(people: Sis) -> None:
    # people loaded USERS: every row is plain.
    assert known_lines(people.conn, "user", USERS) == [2, 3, 4]
    assert people.load("enrollment", ENROLLMENTS, import_id=1).count == 3
    assert known_lines(people.conn, "enrollment", ENROLLMENTS) == [2, 3, 4]


def test_rows_that_could_warn_or_change_more_get_no_digest(sis: Sis) -> None:
    text = ("user_id,login_id,first_name,last_name,email,status,password\n"
            "u1,alice,Alice,Smith,alice@example.com,active,secret\n"  # a password
            "u2,bob,Bob,Jones,not-an-email,active,\n"  # a refused e-mail
            "u3,carol,,,,active,\n"  # no name: it would fall back on the stored one
            "u4,dave,Dave,Deleted,,deleted,\n"
            "u5,erin,Erin,Ok,erin@example.com,suspended,\n")
    sis.load("user", text)
    assert known_lines(sis.conn, "user", text) == [6]


def test_digests_are_taken_with_the_header_and_the_root_account(people: Sis) -> None:
    reordered = "user_id,login_id,last_name,first_name,email,status\nu1,alice,Alice,Smith,alice@example.com,active\n"
    assert known_lines(people.conn, "user", reordered) == []
    assert known_lines(people.conn, "user", USERS, root_account_id=2) == []
    assert known_lines(people.conn, "enrollment", USERS.replace("login_id", "section_id")) == []


def test_a_re_sent_file_is_taken_by_its_digests_alone(people: Sis, forbid_comparison: Callable[[], None]) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    forbid_comparison()
    people.conn.execute("UPDATE pseudonyms SET updated_at = 'before'")
    assert people.load("user", USERS, import_id=2).count == 3
    assert people.load("enrollment", ENROLLMENTS, import_id=2).count == 3
    # The import that last saw them is stamped, and nothing else is written.
    assert {r[0] for r in people.all("SELECT sis_batch_id FROM pseudonyms")} == {2}
    assert {r[0] for r in people.all("SELECT sis_batch_id FROM communication_channels")} == {2}
    assert {r[0] for r in people.all("SELECT sis_batch_id FROM enrollments")} == {2}
    assert {r[0] for r in people.all("SELECT updated_at FROM pseudonyms")} == {"before"}
    assert people.value("SELECT count(*) FROM sis_state_changes WHERE sis_import_id = 2") == 0


@pytest.fixture
def forbid_comparison_in_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """The users comparison in Python fails the test if it runs."""
    def refuse(*args: Any) -> None:
        raise AssertionError("the comparison in Python ran")
    monkeypatch.setattr(unchanged, "_users_unchanged_in_python", refuse)


def test_a_users_row_whose_login_holds_another_digest_is_judged_by_the_one_query_alone(
    people: Sis, forbid_comparison_in_python: None,
) -> None:
    people.conn.execute("UPDATE pseudonyms SET updated_at = 'before'")
    renamed = USERS.replace("Alice,Smith", "Alicia,Smith")
    assert people.load("user", renamed, import_id=2).count == 3
    assert people.value("SELECT name FROM users u JOIN pseudonyms p ON p.user_id = u.id"
                        " WHERE p.sis_user_id = 'u1'") == "Alicia Smith"
    stamps = people.all("SELECT sis_user_id, sis_batch_id, updated_at FROM pseudonyms ORDER BY sis_user_id")
    assert [tuple(r) for r in stamps] == [("u1", 2, "before"), ("u2", 2, "before"), ("u3", 2, "before")]
    # The one query took alice's row (only her names changed), so her login holds its digest.
    assert known_lines(people.conn, "user", renamed) == [2, 3, 4]
    # A row the one query cannot take (another e-mail) goes to the full path, uncompared in Python.
    moved = renamed.replace("alice@example.com", "alicia@example.com")
    assert people.load("user", moved, import_id=3).count == 3
    assert people.value("SELECT path FROM communication_channels c JOIN pseudonyms p"
                        " ON p.sis_communication_channel_id = c.id WHERE p.sis_user_id = 'u1'") == "alicia@example.com"


def test_a_users_row_that_differs_from_its_logins_in_text_only_writes_nothing(
    people: Sis, forbid_comparison_in_python: None,
) -> None:
    people.conn.execute("UPDATE pseudonyms SET updated_at = 'before'")
    capitals = USERS.replace("bob@example.com,active", "bob@example.com,Active")
    assert people.load("user", capitals, import_id=2).count == 3
    assert {r[0] for r in people.all("SELECT updated_at FROM pseudonyms")} == {"before"}
    assert people.value("SELECT count(*) FROM sis_state_changes WHERE sis_import_id = 2") == 0
    # The one query found bob's row unchanged: his login holds its digest now.
    assert known_lines(people.conn, "user", capitals) == [2, 3, 4]


def test_rows_the_comparison_finds_unchanged_get_their_digest(sis: Sis) -> None:
    # Users first written by the general path (a password), then sent without it: the
    # comparison finds the rows unchanged and leaves their digests.
    with_password = USERS.replace("status\n", "status,password\n").replace("active\n", "active,secret\n")
    sis.load("user", with_password, import_id=1)
    assert known_lines(sis.conn, "user", USERS) == []
    assert sis.load("user", USERS, import_id=2).count == 3
    assert known_lines(sis.conn, "user", USERS) == [2, 3, 4]
    # Enrollments edited by the full path, then re-sent: the same.
    sis.load("course", COURSES, import_id=1)
    sis.load("section", SECTIONS, import_id=1)
    sis.load("enrollment", ENROLLMENTS.replace("active", "inactive"), import_id=1)
    sis.load("enrollment", ENROLLMENTS, import_id=2)
    assert known_lines(sis.conn, "enrollment", ENROLLMENTS) == []
    sis.load("enrollment", ENROLLMENTS, import_id=3)
    assert known_lines(sis.conn, "enrollment", ENROLLMENTS) == [2, 3, 4]


def test_stickiness_options_neither_use_nor_store_digests(people: Sis, monkeypatch: pytest.MonkeyPatch) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)

    def refuse(*args: Any) -> None:
        raise AssertionError("digests were looked up")
    monkeypatch.setattr(unchanged.digest_store, "known_logins", refuse)
    monkeypatch.setattr(unchanged.digest_store, "known_enrollments", refuse)
    for option in ("override_sis_stickiness", "add_sis_stickiness", "clear_sis_stickiness",
                   "update_sis_id_if_login_claimed"):
        assert people.load("user", USERS, import_id=2, **{option: True}).count == 3
        assert people.load("enrollment", ENROLLMENTS, import_id=2, **{option: True}).count == 3
    new_user = USERS.strip() + "\nu4,dave,Dave,New,,active\n"
    people.load("user", new_user, import_id=3, add_sis_stickiness=True)
    people.load("enrollment", ENROLLMENTS + "s2,u4,student,active\n", import_id=3, add_sis_stickiness=True)
    assert people.value("SELECT sis_row_digest FROM pseudonyms WHERE sis_user_id = 'u4'") is None
    assert people.value("SELECT count(e.sis_row_digest) FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id"
                        " WHERE p.sis_user_id = 'u4'") == 0


USER_CHANGES = [
    "UPDATE pseudonyms SET unique_id = 'alice2', unique_id_lower = 'alice2' WHERE sis_user_id = 'u1'",
    "UPDATE pseudonyms SET sis_user_id = 'u1b' WHERE sis_user_id = 'u1'",
    "UPDATE pseudonyms SET integration_id = 'i1' WHERE sis_user_id = 'u1'",
    "UPDATE pseudonyms SET workflow_state = 'suspended' WHERE sis_user_id = 'u1'",
    "UPDATE pseudonyms SET authentication_provider_id = 'google' WHERE sis_user_id = 'u1'",
    "UPDATE pseudonyms SET stuck_sis_fields = 'unique_id' WHERE sis_user_id = 'u1'",
    "UPDATE pseudonyms SET sis_communication_channel_id = NULL WHERE sis_user_id = 'u1'",
    "UPDATE users SET name = 'A' WHERE id = {user}",
    "UPDATE users SET sortable_name = 'A' WHERE id = {user}",
    "UPDATE users SET short_name = 'A' WHERE id = {user}",
    "UPDATE users SET workflow_state = 'deleted' WHERE id = {user}",
    "UPDATE users SET stuck_sis_fields = 'name' WHERE id = {user}",
    "INSERT INTO pseudonyms (account_id, user_id, unique_id, unique_id_lower, workflow_state, created_at,"
    " updated_at) VALUES (1, {user}, 'second', 'second', 'active', '', '')",
    "INSERT INTO communication_channels (user_id, path, workflow_state, created_at, updated_at)"
    " VALUES ({user}, 'ALICE@example.com', 'retired', '', '')",
    "UPDATE communication_channels SET path = 'alice@example.org' WHERE user_id = {user}",
    "UPDATE communication_channels SET workflow_state = 'retired' WHERE user_id = {user}",
    "UPDATE communication_channels SET pseudonym_id = NULL WHERE user_id = {user}",
]


@pytest.mark.parametrize("change", USER_CHANGES)
def test_a_change_of_what_a_users_row_depends_on_deletes_its_digest(people: Sis, change: str) -> None:
    user = people.value("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u1'")
    people.conn.execute(change.format(user=user))
    # The changed user's row only: the others keep theirs.
    assert known_lines(people.conn, "user", USERS) == [3, 4]


ENROLLMENT_CHANGES = [
    "UPDATE enrollments SET workflow_state = 'inactive' WHERE id = {enrollment}",
    "UPDATE enrollments SET course_id = (SELECT id FROM courses WHERE sis_source_id = 'c2') WHERE id = {enrollment}",
    "UPDATE enrollments SET course_section_id = (SELECT id FROM course_sections WHERE sis_source_id = 's2')"
    " WHERE id = {enrollment}",
    "UPDATE enrollments SET type = 'TaEnrollment' WHERE id = {enrollment}",
    "UPDATE enrollments SET associated_user_id = {user} WHERE id = {enrollment}",
    "UPDATE enrollments SET sis_pseudonym_id = NULL WHERE id = {enrollment}",
    "UPDATE enrollments SET start_at = '2030-01-01T00:00:00Z' WHERE id = {enrollment}",
    "UPDATE enrollments SET end_at = '2030-01-01T00:00:00Z' WHERE id = {enrollment}",
    "UPDATE enrollments SET stuck_sis_fields = 'start_at' WHERE id = {enrollment}",
    "INSERT INTO enrollments (root_account_id, user_id, course_id, course_section_id, type, workflow_state,"
    " created_at, updated_at) SELECT 1, {user}, course_id, id, 'StudentEnrollment', 'active', '', ''"
    " FROM course_sections WHERE sis_source_id = 's1'",
    "UPDATE pseudonyms SET workflow_state = 'deleted' WHERE sis_user_id = 'u1'",
    "UPDATE pseudonyms SET sis_user_id = 'u1b' WHERE sis_user_id = 'u1'",
    "UPDATE users SET workflow_state = 'deleted' WHERE id = {user}",
]


@pytest.mark.parametrize("change", ENROLLMENT_CHANGES)
def test_a_change_of_what_an_enrollments_row_depends_on_deletes_its_digest(people: Sis, change: str) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    user = people.value("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u1'")
    enrollment = people.value("SELECT id FROM enrollments WHERE user_id = ?", user)
    people.conn.execute(change.format(user=user, enrollment=enrollment))
    assert known_lines(people.conn, "enrollment", ENROLLMENTS) == [3, 4]


@pytest.mark.parametrize("change", [
    "UPDATE course_sections SET sis_source_id = 's1b' WHERE sis_source_id = 's1'",
    "UPDATE course_sections SET workflow_state = 'deleted' WHERE sis_source_id = 's1'",
    "UPDATE course_sections SET course_id = (SELECT id FROM courses WHERE sis_source_id = 'c2')"
    " WHERE sis_source_id = 's1'",
    "UPDATE course_sections SET nonxlist_course_id = course_id WHERE sis_source_id = 's1'",
    "UPDATE courses SET workflow_state = 'deleted' WHERE sis_source_id = 'c1'",
    "UPDATE courses SET sis_source_id = 'c1b' WHERE sis_source_id = 'c1'",
])
def test_a_change_of_a_section_or_its_course_deletes_its_enrollments_digests(people: Sis, change: str) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    people.conn.execute(change)
    assert known_lines(people.conn, "enrollment", ENROLLMENTS) == [4]


def test_a_course_that_was_cross_listed_from_keeps_its_sections_digests_in_step(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    # s2 moved into c1 from c2: a change of c2 (its home course) still concerns s2's rows.
    people.conn.execute("UPDATE course_sections SET nonxlist_course_id = course_id,"
                        " course_id = (SELECT id FROM courses WHERE sis_source_id = 'c1') WHERE sis_source_id = 's2'")
    people.load("enrollment", ENROLLMENTS, import_id=2)
    people.load("enrollment", ENROLLMENTS, import_id=3)
    assert known_lines(people.conn, "enrollment", ENROLLMENTS) == [2, 3, 4]
    people.conn.execute("UPDATE courses SET workflow_state = 'deleted' WHERE sis_source_id = 'c2'")
    assert known_lines(people.conn, "enrollment", ENROLLMENTS) == [2, 3]


@pytest.mark.parametrize("stamp", [
    "UPDATE pseudonyms SET sis_batch_id = 9, updated_at = 'now'",
    "UPDATE communication_channels SET sis_batch_id = 9, updated_at = 'now'",
    "UPDATE enrollments SET sis_batch_id = 9, updated_at = 'now'",
    "UPDATE users SET updated_at = 'now', pronouns = 'they/them'",
    "UPDATE course_sections SET name = 'Renamed', sis_batch_id = 9",
    "UPDATE courses SET name = 'Renamed', sis_batch_id = 9",
    "UPDATE pseudonyms SET workflow_state = workflow_state, unique_id = unique_id",
])
def test_writes_that_leave_the_compared_columns_as_they_were_keep_the_digests(people: Sis, stamp: str) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    people.conn.execute(stamp)
    assert known_lines(people.conn, "user", USERS) == [2, 3, 4]
    assert known_lines(people.conn, "enrollment", ENROLLMENTS) == [2, 3, 4]


def test_a_row_whose_keys_reach_an_object_holding_another_digest_is_not_known(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    # The same keys as the stored rows, another value: their objects hold the old digests.
    assert known_lines(people.conn, "user", USERS.replace("Alice,Smith", "Alicia,Smith")) == [3, 4]
    assert known_lines(people.conn, "enrollment", ENROLLMENTS.replace("u1,student", "u1,ta")) == [3, 4]


def test_an_enrollments_digest_two_enrollments_hold_knows_neither(people: Sis) -> None:
    # Enrollments are found by digest alone; the triggers never leave one digest on two, but if
    # it ever happened the row must take the full path rather than stamp either.
    people.load("enrollment", ENROLLMENTS, import_id=1)
    people.conn.execute("UPDATE enrollments SET sis_row_digest = (SELECT sis_row_digest FROM enrollments"
                        " WHERE user_id = (SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u1'))"
                        " WHERE user_id = (SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u2')")
    assert known_lines(people.conn, "enrollment", ENROLLMENTS) == [4]


def test_stamps_run_no_trigger(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    conn = people.conn
    ids = {table: [id for (id,) in conn.execute(f"SELECT id FROM {table}")]
           for table in ("pseudonyms", "communication_channels", "enrollments")}
    assert [len(found) for found in ids.values()] == [3, 2, 3]  # (carol has no e-mail)
    # SQLite traces the statement once more for every trigger program it runs for a row.
    traced: list[str] = []
    conn.set_trace_callback(traced.append)
    try:
        for table, found in ids.items():
            unchanged.stamp_sis_batch_id(conn, table, found, 9)
        sis_row_digests.stamp_with_digests(conn, "enrollments", ((id, 7) for id in ids["enrollments"]), 9)
    finally:
        conn.set_trace_callback(None)
    assert [sql.split()[1] for sql in traced if not sql.startswith("BEGIN")] == [
        "pseudonyms", "communication_channels", "enrollments", "enrollments"]
    assert conn.execute("SELECT count(*) FROM enrollments WHERE sis_batch_id = 9 AND sis_row_digest = 7").fetchone()[0] == 3


def test_a_known_row_whose_key_another_row_names_takes_the_full_path(people: Sis) -> None:
    # An earlier row of the batch renames alice, then her re-sent row names her again: the
    # full path renames her back, which a re-sent row taken by its digest would not.
    header, *lines = USERS.strip().split("\n")
    text = "\n".join([header, "u1,alice,Alicia,Smith,alice@example.com,active", *lines]) + "\n"
    assert known_lines(people.conn, "user", text) == [3, 4, 5]
    assert people.load("user", text, import_id=2).count == 4
    assert people.value("SELECT name FROM users u JOIN pseudonyms p ON p.user_id = u.id"
                        " WHERE p.sis_user_id = 'u1'") == "Alice Smith"
    # The same with an enrollment deleted by an earlier row and re-sent active.
    people.load("enrollment", ENROLLMENTS, import_id=1)
    header, *lines = ENROLLMENTS.strip().split("\n")
    text = "\n".join([header, "s1,u1,student,deleted", *lines]) + "\n"
    assert known_lines(people.conn, "enrollment", text) == [3, 4, 5]
    assert people.load("enrollment", text, import_id=2).count == 4
    assert people.value("SELECT e.workflow_state FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id"
                        " WHERE p.sis_user_id = 'u1'") == "active"


def test_a_known_enrollments_row_whose_user_the_full_path_names_takes_it_too(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    assert known_lines(people.conn, "enrollment", ENROLLMENTS) == [2, 3, 4]
    # u1's other row deletes an enrollment: the full path may reach u1's known one first.
    text = ENROLLMENTS + "s2,u1,student,deleted\n"
    run = ImportRun(2, 1, SisOptions(), NOW)
    run.file_state[row_digests.HEADER_KEY] = sis_header(text)
    rows = sis_rows(text)
    people.conn.execute("BEGIN IMMEDIATE")
    taken = unchanged.re_sent_enrollment_rows(people.conn, run, rows)
    people.conn.execute("ROLLBACK")
    assert sorted(rows[index].line for index in taken) == [3, 4]


def _left_for_the_full_path(conn: sqlite3.Connection, kind: str, text: str, digests: bool) -> list[int]:
    """The lines of a batch the full path would still get, with or without the digests stored
    (the batch is rolled back)."""
    run = ImportRun(50, 1, SisOptions(), NOW)
    run.file_state[row_digests.HEADER_KEY] = sis_header(text)
    rows = sis_rows(text)
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not digests:
            conn.execute("UPDATE pseudonyms SET sis_row_digest = NULL")
            conn.execute("UPDATE enrollments SET sis_row_digest = NULL")
        if kind == "user":
            left, _ = unchanged.split_re_sent_users(conn, run, rows)
            return [row.line for row in left]
        taken = unchanged.re_sent_enrollment_rows(conn, run, rows)
        return [row.line for index, row in enumerate(rows) if index not in taken]
    finally:
        conn.execute("ROLLBACK")


NIGHTLY_USERS = [
    USERS,
    USERS.replace("Alice,Smith", "Alicia,Smith"),
    USERS.replace("bob@example.com", "Bob@Example.com"),
    USERS.replace("carol,Carol,King,,active", "carol,Carol,King,carol@example.com,suspended"),
    USERS.replace("u3,carol,Carol,King,,active", "u3,carol,Carol,King,,deleted"),
    USERS + "u4,dave,Dave,New,dave@example.com,active\n",
    USERS.replace("first_name,last_name", "full_name,sortable_name").replace("Alice,Smith", "Alice Smith,\"Smith, A\""),
]
NIGHTLY_ENROLLMENTS = [
    ENROLLMENTS,
    ENROLLMENTS.replace("s1,u1,student,active", "s1,u1,student,inactive"),
    ENROLLMENTS.replace("s1,u2,teacher,active", "s1,u2,ta,active"),
    ENROLLMENTS.replace("s2,u3,student,active", "s2,u3,student,deleted"),
    ENROLLMENTS + "s2,u1,student,completed\n",
    ENROLLMENTS.replace("section_id,", "course_id,section_id,").replace("\ns1,", "\nc1,s1,").replace("\ns2,", "\nc2,s2,"),
]


def test_digests_leave_the_full_path_the_same_rows_as_the_comparison_alone(people: Sis) -> None:
    # Night after night, one file of the list after another: before each import, a batch of
    # every file leaves the same rows to the full path with the digests as without them.
    import_id = 1
    for users, enrollments in zip(NIGHTLY_USERS * 2, (NIGHTLY_ENROLLMENTS * 3)[1:]):
        for kind, text in (("user", users), ("enrollment", enrollments)):
            for candidate in (NIGHTLY_USERS if kind == "user" else NIGHTLY_ENROLLMENTS):
                assert (_left_for_the_full_path(people.conn, kind, candidate, digests=True)
                        == _left_for_the_full_path(people.conn, kind, candidate, digests=False)), (kind, candidate)
            people.load(kind, text, import_id=import_id)
        import_id += 1
    assert digest_count(people.conn) > 0


def test_a_users_file_whose_digests_were_all_taken_with_another_header_is_compared_again(people: Sis) -> None:
    # The same rows, their columns in another order: no login holds their digests, the
    # comparisons find them unchanged, and they get their digests back.
    reordered = "login_id,user_id,first_name,last_name,email,status\n" + "".join(
        f"{login},{sis_id},{rest}\n" for sis_id, login, rest in (
            line.split(",", 2) for line in USERS.strip().splitlines()[1:]))
    assert known_lines(people.conn, "user", reordered) == []
    assert people.load("user", reordered, import_id=2).count == 3
    assert people.value("SELECT count(*) FROM sis_state_changes WHERE sis_import_id = 2") == 0
    assert known_lines(people.conn, "user", reordered) == [2, 3, 4]
