"""The outcomes store: outcome groups, outcomes, their links and friendly descriptions.

Plain synchronous functions on a ``sqlite3.Connection``, called by the outcomes importer inside a
batch's write transaction. Reads that serve a whole batch take their keys as one JSON parameter
(``IN (SELECT value FROM json_each(?))``), so a batch costs a few statements however many rows it
has, and writes go through ``executemany``.

A context is Canvas's polymorphic (type, id) pair: ``("Account", 1)`` or ``("Course", 7)``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import orjson

from .sis_objects import get_course

Context = tuple[str, int]

ACCOUNT = "Account"
COURSE = "Course"


def _json_list(values: Iterable[Any]) -> str:
    return orjson.dumps(list(dict.fromkeys(values))).decode()


# --- contexts (accounts and courses are owned by the SIS side; these only read them) -----------


@dataclass(frozen=True, slots=True)
class ContextInfo:
    """What the outcomes importer needs to know about an account or a course."""

    type: str
    id: int
    name: str
    root_account_id: int
    # Canvas's ``account_chain``: an account and its ancestors, or a course's account and its
    # ancestors, nearest first.
    account_chain: tuple[int, ...]

    @property
    def key(self) -> Context:
        return (self.type, self.id)


def account_chain(conn: sqlite3.Connection, account_id: int) -> tuple[int, ...]:
    """The account and its ancestors, nearest first."""
    rows = conn.execute(
        "WITH RECURSIVE chain(id, parent, depth) AS ("
        " SELECT id, parent_account_id, 0 FROM accounts WHERE id = ?"
        " UNION ALL SELECT a.id, a.parent_account_id, chain.depth + 1"
        " FROM accounts a JOIN chain ON a.id = chain.parent WHERE chain.depth < 100)"
        " SELECT id FROM chain ORDER BY depth",
        (account_id,),
    ).fetchall()
    return tuple(row[0] for row in rows)


def load_context(conn: sqlite3.Connection, context: Context) -> ContextInfo | None:
    """An account or course as an outcomes context, or None when it does not exist."""
    context_type, context_id = context
    if context_type == ACCOUNT:
        row = conn.execute(
            "SELECT name, coalesce(root_account_id, id) FROM accounts WHERE id = ?", (context_id,)
        ).fetchone()
        if row is None:
            return None
        return ContextInfo(ACCOUNT, context_id, row[0], row[1], account_chain(conn, context_id))
    row = get_course(conn, context_id)
    if row is None:
        return None
    return ContextInfo(
        COURSE, context_id, row["name"], row["root_account_id"],
        account_chain(conn, row["account_id"]),
    )


def context_name(conn: sqlite3.Connection, context: Context) -> str:
    """The name of an account or course, for Canvas's messages that quote it."""
    table = "accounts" if context[0] == ACCOUNT else "courses"
    row = conn.execute(f"SELECT name FROM {table} WHERE id = ?", (context[1],)).fetchone()
    return row[0] if row else ""


def sub_account_ids(conn: sqlite3.Connection, account_id: int) -> list[int]:
    """Every live account below this one (Canvas's ``Account.sub_account_ids_recursive``)."""
    rows = conn.execute(
        "WITH RECURSIVE below(id) AS ("
        " SELECT id FROM accounts WHERE parent_account_id = ? AND workflow_state != 'deleted'"
        " UNION SELECT a.id FROM accounts a JOIN below ON a.parent_account_id = below.id"
        " WHERE a.workflow_state != 'deleted')"
        " SELECT id FROM below",
        (account_id,),
    ).fetchall()
    return [row[0] for row in rows]


def course_ids_in_accounts(conn: sqlite3.Connection, account_ids: Sequence[int]) -> list[int]:
    """Courses that sit directly in one of these accounts."""
    rows = conn.execute(
        "SELECT id FROM courses WHERE account_id IN (SELECT value FROM json_each(?))",
        (_json_list(account_ids),),
    ).fetchall()
    return [row[0] for row in rows]


# --- outcome groups ------------------------------------------------------------------------


def get_group(conn: sqlite3.Connection, group_id: int) -> sqlite3.Row | None:
    """One outcome group by id, in any context and state (Canvas's ``LearningOutcomeGroup.find``)."""
    return conn.execute("SELECT * FROM learning_outcome_groups WHERE id = ?", (group_id,)).fetchone()


def find_group_by_guid(
    conn: sqlite3.Connection, context: Context, vendor_guid: str
) -> sqlite3.Row | None:
    """The group of a context with this vendor_guid, active ones first."""
    return conn.execute(
        "SELECT * FROM learning_outcome_groups"
        " WHERE context_type = ? AND context_id = ? AND vendor_guid = ?"
        " ORDER BY workflow_state != 'active', id LIMIT 1",
        (*context, vendor_guid),
    ).fetchone()


