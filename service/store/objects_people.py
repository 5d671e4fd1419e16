"""Reading users, logins, enrollments, observees and admins back for the read endpoints.

Enrollments and users are long lists, paged by bookmark (keyset) as Canvas pages them: a page
after a bookmark is an index seek, never an OFFSET scan. A numeric page a client computes
itself is still answered, by offset.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable

from ..ids import parse_reference

# Api::SIS_MAPPINGS["users"] that this server has columns for: lookups through a live login.
USER_LOGIN_LOOKUPS = {"sis_user_id": "sis_user_id", "sis_login_id": "unique_id_lower",
                      "sis_integration_id": "integration_id"}

# Canvas's default enrollment states: a course or section roster read by an admin shows every
# enrollment but rejected, completed and deleted ones (all_active_or_pending); a user's list
# shows active and invited ones.
ROSTER_HIDDEN_STATES = ("rejected", "completed", "deleted")
USER_DEFAULT_STATES = ("active", "invited")


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" * len(list(values)))


@dataclass(frozen=True)
class Slice:
    """One page of a keyset list: rows after ``after`` (a sort key) or at ``offset``."""

    limit: int
    after: tuple | None = None
    offset: int = 0


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


_ENROLLMENT_SELECT = """
SELECT e.*, c.sis_source_id AS course_sis_source_id, c.integration_id AS course_integration_id,
       c.workflow_state AS course_workflow_state, a.sis_source_id AS account_sis_source_id,
       s.sis_source_id AS section_sis_source_id, s.integration_id AS section_integration_id,
       s.workflow_state AS section_workflow_state
