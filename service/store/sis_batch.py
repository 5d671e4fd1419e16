"""Set-based reads and buffered writes of SIS objects for one importer batch.

An importer looks up everything a batch references with a few ``IN (json_each(?))`` queries,
decides row by row in Python, and hands its inserts and updates to a ``BatchWriter``, which
writes them with ``executemany`` when the batch ends. Ids of new rows are assigned up front
(``max(id) + 1`` inside the batch's write transaction, where nobody else writes), so a later row
of the same batch can reference an object an earlier row created before anything is flushed.

Table and column names passed here always come from the importers' code, never from a CSV.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable, Sequence

import orjson

# Canvas class names of the roll-back records (data.statistics, section 4.2), by table.
STATE_CHANGE_TYPES: dict[str, str] = {
    "accounts": "Account",
    "enrollment_terms": "EnrollmentTerm",
    "abstract_courses": "AbstractCourse",
    "courses": "Course",
    "course_sections": "CourseSection",
    "group_categories": "GroupCategory",
    "groups": "Group",
    "pseudonyms": "Pseudonym",
    "communication_channels": "CommunicationChannel",
    "enrollments": "Enrollment",
    "group_memberships": "GroupMembership",
    "user_observers": "UserObserver",
    "account_users": "AccountUser",
}

# Parents before children: flush writes each table's queue in this order (foreign keys hold),
# keeping the queue order within a table (a unique value freed by one row is free for the next).
_TABLE_ORDER = {
    table: rank
    for rank, table in enumerate((
        "accounts", "enrollment_terms", "abstract_courses", "courses", "course_sections", "users",
        "pseudonyms", "communication_channels", "enrollments", "account_users", "group_categories",
        "groups", "group_memberships", "user_observers",
    ))
}

# What a queued write is (BatchWriter._writes).
_UPDATE, _INSERT, _INSERT_VALUES, _INSERT_ROWS = 0, 1, 2, 3

# Tables whose rows carry sis_batch_id and timestamps written by the writer.
_TABLES_WITHOUT_SIS_BATCH_ID = frozenset({"users"})


def _json_list(values: Iterable[Any]) -> str:
    return orjson.dumps(list(values)).decode()


def fetch_in(
    conn: sqlite3.Connection,
    table: str,
    column: str,
    values: Iterable[Any],
    *,
    scope: dict[str, Any] | None = None,
    condition: str | None = None,
    columns: str = "*",
) -> list[sqlite3.Row]:
    """Rows of ``table`` whose ``column`` is one of ``values``, whose scope columns match, and
    that satisfy the constant SQL ``condition`` (which lets partial indexes serve the look-up)."""
    unique = list(dict.fromkeys(v for v in values if v is not None))
    if not unique:
        return []
    where = [f"{column} IN (SELECT value FROM json_each(?))"]
    if condition:
        where.append(condition)
    params: list[Any] = [_json_list(unique)]
    for name, value in (scope or {}).items():
        where.insert(0, f"{name} = ?")
        params.insert(0, value)
    # json_each sidesteps SQLite's bound-variable limit: one parameter however long the batch.
    sql = f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)}"
    return conn.execute(sql, params).fetchall()


def fetch_each(
    conn: sqlite3.Connection,
    table: str,
    column: str,
    values: Iterable[Any],
    *,
    scope: dict[str, Any] | None = None,
    columns: str = "*",
) -> list[list[Any]]:
    """``fetch_in`` for a look-up of many values through an index on (the scope columns,
    ``column``), each value leading its own seek; each row comes back as a list of ``columns``
    (names, not ``*``).

    Built for a batch that looks up a few thousand new values: the values drive the join
    (CROSS JOIN keeps them outermost), so SQLite does not first sort them into a temporary list
    as for ``IN``, and the rows travel as one JSON array, decoded in one call, rather than row
    by row and column by column through the sqlite3 module (which releases the GIL around each
    column): together a quarter of the look-up's instructions.
    """
    unique = list(dict.fromkeys(v for v in values if v is not None))
    if not unique:
        return []
    where = [f"{column} = j.value"]
    params: list[Any] = [_json_list(unique)]
    for name, value in (scope or {}).items():
        where.append(f"{name} = ?")
        params.append(value)
    sql = (f"SELECT json_group_array(json_array({columns})) FROM json_each(?) AS j CROSS JOIN {table}"
           f" WHERE {' AND '.join(where)}")
    found = conn.execute(sql, params).fetchone()[0]
    rows: list[list[Any]] = orjson.loads(found)
    return rows


def fetch_by_pairs(
    conn: sqlite3.Connection, table: str, first: str, second: str, pairs: Iterable[tuple[int, int]],
    *, columns: str = "t.*",
) -> list[sqlite3.Row]:
    """Rows of ``table`` (alias ``t`` in ``columns``) matching any (first, second) pair of
    integer ids, through their index."""
    return fetch_by_packed_pairs(conn, table, first, second, dict.fromkeys(pack_pair(a, b) for a, b in pairs),
                                 columns=columns)


def pack_pair(first: int, second: int) -> int:
    """A pair of ids as the one integer ``fetch_by_packed_pairs`` takes (ids below 2**32)."""
    return (first << 32) | second


def fetch_by_packed_pairs(
    conn: sqlite3.Connection, table: str, first: str, second: str, packed: Iterable[int],
    *, columns: str = "t.*",
) -> list[sqlite3.Row]:
    """``fetch_by_pairs`` for pairs already packed by ``pack_pair``, each once."""
    # Each pair travels as one integer (first << 32 | second): json_each then yields plain
    # integers, far cheaper to take apart than a JSON array per pair.
    packed = list(packed)
    if not packed:
        return []
    sql = (
        f"SELECT {columns} FROM json_each(?) AS j JOIN {table} AS t"
        f" ON t.{first} = (j.value >> 32) AND t.{second} = (j.value & 4294967295)"
    )
    return conn.execute(sql, (_json_list(packed),)).fetchall()


class BatchWriter:
    """Buffers one batch's inserts, updates and roll-back records; ``flush`` writes them.

    Tables are written parents first; within a table, writes keep the order they were queued in
    (a row that frees a unique value, a login renamed away, before a later row that takes it),
    and consecutive writes of the same shape share one ``executemany``. Repeated updates of one
    row merge into its first queued write.

    A million-row file queues a few writes per row, so the bookkeeping per write is kept to a
    handful of dict operations.
    """

    def __init__(self, conn: sqlite3.Connection, import_id: int, now: str) -> None:
        self.conn = conn
        self.import_id = import_id
        self.now = now
        self._next_ids: dict[str, int] = {}
        # table -> [(kind, values with id)] in queue order (kind: _UPDATE, _INSERT, or
        # _INSERT_VALUES with (columns, values) for values); one list per table, so the flush
        # needs no sort to write parents first.
        self._writes: dict[str, list[tuple[int, Any]]] = {}
        self._queued: dict[tuple[str, int], dict[str, Any]] = {}  # (table, id) -> queued values
        # object_type -> {object_id: [previous_state, new_state, batch_mode_delete]}: per type,
        # so the flush writes the records in key order with a sort of (mostly ascending) integers.
        self._state_changes: dict[str, dict[int, list[Any]]] = {}
        # (object_type, table, first id, last id): objects created with consecutive ids, whose
        # roll-back records the flush writes from the rows themselves (record_creations).
        self._created_runs: list[tuple[str, str, int, int]] = []

    def new_id(self, table: str) -> int:
        """Reserve the id of a row this batch will insert into ``table``."""
        next_id = self._next_ids.get(table)
        if next_id is None:
            next_id = self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]
        self._next_ids[table] = next_id + 1
        return next_id

    def insert(self, table: str, values: dict[str, Any], *, record: bool = True) -> dict[str, Any]:
        """Queue a new row (``values``, which it keeps, holds its reserved ``id``); returns it.

        ``record=False`` leaves the creation out of the roll-back records, for objects Canvas
        creates on the side (a course's default section).
        """
        # One dict is both the queued insert and the importer's view of the row: updates before
        # the flush land in the insert itself.
        row = values
        if "created_at" not in row:
            row["created_at"] = self.now
        if "updated_at" not in row:
            row["updated_at"] = self.now
        if "sis_batch_id" not in row and table not in _TABLES_WITHOUT_SIS_BATCH_ID:
            row["sis_batch_id"] = self.import_id
        writes = self._writes.get(table)
        if writes is None:
            writes = self._writes[table] = []
        writes.append((_INSERT, row))
        row_id = row["id"]
        self._queued[(table, row_id)] = row
        if record:
            object_type = STATE_CHANGE_TYPES.get(table)
            if object_type is not None:
                self.record_state_change(object_type, row_id, None, row["workflow_state"])
        return row

    def insert_values(self, table: str, columns: tuple[str, ...], values: tuple[Any, ...]) -> None:
        """Queue a new row as ``values`` in the order of ``columns`` (the same tuple for every row of
        its shape): its reserved id, timestamps and ``sis_batch_id`` included, its roll-back
        record left to ``record_creation``.

        The cheapest way to queue a creation, for rows that nothing later in the batch reads
        back or changes (the writer keeps no view of them, so ``update`` cannot reach them).
        """
        writes = self._writes.get(table)
        if writes is None:
            writes = self._writes[table] = []
        writes.append((_INSERT_VALUES, (columns, values)))

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Queue new rows, each as ``insert_values`` takes them, in one go (the list is kept)."""
        if not rows:
            return
        writes = self._writes.get(table)
        if writes is None:
            writes = self._writes[table] = []
        writes.append((_INSERT_ROWS, (columns, rows)))

    def record_creations(self, object_type: str, table: str, first_id: int, last_id: int) -> None:
        """The roll-back records of the objects with ids ``first_id`` to ``last_id`` that this
        batch inserted into ``table`` (queued already, through ``insert_values`` or
        ``insert_rows``) and leaves as inserted: each is recorded as created, in the state it
        was inserted with, as ``record_creation`` would.

        The flush writes them set-based, one ``INSERT ... SELECT`` for the run of ids (new ids
        are handed out in runs): a record per object through ``executemany`` cost a new
        enrollment about a fifth of its time.
        """
        self._created_runs.append((object_type, table, first_id, last_id))

    def record_creation(self, object_type: str, object_id: int, state: str) -> None:
        """The roll-back record of an object created in this batch with a new id (none can be
        known for it yet: ``record_state_change`` without the look-up)."""
        of_type = self._state_changes.get(object_type)
        if of_type is None:
            of_type = self._state_changes[object_type] = {}
        of_type[object_id] = [None, state, False]

    def update(
        self, table: str, current: dict[str, Any], changes: dict[str, Any], *, touch: bool = True
    ) -> None:
        """Queue ``changes`` to a row and mark it as touched by this import.

        ``current`` is the row as the importer knows it; it is updated in place so later rows of
        the batch see the new values. With no changes only ``sis_batch_id`` moves (Canvas stamps
        unchanged objects with the batch too, which batch mode relies on).
        """
        changes = {k: v for k, v in changes.items() if current.get(k) != v}
        if table not in _TABLES_WITHOUT_SIS_BATCH_ID and current.get("sis_batch_id") != self.import_id:
            changes["sis_batch_id"] = self.import_id
        if not changes:
            return
        if "workflow_state" in changes:
            object_type = STATE_CHANGE_TYPES.get(table)
            if object_type is not None:
                self.record_state_change(
                    object_type, current["id"], current.get("workflow_state"), changes["workflow_state"]
                )
        if touch and set(changes) != {"sis_batch_id"}:
            changes["updated_at"] = self.now
        current.update(changes)
        key = (table, current["id"])
        queued = self._queued.get(key)
        if queued is not None:
            if queued is not current:
                queued.update(changes)
        else:
            queued = {"id": current["id"], **changes}
            self._writes.setdefault(table, []).append((_UPDATE, queued))
            self._queued[key] = queued

    def record_state_change(
        self, object_type: str, object_id: int, previous: str | None, new: str, *,
        batch_mode_delete: bool = False,
    ) -> None:
        """Remember a workflow_state change; the first previous state of the import wins.

        ``batch_mode_delete`` marks a change made by batch-mode cleanup (Canvas's
        SisBatchRollBackData#batch_mode_delete): ``restore_states`` with ``batch_mode`` restores
        only those.
        """
        of_type = self._state_changes.get(object_type)
        if of_type is None:
            of_type = self._state_changes[object_type] = {}
        known = of_type.get(object_id)
        if known is None:
            of_type[object_id] = [previous, new, batch_mode_delete]
        else:
            known[1] = new
            known[2] = known[2] or batch_mode_delete

    def flush(self) -> None:
        """Write everything queued, table by table, then the roll-back records."""
        for table in sorted(self._writes, key=_TABLE_ORDER.__getitem__):
            shape: tuple[bool, tuple[str, ...]] | None = None
            params: list[tuple[Any, ...]] = []
            for kind, values in self._writes[table]:
                is_insert = kind != _UPDATE
                if kind == _INSERT_ROWS:
                    columns, rows = values
                    if shape is None or not shape[0] or (columns is not shape[1] and columns != shape[1]):
                        self._execute(table, shape, params)
                        shape, params = (True, columns), []
                    params.extend(rows)
                    continue
                if kind == _INSERT_VALUES:
                    columns, row = values
                elif is_insert:
                    columns = tuple(values)
                    row = tuple(values.values())
                else:
                    columns = tuple(name for name in values if name != "id")
                    row = (*(values[name] for name in columns), values["id"])
                if shape is None or is_insert is not shape[0] or (columns is not shape[1] and columns != shape[1]):
                    self._execute(table, shape, params)
                    shape, params = (is_insert, columns), []
                params.append(row)
            self._execute(table, shape, params)
        # Runs of creations first: a record for the same object among the others (none is
        # expected) then updates it as a later change would, keeping its previous state.
        for object_type, table, first, last in self._created_runs:
            record_created_run(self.conn, self.import_id, object_type, table, first, last)
        if self._state_changes:
            # In key order: the records' B-tree then grows at its edge instead of splitting pages
            # all over (a third cheaper than queue order, which interleaves object types).
            import_id = self.import_id
            record_state_changes(self.conn, [
                (import_id, object_type, object_id, previous, new, int(batch_mode_delete))
                for object_type, of_type in sorted(self._state_changes.items())
                for object_id, (previous, new, batch_mode_delete) in sorted(of_type.items())
            ])
        self._writes.clear()
        self._queued.clear()
        self._state_changes.clear()
        self._created_runs.clear()

    def _execute(self, table: str, shape: tuple[bool, tuple[str, ...]] | None, params: list[tuple[Any, ...]]) -> None:
        if shape is None or not params:
            return
        is_insert, columns = shape
        if is_insert:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        else:
            sql = f"UPDATE {table} SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?"
        self.conn.executemany(sql, params)


def record_state_changes(
    conn: sqlite3.Connection,
    records: Iterable[tuple[int, str, int, str | None, str | None, int]],
) -> None:
    """Upsert roll-back records (sis_import_id, object_type, object_id, previous_state, new_state,
    batch_mode_delete).

    A record that already exists for this import keeps its previous state: when a crashed import
    runs again, the first attempt knew what the object was like before the import.
    """
    conn.executemany(
        "INSERT INTO sis_state_changes (sis_import_id, object_type, object_id, previous_state,"
        " new_state, batch_mode_delete) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (sis_import_id, object_type, object_id) DO UPDATE SET"
        " new_state = excluded.new_state,"
        " batch_mode_delete = max(batch_mode_delete, excluded.batch_mode_delete)",
        records,
    )


def record_created_run(
    conn: sqlite3.Connection, import_id: int, object_type: str, table: str, first_id: int, last_id: int,
) -> None:
    """Upsert the roll-back records of the objects of ``table`` with ids ``first_id`` to
    ``last_id``, all created by this import: as created, in their current state (the records
    ``record_state_changes`` would write for them)."""
    conn.execute(
        "INSERT INTO sis_state_changes (sis_import_id, object_type, object_id, previous_state,"
        f" new_state, batch_mode_delete) SELECT ?, ?, id, NULL, workflow_state, 0 FROM {table}"
        # (WHERE: an upsert's SELECT needs one, or ON would be read as a join's.)
        " WHERE id BETWEEN ? AND ?"
        " ON CONFLICT (sis_import_id, object_type, object_id) DO UPDATE SET"
        " new_state = excluded.new_state,"
        " batch_mode_delete = max(batch_mode_delete, excluded.batch_mode_delete)",
        (import_id, object_type, first_id, last_id),
    )


def as_dicts(rows: Sequence[sqlite3.Row]) -> list[dict[str, Any]]:
    """Plain mutable copies of fetched rows, for caches that later rows of a batch update."""
    return [dict(row) for row in rows]
