"""Secrets stay out of what the server prints (decision 26) and downloads are not sniffed."""

from __future__ import annotations

import json
import urllib.request

from aiohttp.test_utils import TestClient

from tests.helpers import AUTH, import_and_wait
from tests.test_child_process import start, stop

CHOSEN = "operator-chosen-secret"


def _fetch(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.status


def test_the_access_log_and_banner_never_show_a_chosen_token_or_a_verifier(tmp_path) -> None:
    process = start(tmp_path, "--token", CHOSEN)
    try:
        base_url = json.loads(process.stdout.readline())["base_url"]
        assert _fetch(f"{base_url}/api/v1/accounts/1?access_token={CHOSEN}&x=1") == 200
        try:
            _fetch(f"{base_url}/files/1/download?verifier=secret-verifier-value")
        except urllib.error.HTTPError as error:
            assert error.code == 404
    finally:
        status, _, err = stop(process)
    assert status == 0, err
    assert CHOSEN not in err and "secret-verifier-value" not in err
    # The requests were logged, with the secrets replaced.
    assert "/api/v1/accounts/1?access_token=REDACTED&x=1" in err
    assert "/files/1/download?verifier=REDACTED" in err
    assert "token: as given with --token" in err


def test_a_generated_token_is_shown_in_the_banner(tmp_path) -> None:
    process = start(tmp_path)
    try:
        announced = json.loads(process.stdout.readline())
    finally:
        _, _, err = stop(process)
    assert f"token: {announced['token']} (generated" in err


async def test_downloads_are_not_sniffed(client: TestClient) -> None:
    done = await import_and_wait(client, "user_id,login_id,status\nu1,l1,bogus\n")
    url = done["errors_attachment"]["url"]
    response = await client.get(url[url.index("/files/"):], headers=AUTH)
    assert response.status == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
