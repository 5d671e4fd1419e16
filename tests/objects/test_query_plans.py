"""Every list the read endpoints page through is served by an index (EXPLAIN QUERY PLAN), and
the course roster, the longest list, needs neither a scan nor a sort after a bookmark."""

from __future__ import annotations

import sqlite3
from typing import Any, Callable, Iterator

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


def _course_with_users(conn: sqlite3.Connection, users: int, enrolled_every: int) -> list[tuple[str, int]]:
    """A course enrolling every ``enrolled_every``-th of ``users`` users (names repeat, so
    the id breaks ties); returns the enrolled users' (sortable_name, id) in Canvas's order."""
    conn.execute("INSERT INTO courses (id, uuid, root_account_id, account_id, name, workflow_state, created_at,"
                 " updated_at) VALUES (1, 'u', 1, 1, 'Big', 'available', '', '')")
    conn.execute("INSERT INTO course_sections (id, root_account_id, course_id, name, workflow_state, created_at,"
                 " updated_at) VALUES (1, 1, 1, 'Big', 'active', '', '')")
    conn.executemany("INSERT INTO users (id, root_account_id, name, sortable_name, workflow_state, created_at,"
                     " updated_at) VALUES (?, 1, ?, ?, 'registered', '', '')",
                     [(n, f"User {n}", f"Name {n % 997:03d}") for n in range(1, users + 1)])
    enrolled = [n for n in range(1, users + 1) if n % enrolled_every == 0]
    conn.executemany("INSERT INTO enrollments (root_account_id, user_id, course_id, course_section_id, type,"
                     " workflow_state, created_at, updated_at) VALUES (1, ?, 1, 1, ?, ?, '', '')",
                     [(n, "TeacherEnrollment" if n % 7 == 0 else "StudentEnrollment",
                       "deleted" if n % 11 == 0 else "active") for n in enrolled])
    return sorted((f"Name {n % 997:03d}", n) for n in enrolled if n % 11 != 0)


def _every_page(conn: sqlite3.Connection, limit: int,
                page_keys: Callable[[Any], list[tuple]]) -> tuple[list[tuple], list[str]]:
    """Every page, following the bookmark (``page_keys(after)`` gives up to ``limit + 1`` rows'
    keys), and the statements it took."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    found: list[tuple] = []
    after = None
    while True:
        rows = page_keys(after)
        found += rows[:limit]
        if len(rows) <= limit:
            break
        after = rows[limit - 1]
    conn.set_trace_callback(None)
    return found, statements


def _all_course_users(conn: sqlite3.Connection, limit: int, **filters) -> tuple[list[tuple], list[str]]:
    """Every page of the course's users, following the bookmark, and the statements it took."""
    def page_keys(after):
        page = people.course_user_page(conn, 1, filters.get("types"), ("active",), filters.get("search"),
                                       people.Slice(limit + 1, after), enrollment_states=None,
                                       with_enrollments=False, with_group_ids=False)
        return [(row.person.sortable_name, row.person.id) for row in page.rows]
    return _every_page(conn, limit, page_keys)


def test_a_big_course_s_users_are_walked_in_name_order_and_a_sparse_one_sorted(conn: sqlite3.Connection):
    expected = _course_with_users(conn, 6_000, 2)  # 3,000 enrollments: a big course, half of all users
    found, statements = _all_course_users(conn, 100)
    assert found == expected
    walks = [s for s in statements if "CROSS JOIN users u ON u.id = w.id" in s]
    sorts = [s for s in statements if "u.id IN (SELECT user_id FROM enrollments" in s]
    assert walks and not sorts
    teachers, _ = _all_course_users(conn, 10, types=("TeacherEnrollment",))
    assert teachers == [(name, n) for name, n in expected if n % 7 == 0]
    named, _ = _all_course_users(conn, 10, search="name 042")
    assert named == [(name, n) for name, n in expected if name == "Name 042"]


def test_a_course_thin_among_all_users_is_sorted_when_the_walk_finds_too_few(conn: sqlite3.Connection):
    expected = _course_with_users(conn, 60_000, 25)  # 2,400 enrollments among 60,000 users
    found, statements = _all_course_users(conn, 10)
    assert found == expected
    assert any("u.id IN (SELECT user_id FROM enrollments" in s for s in statements)


def _roster(conn: sqlite3.Connection, enrollments: int, sections: int, sparse_section_every: int = 0) -> None:
    """A course of ``enrollments`` (students, teachers and TAs mixed) over ``sections``
    sections, enrollment n in section n % sections + 1 (or, with ``sparse_section_every``,
    section 1 only for every such n)."""
    conn.execute("INSERT INTO courses (id, uuid, root_account_id, account_id, name, workflow_state, created_at,"
                 " updated_at) VALUES (1, 'u', 1, 1, 'Big', 'available', '', '')")
    conn.executemany("INSERT INTO course_sections (id, root_account_id, course_id, name, workflow_state, created_at,"
                     " updated_at) VALUES (?, 1, 1, ?, 'active', '', '')", [(n, f"S{n}") for n in range(1, sections + 1)])
    conn.executemany("INSERT INTO users (id, root_account_id, name, sortable_name, workflow_state, created_at,"
                     " updated_at) VALUES (?, 1, ?, ?, 'registered', '', '')",
                     [(n, f"User {n}", f"User {n}") for n in range(1, enrollments + 1)])

    def section(n: int) -> int:
        if sparse_section_every:
            return 1 if n % sparse_section_every == 0 else 2
        return n % sections + 1

    conn.executemany("INSERT INTO enrollments (id, root_account_id, user_id, course_id, course_section_id, type,"
                     " workflow_state, created_at, updated_at) VALUES (?, 1, ?, 1, ?, ?, 'active', '', '')",
                     [(n, n, section(n), ("TaEnrollment", "StudentEnrollment", "TeacherEnrollment")[n % 3])
                      for n in range(1, enrollments + 1)])


def _walk_roster(conn: sqlite3.Connection, wanted: people.EnrollmentFilter, limit: int) -> tuple[list[tuple], list[str]]:
    return _every_page(conn, limit, lambda after: [
        (e.type, e.id) for e, _ in people.enrollment_page(conn, wanted, people.Slice(limit + 1, after))])


def test_rosters_page_through_every_type_in_order_and_a_big_section_walks_its_course(conn: sqlite3.Connection):
    _roster(conn, 6_000, 2)
    every = sorted(tuple(row) for row in conn.execute("SELECT type, id FROM enrollments"))
    course, _ = _walk_roster(conn, people.EnrollmentFilter(course_id=1), 100)
    assert course == every
    section, statements = _walk_roster(conn, people.EnrollmentFilter(section_id=2, section_course_id=1), 100)
    assert section == [row for row in every if row[1] % 2 == 1]
    # Every page walked the course's roster index; none sorted the section.
    pages = [s for s in statements if "json_group_array" in s]
    assert pages and all("e.course_id = 1" in s for s in pages)  # the trace shows values


def test_a_section_thin_in_its_course_is_sorted(conn: sqlite3.Connection):
    _roster(conn, 60_000, 2, sparse_section_every=25)  # section 1: 2,400 of 60,000
    wanted = people.EnrollmentFilter(section_id=1, section_course_id=1)
    first, statements = _walk_roster(conn, wanted, 10)
    assert first == [tuple(row) for row in conn.execute(
        "SELECT type, id FROM enrollments WHERE course_section_id = 1 ORDER BY type, id")]
    pages = [s for s in statements if "json_group_array" in s]
    assert any("e.course_id = 1" not in s for s in pages)  # the walk gave up: sorted