FROM enrollments e
CROSS JOIN courses c ON c.id = e.course_id
CROSS JOIN accounts a ON a.id = c.account_id
CROSS JOIN course_sections s ON s.id = e.course_section_id
"""


def enrollments(conn: sqlite3.Connection, wanted: EnrollmentFilter, page: Slice) -> list[sqlite3.Row]:
    """Up to ``page.limit`` enrollments in Canvas's roster order (type, then id), after the
    bookmark ``(type, id)`` when given. The scope column leads every query, so the course
    index ``(course_id, type, id)`` serves the roster seek and the others a short sort."""
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
        clauses.append(f"s.root_account_id = ? AND s.sis_source_id IN ({_marks(wanted.sis_section_ids)})")
        params += [wanted.root_account_id, *wanted.sis_section_ids]
    if wanted.sis_course_ids is not None:
        clauses.append(f"c.root_account_id = ? AND c.sis_source_id IN ({_marks(wanted.sis_course_ids)})")
        params += [wanted.root_account_id, *wanted.sis_course_ids]
    if wanted.sis_account_ids is not None:
        clauses.append(f"a.sis_source_id IN ({_marks(wanted.sis_account_ids)})")
        params += wanted.sis_account_ids
    if wanted.enrollment_term_id is not None:
        clauses.append("c.enrollment_term_id = ?")
        params.append(wanted.enrollment_term_id)
    if page.after is not None:
        clauses.append("(e.type, e.id) > (?, ?)")
        params += page.after
    where = " AND ".join(clauses) or "1"
    params += [page.limit, page.offset]
    return conn.execute(f"{_ENROLLMENT_SELECT} WHERE {where} ORDER BY e.type, e.id LIMIT ? OFFSET ?",
                        params).fetchall()


# What user_json shows of a user and of its login; a page reads only these.
_USER_COLUMNS = "id, name, created_at, sortable_name, short_name, pronouns, workflow_state"
_LOGIN_COLUMNS = "id, user_id, unique_id, sis_user_id, integration_id, sis_batch_id"


@dataclass(frozen=True)
class Person:
    """A user with the login Canvas shows beside it (its SIS login, else its first login)."""

    user: sqlite3.Row
    login: sqlite3.Row | None


def people(conn: sqlite3.Connection, user_ids: Iterable[int]) -> dict[int, Person]:
    """Users by id with their shown login: an active login with a SIS id first, else the
    oldest active one (Canvas's SisPseudonym.for with require_sis: false)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    marks = _marks(ids)
    users = {row["id"]: row for row in conn.execute(
        f"SELECT {_USER_COLUMNS} FROM users WHERE id IN ({marks})", ids)}
    logins: dict[int, sqlite3.Row] = {}
    for row in conn.execute(f"SELECT {_LOGIN_COLUMNS} FROM pseudonyms WHERE user_id IN ({marks})"
                            " AND workflow_state != 'deleted'"
                            " ORDER BY user_id, sis_user_id IS NULL, id", ids):
        logins.setdefault(row["user_id"], row)
    return {user_id: Person(row, logins.get(user_id)) for user_id, row in users.items()}


@dataclass(frozen=True)
class EnrollmentPage:
    """A page of enrollments with what their JSON shows: each user, and each SIS login."""

    rows: list[sqlite3.Row]
    people: dict[int, Person]
    sis_logins: dict[int, sqlite3.Row]


def enrollment_page(conn: sqlite3.Connection, wanted: EnrollmentFilter, page: Slice) -> EnrollmentPage:
    """``enrollments`` with their users and SIS logins, read in one snapshot (one trip to the
    read connection instead of three)."""
    rows = enrollments(conn, wanted, page)
    return EnrollmentPage(rows, people(conn, [r["user_id"] for r in rows]),
                          logins_by_id(conn, [r["sis_pseudonym_id"] for r in rows if r["sis_pseudonym_id"]]))


def logins_by_id(conn: sqlite3.Connection, login_ids: Iterable[int]) -> dict[int, sqlite3.Row]:
    """Logins by id (an enrollment's SIS login)."""
    ids = sorted(set(login_ids))
    if not ids:
        return {}
    return {row["id"]: row for row in conn.execute(f"SELECT * FROM pseudonyms WHERE id IN ({_marks(ids)})", ids)}


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


def email_of(conn: sqlite3.Connection, user_id: int) -> str | None:
    """The user's e-mail (User#email): its first e-mail channel that is not retired."""
    row = conn.execute("SELECT path FROM communication_channels WHERE user_id = ? AND path_type = 'email'"
                       " AND workflow_state != 'retired' ORDER BY id LIMIT 1", (user_id,)).fetchone()
    return row[0] if row else None


def _sortable_after(after: tuple | None, params: list[Any]) -> str:
    """The keyset condition on ``(sortable_name, id)``; NULL names sort first, as SQLite sorts."""
    if after is None:
        return ""
    name, user_id = after
    if name is None:
        params.append(user_id)
        return " AND (u.sortable_name IS NOT NULL OR u.id > ?)"
    params += [name, user_id]
    return " AND (u.sortable_name, u.id) > (?, ?)"


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
                  page: Slice) -> list[sqlite3.Row]:
    """Users of an account ordered by sortable name: for a root account every user with a live
    login there, for a sub-account every user enrolled in a course of its tree."""
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
    return conn.execute(f"SELECT u.* FROM users u WHERE {where} ORDER BY u.sortable_name, u.id LIMIT ? OFFSET ?",
                        params).fetchall()


def course_users(conn: sqlite3.Connection, course_id: int, types: tuple[str, ...] | None,
                 states: tuple[str, ...], search_term: str | None, page: Slice) -> list[sqlite3.Row]:
    """Users enrolled in a course (in these enrollment states and types), by sortable name."""
    params: list[Any] = [course_id, *states]
    inner = f"SELECT user_id FROM enrollments WHERE course_id = ? AND workflow_state IN ({_marks(states)})"
    if types is not None:
        inner += f" AND type IN ({_marks(types)})"
        params += types
    where = f"u.id IN ({inner})" + _search_clause(search_term, params) + _sortable_after(page.after, params)
    params += [page.limit, page.offset]
    return conn.execute(f"SELECT u.* FROM users u WHERE {where} ORDER BY u.sortable_name, u.id LIMIT ? OFFSET ?",
                        params).fetchall()


# Enrollment states that leave a course user "unconfirmed" (courses#users): Canvas then hides
# their login and personal information.
UNCONFIRMED_STATES = ("invited", "creation_pending", "rejected")
# Enrollment#active_or_pending: the enrollments include[]=enrollments shows by default.
NOT_ACTIVE_OR_PENDING = ("rejected", "completed", "deleted", "inactive")


