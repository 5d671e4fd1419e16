"""Reading outcome groups, outcomes and their links back for the Outcome Groups and Outcomes APIs.

A context's root group is created on first read, as Canvas's ``root_outcome_group`` endpoint
creates it (``find_or_create_root``), with the context's name as its title.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

from .outcomes import Context, find_root_group, insert_group

# Each group row carries its parent's title and vendor_guid for ``parent_outcome_group``.
_GROUP_SELECT = """
SELECT g.*, p.title AS parent_title, p.vendor_guid AS parent_vendor_guid
FROM learning_outcome_groups g LEFT JOIN learning_outcome_groups p ON p.id = g.parent_group_id
"""


def ensure_root_group(conn: sqlite3.Connection, context: Context, root_account_id: int, title: str,
                      now: str) -> int:
    """The context's active root group's id, created when it has none yet."""
    root = find_root_group(conn, context)
    if root is not None:
        return root["id"]
    return insert_group(conn, context=context, root_account_id=root_account_id, title=title,
                        parent_group_id=None, vendor_guid=None, description=None, workflow_state="active",
                        outcome_import_id=None, now=now)


def context_group(conn: sqlite3.Connection, context: Context, group_id: int) -> sqlite3.Row | None:
    """An active group of this context."""
    return conn.execute(f"{_GROUP_SELECT} WHERE g.id = ? AND g.context_type = ? AND g.context_id = ?"
                        " AND g.workflow_state = 'active'", (group_id, *context)).fetchone()


def context_groups(conn: sqlite3.Connection, context: Context, limit: int,
                   offset: int) -> tuple[list[sqlite3.Row], int]:
    """Every active group of a context, by id."""
    where = "g.context_type = ? AND g.context_id = ? AND g.workflow_state = 'active'"
    rows = conn.execute(f"{_GROUP_SELECT} WHERE {where} ORDER BY g.id LIMIT ? OFFSET ?",
                        (*context, limit, offset)).fetchall()
    total = conn.execute(f"SELECT count(*) FROM learning_outcome_groups g WHERE {where}", context).fetchone()[0]
    return rows, total


def subgroups(conn: sqlite3.Connection, group_id: int, limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """A group's active child groups, by title then id (Canvas orders subgroups by title)."""
    where = "g.parent_group_id = ? AND g.workflow_state = 'active'"
    rows = conn.execute(f"{_GROUP_SELECT} WHERE {where} ORDER BY g.title, g.id LIMIT ? OFFSET ?",
                        (group_id, limit, offset)).fetchall()
    total = conn.execute(f"SELECT count(*) FROM learning_outcome_groups g WHERE {where}", (group_id,)).fetchone()[0]
    return rows, total


_LINK_SELECT = """
SELECT l.id, l.context_type, l.context_id, l.group_id, l.outcome_id
FROM learning_outcome_links l JOIN learning_outcomes o ON o.id = l.outcome_id
"""


def group_links(conn: sqlite3.Connection, group_id: int, limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """A group's active links, by outcome title then id (Canvas's order_by_outcome_title)."""
    where = "l.group_id = ? AND l.workflow_state = 'active' AND o.workflow_state != 'deleted'"
    rows = conn.execute(f"{_LINK_SELECT} WHERE {where} ORDER BY o.title, l.id LIMIT ? OFFSET ?",
                        (group_id, limit, offset)).fetchall()
    total = conn.execute(f"SELECT count(*) {_LINK_SELECT[_LINK_SELECT.index('FROM'):]} WHERE {where}",
                         (group_id,)).fetchone()[0]
    return rows, total


def context_links(conn: sqlite3.Connection, context: Context, limit: int,
                  offset: int) -> tuple[list[sqlite3.Row], int]:
    """Every active link of a context, by id."""
    where = "l.context_type = ? AND l.context_id = ? AND l.workflow_state = 'active' AND o.workflow_state != 'deleted'"
    rows = conn.execute(f"{_LINK_SELECT} WHERE {where} ORDER BY l.id LIMIT ? OFFSET ?",
                        (*context, limit, offset)).fetchall()
    total = conn.execute(f"SELECT count(*) {_LINK_SELECT[_LINK_SELECT.index('FROM'):]} WHERE {where}",
                         context).fetchone()[0]
    return rows, total


def groups_by_id(conn: sqlite3.Connection, group_ids: Iterable[int]) -> dict[int, sqlite3.Row]:
    """Groups by id (the groups of a page of links)."""
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    rows = conn.execute(f"{_GROUP_SELECT} WHERE g.id IN ({','.join('?' * len(ids))})", ids)
    return {row["id"]: row for row in rows}


def outcomes_by_id(conn: sqlite3.Connection, outcome_ids: Iterable[int]) -> dict[int, sqlite3.Row]:
    """Outcomes by id."""
    ids = sorted(set(outcome_ids))
    if not ids:
        return {}
    rows = conn.execute(f"SELECT * FROM learning_outcomes WHERE id IN ({','.join('?' * len(ids))})", ids)
    return {row["id"]: row for row in rows}
