"""Driving Canvas's outcomes specs against the real server: imports through the API, objects
read back through the read endpoints and, where no endpoint shows a column, the database.

Canvas's specs build their accounts, courses and outcomes with factories; here every object is
made the way a client would make it: SIS imports for accounts and courses, outcome imports for
groups and outcomes.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from service.states import OUTCOME_TERMINAL
from tests.helpers import WAIT_TIMEOUT_S, AUTH, import_and_wait, multipart

# The header of Canvas's csv_importer_spec (``let(:headers)``).
HEADERS = ["title", "vendor_guid", "object_type", "parent_guids", "calculation_method",
           "calculation_int", "workflow_state"]


def csv_bytes(rows: list[list[str]], separator: str = ",") -> bytes:
    """Rows written the way Ruby's ``CSV.open(..., col_sep:)`` writes them."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def outcome_row(headers: list[str] = HEADERS, **changes: str) -> list[str]:
    """Canvas's ``outcome_row``: a valid outcome, a fresh vendor_guid unless one is given."""
    valid = {"title": "title", "vendor_guid": str(uuid.uuid4()), "object_type": "outcome",
             "parent_guids": "", "calculation_method": "highest", "calculation_int": "",
             "workflow_state": ""}
    valid.update(changes)
    return [valid.get(name, "") for name in headers]


def group_row(headers: list[str] = HEADERS, **changes: str) -> list[str]:
    """Canvas's ``group_row``."""
    return outcome_row(headers, **{"object_type": "group", "calculation_method": "", **changes})


@dataclass(frozen=True)
class Context:
    """Where an outcome import goes: its API path and its (type, id) in the database."""

    path: str
    context_type: str
    context_id: int


ROOT = Context("/api/v1/accounts/1", "Account", 1)


class OutcomesSpec:
    """One server, the helpers every ported case needs."""

    def __init__(self, client: TestClient, database: sqlite3.Connection) -> None:
        self.client = client
        self.db = database

    async def run(self, content: bytes | list[list[str]], context: Context = ROOT,
                  *, expect_state: str | None = "succeeded") -> dict[str, Any]:
        """Import ``content`` into ``context`` and wait for the end; returns the final JSON."""
        if isinstance(content, list):
            content = csv_bytes(content)
        response = await self.client.post(f"{context.path}/outcome_imports",
                                          data=multipart(content, "outcomes.csv"), headers=AUTH)
        created = await response.json()
        assert response.status == 200, created
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        while True:
            response = await self.client.get(f"{context.path}/outcome_imports/{created['id']}",
                                             headers=AUTH)
            body = await response.json()
            if body["workflow_state"] in OUTCOME_TERMINAL:
                break
            assert time.monotonic() < deadline, body
            await asyncio.sleep(0.01)
        if expect_state is not None:
            assert body["workflow_state"] == expect_state, body
        return body

    async def errors(self, rows: list[list[str]] | bytes, context: Context = ROOT) -> list[list[Any]]:
        """Canvas's ``expect_import_error``: the row errors of an import that still succeeds."""
        return (await self.run(rows, context))["processing_errors"]

    async def failure(self, rows: list[list[str]] | bytes, context: Context = ROOT) -> list[list[Any]]:
        """Canvas's ``expect_import_failure``: the errors of an import that failed."""
        return (await self.run(rows, context, expect_state="failed"))["processing_errors"]

    async def ok(self, rows: list[list[str]] | bytes, context: Context = ROOT) -> dict[str, Any]:
        """Canvas's ``expect_ok_import``: an import without a single error."""
        body = await self.run(rows, context)
        assert body["processing_errors"] == [], body
        return body

    async def get(self, path: str) -> Any:
        response = await self.client.get(path, headers=AUTH)
        body = await response.json()
        assert response.status == 200, body
        return body

    async def sub_account(self, sis_id: str = "sub") -> Context:
        """A sub-account of the root account, made by an accounts.csv import."""
        await import_and_wait(self.client, f"account_id,parent_account_id,name,status\n"
                              f"{sis_id},,Sub {sis_id},active\n", "accounts.csv")
        account_id = self.db.execute("SELECT id FROM accounts WHERE sis_source_id = ?",
                                     (sis_id,)).fetchone()[0]
        return Context(f"/api/v1/accounts/{account_id}", "Account", account_id)

    async def course(self, sis_id: str = "c1", account: str = "") -> Context:
        """A course of the root account (or of ``account``), made by a courses.csv import."""
        await import_and_wait(self.client, "course_id,short_name,long_name,account_id,term_id,status\n"
                              f"{sis_id},{sis_id},Course {sis_id},{account},,active\n", "courses.csv")
        course_id = self.db.execute("SELECT id FROM courses WHERE sis_source_id = ?",
                                    (sis_id,)).fetchone()[0]
        return Context(f"/api/v1/courses/{course_id}", "Course", course_id)

    # --- objects ---

    def group(self, vendor_guid: str, context: Context | None = None) -> sqlite3.Row:
        sql, params = "SELECT * FROM learning_outcome_groups WHERE vendor_guid = ?", [vendor_guid]
        if context is not None:
            sql += " AND context_type = ? AND context_id = ?"
            params += [context.context_type, context.context_id]
        rows = self.db.execute(sql, params).fetchall()
        assert len(rows) == 1, [dict(r) for r in rows]
        return rows[0]

    def groups_with_guid(self, vendor_guid: str, context: Context | None = None) -> list[sqlite3.Row]:
        sql, params = "SELECT * FROM learning_outcome_groups WHERE vendor_guid = ?", [vendor_guid]
        if context is not None:
            sql += " AND context_type = ? AND context_id = ?"
            params += [context.context_type, context.context_id]
        return self.db.execute(sql, params).fetchall()

    def root_group(self, context: Context = ROOT) -> sqlite3.Row:
        return self.db.execute(
            "SELECT * FROM learning_outcome_groups WHERE context_type = ? AND context_id = ?"
            " AND parent_group_id IS NULL", (context.context_type, context.context_id)).fetchone()

    def outcome_row(self, vendor_guid: str) -> sqlite3.Row:
        rows = self.db.execute("SELECT * FROM learning_outcomes WHERE vendor_guid = ?",
                               (vendor_guid,)).fetchall()
        assert len(rows) == 1, [dict(r) for r in rows]
        return rows[0]

    async def outcome(self, vendor_guid: str) -> dict[str, Any]:
        """The Outcome JSON of ``GET /api/v1/outcomes/:id`` for the outcome with that guid."""
        return await self.get(f"/api/v1/outcomes/{self.outcome_row(vendor_guid)['id']}")

    def linked_outcome_guids(self, group_id: int, state: str = "active") -> list[str]:
        """Canvas's ``group.child_outcome_links.active.map(&:content).map(&:vendor_guid)``."""
        return [r[0] for r in self.db.execute(
            "SELECT o.vendor_guid FROM learning_outcome_links l"
            " JOIN learning_outcomes o ON o.id = l.outcome_id"
            " WHERE l.group_id = ? AND l.workflow_state = ? ORDER BY l.id", (group_id, state))]

    def count(self, table: str) -> int:
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
