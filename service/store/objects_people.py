"""Reading users, logins, enrollments, observees and admins back for the read endpoints.

Enrollments and users are long lists, paged by bookmark (keyset) as Canvas pages them: a page
after a bookmark is an index seek, never an OFFSET scan. A numeric page a client computes
itself is still answered, by offset.

A page of the long lists is one statement whose rows come back in one sqlite3 step
(``pages.rows_in_one_step``) as plain tuples (``PersonRow``, ``EnrollmentRow``) holding only what
their JSON shows: sqlite3 releases the GIL around every step and, while an import's thread
holds it, taking it back can cost a whole switch interval (5 ms), so a page fetched row by
row (and its users and logins by further queries) paid that once per row.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, NamedTuple, Sequence

from ..ids import parse_reference
from .pages import rows_in_one_step

# Api::SIS_MAPPINGS["users"] that this server has columns for: lookups through a live login.
USER_LOGIN_LOOKUPS = {"sis_user_id": "sis_user_id", "sis_login_id": "unique_id_lower",
                      "sis_integration_id": "integration_id"}

# Canvas's default enrollment states: a course or section roster read by an admin shows every
# enrollment but rejected, completed and deleted ones (all_active_or_pending); a user's list
# shows active and invited ones.
ROSTER_HIDDEN_STATES = ("rejected", "completed", "deleted")
USER_DEFAULT_STATES = ("active", "invited")

# A list with fewer rows than this (a small course's users, a small section's enrollments) is
# sorted for each page, a few rows; a bigger one is walked in its index's order from the
# bookmark, keeping its rows, which stops after a page's worth. A walk passes at most this many
# rows per row of the page, then the list is sorted all the same (its rows are too thin among
# the walked ones).
WALK_FROM_ENROLLMENTS = 2_000
WALK_BUDGET_PER_ROW = 20


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" * len(list(values)))


def _at_least(conn: sqlite3.Connection, select: str, params: Sequence[Any], count: int) -> bool:
    """Whether ``select`` yields ``count`` rows or more (reading no more than that)."""
    return conn.execute(f"SELECT count(*) FROM ({select} LIMIT ?)", (*params, count)).fetchone()[0] >= count


@dataclass(frozen=True)
class Slice:
    """One page of a keyset list: rows after ``after`` (a sort key) or at ``offset``."""

    limit: int
    after: tuple | None = None
    offset: int = 0


class PersonRow(NamedTuple):
    """What user_json shows of a user: its own fields and those of the login Canvas shows
    beside it (``login_row_id`` None when it has no live login)."""

    id: int
    name: str
    created_at: str
    sortable_name: str | None
    short_name: str | None
    pronouns: str | None
    login_row_id: int | None
    unique_id: str | None
    sis_user_id: str | None
    integration_id: str | None
    sis_batch_id: int | None


# The login user_json shows beside a user (SisPseudonym.for with require_sis: false): its
# oldest live login with a SIS id, else its oldest live login. Two index lookups, no sort.
def _shown_login_id(user_id: str) -> str:
    live = f"FROM pseudonyms sp WHERE sp.user_id = {user_id} AND sp.workflow_state != 'deleted'"
    return f"coalesce((SELECT min(sp.id) {live} AND sp.sis_user_id IS NOT NULL), (SELECT min(sp.id) {live}))"


_PERSON_EXPRESSIONS = {
    "id": "u.id", "name": "u.name", "created_at": "u.created_at", "sortable_name": "u.sortable_name",
    "short_name": "u.short_name", "pronouns": "u.pronouns", "login_row_id": "l.id",
    "unique_id": "l.unique_id", "sis_user_id": "l.sis_user_id", "integration_id": "l.integration_id",
    "sis_batch_id": "l.sis_batch_id",
}
assert tuple(_PERSON_EXPRESSIONS) == PersonRow._fields
PERSON_COLUMNS = tuple(_PERSON_EXPRESSIONS.values())
# The shown login of the user aliased ``u``.
SHOWN_LOGIN_JOIN = f"LEFT JOIN pseudonyms l ON l.id = {_shown_login_id('u.id')}"
_PERSON_WIDTH = len(PersonRow._fields)


def people(conn: sqlite3.Connection, user_ids: Iterable[int]) -> dict[int, PersonRow]:
    """Users by id, each with its shown login, in one step."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = rows_in_one_step(conn, PERSON_COLUMNS, f"FROM users u {SHOWN_LOGIN_JOIN} WHERE u.id IN ({_marks(ids)})",
                             ids)
    return {values[0]: PersonRow._make(values) for values in rows}


