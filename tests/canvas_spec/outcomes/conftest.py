"""The fixture of the ported outcomes specs: a real server and its database."""

from __future__ import annotations

import sqlite3

import pytest
from aiohttp.test_utils import TestClient

from tests.canvas_spec.outcomes.harness import OutcomesSpec
from tests.outcomes.conftest import outcomes_db  # noqa: F401 (the importer without HTTP)


@pytest.fixture
def spec(client: TestClient, database: sqlite3.Connection) -> OutcomesSpec:
    """The helpers of Canvas's outcomes specs, bound to a fresh server."""
    return OutcomesSpec(client, database)
