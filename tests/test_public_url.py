"""Absolute URLs clients follow (decision 27): Link headers, File and Progress urls keep the
server's port for absolute-form request lines, follow --public-url, and X-Forwarded-* only when
trusted."""

from __future__ import annotations

import dataclasses
import re

import pytest
from aiohttp.test_utils import TestClient

from service.app import create_app
from service.settings import Settings
from tests.helpers import TOKEN, import_and_wait, restore_and_wait
from tests.rawhttp import RawResponse, raw_request

LISTING = "/api/v1/accounts/1/sis_imports?per_page=1&page=2"
# One import with a bad row: it has csv_attachments and an errors_attachment.
WITH_A_WARNING = "user_id,login_id,status\nu1,l1,active\nu2,l2,bogus\n"


def _link_urls(response: RawResponse) -> list[str]:
    return re.findall(r"<([^>]+)>", response.headers["link"])


def _file_urls(response: RawResponse) -> list[str]:
    (sis_import,) = response.json()["sis_imports"]
    files = [sis_import["errors_attachment"], *sis_import["csv_attachments"]]
    return [f["url"] for f in files]


async def _three_imports(client: TestClient) -> None:
    for _ in range(3):
        await import_and_wait(client, WITH_A_WARNING)


async def _get(client: TestClient, target: str, *headers: str) -> RawResponse:
    head = "\r\n".join([f"GET {target} HTTP/1.1", f"Authorization: Bearer {TOKEN}", *headers])
    response = await raw_request(client, head.encode())
    assert response.status == 200, response.body
    return response


async def test_an_absolute_form_request_line_keeps_the_port(client: TestClient) -> None:
    await _three_imports(client)
    origin = f"http://127.0.0.1:{client.server.port}"
    # As urllib3 sends through a proxy: the whole URL on the request line; Host without the
    # port, as some clients send it. The request line's authority wins (RFC 9112 3.2.2).
    for host in (f"127.0.0.1:{client.server.port}", "127.0.0.1"):
        response = await _get(client, origin + LISTING, f"Host: {host}")
        urls = _link_urls(response) + _file_urls(response)
        assert len(urls) == 6 and all(url.startswith(origin + "/") for url in urls), urls
    # The links lead somewhere: rel="next" of page 2 is page 3, on this server.
    next_url = _link_urls(response)[1]
    assert next_url == f"{origin}/api/v1/accounts/1/sis_imports?page=3&per_page=1"
    third = await _get(client, next_url, f"Host: 127.0.0.1:{client.server.port}")
    assert len(third.json()["sis_imports"]) == 1


async def test_a_progress_url_keeps_the_port_too(client: TestClient) -> None:
    done = await import_and_wait(client, WITH_A_WARNING)
    progress, _ = await restore_and_wait(client, done["id"])
    origin = f"http://127.0.0.1:{client.server.port}"
    response = await _get(client, f"{origin}/api/v1/progress/{progress['id']}", "Host: 127.0.0.1")
    assert response.json()["url"] == f"{origin}/api/v1/progress/{progress['id']}"


async def test_public_url_is_the_base_whatever_the_request_says(aiohttp_client, settings) -> None:
    public = dataclasses.replace(settings, public_url="https://canvas.example.edu")
    client = await aiohttp_client(create_app(public))
    await _three_imports(client)
    response = await _get(client, LISTING, "Host: 127.0.0.1:1234", "X-Forwarded-Host: other.example")
    urls = _link_urls(response) + _file_urls(response)
    assert all(url.startswith("https://canvas.example.edu/") for url in urls), urls


async def test_forwarded_headers_count_only_when_trusted(aiohttp_client, settings) -> None:
    forwarded = ("X-Forwarded-Proto: https", "X-Forwarded-Host: canvas.example.edu, proxy.internal")
    plain = await aiohttp_client(create_app(settings))
    await _three_imports(plain)
    response = await _get(plain, LISTING, f"Host: 127.0.0.1:{plain.server.port}", *forwarded)
    assert all(url.startswith(f"http://127.0.0.1:{plain.server.port}/")
               for url in _link_urls(response) + _file_urls(response))

    trusting = await aiohttp_client(create_app(dataclasses.replace(
        settings, trust_forwarded_headers=True)))
    response = await _get(trusting, LISTING, f"Host: 127.0.0.1:{trusting.server.port}", *forwarded)
    urls = _link_urls(response) + _file_urls(response)
    assert all(url.startswith("https://canvas.example.edu/") for url in urls), urls
    # Only the proto: the host stays the request's.
    response = await _get(trusting, LISTING, f"Host: 127.0.0.1:{trusting.server.port}",
                          "X-Forwarded-Proto: https")
    assert _link_urls(response)[0].startswith(f"https://127.0.0.1:{trusting.server.port}/")
    # A value that is not a scheme or a host is ignored.
    response = await _get(trusting, LISTING, f"Host: 127.0.0.1:{trusting.server.port}",
                          "X-Forwarded-Proto: gopher", 'X-Forwarded-Host: a>; rel="next"')
    assert _link_urls(response)[0].startswith(f"http://127.0.0.1:{trusting.server.port}/")


async def test_a_host_header_that_is_not_a_host_is_not_copied_into_links(client) -> None:
    await _three_imports(client)
    response = await _get(client, LISTING, 'Host: evil.example>; rel="next",<http://x')
    urls = _link_urls(response)
    assert len(urls) == 4  # current, next, prev, first: nothing smuggled in
    assert all(url.startswith(f"http://127.0.0.1:{client.server.port}/") for url in urls), urls


def test_the_command_line_and_environment_set_them() -> None:
    settings = Settings.from_args([], {"CANVAS_IMPORTS_PUBLIC_URL": "https://canvas.example.edu/",
                                       "CANVAS_IMPORTS_TRUST_FORWARDED_HEADERS": "1"})
    assert settings.public_url == "https://canvas.example.edu"
    assert settings.trust_forwarded_headers is True
    settings = Settings.from_args(["--public-url", "http://localhost:8080",
                                   "--trust-forwarded-headers"], {})
    assert (settings.public_url, settings.trust_forwarded_headers) == ("http://localhost:8080", True)
    assert Settings.from_args([], {}).public_url is None
    with pytest.raises(SystemExit):
        Settings.from_args(["--public-url", "canvas.example.edu"], {})

