"""Raw HTTP/1.1 exchanges for requests no well-behaved client library would send."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient


@dataclass
class RawResponse:
    """A parsed response: status, headers (lower-case names) and the body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def raw_request(client: TestClient, head: bytes, body: bytes = b"",
                      timeout_s: float = 20.0) -> RawResponse:
    """Send ``head`` (request line and headers, CRLF-separated, no final blank line) and ``body``.

    ``Connection: close`` is added so the response ends with the connection.
    """
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(head.rstrip(b"\r\n") + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        data = await asyncio.wait_for(_read_response(reader), timeout_s)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
    return parse_response(data)


async def _read_response(reader: asyncio.StreamReader) -> bytes:
    """Bytes up to the end of one response: it may come long before the server hangs up.

    (After answering a request whose body it did not read, aiohttp keeps the connection open
    for a while to drain the rest of it.)
    """
    data = b""
    while chunk := await reader.read(65536):
        data += chunk
        head, separator, body = data.partition(b"\r\n\r\n")
        if not separator:
            continue
        headers = head.lower()
        if b"\r\ntransfer-encoding: chunked" in headers:
            if body.endswith(b"0\r\n\r\n"):
                break
        elif b"\r\ncontent-length: " in headers:
            length = int(headers.split(b"\r\ncontent-length: ", 1)[1].split(b"\r\n", 1)[0])
            if len(body) >= length:
                break
    return data


def parse_response(data: bytes) -> RawResponse:
    """Split a complete HTTP/1.1 response (un-chunked when chunked)."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return RawResponse(status, headers, body)


def _unchunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return bytes(out)
