"""Re-sent rows recognised as unchanged, or as moving only an enrollment's state
(service/sis/unchanged.py): which rows qualify, and what is still written for them. That the result equals the full path's is the snapshot test's job
(test_reimport_equivalence.py); these tests prove the shortcut is taken, and where it is not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from service.sis.context import ImportRun, SisOptions
from service.store import sis_unchanged
from service.sis import unchanged
from service.sis.unchanged import re_sent_enrollment_rows, split_re_sent_users
from tests.sis.helpers import COURSES, NOW, SECTIONS, USERS, Sis, fresh_database, sis_rows


def split(conn: sqlite3.Connection, text: str, import_id: int = 2, **options: bool) -> tuple[list[int], int]:
    """(line numbers left for the full path, rows taken out) for a users.csv batch."""
    run = ImportRun(import_id, 1, SisOptions(**options), NOW)
    conn.execute("BEGIN IMMEDIATE")
    left, unchanged = split_re_sent_users(conn, run, sis_rows(text))
    conn.execute("COMMIT")
    return [row.line for row in left], unchanged


def test_an_identical_users_file_is_taken_out_and_stamped_with_the_import(sis: Sis) -> None:
    sis.load("user", USERS, import_id=1)
    before = [tuple(r) for r in sis.all("SELECT id, updated_at FROM pseudonyms ORDER BY id")]
    assert split(sis.conn, USERS) == ([], 3)
    # The logins and e-mail channels carry the import that last saw them; nothing else moved.
    assert {r[0] for r in sis.all("SELECT sis_batch_id FROM pseudonyms")} == {2}
    assert {r[0] for r in sis.all("SELECT sis_batch_id FROM communication_channels")} == {2}
    assert [tuple(r) for r in sis.all("SELECT id, updated_at FROM pseudonyms ORDER BY id")] == before
    assert sis.value("SELECT count(*) FROM sis_state_changes WHERE sis_import_id = 2") == 0
    # Through the importer the rows still count as imported.
    assert sis.load("user", USERS, import_id=3).count == 3


def test_rows_that_change_something_or_could_warn_take_the_full_path(sis: Sis) -> None:
    sis.load("user", USERS, import_id=1)
    # A changed e-mail: the full path (a changed name is written here, see below).
    changed = USERS.replace("Alice,Smith", "Alicia,Smith").replace("bob@example.com", "bob@example.org")
    assert split(sis.conn, changed) == ([3], 2)
    # A column the shortcut does not compare, a deletion, an unknown user, a bad e-mail.
    text = (USERS.replace("email,status", "email,status,password")
            .replace("alice@example.com,active", "alice@example.com,active,secret")
            .replace("carol,Carol,King,,active", "carol,Carol,King,,deleted")
            + "u9,nobody,No,Body,,active\n")
    assert split(sis.conn, text) == ([2, 4, 5], 1)
    assert split(sis.conn, USERS.replace("alice@example.com", "alice@")) == ([2], 2)


RENAMED = USERS.replace("Alice,Smith", "Alicia,Smith").replace("u3,carol,Carol,King", "u3,carol,Caroline,King")


def test_re_sent_users_whose_only_change_is_their_names_are_renamed(sis: Sis) -> None:
    sis.load("user", USERS, import_id=1)
    sis.conn.execute("UPDATE users SET updated_at = 'before'")
    logins_before = [tuple(r) for r in sis.all("SELECT id, updated_at FROM pseudonyms ORDER BY id")]
    assert split(sis.conn, RENAMED) == ([], 3)
    assert [tuple(r) for r in sis.all("SELECT name, sortable_name, updated_at FROM users ORDER BY id")] == [
        ("Alicia Smith", "Smith, Alicia", NOW), ("Bob Jones", "Jones, Bob", "before"),
        ("Caroline King", "King, Caroline", NOW)]
    # The logins and e-mail channels are only stamped, and a rename leaves no roll-back record.
    assert {r[0] for r in sis.all("SELECT sis_batch_id FROM pseudonyms")} == {2}
    assert {r[0] for r in sis.all("SELECT sis_batch_id FROM communication_channels")} == {2}
    assert [tuple(r) for r in sis.all("SELECT id, updated_at FROM pseudonyms ORDER BY id")] == logins_before
    assert sis.value("SELECT count(*) FROM sis_state_changes WHERE sis_import_id = 2") == 0


def test_a_user_named_twice_in_a_batch_or_reachable_through_two_logins_takes_the_full_path(sis: Sis) -> None:
    sis.load("user", USERS, import_id=1)
    assert split(sis.conn, USERS + "u1,alice,Alice,Smith,alice@example.com,active\n") == ([2, 5], 2)
    assert split(sis.conn, USERS + "u9,BOB,Robert,Jones,,active\n") == ([3, 5], 2)
    bob = sis.value("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u2'")
    sis.load("login", f"user_id,login_id,existing_canvas_user_id,status\nb2,bob2,{bob},active\n", import_id=1)
    assert split(sis.conn, USERS) == ([3], 2)


def test_stickiness_options_send_every_row_through_the_full_path(sis: Sis) -> None:
    sis.load("user", USERS, import_id=1)
    for option in ("override_sis_stickiness", "add_sis_stickiness", "clear_sis_stickiness",
                   "update_sis_id_if_login_claimed"):
        assert split(sis.conn, USERS, **{option: True}) == ([2, 3, 4], 0)


ENROLLMENTS = "section_id,user_id,role,status\ns1,u1,student,active\ns1,u2,teacher,active\ns2,u3,student,active\n"


def test_re_sent_enrollments_of_an_earlier_import_write_only_their_sis_batch_id(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    people.conn.execute("UPDATE enrollments SET updated_at = 'before'")
    assert people.load("enrollment", ENROLLMENTS, import_id=2).count == 3
    assert [tuple(r) for r in people.all("SELECT sis_batch_id, updated_at FROM enrollments")] == [(2, "before")] * 3
    assert people.value("SELECT count(*) FROM sis_state_changes WHERE sis_import_id = 2") == 0
    # A changed row is edited as before, the others are only stamped.
    people.load("enrollment", ENROLLMENTS.replace("s2,u3,student,active", "s2,u3,student,inactive"), import_id=3)
    assert [tuple(r) for r in people.all("SELECT sis_batch_id, updated_at = 'before' FROM enrollments ORDER BY id")] == [
        (3, 1), (3, 1), (3, 0)]
    assert people.changed(3) == {"Enrollment": {"deactivated": 1}}


def split_enrollments(conn: sqlite3.Connection, text: str, import_id: int = 2,
                      run: ImportRun | None = None, **options: bool) -> tuple[list[int], int]:
    """(line numbers left for the full path, rows taken out) for an enrollments.csv batch."""
    run = run or ImportRun(import_id, 1, SisOptions(**options), NOW)
    conn.execute("BEGIN IMMEDIATE")
    rows = sis_rows(text)
    unchanged = re_sent_enrollment_rows(conn, run, rows)
    conn.execute("COMMIT")
    return [row.line for index, row in enumerate(rows) if index not in unchanged], len(unchanged)


def test_re_sent_enrollments_are_found_in_one_query_and_stamped(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    assert split_enrollments(people.conn, ENROLLMENTS) == ([], 3)
    assert {r[0] for r in people.all("SELECT sis_batch_id FROM enrollments")} == {2}
    # The course named beside the section must be the section's; a changed role, a deletion,
    # an unknown user or section, a column not compared: the full path (a changed state is
    # moved here, see below).
    with_course = ENROLLMENTS.replace("section_id,", "course_id,section_id,").replace("\ns1,", "\nc1,s1,").replace("\ns2,", "\nc1,s2,")
    assert split_enrollments(people.conn, with_course) == ([4], 2)
    text = ENROLLMENTS.replace("s1,u2,teacher,active", "s1,u2,ta,active") + (
        "s2,nobody,student,active\nnowhere,somebody,student,active\n")
    assert split_enrollments(people.conn, text) == ([3, 5, 6], 2)
    assert split_enrollments(people.conn, ENROLLMENTS.replace("s2,u3,student,active", "s2,u3,student,deleted")) == ([4], 2)
    dated = ENROLLMENTS.replace("status\n", "status,start_date\n").replace("active\n", "active,\n", 2).replace(
        "s2,u3,student,active\n", "s2,u3,student,active,2030-01-01\n")
    assert split_enrollments(people.conn, dated) == ([4], 2)


STATES_MOVED = (ENROLLMENTS.replace("s1,u1,student,active", "s1,u1,student,inactive")
                .replace("s2,u3,student,active", "s2,u3,student,completed"))


def test_re_sent_enrollments_whose_only_change_is_their_state_are_moved_with_their_roll_back_records(
        people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    people.conn.execute("UPDATE enrollments SET updated_at = 'before'")
    assert split_enrollments(people.conn, STATES_MOVED) == ([], 3)
    assert [tuple(r) for r in people.all(
        "SELECT p.sis_user_id, e.workflow_state, e.sis_batch_id, e.updated_at FROM enrollments e"
        " JOIN pseudonyms p ON p.user_id = e.user_id ORDER BY e.id")] == [
        ("u1", "inactive", 2, NOW), ("u2", "active", 2, "before"), ("u3", "completed", 2, NOW)]
    assert people.changed(2) == {"Enrollment": {"deactivated": 1, "concluded": 1}}
    assert [tuple(r) for r in people.all(
        "SELECT object_type, previous_state, new_state, batch_mode_delete FROM sis_state_changes"
        " WHERE sis_import_id = 2 ORDER BY object_id")] == [
        ("Enrollment", "active", "inactive", 0), ("Enrollment", "active", "completed", 0)]
    # Moved back by the same import: its records keep the state before it.
    assert split_enrollments(people.conn, ENROLLMENTS) == ([], 3)
    assert {tuple(r) for r in people.all(
        "SELECT previous_state, new_state FROM sis_state_changes WHERE sis_import_id = 2")} == {("active", "active")}


def _import_in_two_databases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             files: list[tuple[str, str]]) -> list[list[list[tuple]]]:
    """Every user, login, e-mail channel, enrollment, roll-back record and statistic after each
    of ``files`` (kind, text), imported once as the importers do and once with every row on the
    full path."""
    results = []
    for full_path in (False, True):
        if full_path:
            monkeypatch.setattr(unchanged, "split_re_sent_users", lambda conn, run, rows: (rows, 0))
            monkeypatch.setattr(unchanged, "re_sent_enrollment_rows", lambda conn, run, rows: set())
        with fresh_database(tmp_path / f"full-{full_path}.sqlite3") as conn:
            sis = Sis(conn)
            after = []
            for import_id, (kind, text) in enumerate(files, start=100):
                count = sis.load(kind, text, import_id=import_id).count
                after.append([(count,)] + [
                    sis.rows_as_written(f"SELECT * FROM {table} ORDER BY {order}") for table, order in (
                        ("users", "id"), ("pseudonyms", "id"), ("communication_channels", "id"),
                        ("enrollments", "id"), ("sis_state_changes", "sis_import_id, object_type, object_id"))
                ] + [sorted((name, tuple(sorted(entry.items()))) for name, entry in sis.statistics(import_id).items()
                            if isinstance(entry, dict))])
            results.append(after)
    return results


def test_names_and_states_written_set_based_are_what_the_full_path_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [("user", USERS), ("course", COURSES), ("section", SECTIONS), ("enrollment", ENROLLMENTS),
             ("user", RENAMED), ("enrollment", STATES_MOVED), ("user", RENAMED.replace("Jones", "Jonas")),
             ("enrollment", STATES_MOVED.replace("inactive", "completed")), ("user", USERS),
             ("enrollment", ENROLLMENTS)]
    as_imported, full_path = _import_in_two_databases(tmp_path, monkeypatch, files)
    assert as_imported == full_path
    # (The names and states did move.)
    assert as_imported[4][1] != as_imported[3][1] and as_imported[5][4] != as_imported[4][4]


def test_with_observers_linked_or_from_a_deleted_enrollment_a_changed_state_takes_the_full_path(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    people.load("user_observer", "observer_id,student_id,status\nu2,u3,active\n", import_id=1)
    assert split_enrollments(people.conn, STATES_MOVED) == ([2, 4], 1)
    people.load("user_observer", "observer_id,student_id,status\nu2,u3,deleted\n", import_id=3)
    people.conn.execute("UPDATE enrollments SET workflow_state = 'deleted' WHERE course_section_id = "
                        "(SELECT id FROM course_sections WHERE sis_source_id = 's2')")
    assert split_enrollments(people.conn, STATES_MOVED) == ([4], 2)


def test_enrollments_of_a_user_the_full_path_also_names_take_the_full_path(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    # A course-only row may reach the same enrollment through the default section.
    text = ENROLLMENTS.replace("section_id,", "course_id,section_id,").replace("\ns", "\n,s") + "c1,,u1,student,inactive\n"
    assert split_enrollments(people.conn, text) == ([2, 5], 2)
    # The same key twice: both rows go the full way, in order.
    assert split_enrollments(people.conn, ENROLLMENTS + "s1,u1,student,active\n") == ([2, 5], 2)
    assert split_enrollments(people.conn, ENROLLMENTS, add_sis_stickiness=True) == ([2, 3, 4], 0)


def test_enrollments_in_a_deleted_section_or_course_or_of_a_deleted_user_take_the_full_path(people: Sis) -> None:
    people.load("enrollment", ENROLLMENTS, import_id=1)
    people.conn.execute("UPDATE course_sections SET workflow_state = 'deleted' WHERE sis_source_id = 's2'")
    assert split_enrollments(people.conn, ENROLLMENTS) == ([4], 2)
    people.conn.execute("UPDATE course_sections SET workflow_state = 'active'")
    people.conn.execute("UPDATE courses SET workflow_state = 'deleted' WHERE id = (SELECT course_id FROM course_sections WHERE sis_source_id = 's2')")
    assert split_enrollments(people.conn, ENROLLMENTS) == ([4], 2)
    people.conn.execute("UPDATE courses SET workflow_state = 'available'")
    people.conn.execute("UPDATE users SET workflow_state = 'deleted' WHERE id = (SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u1')")
    assert split_enrollments(people.conn, ENROLLMENTS) == ([2], 2)


def test_after_a_batch_of_new_enrollments_the_shortcut_sits_out_a_few_batches(people: Sis) -> None:
    run = ImportRun(1, 1, SisOptions(), NOW)
    assert split_enrollments(people.conn, ENROLLMENTS, run=run) == ([2, 3, 4], 0)
    people.load("enrollment", ENROLLMENTS, import_id=1)
    skipped = 0
    while split_enrollments(people.conn, ENROLLMENTS, run=run)[1] == 0:
        skipped += 1
    assert skipped == 7


def test_one_query_finds_re_sent_users_and_leaves_what_it_cannot_judge(sis: Sis) -> None:
    sis.load("user", USERS, import_id=1)
    # (row index, user SIS id, login, state, integration id, name, sortable name, short name,
    # e-mail): as split_re_sent_users builds them.
    alice = (0, "u1", "alice", "active", None, "Alice Smith", "Smith, Alice", None, "alice@example.com")
    carol = (1, "u3", "carol", "active", None, "Carol King", "King, Carol", None, None)
    found = sis_unchanged.re_sent_users(sis.conn, 1, [alice, carol])
    assert sorted((index, batch_id, name, sortable) for index, _, batch_id, _, _, _, name, sortable in found) == [
        (0, 1, "Alice Smith", "Smith, Alice"), (1, 1, "Carol King", "King, Carol")]
    # Another name is found with the stored names, for the caller to write; another login
    # state is not found.
    renamed = (*carol[:5], "Caroline King", *carol[6:])
    suspended = (*alice[:3], "suspended", *alice[4:])
    assert [(index, name) for index, *_, name, _ in sis_unchanged.re_sent_users(sis.conn, 1, [renamed, suspended])] == [
        (1, "Carol King")]
    # A row's value holding the separator the query joins values with is never taken.
    assert sis_unchanged.re_sent_users(sis.conn, 1, [(*carol[:5], "Carol", "King\x1fKing, Carol", *carol[7:])]) == []
    assert sis_unchanged.re_sent_users(sis.conn, 1, [(*carol[:2], "car\x1fol", *carol[3:])]) == []
    # Given optional values are compared too: a stored integration id or short name differs.
    assert sis_unchanged.re_sent_users(sis.conn, 1, [(*carol[:4], "int3", *carol[5:])]) == []
    assert sis_unchanged.re_sent_users(sis.conn, 1, [(*carol[:7], "Caz", carol[8])]) == []
    # A second channel with the same address in other case, then one whose address only Python
    # could lower-case: the full path decides.
    user_id = sis.value("SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u1'")
    sis.conn.execute("INSERT INTO communication_channels (user_id, path, workflow_state, created_at, updated_at)"
                     " VALUES (?, 'ALICE@example.com', 'retired', '', '')", (user_id,))
    assert sis_unchanged.re_sent_users(sis.conn, 1, [alice]) == []
    sis.conn.execute("DELETE FROM communication_channels WHERE path = 'ALICE@example.com'")
    assert len(sis_unchanged.re_sent_users(sis.conn, 1, [alice])) == 1
    sis.conn.execute("INSERT INTO communication_channels (user_id, path, workflow_state, created_at, updated_at)"
                     " VALUES (?, '\u212aalice@example.com', 'active', '', '')", (user_id,))
    assert sis_unchanged.re_sent_users(sis.conn, 1, [alice]) == []
    # Through split_re_sent_users the comparison in Python then judges it: unchanged (its
    # second address lower-cases to kalice@example.com).
    assert split(sis.conn, USERS) == ([], 3)
