"""Fixtures: a real server (aiohttp's TestServer on a TCP port) over a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

import pytest
from aiohttp.test_utils import TestClient
from canvasapi import Canvas

from service.app import create_app
from service.settings import Settings
from tests.helpers import TOKEN


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: data under tmp_path, a known token, a fast-polling queue."""
    return Settings(data_dir=tmp_path / "data", tokens=(TOKEN,), workers=2, queue_poll_s=0.05,
                    shutdown_grace_s=2.0)


@pytest.fixture
async def client(aiohttp_client, settings: Settings) -> TestClient:
    """A client of a running server built by create_app(settings)."""
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def database(settings: Settings) -> Iterator[sqlite3.Connection]:
    """A separate read connection to the server's SQLite file, to prove what was written."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(settings.database_path)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


@pytest.fixture
def canvas(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> Canvas:
    """canvasapi 3.6.0 pointed at the running server (call it from a thread: it blocks)."""
    # requests would send loopback traffic through a configured HTTP proxy.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return Canvas(f"http://{client.server.host}:{client.server.port}", TOKEN)
