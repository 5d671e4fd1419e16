"""Every way a file arrives, and every bad input: a clear answer, nothing lost, nothing left over."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from service.app import create_app
from tests.helpers import (
    AUTH, COURSES_CSV, USERS_CSV, import_and_wait, make_zip, multipart, wait_for_import,
)


async def _raw(client, body: bytes, content_type: str | None = None, query: str = "") -> dict:
    headers = dict(AUTH)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await client.post(f"/api/v1/accounts/1/sis_imports{query}", data=body,
                                 headers=headers, skip_auto_headers=["Content-Type"])
    payload = await response.json()
    assert response.status == 200, payload
    return payload


def _upload_row(database, import_id: int):
    return database.execute(
        "SELECT f.display_name, f.content_type, f.size FROM sis_imports i"
        " JOIN files f ON f.id = i.upload_file_id WHERE i.id = ?", (import_id,)).fetchone()


async def test_raw_text_csv(client, database):
    created = await _raw(client, USERS_CSV.encode(), "text/csv")
    body = await wait_for_import(client, created["id"])
    assert body["data"]["counts"]["users"] == 2
    assert tuple(_upload_row(database, created["id"])) == ("sis_import.csv", "text/csv",
                                                           len(USERS_CSV))


async def test_raw_zip_without_content_type(client, database):
    archive = make_zip({"users.csv": USERS_CSV})
    created = await _raw(client, archive, None, "?import_type=instructure_csv")
    body = await wait_for_import(client, created["id"])
    assert body["data"]["counts"]["users"] == 2
    # Rack reports a missing Content-Type as form-urlencoded, and Canvas stores that.
    assert tuple(_upload_row(database, created["id"]))[:2] == (
        "sis_import.zip", "application/x-www-form-urlencoded")


async def test_raw_csv_posted_as_octet_stream_is_still_imported(client):
    created = await _raw(client, USERS_CSV.encode(), "application/octet-stream")
    body = await wait_for_import(client, created["id"])
    assert body["workflow_state"] == "imported" and body["data"]["counts"]["users"] == 2


async def test_raw_body_with_extension_param(client, database):
    created = await _raw(client, USERS_CSV.encode(), "application/octet-stream", "?extension=csv")
    assert _upload_row(database, created["id"])["display_name"] == "sis_import.csv"
    assert (await wait_for_import(client, created["id"]))["data"]["counts"]["users"] == 2


async def test_raw_body_with_foreign_charset_is_refused(client, database):
    response = await client.post("/api/v1/accounts/1/sis_imports", data=USERS_CSV.encode("latin-1"),
                                 headers={**AUTH, "Content-Type": "text/csv; charset=ISO-8859-1"})
    assert response.status == 400
    assert await response.json() == {"error": "Invalid content type, UTF-8 required"}
    assert database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0] == 0


@pytest.mark.parametrize("filename, params, expected_users", [
    ("attachment", {}, 2),                       # canvasapi's name for an in-memory file
    ("attachment", {"extension": "csv"}, 2),
    ("users.CSV", {}, 2),
])
async def test_multipart_csv_names(client, filename, params, expected_users):
    body = await import_and_wait(client, USERS_CSV, filename=filename, **params)
    assert body["workflow_state"] == "imported"
    assert body["data"]["counts"]["users"] == expected_users


async def test_multipart_zip_named_attachment_without_and_with_extension(client):
    archive = make_zip({"users.csv": USERS_CSV, "courses.csv": COURSES_CSV})
    for params in ({}, {"extension": "zip"}):
        body = await import_and_wait(client, archive, filename="attachment", **params)
        assert body["data"]["counts"]["users"] == 2 and body["data"]["counts"]["courses"] == 1


async def test_unknown_file_type_is_warned_not_ignored(client):
    body = await import_and_wait(client, USERS_CSV, filename="users.txt")
    assert body["workflow_state"] == "imported_with_messages"
    assert body["processing_warnings"] == [["users.txt", "Skipping unknown file type"]]
    assert body["data"]["counts"]["users"] == 0


@pytest.mark.parametrize("content, filename, message", [
    (b"\xff\xfe\x00junk\x00\x01binary", "junk.csv", "Invalid UTF-8"),
    ("user_id,login_id\n".encode() + "caf\xe9,x\n".encode("latin-1"), "users.csv", "Invalid UTF-8"),
    (b"alpha,beta,gamma\n1,2,3\n", "mystery.csv", "Couldn't find Canvas CSV import headers"),
    (b"user_id,login_id,status\nu1,\"unclosed,active\n", "users.csv", "Malformed CSV"),
])
async def test_file_level_failures(client, content, filename, message):
    body = await import_and_wait(client, content, filename=filename)
    assert body["workflow_state"] == "failed_with_messages"
    assert body["processing_errors"] == [[filename, message]]
    assert body["data"]["counts"]["error_count"] == 1
    assert body["progress"] < 100


async def test_truncated_zip_fails_cleanly(client):
    archive = make_zip({"users.csv": USERS_CSV * 50})
    body = await import_and_wait(client, archive[: len(archive) // 2], filename="batch.zip")
    assert body["workflow_state"] == "failed_with_messages"
    assert body["processing_errors"] == [["batch.zip", "Invalid zip file"]]


async def test_one_bad_file_fails_the_batch_but_others_import(client):
    archive = make_zip({"users.csv": USERS_CSV, "bad.csv": b"\xff\xfe"})
    body = await import_and_wait(client, archive, filename="batch.zip")
    assert body["workflow_state"] == "failed_with_messages"
    assert body["data"]["counts"]["users"] == 2
    assert body["processing_errors"] == [["bad.csv", "Invalid UTF-8"]]


@pytest.mark.parametrize("send", ["raw", "multipart"])
async def test_empty_upload_is_refused_at_once(client, database, settings, send):
    # Canvas accepts it and fails it later with a misleading "Couldn't find Canvas CSV import
    # headers"; an immediate 400 says what went wrong and stores nothing.
    if send == "raw":
        response = await client.post("/api/v1/accounts/1/sis_imports", data=b"",
                                     headers={**AUTH, "Content-Type": "text/csv"})
    else:
        response = await client.post("/api/v1/accounts/1/sis_imports", data=multipart(b""),
                                     headers=AUTH)
    assert response.status == 400
    assert await response.json() == {"errors": [{"message": "The uploaded file is empty."}]}
    assert database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0] == 0
    assert list(settings.uploads_dir.iterdir()) == []


async def test_empty_csv_inside_a_zip_is_ignored(client):
    # An empty CSV inside a zip is silently ignored.
    body = await import_and_wait(client, make_zip({"empty.csv": "", "users.csv": USERS_CSV}),
                                 filename="b.zip")
    assert body["workflow_state"] == "imported"


async def test_bom_quoted_newlines_and_blank_rows(client, database):
    csv_text = ("\ufeffUser_ID,Login_ID,full_name,status\n"
                "u1,l1,\"Line one\nline two\",active\n"
                ",,,\n"
                "u2,l2,Plain,active\n")
    body = await import_and_wait(client, csv_text.encode())
    assert body["workflow_state"] == "imported"
    assert body["data"]["counts"]["users"] == 2


async def test_oversized_body_is_413_and_leaves_nothing(aiohttp_client, settings, database):
    small = dataclasses.replace(settings, max_upload_bytes=1000)
    client = await aiohttp_client(create_app(small))
    big = USERS_CSV + "u3,l3,A,B,a@b.c,active\n" * 100
    # Declared too large: refused before reading.
    response = await client.post("/api/v1/accounts/1/sis_imports", data=big.encode(),
                                 headers={**AUTH, "Content-Type": "text/csv"})
    assert response.status == 413
    assert "errors" in await response.json()

    # Chunked, so the size is only discovered while streaming.
    async def chunks():
        for _ in range(10):
            yield big.encode()[:500]

    response = await client.post("/api/v1/accounts/1/sis_imports", data=chunks(),
                                  headers={**AUTH, "Content-Type": "text/csv"})
    assert response.status == 413
    assert database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0] == 0
    assert list(small.uploads_dir.iterdir()) == []
    # The server keeps serving.
    response = await client.get("/api/v1/accounts/1", headers=AUTH)
    assert response.status == 200


async def test_disconnect_mid_upload_leaves_no_file_and_no_import(client, settings, database):
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(
        b"POST /api/v1/accounts/1/sis_imports HTTP/1.1\r\n"
        b"Host: localhost\r\nAuthorization: Bearer test-token\r\n"
        b"Content-Type: text/csv\r\nContent-Length: 10000000\r\n\r\n"
        + USERS_CSV.encode() * 100)
    await writer.drain()
    for _ in range(100):  # wait until the server has started writing the partial file
        if any(settings.uploads_dir.glob("partial-*")):
            break
        await asyncio.sleep(0.01)
    writer.close()
    await writer.wait_closed()
    for _ in range(200):
        if not any(settings.uploads_dir.iterdir()):
            break
        await asyncio.sleep(0.01)
    assert list(settings.uploads_dir.iterdir()) == []
    assert database.execute("SELECT COUNT(*) FROM sis_imports").fetchone()[0] == 0
    response = await client.get("/api/v1/accounts/1", headers=AUTH)
    assert response.status == 200


@pytest.mark.parametrize("headers, query", [
    ({}, ""),
    ({"Authorization": "Bearer wrong"}, ""),
    ({}, "?access_token=wrong"),
])
async def test_missing_or_wrong_token_is_401(client, headers, query):
    response = await client.get(f"/api/v1/accounts/1/sis_imports{query}", headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    assert await response.json() == {
        "status": "unauthenticated", "errors": [{"message": "user authorization required"}]}


async def test_access_token_query_parameter_and_health(client):
    response = await client.get("/api/v1/accounts/1?access_token=test-token")
    assert response.status == 200
    response = await client.get("/health")
    assert await response.json() == {"status": "ok"}


async def test_read_only_token_cannot_write(aiohttp_client, settings):
    reader_settings = dataclasses.replace(settings, read_only_tokens=("reader",))
    client = await aiohttp_client(create_app(reader_settings))
    headers = {"Authorization": "Bearer reader"}
    assert (await client.get("/api/v1/accounts/1/sis_imports", headers=headers)).status == 200
    response = await client.post("/api/v1/accounts/1/sis_imports", data=USERS_CSV.encode(),
                                 headers={**headers, "Content-Type": "text/csv"})
    assert response.status == 403
    assert await response.json() == {
        "status": "unauthorized",
        "errors": [{"message": "user not authorized to perform that action"}]}