@dataclass
class EnrollmentFilter:
    """The filters of the List enrollments API, resolved to stored values by the handler."""

    course_id: int | None = None
    section_id: int | None = None
    user_id: int | None = None
    types: tuple[str, ...] | None = None
    states: tuple[str, ...] | None = None          # None: the scope's default
    default_states_shown: tuple[str, ...] | None = None
    default_states_hidden: tuple[str, ...] | None = None
    sis_user_ids: tuple[str, ...] | None = None
    sis_section_ids: tuple[str, ...] | None = None
    sis_course_ids: tuple[str, ...] | None = None
    sis_account_ids: tuple[str, ...] | None = None
    enrollment_term_id: int | None = None
    root_account_id: int = 1
    # The course of ``section_id``, whose roster index a big section's pages walk (a section's
    # enrollments are always in its course: cross-listing and moves take them along).
    section_course_id: int | None = None


class EnrollmentRow(NamedTuple):
    """What enrollment_json shows of an enrollment, with its course's, account's and section's
    SIS fields and its own SIS login's (``sis_login_row_id`` None without one)."""

    id: int
    user_id: int
    course_id: int
    type: str
    created_at: str
    updated_at: str
    associated_user_id: int | None
    start_at: str | None
    end_at: str | None
    course_section_id: int
    root_account_id: int
    limit_privileges_to_course_section: int
    workflow_state: str
    sis_batch_id: int | None
    course_sis_source_id: str | None
    course_integration_id: str | None
    course_workflow_state: str
    account_sis_source_id: str | None
    section_sis_source_id: str | None
    section_integration_id: str | None
    section_workflow_state: str
    sis_login_row_id: int | None
    sis_login_sis_user_id: str | None


_ENROLLMENT_EXPRESSIONS = {
    **{name: f"e.{name}" for name in EnrollmentRow._fields[:14]},
    "course_sis_source_id": "c.sis_source_id", "course_integration_id": "c.integration_id",
    "course_workflow_state": "c.workflow_state", "account_sis_source_id": "a.sis_source_id",
    "section_sis_source_id": "s.sis_source_id", "section_integration_id": "s.integration_id",
    "section_workflow_state": "s.workflow_state", "sis_login_row_id": "sl.id",
    "sis_login_sis_user_id": "sl.sis_user_id",
}
assert tuple(_ENROLLMENT_EXPRESSIONS) == EnrollmentRow._fields
_ENROLLMENT_COLUMNS = tuple(_ENROLLMENT_EXPRESSIONS.values())
_ENROLLMENT_WIDTH = len(EnrollmentRow._fields)
# What an enrollment row shows beside the enrollments ``e``, which lead (CROSS JOIN keeps them
# the outer loop, so rows come out in their order).
_ENROLLMENT_JOINS = """
CROSS JOIN courses c ON c.id = e.course_id
CROSS JOIN accounts a ON a.id = c.account_id
CROSS JOIN course_sections s ON s.id = e.course_section_id
LEFT JOIN pseudonyms sl ON sl.id = e.sis_pseudonym_id
"""


