"""Every list the read endpoints page through is served by an index (EXPLAIN QUERY PLAN), and
the course roster, the longest list, needs neither a scan nor a sort after a bookmark."""

from __future__ import annotations

import sqlite3
from typing import Callable, Iterator

import pytest

from service.db import migrate
from service.store import objects_groups as groups
from service.store import objects_outcomes as outcomes
from service.store import objects_people as people
from service.store import objects_structure as structure

# Tables a plan may never scan whole; the account-tree CTE ("subtree") is a handful of rows.
TABLES = ("accounts", "enrollment_terms", "courses", "course_sections", "users", "pseudonyms",
          "enrollments", "account_users", "group_categories", "groups", "group_memberships",
          "user_observers", "learning_outcome_groups", "learning_outcomes", "learning_outcome_links")
ALIASES = {"e": "enrollments", "c": "courses", "a": "accounts", "s": "course_sections", "u": "users",
           "p": "pseudonyms", "o": "learning_outcomes", "g": "groups", "gc": "group_categories",
           "m": "group_memberships", "l": "learning_outcome_links"}


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.row_factory = sqlite3.Row
    migrate(connection)
    connection.execute("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (1, 'Root', '', '')")
    yield connection
    connection.close()


def _plans(conn: sqlite3.Connection, call: Callable[[], object]) -> list[list[str]]:
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    call()
    conn.set_trace_callback(None)
    return [[row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
            for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


def _full_scans(plan: list[str]) -> list[str]:
    found = []
    for step in plan:
        if step.startswith("SCAN ") and " USING " not in step:
            name = step.split()[1]
            if ALIASES.get(name, name) in TABLES:
                found.append(step)
    return found


def test_every_list_query_is_index_served(conn: sqlite3.Connection):
    root = conn.execute("SELECT * FROM accounts WHERE id = 1").fetchone()
    hidden = people.ROSTER_HIDDEN_STATES
    calls = [
        lambda: people.enrollments(conn, people.EnrollmentFilter(course_id=1, default_states_hidden=hidden),
                                   people.Slice(101, ("StudentEnrollment", 5))),
        lambda: people.enrollments(conn, people.EnrollmentFilter(section_id=1, default_states_hidden=hidden),
                                   people.Slice(101)),
        lambda: people.enrollments(conn, people.EnrollmentFilter(user_id=1, states=("deleted",)), people.Slice(101)),
        lambda: people.people(conn, [1, 2]),
        lambda: people.account_users(conn, root, None, people.Slice(11, ("Doe, Jane", 3))),
        lambda: people.account_logins(conn, 1, people.Slice(11, (3,))),
        lambda: people.user_logins(conn, 1, 10, 0),
        lambda: people.observees(conn, 1, 10, 0),
        lambda: people.account_admins(conn, 1, None, 10, 0),
        lambda: people.course_users(conn, 1, None, ("active",), None, people.Slice(11)),
        lambda: structure.account_courses(conn, 1, structure.CourseFilter(), 10, 0),
        lambda: structure.terms(conn, 1, ("active",), 10, 0),
        lambda: structure.sub_accounts(conn, 1, True, 10, 0),
        lambda: structure.course_sections(conn, 1, 10, 0),
        lambda: groups.context_categories(conn, "Account", 1, (0,), 10, 0),
        lambda: groups.context_groups(conn, "Account", 1, (0,), 10, 0),
        lambda: groups.category_groups(conn, 1, 10, 0),
        lambda: groups.memberships(conn, 1, None, 10, 0),
        lambda: outcomes.context_groups(conn, ("Account", 1), 10, 0),
        lambda: outcomes.subgroups(conn, 1, 10, 0),
        lambda: outcomes.group_links(conn, 1, 10, 0),
        lambda: outcomes.context_links(conn, ("Account", 1), 10, 0),
    ]
    for call in calls:
        for plan in _plans(conn, call):
            assert not _full_scans(plan), plan


def test_a_deep_roster_page_is_one_index_seek(conn: sqlite3.Connection):
    wanted = people.EnrollmentFilter(course_id=1, default_states_hidden=people.ROSTER_HIDDEN_STATES)
    [plan] = _plans(conn, lambda: people.enrollments(conn, wanted, people.Slice(101, ("StudentEnrollment", 99_900))))
    assert plan[0] == "SEARCH e USING INDEX enrollments_course_type (course_id=? AND type>?)", plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
