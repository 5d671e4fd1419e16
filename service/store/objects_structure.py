"""Reading the account tree, terms, courses and sections back for the read endpoints.

Lists are ordered by id (Canvas's order for these lists) and sliced with LIMIT/OFFSET: they
hold thousands of rows, not millions, so an OFFSET stays cheap.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from ..ids import parse_reference
from .pages import dicts_in_one_step
from .sis_objects import TERM_LOOKUPS

# Api::SIS_MAPPINGS["course_sections"]: the lookups a section id may use, and their columns.
SECTION_LOOKUPS = {"id": "id", "sis_section_id": "sis_source_id", "sis_integration_id": "integration_id"}

# Canvas's API course states (Course#api_state) -> stored workflow states.
COURSE_API_STATES = {
    "unpublished": ("created", "claimed"), "created": ("created",), "claimed": ("claimed",),
    "available": ("available",), "completed": ("completed",), "deleted": ("deleted",),
}

# The account and everything under it, for lists that include sub-accounts' objects.
_SUBTREE = """
WITH RECURSIVE subtree(id) AS (
    SELECT ? UNION ALL
    SELECT a.id FROM accounts a JOIN subtree tree ON a.parent_account_id = tree.id
    WHERE a.workflow_state != 'deleted'
)
"""


def root_accounts(conn: sqlite3.Connection, limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """Active root accounts (every one the token administers), and their number."""
    rows = conn.execute("SELECT * FROM accounts WHERE root_account_id IS NULL AND workflow_state != 'deleted'"
                        " ORDER BY id LIMIT ? OFFSET ?", (limit, offset)).fetchall()
    total = conn.execute("SELECT count(*) FROM accounts WHERE root_account_id IS NULL"
                         " AND workflow_state != 'deleted'").fetchone()[0]
    return rows, total


def sub_accounts(conn: sqlite3.Connection, account_id: int, recursive: bool, limit: int,
                 offset: int) -> tuple[list[sqlite3.Row], int]:
    """Active sub-accounts: the children, or with ``recursive`` the whole tree below."""
    if recursive:
        where = f"id IN ({_SUBTREE} SELECT id FROM subtree) AND id != ?"
        params: tuple = (account_id, account_id)
    else:
        where = "parent_account_id = ?"
        params = (account_id,)
    where += " AND workflow_state != 'deleted'"
    rows = conn.execute(f"SELECT * FROM accounts WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
                        params + (limit, offset)).fetchall()
    total = conn.execute(f"SELECT count(*) FROM accounts WHERE {where}", params).fetchone()[0]
    return rows, total


def terms(conn: sqlite3.Connection, root_account_id: int, states: tuple[str, ...] | None,
          limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """A root account's terms in Canvas's order: latest start first (no start first, as
    PostgreSQL sorts NULLs), then latest end, then id; ``states`` None means all."""
    where = "root_account_id = ?"
    params: tuple = (root_account_id,)
    if states is not None:
        where += f" AND workflow_state IN ({','.join('?' * len(states))})"
        params += states
    rows = conn.execute(
        f"SELECT * FROM enrollment_terms WHERE {where} ORDER BY start_at IS NULL DESC, start_at DESC,"
        " end_at IS NULL DESC, end_at DESC, id LIMIT ? OFFSET ?", params + (limit, offset)).fetchall()
    total = conn.execute(f"SELECT count(*) FROM enrollment_terms WHERE {where}", params).fetchone()[0]
    return rows, total


def resolve_term(conn: sqlite3.Connection, root_account_id: int, reference: str) -> sqlite3.Row | None:
    """A term of a root account by Canvas id, ``sis_term_id:X`` or ``sis_integration_id:X``
    (any state)."""
    found = parse_reference(reference)
    column = TERM_LOOKUPS.get(found.kind) if found else None
    if column is None:
        return None
    return conn.execute(f"SELECT * FROM enrollment_terms WHERE root_account_id = ? AND {column} = ?",
                        (root_account_id, found.value)).fetchone()


def terms_by_id(conn: sqlite3.Connection, term_ids: set[int]) -> dict[int, sqlite3.Row]:
    """Terms by id, for ``include[]=term``."""
    if not term_ids:
        return {}
    ids = sorted(term_ids)
    rows = conn.execute(f"SELECT * FROM enrollment_terms WHERE id IN ({','.join('?' * len(ids))})", ids)
    return {row["id"]: row for row in rows}


@dataclass(frozen=True)
class CourseFilter:
    """The filters of GET /accounts/:id/courses (already validated by the handler)."""

    states: tuple[str, ...] | None = None      # stored workflow states; None: all but deleted
    enrollment_term_id: int | None = None
    search_term: str | None = None
    with_enrollments: bool | None = None
    published: bool | None = None


# What course_json shows of a course: a page of an account's courses reads only these, as
# dicts, in one step (pages.dicts_in_one_step).
COURSE_JSON_COLUMNS = (
    "id", "name", "account_id", "uuid", "start_at", "created_at", "course_code", "root_account_id",
    "enrollment_term_id", "grade_passback_setting", "conclude_at", "homeroom_course", "friendly_name",
    "sis_source_id", "sis_batch_id", "integration_id", "workflow_state", "restrict_enrollments_to_course_dates",
    "course_format",
)


def account_courses(conn: sqlite3.Connection, account_id: int, wanted: CourseFilter, limit: int,
                    offset: int) -> tuple[list[dict[str, Any]], int]:
    """Courses of an account and its sub-accounts, filtered as Canvas's courses_api filters."""
    clauses = [f"c.account_id IN (SELECT id FROM subtree)"]
    params: list = [account_id]
    if wanted.states is None:
        clauses.append("c.workflow_state != 'deleted'")
    else:
        clauses.append(f"c.workflow_state IN ({','.join('?' * len(wanted.states))})")
        params += wanted.states
    if wanted.enrollment_term_id is not None:
        clauses.append("c.enrollment_term_id = ?")
        params.append(wanted.enrollment_term_id)
    if wanted.published is not None:
        clauses.append("c.workflow_state IN ('available', 'completed')" if wanted.published
                       else "c.workflow_state IN ('created', 'claimed')")
    if wanted.with_enrollments is not None:
        exists = ("EXISTS (SELECT 1 FROM enrollments e WHERE e.course_id = c.id"
                  " AND e.workflow_state NOT IN ('deleted', 'rejected'))")
        clauses.append(exists if wanted.with_enrollments else f"NOT {exists}")
    if wanted.search_term:
        # Canvas matches the name, the course code and the SIS id, case-insensitively.
        pattern = "%" + wanted.search_term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(lower(c.name) LIKE ? ESCAPE '\\' OR lower(c.course_code) LIKE ? ESCAPE '\\'"
                       " OR lower(c.sis_source_id) LIKE ? ESCAPE '\\')")
        params += [pattern, pattern, pattern]
    where = " AND ".join(clauses)
    rows = dicts_in_one_step(conn, COURSE_JSON_COLUMNS,
                             f"(SELECT c.* FROM courses c WHERE {where} ORDER BY c.id LIMIT ? OFFSET ?)",
                             params + [limit, offset], _SUBTREE)
    total = conn.execute(f"{_SUBTREE} SELECT count(*) FROM courses c WHERE {where}", params).fetchone()[0]
    return rows, total


