"""Restoring an SIS import from its roll-back records (Canvas's restore_states_for_batch).

Generic over object types: a record names a Canvas class (``object_type``), the class names a
table (``STATE_CHANGE_TYPES``), and restoring sets the row's ``workflow_state`` back to the
state the record says it had before the import. Whatever writes a record (the importers, the
deletion cascades, batch-mode cleanup) is therefore restored by the same code.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from ..states import SisState
from .sis_batch import STATE_CHANGE_TYPES

# Canvas's SisBatchRollBackData::RESTORE_ORDER: parents before their dependants.
RESTORE_ORDER = (
    "Account", "EnrollmentTerm", "AbstractCourse", "Course", "CourseSection", "GroupCategory",
    "Group", "Pseudonym", "CommunicationChannel", "Enrollment", "GroupMembership", "UserObserver",
    "AccountUser",
)
TABLE_OF_TYPE = {object_type: table for table, object_type in STATE_CHANGE_TYPES.items()}
# Roll-back data is kept for 30 days (section 8).
ROLL_BACK_DATA_DAYS = 30


@dataclass(frozen=True)
class RestoreScope:
    """Which roll-back records a restore applies (restore_states' three flags)."""

    batch_mode: bool = False
    undelete_only: bool = False
    unconclude_only: bool = False

    @property
    def partial(self) -> bool:
        """Canvas ends a restore with any flag set ``partially_restored``."""
        return self.batch_mode or self.undelete_only or self.unconclude_only

    def where(self) -> str:
        """The constant SQL that selects the active records in scope."""
        clauses = ["workflow_state = 'active'"]
        if self.undelete_only:
            clauses.append("new_state IN ('retired', 'deleted')")
        if self.unconclude_only:
            clauses.append("new_state = 'completed'")
        if self.batch_mode:
            clauses.append("batch_mode_delete = 1")
        return " AND ".join(clauses)


@dataclass(frozen=True)
class RollBackRecord:
    """One roll-back record: the object and the state it goes back to."""

    object_type: str
    object_id: int
    previous_state: str | None
    new_state: str
    batch_mode_delete: bool

    @property
    def restore_to(self) -> str:
        """Canvas's restore_to_state: an object the import created goes away."""
        if self.previous_state is None:
            return "retired" if self.object_type == "CommunicationChannel" else "deleted"
        return self.previous_state

    def inspect(self, import_id: int) -> str:
        """The record as Ruby's ``inspect`` shows it, for Canvas's roll-back failure message."""
        previous = "non-existent" if self.previous_state is None else self.previous_state
        return (f'#<SisBatchRollBackData sis_batch_id: {import_id}, context_type:'
                f' "{self.object_type}", context_id: {self.object_id}, previous_workflow_state:'
                f' "{previous}", updated_workflow_state: "{self.new_state}", batch_mode_delete:'
                f' {str(self.batch_mode_delete).lower()}, workflow_state: "active">')


def roll_back_data_expired(conn: sqlite3.Connection, import_id: int, expired_before: str) -> bool:
    """Whether an import's roll-back data is gone: it is kept for 30 days after the import.

    A recent import without any record is not refused: Canvas's own spec restores a batch that
    changed nothing ("restores batch on restore_states and return progress").
    """
    row = conn.execute(
        "SELECT coalesce(ended_at, created_at) < ? FROM sis_imports WHERE id = ?",
        (expired_before, import_id),
    ).fetchone()
    return bool(row and row[0])


def count_in_scope(conn: sqlite3.Connection, import_id: int, scope: RestoreScope) -> int:
    """How many active records the restore will apply."""
    return conn.execute(
        f"SELECT count(*) FROM sis_state_changes WHERE sis_import_id = ? AND {scope.where()}",
        (import_id,),
    ).fetchone()[0]


def records_page(
    conn: sqlite3.Connection, import_id: int, object_type: str, scope: RestoreScope,
    after_object_id: int, limit: int,
) -> list[RollBackRecord]:
    """The next active records of one type in scope, by object id (Canvas: 5,000 at a time)."""
    rows = conn.execute(
        f"SELECT object_id, previous_state, new_state, batch_mode_delete FROM sis_state_changes"
        f" WHERE sis_import_id = ? AND object_type = ? AND object_id > ? AND {scope.where()}"
        f" ORDER BY object_id LIMIT ?",
        (import_id, object_type, after_object_id, limit),
    ).fetchall()
    return [RollBackRecord(object_type, r[0], r[1], r[2], bool(r[3])) for r in rows]


def restore_states(
    conn: sqlite3.Connection, records: list[RollBackRecord], now: str
) -> list[RollBackRecord]:
    """Put each record's object back in its earlier state; returns the records that failed.

    As Canvas's restore_sql, a row already in that state is left alone. When a state would
    break a uniqueness rule (a login restored while another active login took its login id),
    the rows are retried one at a time and only the offending ones fail.
    """
    if not records:
        return []
    table = TABLE_OF_TYPE[records[0].object_type]
    sql = (f"UPDATE {table} SET workflow_state = ?, updated_at = ?"
           f" WHERE id = ? AND workflow_state IS NOT ?")
    conn.execute("SAVEPOINT restore_page")
    try:
        conn.executemany(sql, [(r.restore_to, now, r.object_id, r.restore_to) for r in records])
        conn.execute("RELEASE restore_page")
        return []
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO restore_page")
        conn.execute("RELEASE restore_page")
    failed: list[RollBackRecord] = []
    for record in records:
        try:
            conn.execute(sql, (record.restore_to, now, record.object_id, record.restore_to))
        except sqlite3.IntegrityError:
            failed.append(record)
    return failed


def mark_records(
    conn: sqlite3.Connection, import_id: int, records: list[RollBackRecord], state: str
) -> None:
    """Move roll-back records to ``restored`` or ``failed``."""
    conn.executemany(
        "UPDATE sis_state_changes SET workflow_state = ?"
        " WHERE sis_import_id = ? AND object_type = ? AND object_id = ?",
        [(state, import_id, r.object_type, r.object_id) for r in records],
    )


def restored_counts(conn: sqlite3.Connection, import_id: int) -> dict[str, int]:
    """Restored records per type, every type of RESTORE_ORDER present."""
    counts = dict.fromkeys(RESTORE_ORDER, 0)
    for object_type, count in conn.execute(
        "SELECT object_type, count(*) FROM sis_state_changes"
        " WHERE sis_import_id = ? AND workflow_state = 'restored' GROUP BY object_type",
        (import_id,),
    ):
        counts[object_type] = count
    return counts


def begin_restore(conn: sqlite3.Connection, import_id: int, now: str) -> None:
    """The import goes ``restoring`` while its records are applied."""
    conn.execute(
        "UPDATE sis_imports SET workflow_state = ?, updated_at = ? WHERE id = ?",
        (SisState.RESTORING, now, import_id),
    )


def import_data(conn: sqlite3.Connection, import_id: int) -> dict[str, Any]:
    """The ``data`` object of an import."""
    row = conn.execute("SELECT data FROM sis_imports WHERE id = ?", (import_id,)).fetchone()
    return orjson.loads(row["data"])


def finish_restore(
    conn: sqlite3.Connection, import_id: int, state: str, data: dict[str, Any], now: str
) -> None:
    """The import ends ``restored`` or ``partially_restored`` with its updated statistics."""
    conn.execute(
        "UPDATE sis_imports SET workflow_state = ?, data = ?, updated_at = ? WHERE id = ?",
        (state, orjson.dumps(data).decode(), now, import_id),
    )
