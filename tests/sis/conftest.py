"""Fixtures for the per-kind SIS importer tests: a migrated SQLite file holding the root account."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

import pytest

from service.db import migrate
from tests.sis.helpers import COURSES, NOW, SECTIONS, USERS, Sis


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A migrated database file holding the root account 1, "Default Account"."""
    connection = sqlite3.connect(tmp_path / "sis.sqlite3", isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    migrate(connection)
    connection.execute(
        "INSERT INTO accounts (id, name, root_account_id, created_at, updated_at)"
        " VALUES (1, 'Default Account', NULL, ?, ?)",
        (NOW, NOW),
    )
    yield connection
    connection.close()


@pytest.fixture
def sis(conn: sqlite3.Connection) -> Sis:
    return Sis(conn)


@pytest.fixture
def people(sis: Sis) -> Sis:
    """Three users, two courses with one section each, all from import 100."""
    assert sis.load("user", USERS, import_id=100).count == 3
    assert sis.load("course", COURSES, import_id=100).count == 2
    assert sis.load("section", SECTIONS, import_id=100).count == 2
    return sis
