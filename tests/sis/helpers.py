"""Helpers for the per-kind SIS importer tests: CSV text to SisRows, and running importers.

``Sis.load(kind, csv_text, ...)`` runs one kind's importer over the rows of a CSV, a batch per write
transaction, the way the orchestrator does, and returns what it counted and warned.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from service.db import migrate
from service.sis.context import ImportRun, SisOptions, SisRow
from service.sis.importers import importer_for
from service.sis.row_digests import HEADER_KEY
from service.store.sis_objects import import_statistics

NOW = "2024-01-02T03:04:05Z"


def sis_header(text: str) -> tuple[str, ...]:
    """The header of CSV text as the reader makes it: names stripped and lower-cased."""
    return tuple(name.strip().lower() for name in next(csv.reader(io.StringIO(text.strip() + "\n"))))


def sis_rows(text: str) -> list[SisRow]:
    """SisRows from CSV text like the reader makes them: header lower-cased, values stripped."""
    records = list(csv.reader(io.StringIO(text.strip() + "\n")))
    header = [name.strip().lower() for name in records[0]]
    rows = []
    for number, record in enumerate(records[1:], start=2):
        values = {name: (value.strip() or None) for name, value in zip(header, record)}
        if any(value is not None for value in values.values()):
            rows.append(SisRow(number, values, ",".join(record)))
    return rows


@dataclass
class Result:
    """What one importer call did."""

    count: int
    warnings: list[str]
    run: ImportRun
    rows: list[tuple[int | None, str]] = field(default_factory=list)  # (line, message)


class Sis:
    """Runs importers against one database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def load(self, kind: str, text: str, import_id: int = 1, batch_rows: int = 2000, **options: Any) -> Result:
        """Import CSV text as ``kind`` in batches of ``batch_rows``, each in its own transaction."""
        run = ImportRun(import_id, 1, SisOptions(**options), NOW)
        # As the importer does when a file starts (the digests of re-sent rows need it).
        run.file_state[HEADER_KEY] = sis_header(text)
        rows = sis_rows(text)
        count = 0
        for start in range(0, len(rows), batch_rows):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                count += importer_for(kind)(self.conn, run, f"{kind}s.csv", rows[start:start + batch_rows])
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        run.end_file()
        assert not any(message.failure for message in run.messages)
        return Result(
            count,
            [message.message for message in run.messages],
            run,
            [(message.row, message.message) for message in run.messages],
        )

    def one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def rows_as_written(self, sql: str) -> list[tuple]:
        """The rows of a query as tuples, without the digests of re-sent rows (sis_row_digest):
        what the importers know of a row, not what it wrote, which differs by path."""
        return [tuple(value for key, value in zip(row.keys(), row) if key != "sis_row_digest")
                for row in self.all(sql)]

    def value(self, sql: str, *params: Any) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def statistics(self, import_id: int = 1) -> dict:
        return import_statistics(self.conn, import_id)

    def changed(self, import_id: int = 1) -> dict[str, dict[str, int]]:
        """The non-zero entries of the import's statistics, for compact assertions."""
        stats = self.statistics(import_id)
        return {
            name: {key: value for key, value in entry.items() if value}
            for name, entry in stats.items()
            if name != "total_state_changes" and any(entry.values())
        }


@contextmanager
def fresh_database(path: Path) -> Iterator[sqlite3.Connection]:
    """A migrated database file holding the root account 1, "Default Account"."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    migrate(connection)
    connection.execute(
        "INSERT INTO accounts (id, name, root_account_id, created_at, updated_at)"
        " VALUES (1, 'Default Account', NULL, ?, ?)",
        (NOW, NOW),
    )
    try:
        yield connection
    finally:
        connection.close()


USERS = """
user_id,login_id,first_name,last_name,email,status
u1,alice,Alice,Smith,alice@example.com,active
u2,bob,Bob,Jones,bob@example.com,active
u3,carol,Carol,King,,active
"""

COURSES = """
course_id,short_name,long_name,status
c1,C1,Course One,active
c2,C2,Course Two,active
"""

SECTIONS = """
section_id,course_id,name,status
s1,c1,Section 1,active
s2,c2,Section 2,active
"""