def _enrollment_conditions(wanted: EnrollmentFilter) -> tuple[list[str], list[Any]]:
    """The filter as conditions on the enrollments table alone (its SIS filters through
    subqueries on the ids), so that a page's keys come from one index."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("e.course_id", wanted.course_id), ("e.course_section_id", wanted.section_id),
                          ("e.user_id", wanted.user_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if wanted.types is not None:
        clauses.append(f"e.type IN ({_marks(wanted.types)})")
        params += wanted.types
    if wanted.states is not None:
        clauses.append(f"e.workflow_state IN ({_marks(wanted.states)})")
        params += wanted.states
    elif wanted.default_states_shown is not None:
        clauses.append(f"e.workflow_state IN ({_marks(wanted.default_states_shown)})")
        params += wanted.default_states_shown
    elif wanted.default_states_hidden is not None:
        clauses.append(f"e.workflow_state NOT IN ({_marks(wanted.default_states_hidden)})")
        params += wanted.default_states_hidden
    if wanted.sis_user_ids is not None:
        clauses.append("e.user_id IN (SELECT user_id FROM pseudonyms WHERE account_id = ?"
                       f" AND workflow_state = 'active' AND sis_user_id IN ({_marks(wanted.sis_user_ids)}))")
        params += [wanted.root_account_id, *wanted.sis_user_ids]
    if wanted.sis_section_ids is not None:
        clauses.append("e.course_section_id IN (SELECT id FROM course_sections WHERE root_account_id = ?"
                       f" AND sis_source_id IN ({_marks(wanted.sis_section_ids)}))")
        params += [wanted.root_account_id, *wanted.sis_section_ids]
    if wanted.sis_course_ids is not None:
        clauses.append("e.course_id IN (SELECT id FROM courses WHERE root_account_id = ?"
                       f" AND sis_source_id IN ({_marks(wanted.sis_course_ids)}))")
        params += [wanted.root_account_id, *wanted.sis_course_ids]
    if wanted.sis_account_ids is not None:
        clauses.append("e.course_id IN (SELECT c.id FROM courses c JOIN accounts a ON a.id = c.account_id"
                       f" WHERE a.sis_source_id IN ({_marks(wanted.sis_account_ids)}))")
        params += wanted.sis_account_ids
    if wanted.enrollment_term_id is not None:
        clauses.append("e.course_id IN (SELECT id FROM courses WHERE enrollment_term_id = ?)")
        params.append(wanted.enrollment_term_id)
    return clauses, params


def _enrollment_keys(wanted: EnrollmentFilter, page: Slice) -> tuple[str, list[Any]]:
    """The page's enrollments in Canvas's roster order (type, then id) as a subquery.

    After a bookmark ``(type, id)`` the rows are the rest of that type, then the types after
    it: two index ranges, one after the other (UNION ALL without an ORDER BY of its own yields
    its first part, then its second, and stops at the LIMIT: an ORDER BY would sort both parts
    whole first). SQLite would serve the single row-value condition ``(type, id) > (?, ?)``
    from ``type`` alone, reading every row of the bookmark's type before it (a deep page of a
    100k roster read 99k index entries)."""
    clauses, params = _enrollment_conditions(wanted)
    where = " AND ".join(clauses) or "1"
    if page.after is None:
        return (f"(SELECT * FROM enrollments e WHERE {where} ORDER BY e.type, e.id LIMIT ? OFFSET ?)",
                [*params, page.limit, page.offset])
    after_type, after_id = page.after
    return (f"(SELECT * FROM (SELECT * FROM enrollments e WHERE {where} AND e.type = ? AND e.id > ?"
            f" ORDER BY e.id LIMIT ?) UNION ALL SELECT * FROM (SELECT * FROM enrollments e WHERE {where}"
            f" AND e.type > ? ORDER BY e.type, e.id LIMIT ?) LIMIT ?)",
            [*params, after_type, after_id, page.limit, *params, after_type, page.limit, page.limit])


def enrollment_page(conn: sqlite3.Connection, wanted: EnrollmentFilter,
                    page: Slice) -> list[tuple[EnrollmentRow, PersonRow]]:
    """Up to ``page.limit`` enrollments, each with its user, in Canvas's roster order, after
    the bookmark ``(type, id)`` when given: one statement, one step. The scope column leads
    every query, so the course index ``(course_id, type, id)`` serves the roster seek and the
    others a short sort; a big section walks its course's index instead."""
    rest = f"e {_ENROLLMENT_JOINS} CROSS JOIN users u ON u.id = e.user_id {SHOWN_LOGIN_JOIN}"
    columns = _ENROLLMENT_COLUMNS + PERSON_COLUMNS
    rows = None
    if wanted.section_id is not None and wanted.section_course_id is not None and page.offset == 0:
        rows = _walked_section_rows(conn, wanted, page, columns, rest)
    if rows is None:
        keys, params = _enrollment_keys(wanted, page)
        rows = rows_in_one_step(conn, columns, f"FROM {keys} {rest}", params)
    return [(EnrollmentRow._make(values[:_ENROLLMENT_WIDTH]), PersonRow._make(values[_ENROLLMENT_WIDTH:]))
            for values in rows]


