"""Sticky fields (section 7.3), statistics (section 4.2) and re-running a crashed import."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.sis.helpers import COURSES, SECTIONS, USERS, Sis, fresh_database

COURSE = "course_id,short_name,long_name,status\nc1,{short},{long},active\n"
ADD = {"override_sis_stickiness": True, "add_sis_stickiness": True}


def course(sis: Sis) -> sqlite3.Row:
    row = sis.one("SELECT * FROM courses WHERE sis_source_id = 'c1'")
    assert row is not None
    return row


def test_changes_stick_only_with_add_sis_stickiness(sis: Sis) -> None:
    sis.load("course", COURSE.format(short="C1", long="First"))
    assert course(sis)["stuck_sis_fields"] == ""
    sis.load("course", COURSE.format(short="C1", long="Renamed"), import_id=2, **ADD)
    assert (course(sis)["name"], course(sis)["stuck_sis_fields"]) == ("Renamed", "name")
    # A later import leaves the stuck name alone but still updates the rest.
    sis.load("course", COURSE.format(short="C1b", long="Overwritten?"), import_id=3)
    assert (course(sis)["name"], course(sis)["course_code"]) == ("Renamed", "C1b")
    # override_sis_stickiness writes through the stuck field without unsticking it.
    sis.load("course", COURSE.format(short="C1b", long="Forced"), import_id=4, override_sis_stickiness=True)
    assert (course(sis)["name"], course(sis)["stuck_sis_fields"]) == ("Forced", "name")
    # clear_sis_stickiness unsticks what the import touches, and wins over add.
    sis.load("course", COURSE.format(short="C1b", long="Forced"), import_id=5, clear_sis_stickiness=True, **ADD)
    assert course(sis)["stuck_sis_fields"] == ""
    sis.load("course", COURSE.format(short="C1b", long="Free again"), import_id=6)
    assert course(sis)["name"] == "Free again"


def test_sticky_user_names_and_account_parent(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,full_name,status\nu1,alice,Alice A,active\n", **ADD)
    assert sis.value("SELECT stuck_sis_fields FROM users") == "name,sortable_name"
    assert sis.value("SELECT stuck_sis_fields FROM pseudonyms") == "unique_id,workflow_state"
    sis.load("user", "user_id,login_id,full_name,status\nu1,alice2,Alice B,suspended\n", import_id=2)
    assert sis.value("SELECT name FROM users") == "Alice A"
    assert tuple(sis.one("SELECT unique_id, workflow_state FROM pseudonyms")) == ("alice", "active")
    sis.load("account", "account_id,parent_account_id,name,status\nP,,Parent,active\nA,,Arts,active\n")
    sis.load("account", "account_id,parent_account_id,name,status\nA,P,Arts,active\n", import_id=3, **ADD)
    sis.load("account", "account_id,parent_account_id,name,status\nA,,Arts and Crafts,active\n", import_id=4)
    moved = sis.one("SELECT * FROM accounts WHERE sis_source_id = 'A'")
    parent = sis.value("SELECT id FROM accounts WHERE sis_source_id = 'P'")
    assert (moved["parent_account_id"], moved["name"], moved["stuck_sis_fields"]) == (parent, "Arts and Crafts", "parent_account_id")


def test_new_users_and_logins_stick_what_they_set(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,full_name,short_name,status\nu1,alice,Alice A,Al,active\n", **ADD)
    assert sis.value("SELECT stuck_sis_fields FROM users") == "name,short_name,sortable_name"
    # clear_sis_stickiness wins over add: a new object sticks nothing.
    sis.load("user", "user_id,login_id,full_name,status\nu2,bob,Bob B,active\n", clear_sis_stickiness=True, **ADD)
    assert sis.value("SELECT stuck_sis_fields FROM users WHERE name = 'Bob B'") == ""
    assert sis.value("SELECT stuck_sis_fields FROM pseudonyms WHERE sis_user_id = 'u2'") == ""


def test_one_user_import_has_canvas_statistics(sis: Sis) -> None:
    sis.load("user", "user_id,login_id,email,status\nu1,alice,alice@example.com,active\n")
    stats = sis.statistics()
    assert stats["total_state_changes"] == 2
    assert stats["Pseudonym"] == {"created": 1, "restored": 0, "deleted": 0}
    assert stats["CommunicationChannel"] == {"created": 1, "restored": 0, "deleted": 0}
    assert stats["Course"] == {"created": 0, "concluded": 0, "restored": 0, "deleted": 0}
    assert stats["Enrollment"] == {"created": 0, "concluded": 0, "deactivated": 0, "restored": 0, "deleted": 0}
    assert list(stats) == [
        "total_state_changes", "Account", "EnrollmentTerm", "AbstractCourse", "Course", "CourseSection",
        "GroupCategory", "Group", "Pseudonym", "CommunicationChannel", "Enrollment", "GroupMembership",
        "UserObserver", "AccountUser",
    ]


FULL_IMPORT = [
    ("account", "account_id,parent_account_id,name,status\nA,,Arts,active\nB,A,Music,active\n"),
    ("term", "term_id,name,status\nT,Fall,active\n"),
    ("course", COURSES + "c3,C3,Three,deleted\n"),
    ("section", SECTIONS),
    ("xlist", "xlist_course_id,section_id,status\nX,s2,active\n"),
    ("user", USERS + "u4,dave,,,,deleted\n"),
    ("login", "user_id,login_id,existing_user_id\nu1b,alice.b,u1\n"),
    ("enrollment", "course_id,section_id,user_id,role,status\nc1,,u1,student,active\n,s2,u2,teacher,completed\nc1,,u3,student,active\n"),
    ("admin", "user_id,account_id,role,status\nu1,A,AccountAdmin,active\n"),
    ("group_category", "group_category_id,category_name,status\ngc,Projects,active\n"),
    ("group", "group_id,name,status,group_category_id\ng,Group,available,gc\n"),
    ("group_membership", "group_id,user_id,status\ng,u2,accepted\n"),
    ("user_observer", "observer_id,student_id,status\nu3,u1,active\n"),
    ("user", "user_id,login_id,status\nu3,carol,deleted\n"),
    ("change_sis_id", "old_id,new_id,type\nc2,c2-renamed,course\n"),
]

SNAPSHOT_TABLES = (
    "accounts", "enrollment_terms", "courses", "course_sections", "users", "pseudonyms", "communication_channels",
    "enrollments", "account_users", "group_categories", "groups", "group_memberships", "user_observers",
)


def snapshot(sis: Sis) -> dict[str, list[tuple]]:
    """Every SIS object without its random or password columns."""
    tables = {}
    for table in SNAPSHOT_TABLES:
        rows = [dict(r) for r in sis.all(f"SELECT * FROM {table} ORDER BY id")]
        for row in rows:
            row.pop("uuid", None)
            row.pop("crypted_password", None)
        tables[table] = [tuple(sorted(row.items())) for row in rows]
    return tables


def run_full_import(sis: Sis, import_id: int, stop_after: int | None = None) -> list[int]:
    counts = []
    for kind, text in FULL_IMPORT[:stop_after]:
        result = sis.load(kind, text, import_id=import_id)
        counts.append(result.count)
    return counts


@pytest.mark.parametrize("files_before_crash", [9, 14])
def test_rerunning_a_crashed_import_gives_the_objects_counts_and_statistics_of_one_run(
    tmp_path: Path, conn: sqlite3.Connection, files_before_crash: int
) -> None:
    once = Sis(conn)
    counts_once = run_full_import(once, 1)
    stats_once, objects_once = once.statistics(1), snapshot(once)
    assert counts_once == [2, 1, 3, 2, 1, 4, 1, 3, 1, 1, 1, 1, 1, 1, 1]
    assert once.changed(1) == {
        "Account": {"created": 2},
        "EnrollmentTerm": {"created": 1},
        "Course": {"created": 4, "deleted": 1},  # c1, c2, c3 (deleted) and the cross-list target X
        "CourseSection": {"created": 2},
        "GroupCategory": {"created": 1},
        "Group": {"created": 1},
        "Pseudonym": {"created": 5, "deleted": 2},  # u3 created, then deleted by the second users file
        "CommunicationChannel": {"created": 2},
        "Enrollment": {"created": 4, "concluded": 1, "deleted": 2},  # u3 observes u1 in c1; both u3 enrollments go with its last login
        "GroupMembership": {"created": 1},
        "UserObserver": {"created": 1},
        "AccountUser": {"created": 1},
    }
    assert stats_once["total_state_changes"] == 25

    with fresh_database(tmp_path / "rerun.sqlite3") as other:  # a second, independent database
        twice = Sis(other)
        # The crash: the first files committed. After 14, the rerun finds u3's login deleted by
        # its own first attempt, re-activates it with the users file and deletes it again.
        run_full_import(twice, 1, stop_after=files_before_crash)
        counts_rerun = run_full_import(twice, 1)
        assert counts_rerun == counts_once
        assert twice.statistics(1) == stats_once
        assert snapshot(twice) == objects_once
