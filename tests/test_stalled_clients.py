"""Stalled and numerous clients (decision 29): an idle body is dropped, past the limit uploads are
refused unread, and /health answers throughout."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from service.app import create_app
from service.appkeys import UPLOAD_GATE
from service.settings import Settings
from tests.helpers import AUTH, TOKEN, USERS_CSV, WAIT_TIMEOUT_S, wait_for_import
from tests.rawhttp import parse_response, raw_request

IDLE_TIMEOUT_S = 0.3
UPLOAD_HEAD = ("POST /api/v1/accounts/1/sis_imports?extension=csv HTTP/1.1\r\n"
               f"Host: localhost\r\nAuthorization: Bearer {TOKEN}\r\n")


async def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        await asyncio.sleep(0.01)


def _import_count(database) -> int:
    return database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0]


@pytest.fixture
async def stalling_client(aiohttp_client, settings: Settings) -> TestClient:
    quick = dataclasses.replace(settings, upload_idle_timeout_s=IDLE_TIMEOUT_S)
    return await aiohttp_client(create_app(quick))


@pytest.mark.parametrize("shape", ["raw", "multipart file part", "multipart before any part"])
async def test_a_body_that_stalls_is_dropped_and_its_partial_file_removed(
        shape, stalling_client, settings, database):
    csv = USERS_CSV.encode()
    if shape == "raw":
        head = UPLOAD_HEAD + "Content-Type: text/csv\r\n"
        sent = csv[:40]  # a file started, then nothing
    else:
        head = UPLOAD_HEAD + "Content-Type: multipart/form-data; boundary=b\r\n"
        sent = (b'--b\r\nContent-Disposition: form-data; name="attachment"; filename="u.csv"\r\n'
                b"\r\n" + csv[:40]) if shape == "multipart file part" else b""
    head += "Content-Length: 100000\r\n"
    response = await raw_request(stalling_client, head.encode(), sent)
    assert response.status == 408
    assert response.json() == {"errors": [{"message":
        f"The upload sent nothing for {IDLE_TIMEOUT_S:g} seconds and was dropped."}]}
    assert response.headers["connection"] == "close"
    assert list(settings.uploads_dir.iterdir()) == []
    assert _import_count(database) == 0
    assert (await stalling_client.get("/health")).status == 200


async def test_past_the_limit_an_upload_is_refused_at_once_and_health_still_answers(
        aiohttp_client, settings, database):
    one_at_a_time = dataclasses.replace(settings, max_concurrent_uploads=1)
    client = await aiohttp_client(create_app(one_at_a_time))
    body = USERS_CSV.encode()
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        # The first upload takes the only slot and pauses half-way through its body.
        writer.write(f"{UPLOAD_HEAD}Content-Type: text/csv\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + body[:40])
        await writer.drain()
        gate = client.app[UPLOAD_GATE]
        await _wait_until(lambda: gate.active == 1, "the first upload to start streaming")

        # The second declares a large body and sends none of it: the answer comes at once, so
        # nothing of it was waited for.
        refused = await raw_request(client, (UPLOAD_HEAD + "Content-Type: text/csv\r\n"
                                             "Content-Length: 1000000\r\n").encode())
        assert refused.status == 503
        assert refused.json() == {"errors": [{"message":
            "The server is receiving 1 uploads already; try again shortly."}]}
        assert refused.headers["retry-after"] == "1"
        # Multipart and outcome imports count against the same limit.
        outcomes = await raw_request(client, (
            "POST /api/v1/accounts/1/outcome_imports?import_type=instructure_csv HTTP/1.1\r\n"
            f"Host: localhost\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n").encode())
        assert outcomes.status == 503

        health = await client.get("/health")
        assert health.status == 200 and await health.json() == {"status": "ok"}
        assert (await client.get("/api/v1/accounts/1/sis_imports", headers=AUTH)).status == 200

        # The first upload goes on and is imported; its slot is free again afterwards.
        writer.write(body[40:])
        await writer.drain()
        first = parse_response(await asyncio.wait_for(reader.read(), WAIT_TIMEOUT_S))
    finally:
        writer.close()
        await writer.wait_closed()
    assert first.status == 200, first.body
    assert (await wait_for_import(client, first.json()["id"]))["workflow_state"] == "imported"
    again = await client.post("/api/v1/accounts/1/sis_imports?extension=csv", data=body,
                              headers={**AUTH, "Content-Type": "text/csv"})
    assert again.status == 200, await again.text()
    assert _import_count(database) == 2
    assert [p.name for p in Path(settings.uploads_dir).glob("partial-*")] == []
