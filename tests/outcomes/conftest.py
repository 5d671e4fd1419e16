"""Fixtures of the outcomes tests: a migrated SQLite file with the root account, and courses."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest

from service.clock import utc_now
from service.db import migrate


@pytest.fixture
def outcomes_db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A real SQLite file, migrated, holding root account 1 "Default Account"."""
    conn = sqlite3.connect(tmp_path / "outcomes.sqlite3", isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    now = utc_now()
    conn.execute(
        "INSERT INTO accounts (id, name, root_account_id, created_at, updated_at)"
        " VALUES (1, 'Default Account', NULL, ?, ?)", (now, now))
    yield conn
    conn.close()


@pytest.fixture
def add_account(outcomes_db: sqlite3.Connection) -> Callable[..., int]:
    """Create a sub-account of ``parent`` (the root by default); returns its id."""

    def add(name: str, parent: int = 1) -> int:
        now = utc_now()
        return outcomes_db.execute(
            "INSERT INTO accounts (name, root_account_id, parent_account_id, created_at,"
            " updated_at) VALUES (?, 1, ?, ?, ?)", (name, parent, now, now)).lastrowid

    return add


@pytest.fixture
def add_course(outcomes_db: sqlite3.Connection) -> Callable[..., int]:
    """Create a course in ``account`` (the root by default); returns its id."""

    def add(name: str, account: int = 1) -> int:
        now = utc_now()
        return outcomes_db.execute(
            "INSERT INTO courses (uuid, root_account_id, account_id, name, workflow_state,"
            " created_at, updated_at) VALUES (?, 1, ?, ?, 'available', ?, ?)",
            (uuid.uuid4().hex, account, name, now, now)).lastrowid

    return add