@dataclass(frozen=True)
class CourseUserPage:
    """A page of a course's users with what courses#users shows beside each: its login, e-mail,
    whether it is confirmed, and (include[]=enrollments) its enrollments here."""

    rows: list[sqlite3.Row]
    people: dict[int, Person]
    emails: dict[int, str]
    confirmed: set[int]
    enrollments: dict[int, list[sqlite3.Row]] | None
    sis_logins: dict[int, sqlite3.Row]
    group_ids: dict[int, list[int]] | None


def course_user_page(conn: sqlite3.Connection, course_id: int, types: tuple[str, ...] | None,
                     states: tuple[str, ...], search_term: str | None, page: Slice, *,
                     enrollment_states: tuple[str, ...] | None, with_enrollments: bool,
                     with_group_ids: bool) -> CourseUserPage:
    """``course_users`` and what their JSON needs, read in one snapshot; a page of users costs
    a handful of queries over their ids, whatever the course's size."""
    rows = course_users(conn, course_id, types, states, search_term, page)
    ids = [row["id"] for row in rows]
    marks = _marks(ids) if ids else "NULL"
    confirmed = {row[0] for row in conn.execute(
        f"SELECT DISTINCT user_id FROM enrollments WHERE course_id = ? AND user_id IN ({marks})"
        f" AND workflow_state NOT IN ('deleted', {_marks(UNCONFIRMED_STATES)})",
        (course_id, *ids, *UNCONFIRMED_STATES))}
    enrollments_by_user: dict[int, list[sqlite3.Row]] | None = None
    sis_logins: dict[int, sqlite3.Row] = {}
    if with_enrollments:
        # Course#enrollments never holds deleted ones; then the asked states or active_or_pending.
        if enrollment_states is not None:
            wanted, params = f"e.workflow_state IN ({_marks(enrollment_states)})", list(enrollment_states)
        else:
            wanted, params = f"e.workflow_state NOT IN ({_marks(NOT_ACTIVE_OR_PENDING)})", list(NOT_ACTIVE_OR_PENDING)
        enrollments_by_user = {user_id: [] for user_id in ids}
        found = conn.execute(f"{_ENROLLMENT_SELECT} WHERE e.course_id = ? AND e.user_id IN ({marks})"
                             f" AND e.workflow_state != 'deleted' AND {wanted} ORDER BY e.id",
                             (course_id, *ids, *params)).fetchall()
        for row in found:
            enrollments_by_user[row["user_id"]].append(row)
        sis_logins = logins_by_id(conn, [r["sis_pseudonym_id"] for r in found if r["sis_pseudonym_id"]])
    group_ids: dict[int, list[int]] | None = None
    if with_group_ids:
        group_ids = {user_id: [] for user_id in ids}
        for user_id, group_id in conn.execute(
                "SELECT m.user_id, m.group_id FROM group_memberships m JOIN groups g ON g.id = m.group_id"
                f" WHERE m.user_id IN ({marks}) AND m.workflow_state = 'accepted' AND g.context_type = 'Course'"
                " AND g.context_id = ? AND g.workflow_state != 'deleted' ORDER BY m.id", (*ids, course_id)):
            group_ids[user_id].append(group_id)
    return CourseUserPage(rows, people(conn, ids), emails_of(conn, ids), confirmed, enrollments_by_user,
                          sis_logins, group_ids)


def emails_of(conn: sqlite3.Connection, user_ids: Iterable[int]) -> dict[int, str]:
    """Users' e-mails by id (User#email: the first e-mail channel that is not retired)."""
    ids = sorted(set(user_ids))
    emails: dict[int, str] = {}
    if ids:
        for user_id, path in conn.execute(
                f"SELECT user_id, path FROM communication_channels WHERE user_id IN ({_marks(ids)})"
                " AND path_type = 'email' AND workflow_state != 'retired' ORDER BY user_id, id", ids):
            emails.setdefault(user_id, path)
    return emails


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
