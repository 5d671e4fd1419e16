"""Claiming the next import to run: the SQL shared by every kind of import table."""

from __future__ import annotations

import sqlite3
from typing import Hashable, Iterable


def claim_oldest_per_strand(
    conn: sqlite3.Connection, *, table: str, strand_column: str, pending_states: Iterable[str],
    running_state: str, busy_strands: Iterable[Hashable], now: str, condition: str | None = None,
) -> sqlite3.Row | None:
    """Move the next runnable row of ``table`` to ``running_state`` and return it, or None.

    Per strand only the oldest unfinished import may run (decision 22), and only when no worker
    of this process runs that strand. One found in ``running_state`` that no worker runs was
    interrupted by a crash and is claimed again, to be run from the start (decision 23).
    ``condition`` (constant SQL over ``table``) holds back rows that must wait for other work.
    """
    busy = set(busy_strands)
    seen: set[Hashable] = set()
    states = ",".join(f"'{state}'" for state in pending_states)
    where = f"workflow_state IN ({states})" + (f" AND {condition}" if condition else "")
    for row in conn.execute(f"SELECT id, {strand_column} FROM {table} WHERE {where} ORDER BY id"):
        strand = row[strand_column]
        if strand in seen or strand in busy:
            seen.add(strand)
            continue
        conn.execute(
            f"UPDATE {table} SET workflow_state = ?, progress = 0,"
            " started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?",
            (running_state, now, now, row["id"]),
        )
        return conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row["id"],)).fetchone()
    return None