def _walked_section_rows(conn: sqlite3.Connection, wanted: EnrollmentFilter, page: Slice,
                         columns: Sequence[str], rest: str) -> list[list[Any]] | None:
    """A big section's page read by walking its course's roster index from the bookmark and
    keeping the section's rows, which stops after a page's worth (sorting a 50,000-student
    section for every page took tens of milliseconds); None when the section is small, or
    too thin in its course for the walk to fill the page within its budget: sort it then."""
    if not _at_least(conn, "SELECT 1 FROM enrollments WHERE course_section_id = ?", (wanted.section_id,),
                     WALK_FROM_ENROLLMENTS):
        return None
    budget = page.limit * WALK_BUDGET_PER_ROW
    walk, walk_params = _enrollment_keys(EnrollmentFilter(course_id=wanted.section_course_id),
                                         Slice(budget, page.after))
    clauses, params = _enrollment_conditions(wanted)
    keys = f"(SELECT * FROM {walk} e WHERE {' AND '.join(clauses)} LIMIT ?)"
    rows = rows_in_one_step(conn, columns, f"FROM {keys} {rest}", [*walk_params, *params, page.limit])
    if len(rows) == page.limit or conn.execute(f"SELECT count(*) FROM {walk}", walk_params).fetchone()[0] < budget:
        return rows  # a full page, or the walk reached the course's last enrollment
    return None


def resolve_user(conn: sqlite3.Connection, root_account_id: int, reference: str) -> sqlite3.Row | None:
    """A user by Canvas id, or ``sis_user_id:X``, ``sis_login_id:X`` (any case) or
    ``sis_integration_id:X`` through a live login."""
    found = parse_reference(reference)
    if found is None:
        return None
    if found.kind == "id":
        return conn.execute("SELECT * FROM users WHERE id = ?", (found.value,)).fetchone()
    column = USER_LOGIN_LOOKUPS.get(found.kind)
    if column is None:
        return None
    value = str(found.value).lower() if column == "unique_id_lower" else found.value
    return conn.execute(
        f"SELECT u.* FROM pseudonyms p JOIN users u ON u.id = p.user_id WHERE p.account_id = ?"
        f" AND p.{column} = ? AND p.workflow_state != 'deleted' LIMIT 1", (root_account_id, value)).fetchone()


# User#email: the user's first e-mail channel that is not retired.
def _email_of(user_id: str) -> str:
    return (f"(SELECT cc.path FROM communication_channels cc WHERE cc.user_id = {user_id}"
            " AND cc.path_type = 'email' AND cc.workflow_state != 'retired' ORDER BY cc.id LIMIT 1)")


def person_with_email(conn: sqlite3.Connection, user_id: int) -> tuple[PersonRow, str | None] | None:
    """A user with its shown login and its e-mail (users#api_show), in one step."""
    for values in rows_in_one_step(conn, (*PERSON_COLUMNS, _email_of("u.id")),
                                    f"FROM users u {SHOWN_LOGIN_JOIN} WHERE u.id = ?", (user_id,)):
        return PersonRow._make(values[:_PERSON_WIDTH]), values[_PERSON_WIDTH]
    return None


