"""Pages of the long read lists fetched in one sqlite3 step.

sqlite3 releases the GIL around every step of a statement, and each time it takes it back it
may wait a whole switch interval (5 ms) behind another busy thread; a page fetched row by row
paid that once per row. Here SQLite packs a page's rows into one JSON array
(``json_group_array``; ``json_array`` and ``json_object`` keep integers, text and NULL apart)
and orjson unpacks it: one step, whatever the page's length.

The array takes the rows in the order the inner query yields them: SQLite never flattens a
subquery with an ORDER BY into an aggregate query (its flattening rule 16, kept for
``group_concat``), and the callers' CROSS JOINs keep the ordered table the outer loop.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Sequence

import orjson


def rows_in_one_step(conn: sqlite3.Connection, columns: Sequence[str], rest: str,
                     params: Sequence[Any]) -> list[list[Any]]:
    """The rows of ``SELECT <columns> <rest>`` as lists of their values."""
    names = ", ".join(f"c{n}" for n in range(len(columns)))
    selected = ", ".join(f"{expr} AS c{n}" for n, expr in enumerate(columns))
    sql = f"SELECT json_group_array(json_array({names})) FROM (SELECT {selected} {rest})"
    return orjson.loads(conn.execute(sql, params).fetchone()[0])


def dicts_in_one_step(conn: sqlite3.Connection, columns: Sequence[str], subquery: str,
                      params: Sequence[Any], with_clause: str = "") -> list[dict[str, Any]]:
    """The rows of ``subquery`` (parenthesised) as dicts of ``columns``, which read like the
    sqlite3.Row the JSON builders also take (``row["name"]``); ``with_clause`` is a WITH the
    subquery needs."""
    pairs = ", ".join(f"'{name}', r.{name}" for name in columns)
    sql = f"{with_clause} SELECT json_group_array(json_object({pairs})) FROM {subquery} r"
    return orjson.loads(conn.execute(sql, params).fetchone()[0])