def find_root_group(conn: sqlite3.Connection, context: Context) -> sqlite3.Row | None:
    """The active root outcome group of a context, if it has one yet."""
    return conn.execute(
        "SELECT * FROM learning_outcome_groups WHERE context_type = ? AND context_id = ?"
        " AND parent_group_id IS NULL AND workflow_state = 'active' ORDER BY id LIMIT 1",
        context,
    ).fetchone()


def insert_group(
    conn: sqlite3.Connection, *, context: Context, root_account_id: int, title: str,
    parent_group_id: int | None, vendor_guid: str | None, description: str | None,
    workflow_state: str, outcome_import_id: int | None, now: str,
) -> int:
    """Create an outcome group; returns its id."""
    cursor = conn.execute(
        "INSERT INTO learning_outcome_groups (context_type, context_id, root_account_id,"
        " parent_group_id, vendor_guid, title, description, workflow_state, outcome_import_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*context, root_account_id, parent_group_id, vendor_guid, title, description,
         workflow_state, outcome_import_id, now, now),
    )
    return cursor.lastrowid


def update_group(
    conn: sqlite3.Connection, group_id: int, *, title: str, parent_group_id: int | None,
    vendor_guid: str, description: str, workflow_state: str, outcome_import_id: int, now: str,
) -> None:
    """Rewrite the imported fields of an existing group."""
    conn.execute(
        "UPDATE learning_outcome_groups SET title = ?, parent_group_id = ?, vendor_guid = ?,"
        " description = ?, workflow_state = ?, outcome_import_id = ?, updated_at = ? WHERE id = ?",
        (title, parent_group_id, vendor_guid, description, workflow_state, outcome_import_id, now,
         group_id),
    )


def group_ancestor_ids(conn: sqlite3.Connection, group: sqlite3.Row) -> set[int | None]:
    """Canvas's ``LearningOutcomeGroup#ancestor_ids``: the group, its parent, and so on upward
    through the active groups of the group's context (loops in old data are tolerated)."""
    ancestors: set[int | None] = {group["id"]}
    parent_id = group["parent_group_id"]
    while parent_id not in ancestors:
        ancestors.add(parent_id)
        if parent_id is None:
            break
        row = conn.execute(
            "SELECT parent_group_id FROM learning_outcome_groups WHERE id = ? AND context_type = ?"
            " AND context_id = ? AND workflow_state = 'active'",
            (parent_id, group["context_type"], group["context_id"]),
        ).fetchone()
        if row is None:
            break
        parent_id = row[0]
    return ancestors


def delete_group_tree(conn: sqlite3.Connection, group_id: int, now: str) -> None:
    """Canvas's ``LearningOutcomeGroup#destroy``: delete the group, its active subgroups and their
    active links; an outcome whose last link in its own context goes is deleted with its links."""
    tree = _json_list(row[0] for row in conn.execute(
        "WITH RECURSIVE tree(id) AS (SELECT ?"
        " UNION SELECT g.id FROM learning_outcome_groups g JOIN tree ON g.parent_group_id = tree.id"
        " WHERE g.workflow_state NOT IN ('deleted', 'archived')) SELECT id FROM tree",
        (group_id,),
    ))
    unlinked = _json_list(row[0] for row in conn.execute(
        "SELECT outcome_id FROM learning_outcome_links"
        " WHERE group_id IN (SELECT value FROM json_each(?)) AND workflow_state != 'deleted'",
        (tree,),
    ))
    conn.execute(
        "UPDATE learning_outcome_links SET workflow_state = 'deleted', updated_at = ?"
        " WHERE group_id IN (SELECT value FROM json_each(?)) AND workflow_state != 'deleted'",
        (now, tree),
    )
    conn.execute(
        "UPDATE learning_outcome_groups SET workflow_state = 'deleted', updated_at = ?"
        " WHERE id IN (SELECT value FROM json_each(?))",
        (now, tree),
    )
    # ContentTag#destroy: removing the last link of an outcome in the outcome's own context
    # destroys the outcome, and LearningOutcome#destroy deletes every link it still has.
    doomed = _json_list(row[0] for row in conn.execute(
        "SELECT o.id FROM learning_outcomes o WHERE o.id IN (SELECT value FROM json_each(?))"
        " AND o.workflow_state != 'deleted' AND NOT EXISTS (SELECT 1 FROM learning_outcome_links l"
        " WHERE l.outcome_id = o.id AND l.context_type = o.context_type"
        " AND l.context_id = o.context_id AND l.workflow_state != 'deleted')",
        (unlinked,),
    ))
    conn.execute(
        "UPDATE learning_outcome_links SET workflow_state = 'deleted', updated_at = ?"
        " WHERE outcome_id IN (SELECT value FROM json_each(?)) AND workflow_state != 'deleted'",
        (now, doomed),
    )
    conn.execute(
        "UPDATE learning_outcomes SET workflow_state = 'deleted', updated_at = ?"
        " WHERE id IN (SELECT value FROM json_each(?))",
        (now, doomed),
    )


