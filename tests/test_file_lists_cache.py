"""An import's file lists are kept between polls (service/file_lists.py), and never served stale:
not after a reset, not to another base url, not once files were appended or replaced."""

from __future__ import annotations

import dataclasses
import secrets
import sqlite3
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from service.settings import Settings
from tests.helpers import AUTH, import_and_wait, make_zip

USERS = "user_id,login_id,status\n{0},{0},active\n"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with the test controls on (for reset)."""
    return dataclasses.replace(settings, enable_control=True)


def _zip_of(*names: str) -> bytes:
    return make_zip({name: USERS.format(name.removesuffix(".csv")) for name in names})


async def _show(client: TestClient, import_id: int, host: str | None = None) -> dict[str, Any]:
    headers = {**AUTH, "Host": host} if host else AUTH
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{import_id}", headers=headers)
    body = await response.json()
    assert response.status == 200, body
    return body


def _names(body: dict[str, Any]) -> list[str]:
    return [f["display_name"] for f in body["csv_attachments"]]


async def test_a_repeated_poll_answers_the_same_file_list(client: TestClient) -> None:
    done = await import_and_wait(client, _zip_of("a.csv", "b.csv", "c.csv"), "three.zip")
    first = await _show(client, done["id"])
    assert _names(first) == ["a.csv", "b.csv", "c.csv"]
    # The listing and the single import agree, whichever is asked first.
    listing = await client.get("/api/v1/accounts/1/sis_imports", headers=AUTH)
    (listed,) = (await listing.json())["sis_imports"]
    assert listed["csv_attachments"] == first["csv_attachments"]
    assert (await _show(client, done["id"])) == first


async def test_after_a_reset_the_same_ids_show_the_new_files(client: TestClient) -> None:
    before = await import_and_wait(client, _zip_of("old1.csv", "old2.csv"), "old.zip")
    old = await _show(client, before["id"])
    assert _names(old) == ["old1.csv", "old2.csv"]
    response = await client.post("/_control/reset", json={}, headers=AUTH)
    assert response.status == 200, await response.text()
    after = await import_and_wait(client, _zip_of("new1.csv", "new2.csv"), "new.zip")
    new = await _show(client, after["id"])
    # Ids start again after a reset: the same import id and file ids, other files.
    assert after["id"] == before["id"]
    assert [f["id"] for f in new["csv_attachments"]] == [f["id"] for f in old["csv_attachments"]]
    assert _names(new) == ["new1.csv", "new2.csv"]
    assert [f["uuid"] for f in new["csv_attachments"]] != [f["uuid"] for f in old["csv_attachments"]]
    for attachment in new["csv_attachments"]:
        assert f"verifier={attachment['uuid']}" in attachment["url"]
        download = await client.get(URL(attachment["url"]).path_qs, headers=AUTH)
        assert download.status == 200
        assert attachment["display_name"].removesuffix(".csv") in await download.text()


async def test_each_base_url_gets_its_own_urls(client: TestClient) -> None:
    done = await import_and_wait(client, _zip_of("a.csv", "b.csv"), "two.zip")
    for host in ("first.example:8080", "second.example:9090", "first.example:8080"):
        body = await _show(client, done["id"], host)
        urls = [f["url"] for f in body["csv_attachments"]]
        assert len(urls) == 2 and all(url.startswith(f"http://{host}/files/") for url in urls), urls


async def test_files_appended_to_an_import_are_listed(
        client: TestClient, database: sqlite3.Connection) -> None:
    done = await import_and_wait(client, _zip_of("a.csv", "b.csv"), "two.zip")
    assert _names(await _show(client, done["id"])) == ["a.csv", "b.csv"]
    with database:
        file_id = _insert_file(database, "appended.csv")
        _append_file(database, done["id"], file_id)
    assert _names(await _show(client, done["id"])) == ["a.csv", "b.csv", "appended.csv"]


async def test_files_replaced_under_the_same_ids_are_listed(
        client: TestClient, database: sqlite3.Connection) -> None:
    # What a re-run of an interrupted import does: its files deleted, others recorded, and
    # SQLite may hand out the same ids again.
    done = await import_and_wait(client, _zip_of("a.csv", "b.csv"), "two.zip")
    old = await _show(client, done["id"])
    ids = [f["id"] for f in old["csv_attachments"]]
    with database:
        for file_id, name in zip(ids, ("x.csv", "y.csv")):
            row = database.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone()
            database.execute("DELETE FROM files WHERE id = ?", (file_id,))
            database.execute(
                "INSERT INTO files (id, uuid, display_name, content_type, size, path, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (file_id, secrets.token_urlsafe(24), name, row["content_type"], row["size"],
                 row["path"], row["created_at"], row["updated_at"]))
    new = await _show(client, done["id"])
    assert [f["id"] for f in new["csv_attachments"]] == ids
    assert _names(new) == ["x.csv", "y.csv"]


def _insert_file(conn: sqlite3.Connection, name: str) -> int:
    template = conn.execute("SELECT * FROM files ORDER BY id DESC LIMIT 1").fetchone()
    return conn.execute(
        "INSERT INTO files (uuid, display_name, content_type, size, path, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (secrets.token_urlsafe(24), name, template["content_type"], template["size"],
         template["path"], template["created_at"], template["updated_at"])).lastrowid


def _append_file(conn: sqlite3.Connection, import_id: int, file_id: int) -> None:
    (ids_json,) = conn.execute(
        "SELECT csv_file_ids FROM sis_imports WHERE id = ?", (import_id,)).fetchone()
    ids = orjson.loads(ids_json) + [file_id]
    conn.execute("UPDATE sis_imports SET csv_file_ids = ? WHERE id = ?",
                 (orjson.dumps(ids).decode(), import_id))
