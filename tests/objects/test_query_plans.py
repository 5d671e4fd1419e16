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
    # A page's rows come from a subquery named like the table it reads ("CO-ROUTINE e"): its
    # SCAN reads the page, not the table.
    subqueries = {step.split()[1] for step in plan if step.startswith(("CO-ROUTINE ", "MATERIALIZE "))}
    found = []
    for step in plan:
        if step.startswith("SCAN ") and " USING " not in step:
            name = step.split()[1]
            if name not in subqueries and ALIASES.get(name, name) in TABLES:
                found.append(step)
    return found


def test_every_list_query_is_index_served(conn: sqlite3.Connection):
    root = conn.execute("SELECT * FROM accounts WHERE id = 1").fetchone()
    hidden = people.ROSTER_HIDDEN_STATES
    calls = [
        lambda: people.enrollment_page(conn, people.EnrollmentFilter(course_id=1, default_states_hidden=hidden),
                                       people.Slice(101, ("StudentEnrollment", 5))),
        lambda: people.enrollment_page(conn, people.EnrollmentFilter(section_id=1, default_states_hidden=hidden),
                                       people.Slice(101)),
        lambda: people.enrollment_page(conn, people.EnrollmentFilter(user_id=1, states=("deleted",)),
                                       people.Slice(101)),
        lambda: people.enrollment_page(conn, people.EnrollmentFilter(
            user_id=1, default_states_shown=people.USER_DEFAULT_STATES, sis_section_ids=("S1",),
            sis_course_ids=("C1",), sis_account_ids=("A1",), sis_user_ids=("U1",), enrollment_term_id=1),
            people.Slice(101)),
        lambda: people.people(conn, [1, 2]),
        lambda: people.account_users(conn, root, None, people.Slice(11, ("Doe, Jane", 3))),
        lambda: people.person_with_email(conn, 1),
        lambda: people.account_logins(conn, 1, people.Slice(11, (3,))),
        lambda: people.user_logins(conn, 1, 10, 0),
        lambda: people.observees(conn, 1, 10, 0),
        lambda: people.account_admins(conn, 1, None, 10, 0),
        lambda: people.course_user_page(conn, 1, None, ("active",), None, people.Slice(11, ("Doe, Jane", 3)),
                                        enrollment_states=None, with_enrollments=True, with_group_ids=True),
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


def test_a_deep_roster_page_is_two_index_seeks(conn: sqlite3.Connection):
    """After a bookmark: the rest of its type, then the types after it, each a seek."""
    wanted = people.EnrollmentFilter(course_id=1, default_states_hidden=people.ROSTER_HIDDEN_STATES)
    [plan] = _plans(conn, lambda: people.enrollment_page(conn, wanted, people.Slice(101, ("StudentEnrollment", 99_900))))
    seeks = [step for step in plan if step.startswith("SEARCH e ")]
    assert seeks == ["SEARCH e USING INDEX enrollments_course_type (course_id=? AND type=? AND id>?)",
                     "SEARCH e USING INDEX enrollments_course_type (course_id=? AND type>?)"], plan


def _vm_steps(conn: sqlite3.Connection, call: Callable[[], object]) -> int:
    """SQLite virtual-machine instructions a call runs, in thousands (the work it does)."""
    counted = [0]

    def count() -> int:
        counted[0] += 1
        return 0

    conn.set_progress_handler(count, 1000)
    call()
    conn.set_progress_handler(None, 0)
    return counted[0]


def test_a_deep_page_costs_what_the_first_costs(conn: sqlite3.Connection):
    """A page after 5,000 rows of a roster or of an account's users reads no more rows than
    the first page: the bookmark is a seek, not a walk over the rows before it."""
    conn.execute("INSERT INTO courses (id, uuid, root_account_id, account_id, name, workflow_state, created_at,"
                 " updated_at) VALUES (1, 'u', 1, 1, 'Big', 'available', '', '')")
    conn.execute("INSERT INTO course_sections (id, root_account_id, course_id, name, workflow_state, created_at,"
                 " updated_at) VALUES (1, 1, 1, 'Big', 'active', '', '')")
    conn.executemany("INSERT INTO users (id, root_account_id, name, sortable_name, workflow_state, created_at,"
                     " updated_at) VALUES (?, 1, ?, ?, 'registered', '', '')",
                     [(n, f"User {n}", f"Same Name {n // 2}", ) for n in range(1, 6001)])
    conn.executemany("INSERT INTO pseudonyms (user_id, account_id, unique_id, unique_id_lower, workflow_state,"
                     " created_at, updated_at) VALUES (?, 1, ?, ?, 'active', '', '')",
                     [(n, f"u{n}", f"u{n}") for n in range(1, 6001)])
    conn.executemany("INSERT INTO enrollments (root_account_id, user_id, course_id, course_section_id, type,"
                     " workflow_state, created_at, updated_at) VALUES (1, ?, 1, 1, 'StudentEnrollment', 'active', '', '')",
                     [(n,) for n in range(1, 6001)])
    roster = people.EnrollmentFilter(course_id=1, default_states_hidden=people.ROSTER_HIDDEN_STATES)
    first = people.enrollment_page(conn, roster, people.Slice(101))
    deep_key = ("StudentEnrollment", 5000)
    deep = people.enrollment_page(conn, roster, people.Slice(101, deep_key))
    assert [e.id for e, _ in deep] == list(range(5001, 5102)) and len(first) == 101
    assert _vm_steps(conn, lambda: people.enrollment_page(conn, roster, people.Slice(101, deep_key))) <= \
        2 * _vm_steps(conn, lambda: people.enrollment_page(conn, roster, people.Slice(101)))
    root = conn.execute("SELECT * FROM accounts WHERE id = 1").fetchone()
    users_key = ("Same Name 2500", 5000)
    users = people.account_users(conn, root, None, people.Slice(101, users_key))
    assert [u.id for u in users][:3] == [5001, 5002, 5003]  # 5001 shares the bookmark's name
    assert _vm_steps(conn, lambda: people.account_users(conn, root, None, people.Slice(101, users_key))) <= \
        2 * _vm_steps(conn, lambda: people.account_users(conn, root, None, people.Slice(101)))
