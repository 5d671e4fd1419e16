"""Fixtures for the per-kind SIS importer tests: a migrated SQLite file holding the root account."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

import pytest

from tests.sis.helpers import COURSES, SECTIONS, USERS, Sis, fresh_database


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A fresh database for one test."""
    with fresh_database(tmp_path / "sis.sqlite3") as connection:
        yield connection


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