def _sortable_after(after: tuple | None, params: list[Any]) -> str:
    """The keyset condition on ``(sortable_name, id)``; NULL names sort first, as SQLite sorts."""
    if after is None:
        return ""
    name, user_id = after
    if name is None:
        params.append(user_id)
        return " AND (u.sortable_name IS NOT NULL OR u.id > ?)"
    params += [name, name, user_id]
    # A seek to the name in the (sortable_name, id) index, then past the bookmark's id among
    # users of that name. (An OR of the two ranges made SQLite give up the seek.)
    return " AND u.sortable_name >= ? AND (u.sortable_name > ? OR u.id > ?)"


def _search_clause(search_term: str | None, params: list[Any]) -> str:
    """Canvas's UserSearch over names, logins and SIS ids (case-insensitive, substring)."""
    if not search_term:
        return ""
    pattern = "%" + search_term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    params += [pattern, pattern, pattern, pattern]
    clause = (" AND (lower(u.name) LIKE ? ESCAPE '\\' OR lower(u.sortable_name) LIKE ? ESCAPE '\\'"
              " OR EXISTS (SELECT 1 FROM pseudonyms sp WHERE sp.user_id = u.id AND sp.workflow_state != 'deleted'"
              " AND (sp.unique_id_lower LIKE ? ESCAPE '\\' OR lower(sp.sis_user_id) LIKE ? ESCAPE '\\'))")
    if search_term.isdigit():
        clause += " OR u.id = ?"
        params.append(int(search_term))
    return clause + ")"


def account_users(conn: sqlite3.Connection, account: sqlite3.Row, search_term: str | None,
                  page: Slice) -> list[PersonRow]:
    """Users of an account ordered by sortable name, each with its shown login: for a root
    account every user with a live login there, for a sub-account every user enrolled in a
    course of its tree."""
    params: list[Any] = []
    if account["root_account_id"] is None:
        belongs = ("EXISTS (SELECT 1 FROM pseudonyms p WHERE p.user_id = u.id AND p.account_id = ?"
                   " AND p.workflow_state != 'deleted')")
        params.append(account["id"])
    else:
        belongs = ("u.id IN (SELECT e.user_id FROM enrollments e JOIN courses c ON c.id = e.course_id"
                   " WHERE e.workflow_state != 'deleted' AND c.account_id IN ("
                   "WITH RECURSIVE subtree(id) AS (SELECT ? UNION ALL SELECT a.id FROM accounts a"
                   " JOIN subtree tree ON a.parent_account_id = tree.id) SELECT id FROM subtree))")
        params.append(account["id"])
    where = f"u.workflow_state != 'deleted' AND {belongs}"
    where += _search_clause(search_term, params) + _sortable_after(page.after, params)
    params += [page.limit, page.offset]
    keys = f"(SELECT * FROM users u WHERE {where} ORDER BY u.sortable_name, u.id LIMIT ? OFFSET ?)"
    return [PersonRow._make(values) for values in
            rows_in_one_step(conn, PERSON_COLUMNS, f"FROM {keys} u {SHOWN_LOGIN_JOIN}", params)]


def _course_user_scope(course_id: int, types: tuple[str, ...] | None, states: tuple[str, ...],
                       search_term: str | None, user_ids: tuple[int, ...] | None,
                       params: list[Any]) -> str:
    """The condition on ``u`` of a course's users (enrolled in these states and types)."""
    params += [course_id, *states]
    inner = f"SELECT user_id FROM enrollments WHERE course_id = ? AND workflow_state IN ({_marks(states)})"
    if types is not None:
        inner += f" AND type IN ({_marks(types)})"
        params += types
    where = f"u.id IN ({inner})" + _search_clause(search_term, params)
    if user_ids is not None:
        where += f" AND u.id IN ({_marks(user_ids)})" if user_ids else " AND 0"
        params += user_ids
    return where


