"""Fixtures of the ported Canvas cases: a real server per case, and a look into its database."""

from __future__ import annotations

import sqlite3

import pytest
from aiohttp.test_utils import TestClient

from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects
from tests.canvas_spec.reads import Reads


@pytest.fixture
def sis(client: TestClient) -> SisSpec:
    """Canvas's process_csv_data helpers against this case's server."""
    return SisSpec(client)


@pytest.fixture
def objects(client: TestClient, database: sqlite3.Connection) -> Objects:
    """The server's objects, read from its SQLite file (the server is started first)."""
    return Objects(database)


@pytest.fixture
def reads(client: TestClient) -> Reads:
    """The server's objects through its read endpoints."""
    return Reads(client)
