"""What a per-kind SIS importer is handed: the rows of a batch and the run they belong to.

A per-kind importer is a plain synchronous function

    def import_batch(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int

called inside the batch's write transaction. It validates and applies each row, reports
row-level problems with ``run.warn(file, message, row)`` and returns how many rows it processed
successfully (added to ``data.counts``). Everything it writes, the messages, the counts and the
progress commit together, so a crash never leaves half a batch behind.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(slots=True)
class SisRow:
    """One CSV record: header names are lower-cased, values stripped, empty values None."""

    line: int  # 1-based record number counting the header as line 1
    values: dict[str, str | None]
    raw: str  # the record as it stood in the file, for row_info

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@dataclass(frozen=True, slots=True)
class SisOptions:
    """The options of section 2.3 that change how rows are applied (batch mode acts after the
    rows, in ``service.sis.batch_mode``; diffing before them)."""

    skip_deletes: bool = False
    override_sis_stickiness: bool = False
    add_sis_stickiness: bool = False
    clear_sis_stickiness: bool = False
    update_sis_id_if_login_claimed: bool = False


@dataclass(slots=True)
class Message:
    """A SisBatchError waiting to be written with its batch."""

    file: str | None
    message: str
    row: int | None
    row_info: str | None
    failure: bool


@dataclass
class ImportRun:
    """One run of one SIS import: its identity, options, and the messages of the current batch."""

    import_id: int
    root_account_id: int
    options: SisOptions
    now: str  # the timestamp written on rows touched by this run
    messages: list[Message] = field(default_factory=list)
    # Per-kind state that must survive from one batch to the next within this run.
    state: dict[str, Any] = field(default_factory=dict)
    # The share of the progress (in percent) the rows take; batch-mode cleanup takes the rest.
    rows_progress_share: int = 100
    # Messages an importer holds back past its batch, stored when the file ends (Canvas writes
    # some kinds' row messages only when it processes a block of rows, after later rows' ones).
    held: list[Message] = field(default_factory=list)
    # Per-kind state that lasts one file (cleared when the file ends).
    file_state: dict[str, Any] = field(default_factory=dict)

    def warn(self, file: str | None, message: str, row: SisRow | None = None) -> None:
        """Record a row-level warning (the row is skipped by the caller)."""
        self.messages.append(
            Message(file, message, row.line if row else None, row.raw if row else None, False)
        )

    def end_file(self) -> None:
        """The file is done: what was held back joins the messages to store, file state goes."""
        self.messages.extend(self.held)
        self.held = []
        self.file_state.clear()

    def fail(self, file: str | None, message: str, row: SisRow | None = None) -> None:
        """Record a failure-level error (the import will end failed_with_messages)."""
        self.messages.append(
            Message(file, message, row.line if row else None, row.raw if row else None, True)
        )


ImporterFn = Callable[[sqlite3.Connection, ImportRun, str, list[SisRow]], int]