def _course_user_keys(course_id: int, types: tuple[str, ...] | None, states: tuple[str, ...],
                      search_term: str | None, user_ids: tuple[int, ...] | None,
                      page: Slice) -> tuple[str, list[Any]]:
    """Users enrolled in a course (in these enrollment states and types), by sortable name,
    as a subquery: the course's users, sorted."""
    params: list[Any] = []
    where = (_course_user_scope(course_id, types, states, search_term, user_ids, params)
             + _sortable_after(page.after, params))
    params += [page.limit, page.offset]
    return f"(SELECT * FROM users u WHERE {where} ORDER BY u.sortable_name, u.id LIMIT ? OFFSET ?)", params


def course_user_position(conn: sqlite3.Connection, course_id: int, types: tuple[str, ...] | None,
                         states: tuple[str, ...], search_term: str | None, user_id: int) -> int | None:
    """How many of a course's users sort up to ``user_id``'s sortable name, None when it is not
    one of them: courses#users' ``user_id`` shows the page that holds it (Canvas counts every
    user whose sortable name is not after it, ties included)."""
    params: list[Any] = []
    where = _course_user_scope(course_id, types, states, search_term, None, params)
    found = conn.execute(f"SELECT u.sortable_name FROM users u WHERE u.id = ? AND {where}",
                         [user_id, *params]).fetchone()
    if found is None:
        return None
    return conn.execute(f"SELECT count(*) FROM users u WHERE {where} AND u.sortable_name <= ?",
                        [*params, found[0]]).fetchone()[0]


# A big course's users are found by walking every user in sortable-name order from the
# bookmark and keeping those enrolled, which stops after a page's worth: sorting all of a
# 20,000-student course for each page cost 20 ms (WALK_FROM_ENROLLMENTS, above, tells big
# from small).
def _course_user_rows(conn: sqlite3.Connection, columns: Sequence[str], column_params: Sequence[Any],
                      course_id: int, types: tuple[str, ...] | None, states: tuple[str, ...],
                      search_term: str | None, user_ids: tuple[int, ...] | None,
                      page: Slice) -> list[list[Any]]:
    """The page of a course's users as ``columns`` (of ``u``, with its shown login ``l``); a
    few ``user_ids`` are looked up, never walked to."""
    if page.offset == 0 and user_ids is None and _at_least(conn, "SELECT 1 FROM enrollments WHERE course_id = ?", (course_id,),
                                      WALK_FROM_ENROLLMENTS):
        budget = page.limit * WALK_BUDGET_PER_ROW
        after_params: list[Any] = []
        after = _sortable_after(page.after, after_params)
        walk = f"SELECT u.id FROM users u WHERE 1{after} ORDER BY u.sortable_name, u.id"
        member_params: list[Any] = [course_id, *states]
        member = (f"EXISTS (SELECT 1 FROM enrollments me WHERE me.user_id = u.id AND me.course_id = ?"
                  f" AND me.workflow_state IN ({_marks(states)})")
        if types is not None:
            member += f" AND me.type IN ({_marks(types)})"
            member_params += types
        search = _search_clause(search_term, member_params)
        # CROSS JOIN keeps the walk the outer loop, so the kept users come out in its order.
        keys = f"(SELECT u.* FROM ({walk} LIMIT ?) w CROSS JOIN users u ON u.id = w.id WHERE {member}){search} LIMIT ?)"
        rows = rows_in_one_step(conn, columns, f"FROM {keys} u {SHOWN_LOGIN_JOIN}",
                                 [*column_params, *after_params, budget, *member_params, page.limit])
        if len(rows) == page.limit or not _at_least(conn, walk, after_params, budget):
            return rows  # a full page, or the walk reached the last user
    keys, params = _course_user_keys(course_id, types, states, search_term, user_ids, page)
    return rows_in_one_step(conn, columns, f"FROM {keys} u {SHOWN_LOGIN_JOIN}", [*column_params, *params])


