"""Hostile and awkward uploads: bounded work, clear messages, nothing of the server's disk shown."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import struct
import time
import zipfile

import orjson
import pytest

from service.app import create_app
from tests.helpers import (AUTH, USERS_CSV, WAIT_TIMEOUT_S, create_sis_import, import_and_wait,
                           make_zip, wait_for_import)


@pytest.fixture
async def in_process_client(aiohttp_client, settings):
    """A server that imports in its own process, where a patch of the test reaches the import."""
    return await aiohttp_client(create_app(dataclasses.replace(settings, imports_in_process=True)))


def _encrypted_zip(name: str, content: str) -> bytes:
    """A zip whose one member is flagged encrypted (general purpose bit 0), as ZipCrypto sets it."""
    data = bytearray(make_zip({name: content}))
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    for flag_at in (local + 6, central + 8):
        flags = struct.unpack_from("<H", data, flag_at)[0]
        struct.pack_into("<H", data, flag_at, flags | 0x1)
    return bytes(data)

def _tiny_members_zip(members: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n in range(members):
            archive.writestr(f"users_{n:04}.csv", f"user_id,login_id,status\nu{n},l{n},active\n")
    return buffer.getvalue()


async def test_encrypted_member_fails_with_a_clear_message(client, settings):
    archive = _encrypted_zip("users.csv", USERS_CSV)
    body = await import_and_wait(client, archive, filename="batch.zip")
    assert body["workflow_state"] == "failed_with_messages"
    assert body["processing_errors"] == [
        ["users.csv", "Encrypted file: it cannot be read without its password"]]
    assert str(settings.data_dir) not in str(body)


async def test_member_and_file_names_of_300_characters_import(client, database):
    long_member = "m" * 296 + ".csv"
    body = await import_and_wait(client, make_zip({long_member: USERS_CSV}),
                                 filename="z" * 296 + ".zip")
    assert body["workflow_state"] == "imported", body
    assert body["data"]["counts"]["users"] == 2
    assert [a["display_name"] for a in body["csv_attachments"]] == [long_member]
    response = await client.get(body["csv_attachments"][0]["url"].split("://", 1)[1]
                                .split("/", 1)[1].join(["/", ""]))
    assert response.status == 200 and (await response.text()) == USERS_CSV


async def test_many_tiny_members_read_the_zip_index_once(in_process_client, monkeypatch):
    # Each member was opened by re-reading the whole zip index: quadratic, 5,000 members took
    # minutes. Counting the index reads (zipfile's, not ours) shows the work is linear.
    index_reads = []
    original = zipfile.ZipFile._RealGetContents

    def counting(self):
        index_reads.append(1)
        return original(self)

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", counting)
    archive = _tiny_members_zip(300)
    index_reads.clear()
    body = await import_and_wait(in_process_client, archive, filename="many.zip")
    assert body["workflow_state"] == "imported", body.get("processing_errors")
    assert body["data"]["counts"]["users"] == 300
    assert len(index_reads) == 1



async def test_a_running_import_does_not_store_its_growing_lists_with_every_batch(
        aiohttp_client, settings, database):
    # Each member's two progress saves stored data.downloadable_attachment_ids and
    # data.completed_importers whole: a zip of 5,000 members rewrote lists of 5,000 entries
    # 10,000 times. While it runs the stored data stays small; clients still see every list.
    client = await aiohttp_client(create_app(dataclasses.replace(settings, enable_control=True)))
    response = await client.post("/_control/pace", json={"rows_per_second": 100}, headers=AUTH)
    assert response.status == 200
    created = await create_sis_import(client, _tiny_members_zip(200), filename="many.zip")
    url = f"/api/v1/accounts/1/sis_imports/{created['id']}"
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while True:
        body = await (await client.get(url, headers=AUTH)).json()
        completed = body["data"].get("completed_importers", [])
        if body["workflow_state"] == "importing" and len(completed) >= 40:
            break
        assert body["workflow_state"] in ("created", "importing"), body["workflow_state"]
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    stored = database.execute("SELECT data FROM sis_imports WHERE id = ?",
                              (created["id"],)).fetchone()["data"]
    assert len(stored) < 1_000, stored
    # Read after the stored row: the import can only have gone further.
    running = await (await client.get(url, headers=AUTH)).json()
    assert running["data"]["downloadable_attachment_ids"] == [
        attachment["id"] for attachment in running["csv_attachments"]]
    assert len(running["data"]["downloadable_attachment_ids"]) == 200
    assert set(running["data"]["completed_importers"]) == {"user"}
    assert len(running["data"]["completed_importers"]) >= len(completed)
    assert not any(key.startswith("_") for key in running["data"])

    await client.post("/_control/pace", json={}, headers=AUTH)
    final = await wait_for_import(client, created["id"])
    assert final["workflow_state"] == "imported"
    assert final["data"]["completed_importers"] == ["user"] * 200
    assert final["data"]["downloadable_attachment_ids"] == [
        attachment["id"] for attachment in final["csv_attachments"]]
    # The finished import keeps Canvas's data whole, as any other import's.
    stored = orjson.loads(database.execute("SELECT data FROM sis_imports WHERE id = ?",
                                           (created["id"],)).fetchone()["data"])
    assert {key: stored[key] for key in ("completed_importers", "downloadable_attachment_ids")} \
        == {key: final["data"][key] for key in ("completed_importers",
                                                "downloadable_attachment_ids")}
