"""Driving the outcomes reader and importer against a real SQLite file, without HTTP."""

from __future__ import annotations

import csv
import io
import itertools
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from service.clock import utc_now
from service.outcomes.importer import OutcomeImportRun, import_batch
from service.outcomes.reader import OutcomesCsv, OutcomesFileError
from service.store import outcome_imports
from service.store.files import insert_file
from service.store.outcomes import Context

ROOT_ACCOUNT = ("Account", 1)
HEADERS = ["title", "vendor_guid", "object_type", "parent_guids", "calculation_method",
           "calculation_int", "workflow_state"]
_file_numbers = itertools.count(1)


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows written as CSV text."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def row(headers: list[str] = HEADERS, **values: str) -> list[str]:
    """A row of ``headers`` with a valid outcome by default (Canvas's spec ``outcome_row``)."""
    defaults = {"title": "title", "object_type": "outcome", "calculation_method": "highest"}
    defaults.update(values)
    return [defaults.get(name, "") for name in headers if name != "ratings"]


def group(headers: list[str] = HEADERS, **values: str) -> list[str]:
    """A row of ``headers`` with a valid group by default (Canvas's spec ``group_row``)."""
    return row(headers, **{"object_type": "group", "calculation_method": "", **values})


@dataclass
class ImportResult:
    """What one import did: its id, its row errors, its file-level failure, its progress."""

    import_id: int
    errors: list[tuple[int, str]] = field(default_factory=list)
    failure: str | None = None
    progress: list[int] = field(default_factory=list)


def create_import(conn: sqlite3.Connection, tmp_path: Path, content: str | bytes, *,
                  context: Context = ROOT_ACCOUNT, group_id: int | None = None) -> tuple[int, Path]:
    """An outcome_imports row (state created) whose upload holds ``content``."""
    path = tmp_path / f"outcome_upload_{next(_file_numbers)}.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    now = utc_now()
    file_id = insert_file(conn, display_name=path.name, content_type="text/csv",
                          size=path.stat().st_size, relative_path=path.name, now=now)
    root = 1 if context[0] == "Account" else conn.execute(
        "SELECT root_account_id FROM courses WHERE id = ?", (context[1],)).fetchone()[0]
    import_id = outcome_imports.insert_outcome_import(
        conn, context=context, root_account_id=root, learning_outcome_group_id=group_id,
        upload_file_id=file_id, now=now)
    return import_id, path


def run_import(conn: sqlite3.Connection, tmp_path: Path, content: str | bytes | list[list[str]],
               *, context: Context = ROOT_ACCOUNT, group_id: int | None = None,
               batch_rows: int = 1000) -> ImportResult:
    """Import ``content`` as Canvas's CSVImporter would: a transaction and a progress per slice."""
    if isinstance(content, list):
        content = csv_text(content)
    import_id, path = create_import(conn, tmp_path, content, context=context, group_id=group_id)
    result = ImportResult(import_id)
    try:
        with OutcomesCsv(path, batch_rows) as outcomes_csv:
            if outcomes_csv.header is None:
                return result
            run = OutcomeImportRun.start(conn, import_id=import_id, context=context,
                                         target_group_id=group_id, header=outcomes_csv.header)
            for rows in outcomes_csv.batches():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result.errors += import_batch(conn, run, rows)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                result.progress.append(rows[-1].line * 100 // outcomes_csv.total_lines)
    except OutcomesFileError as error:
        result.failure = error.message
    return result


def groups(conn: sqlite3.Connection) -> dict[str | None, sqlite3.Row]:
    """Every outcome group by vendor_guid (root groups under None)."""
    return {g["vendor_guid"]: g for g in conn.execute("SELECT * FROM learning_outcome_groups")}


def outcomes(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    """Every outcome by vendor_guid."""
    return {o["vendor_guid"]: o for o in conn.execute("SELECT * FROM learning_outcomes")}


def active_parents(conn: sqlite3.Connection, outcome_guid: str) -> list[str | None]:
    """The vendor_guids of the groups an outcome is actively linked in, sorted."""
    return sorted((r[0] for r in conn.execute(
        "SELECT g.vendor_guid FROM learning_outcome_links l"
        " JOIN learning_outcomes o ON o.id = l.outcome_id"
        " JOIN learning_outcome_groups g ON g.id = l.group_id"
        " WHERE o.vendor_guid = ? AND l.workflow_state = 'active'", (outcome_guid,))),
        key=lambda guid: guid or "")


def count(conn: sqlite3.Connection, table: str) -> int:
    """Rows in a table."""
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