# Enrollment states that leave a course user "unconfirmed" (courses#users): Canvas then hides
# their login and personal information.
UNCONFIRMED_STATES = ("invited", "creation_pending", "rejected")
# Enrollment#active_or_pending: the enrollments include[]=enrollments shows by default.
NOT_ACTIVE_OR_PENDING = ("rejected", "completed", "deleted", "inactive")
# Enrollment#all_active_or_pending: those it shows with include_inactive.
NOT_ALL_ACTIVE_OR_PENDING = ("rejected", "completed", "deleted")


class CourseUserRow(NamedTuple):
    """A course's user with what courses#users shows beside it: its e-mail, and whether it is
    confirmed there (an enrollment that is neither deleted nor invited, pending or rejected)."""

    person: PersonRow
    email: str | None
    confirmed: bool


@dataclass(frozen=True)
class CourseUserPage:
    """A page of a course's users, and (include[]=enrollments, group_ids) their enrollments
    and groups there."""

    rows: list[CourseUserRow]
    enrollments: dict[int, list[EnrollmentRow]] | None
    group_ids: dict[int, list[int]] | None
    section_names: dict[int, str] | None


def course_user_page(conn: sqlite3.Connection, course_id: int, types: tuple[str, ...] | None,
                     states: tuple[str, ...], search_term: str | None, page: Slice, *,
                     enrollment_states: tuple[str, ...] | None, with_enrollments: bool,
                     with_group_ids: bool, with_sections: bool = False,
                     user_ids: tuple[int, ...] | None = None,
                     include_inactive: bool = False) -> CourseUserPage:
    """A page of ``course_users`` with their e-mails and confirmation in one step, and one step
    more for each of their enrollments, their groups and their sections when asked for;
    ``user_ids`` keeps only those users, ``include_inactive`` shows inactive enrollments too."""
    confirmed = (f"EXISTS (SELECT 1 FROM enrollments ce WHERE ce.course_id = ? AND ce.user_id = u.id"
                 f" AND ce.workflow_state NOT IN ('deleted', {_marks(UNCONFIRMED_STATES)}))")
    found = _course_user_rows(conn, (*PERSON_COLUMNS, _email_of("u.id"), confirmed), [course_id, *UNCONFIRMED_STATES],
                              course_id, types, states, search_term, user_ids, page)
    rows = [CourseUserRow(PersonRow._make(values[:_PERSON_WIDTH]), values[_PERSON_WIDTH],
                          bool(values[_PERSON_WIDTH + 1])) for values in found]
    ids = [row.person.id for row in rows]
    marks = _marks(ids) if ids else "NULL"
    enrollments_by_user: dict[int, list[EnrollmentRow]] | None = None
    if with_enrollments:
        # Course#enrollments never holds deleted ones; then the asked states, else
        # all_active_or_pending with include_inactive, else active_or_pending.
        if enrollment_states is not None:
            wanted, shown = f"e.workflow_state IN ({_marks(enrollment_states)})", list(enrollment_states)
        else:
            hidden = NOT_ALL_ACTIVE_OR_PENDING if include_inactive else NOT_ACTIVE_OR_PENDING
            wanted, shown = f"e.workflow_state NOT IN ({_marks(hidden)})", list(hidden)
        enrollments_by_user = {user_id: [] for user_id in ids}
        # By user: a page's users have a few enrollments each, the course may have 100,000.
        keys = (f"(SELECT * FROM enrollments e INDEXED BY enrollments_user WHERE e.course_id = ? AND e.user_id IN ({marks})"
                f" AND e.workflow_state != 'deleted' AND {wanted} ORDER BY e.id)")
        for values in rows_in_one_step(conn, _ENROLLMENT_COLUMNS, f"FROM {keys} e {_ENROLLMENT_JOINS}",
                                        [course_id, *ids, *shown]):
            enrollment = EnrollmentRow._make(values)
            enrollments_by_user[enrollment.user_id].append(enrollment)
    group_ids: dict[int, list[int]] | None = None
    if with_group_ids:
        group_ids = {user_id: [] for user_id in ids}
        for user_id, group_id in rows_in_one_step(
                conn, ("m.user_id", "m.group_id"),
                "FROM group_memberships m JOIN groups g ON g.id = m.group_id"
                f" WHERE m.user_id IN ({marks}) AND m.workflow_state = 'accepted' AND g.context_type = 'Course'"
                " AND g.context_id = ? AND g.workflow_state != 'deleted' ORDER BY m.id", (*ids, course_id)):
            group_ids[user_id].append(group_id)
    section_names: dict[int, str] | None = None
    if with_sections:
        section_names = _section_names(conn, ids)
    return CourseUserPage(rows, enrollments_by_user, group_ids, section_names)