# --- outcomes, links and friendly descriptions, a batch at a time ---------------------------

OUTCOME_COLUMNS = (
    "id", "context_type", "context_id", "root_account_id", "vendor_guid", "title", "description",
    "display_name", "calculation_method", "calculation_int", "mastery_points", "points_possible",
    "ratings", "workflow_state", "outcome_import_id",
)
LINK_COLUMNS = ("id", "outcome_id", "group_id", "context_type", "context_id", "workflow_state")
FRIENDLY_COLUMNS = ("id", "outcome_id", "context_type", "context_id", "description", "workflow_state")


def outcomes_by_guids(conn: sqlite3.Connection, vendor_guids: Iterable[str]) -> list[sqlite3.Row]:
    """Every outcome, in any context and state, whose vendor_guid is one of these."""
    return conn.execute(
        f"SELECT {', '.join(OUTCOME_COLUMNS)} FROM learning_outcomes"
        " WHERE vendor_guid IN (SELECT value FROM json_each(?))",
        (_json_list(vendor_guids),),
    ).fetchall()


def outcome_by_id(conn: sqlite3.Connection, outcome_id: int) -> sqlite3.Row | None:
    """One outcome by id, in any context and state."""
    return conn.execute(
        f"SELECT {', '.join(OUTCOME_COLUMNS)} FROM learning_outcomes WHERE id = ?", (outcome_id,)
    ).fetchone()


def links_of_outcomes(conn: sqlite3.Connection, outcome_ids: Iterable[int]) -> list[sqlite3.Row]:
    """Every link (any context, any state) of these outcomes."""
    return conn.execute(
        f"SELECT {', '.join(LINK_COLUMNS)} FROM learning_outcome_links"
        " WHERE outcome_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (_json_list(outcome_ids),),
    ).fetchall()


def friendly_descriptions_of(
    conn: sqlite3.Connection, outcome_ids: Iterable[int]
) -> list[sqlite3.Row]:
    """Every friendly description of these outcomes."""
    return conn.execute(
        f"SELECT {', '.join(FRIENDLY_COLUMNS)} FROM outcome_friendly_descriptions"
        " WHERE outcome_id IN (SELECT value FROM json_each(?))",
        (_json_list(outcome_ids),),
    ).fetchall()


def next_ids(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """The next free ids of outcomes, links and friendly descriptions.

    Only valid inside the write transaction that inserts them: there, nobody else writes.
    """
    row = conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) + 1 FROM learning_outcomes),"
        " (SELECT coalesce(max(id), 0) + 1 FROM learning_outcome_links),"
        " (SELECT coalesce(max(id), 0) + 1 FROM outcome_friendly_descriptions)"
    ).fetchone()
    return row[0], row[1], row[2]


def insert_outcomes(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], now: str) -> None:
    """Insert outcomes given as tuples in OUTCOME_COLUMNS order."""
    placeholders = ", ".join("?" * (len(OUTCOME_COLUMNS) + 2))
    conn.executemany(
        f"INSERT INTO learning_outcomes ({', '.join(OUTCOME_COLUMNS)}, created_at, updated_at)"
        f" VALUES ({placeholders})",
        [(*row, now, now) for row in rows],
    )


def update_outcomes(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], now: str) -> None:
    """Rewrite outcomes given as tuples in OUTCOME_COLUMNS order (the id first)."""
    assignments = ", ".join(f"{name} = ?" for name in OUTCOME_COLUMNS[1:])
    conn.executemany(
        f"UPDATE learning_outcomes SET {assignments}, updated_at = ? WHERE id = ?",
        [(*row[1:], now, row[0]) for row in rows],
    )


def insert_links(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], now: str) -> None:
    """Insert links given as tuples in LINK_COLUMNS order."""
    conn.executemany(
        f"INSERT INTO learning_outcome_links ({', '.join(LINK_COLUMNS)}, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, now, now) for row in rows],
    )


def update_link_states(conn: sqlite3.Connection, rows: list[tuple[str, int]], now: str) -> None:
    """Set the workflow_state of links given as (state, id) pairs."""
    conn.executemany(
        "UPDATE learning_outcome_links SET workflow_state = ?, updated_at = ? WHERE id = ?",
        [(state, now, link_id) for state, link_id in rows],
    )


def upsert_friendly_descriptions(
    conn: sqlite3.Connection, rows: list[tuple[Any, ...]], now: str
) -> None:
    """Insert or rewrite friendly descriptions given as tuples in FRIENDLY_COLUMNS order."""
    conn.executemany(
        f"INSERT INTO outcome_friendly_descriptions ({', '.join(FRIENDLY_COLUMNS)},"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET description = excluded.description,"
        " workflow_state = excluded.workflow_state, updated_at = excluded.updated_at",
        [(*row, now, now) for row in rows],
    )
