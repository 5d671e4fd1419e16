"""Reading group categories, groups and memberships back for the read endpoints.

Differentiation tags live in the same tables (flagged non_collaborative); Canvas's group lists
leave them out unless ``collaboration_state`` asks for them.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..ids import parse_reference

# Api::SIS_MAPPINGS["groups"] and ["group_categories"]: the lookups an id may use.
GROUP_LOOKUPS = {"id": "id", "sis_group_id": "sis_source_id"}
GROUP_CATEGORY_LOOKUPS = {"id": "id", "sis_group_category_id": "sis_source_id"}

# collaboration_state -> the non_collaborative values shown.
COLLABORATION_STATES = {"collaborative": (0,), "non_collaborative": (1,), "all": (0, 1)}

# Each group's active members and whether its course context is over, beside the group row.
_GROUP_SELECT = """
SELECT g.*, gc.sis_source_id AS category_sis_source_id,
       (SELECT count(*) FROM group_memberships m WHERE m.group_id = g.id AND m.workflow_state = 'accepted')
           AS members_count,
       (SELECT c.workflow_state FROM courses c WHERE g.context_type = 'Course' AND c.id = g.context_id)
           AS course_workflow_state
FROM groups g LEFT JOIN group_categories gc ON gc.id = g.group_category_id
"""


def _collaboration(kinds: tuple[int, ...], alias: str, params: list[Any]) -> str:
    params.extend(kinds)
    return f" AND {alias}.non_collaborative IN ({','.join('?' * len(kinds))})"


def context_categories(conn: sqlite3.Connection, context_type: str, context_id: int, kinds: tuple[int, ...],
                       limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """An account's or course's active group categories, by id."""
    params: list[Any] = [context_type, context_id]
    where = ("context_type = ? AND context_id = ? AND workflow_state != 'deleted'"
             + _collaboration(kinds, "group_categories", params))
    rows = conn.execute(f"SELECT * FROM group_categories WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
                        params + [limit, offset]).fetchall()
    total = conn.execute(f"SELECT count(*) FROM group_categories WHERE {where}", params).fetchone()[0]
    return rows, total


def resolve_category(conn: sqlite3.Connection, reference: str) -> sqlite3.Row | None:
    """A group category by Canvas id or ``sis_group_category_id:X``."""
    found = parse_reference(reference)
    column = GROUP_CATEGORY_LOOKUPS.get(found.kind) if found else None
    if column is None:
        return None
    return conn.execute(f"SELECT * FROM group_categories WHERE {column} = ? ORDER BY root_account_id LIMIT 1",
                        (found.value,)).fetchone()


def context_groups(conn: sqlite3.Connection, context_type: str, context_id: int, kinds: tuple[int, ...],
                   limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """An account's or course's active groups, by id."""
    params: list[Any] = [context_type, context_id]
    where = "g.context_type = ? AND g.context_id = ? AND g.workflow_state != 'deleted'" + _collaboration(kinds, "g", params)
    rows = conn.execute(f"{_GROUP_SELECT} WHERE {where} ORDER BY g.id LIMIT ? OFFSET ?",
                        params + [limit, offset]).fetchall()
    total = conn.execute(f"SELECT count(*) FROM groups g WHERE {where}", params).fetchone()[0]
    return rows, total


def category_groups(conn: sqlite3.Connection, category_id: int, limit: int,
                    offset: int) -> tuple[list[sqlite3.Row], int]:
    """A category's active groups, by id."""
    where = "g.group_category_id = ? AND g.workflow_state != 'deleted'"
    rows = conn.execute(f"{_GROUP_SELECT} WHERE {where} ORDER BY g.id LIMIT ? OFFSET ?",
                        (category_id, limit, offset)).fetchall()
    total = conn.execute(f"SELECT count(*) FROM groups g WHERE {where}", (category_id,)).fetchone()[0]
    return rows, total


def resolve_group(conn: sqlite3.Connection, reference: str) -> sqlite3.Row | None:
    """A group by Canvas id or ``sis_group_id:X``, with its member count."""
    found = parse_reference(reference)
    column = GROUP_LOOKUPS.get(found.kind) if found else None
    if column is None:
        return None
    return conn.execute(f"{_GROUP_SELECT} WHERE g.{column} = ? ORDER BY g.root_account_id LIMIT 1",
                        (found.value,)).fetchone()


def memberships(conn: sqlite3.Connection, group_id: int, states: tuple[str, ...] | None, limit: int,
                offset: int) -> tuple[list[sqlite3.Row], int]:
    """A group's memberships (all but deleted ones, or these states), by id."""
    params: list[Any] = [group_id]
    if states is None:
        where = "group_id = ? AND workflow_state != 'deleted'"
    else:
        where = f"group_id = ? AND workflow_state IN ({','.join('?' * len(states))})"
        params += states
    rows = conn.execute(f"SELECT * FROM group_memberships WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
                        params + [limit, offset]).fetchall()
    total = conn.execute(f"SELECT count(*) FROM group_memberships WHERE {where}", params).fetchone()[0]
    return rows, total