def _section_names(conn: sqlite3.Connection, user_ids: list[int]) -> dict[int, str]:
    """user_json's include[]=sections: the names of the sections of every enrollment of each
    user (User#enrollments: any course, any state), each section once, in enrollment order,
    joined by ", "."""
    sections: dict[int, dict[int, str]] = {user_id: {} for user_id in user_ids}
    if user_ids:
        for user_id, section_id, name in rows_in_one_step(
                conn, ("e.user_id", "s.id", "s.name"),
                f"FROM enrollments e JOIN course_sections s ON s.id = e.course_section_id"
                f" WHERE e.user_id IN ({_marks(user_ids)}) ORDER BY e.user_id, e.id", user_ids):
            sections[user_id].setdefault(section_id, name)
    return {user_id: ", ".join(names.values()) for user_id, names in sections.items()}


def user_logins(conn: sqlite3.Connection, user_id: int, limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """A user's live logins, oldest first."""
    rows = conn.execute("SELECT * FROM pseudonyms WHERE user_id = ? AND workflow_state != 'deleted'"
                        " ORDER BY id LIMIT ? OFFSET ?", (user_id, limit, offset)).fetchall()
    total = conn.execute("SELECT count(*) FROM pseudonyms WHERE user_id = ? AND workflow_state != 'deleted'",
                         (user_id,)).fetchone()[0]
    return rows, total


def account_logins(conn: sqlite3.Connection, root_account_id: int, page: Slice) -> list[sqlite3.Row]:
    """A root account's live logins by id, after the bookmark ``(id,)`` when given."""
    params: list[Any] = [root_account_id]
    where = "account_id = ? AND workflow_state != 'deleted'"
    if page.after is not None:
        where += " AND id > ?"
        params += page.after
    return conn.execute(f"SELECT * FROM pseudonyms WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
                        params + [page.limit, page.offset]).fetchall()


def observees(conn: sqlite3.Connection, observer_id: int, limit: int,
              offset: int) -> tuple[list[sqlite3.Row], int]:
    """The users an observer observes (active links), by sortable name."""
    select = ("FROM user_observers o JOIN users u ON u.id = o.user_id WHERE o.observer_id = ?"
              " AND o.workflow_state = 'active' AND u.workflow_state != 'deleted'")
    rows = conn.execute(f"SELECT u.* {select} ORDER BY u.sortable_name, u.id LIMIT ? OFFSET ?",
                        (observer_id, limit, offset)).fetchall()
    total = conn.execute(f"SELECT count(*) {select}", (observer_id,)).fetchone()[0]
    return rows, total


def account_admins(conn: sqlite3.Connection, account_id: int, user_ids: tuple[int, ...] | None,
                   limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """An account's active admins (account users), by id."""
    where = "account_id = ? AND workflow_state = 'active'"
    params: list[Any] = [account_id]
    if user_ids is not None:
        where += f" AND user_id IN ({_marks(user_ids)})"
        params += user_ids
    rows = conn.execute(f"SELECT * FROM account_users WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
                        params + [limit, offset]).fetchall()
    total = conn.execute(f"SELECT count(*) FROM account_users WHERE {where}", params).fetchone()[0]
    return rows, total