def course_sections(conn: sqlite3.Connection, course_id: int, limit: int,
                    offset: int) -> tuple[list[sqlite3.Row], int]:
    """A course's active sections (cross-listed ones included, as they now belong to it)."""
    rows = conn.execute(
        "SELECT s.*, c.sis_source_id AS course_sis_source_id FROM course_sections s"
        " JOIN courses c ON c.id = s.course_id WHERE s.course_id = ? AND s.workflow_state != 'deleted'"
        " ORDER BY s.id LIMIT ? OFFSET ?", (course_id, limit, offset)).fetchall()
    total = conn.execute("SELECT count(*) FROM course_sections WHERE course_id = ? AND workflow_state != 'deleted'",
                         (course_id,)).fetchone()[0]
    return rows, total


def resolve_section(conn: sqlite3.Connection, reference: str) -> sqlite3.Row | None:
    """A section by Canvas id, ``sis_section_id:X`` or ``sis_integration_id:X``, with its
    course's SIS id."""
    found = parse_reference(reference)
    column = SECTION_LOOKUPS.get(found.kind) if found else None
    if column is None:
        return None
    return conn.execute("SELECT s.*, c.sis_source_id AS course_sis_source_id FROM course_sections s"
                        f" JOIN courses c ON c.id = s.course_id WHERE s.{column} = ?"
                        " ORDER BY s.root_account_id LIMIT 1", (found.value,)).fetchone()
