"""Secrets stay out of what the server prints (decision 26), downloads are not sniffed, and
what the server keeps is readable by its owner only (decision 25)."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import time
import urllib.request

from aiohttp.test_utils import TestClient

from service.app import resolve_tokens
from service.settings import Settings
from tests.helpers import AUTH, WAIT_TIMEOUT_S, import_and_wait, make_zip
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


def test_a_token_file_others_may_read_is_made_private(tmp_path, caplog) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.token_file.write_text("restored-from-a-backup\n")
    os.chmod(settings.token_file, 0o644)
    with caplog.at_level(logging.WARNING, logger="canvas_imports"):
        assert resolve_tokens(settings) == ("restored-from-a-backup",)
    assert stat.S_IMODE(settings.token_file.stat().st_mode) == 0o600
    assert "could be read by other users (mode 0644): it is now mode 0600" in caplog.text
    assert "restored-from-a-backup" not in caplog.text


def test_everything_the_server_writes_is_private_whatever_the_umask(tmp_path) -> None:
    data_dir = tmp_path / "data"
    ready_file = tmp_path / "ready.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_IMPORTS_")}
    # The most permissive umask there is: every file would be 0666 and directory 0777.
    process = subprocess.Popen(
        ["sh", "-c", 'umask 000 && exec "$0" -m service --port 0 --data-dir "$1" --ready-file "$2"',
         sys.executable, str(data_dir), str(ready_file)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        announced = json.loads(process.stdout.readline())
        # A zip with a password column (a filtered copy is kept) and a bad row (an errors file),
        # then a changed one diffed against it (generated CSVs).
        first = _import_zip(announced, make_zip({"users.csv": USERS_WITH_PASSWORDS}))
        assert first["workflow_state"] == "imported_with_messages", first
        changed = USERS_WITH_PASSWORDS.replace("l2,", "l2b,")
        second = _import_zip(announced, make_zip({"users.csv": changed}))
        assert first["errors_attachment"] and second["diffed_csv_attachments"], second
        modes = {str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode)
                 for p in [data_dir, *data_dir.rglob("*"), ready_file]}
    finally:
        status, _, err = stop(process)
    assert status == 0, err
    assert {name for name in modes if name.startswith("data/files/")}, modes
    assert "data/canvas-imports.sqlite3-wal" in modes and "data/token" in modes
    loose = {name: f"{mode:04o}" for name, mode in modes.items()
             if mode != (0o700 if (tmp_path / name).is_dir() else 0o600)}
    assert loose == {}


USERS_WITH_PASSWORDS = ("user_id,login_id,password,status\n"
                        "u1,l1,secret1,active\nu2,l2,secret2,active\nu3,l3,x,bogus\n")


def _import_zip(announced: dict, archive: bytes) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    headers = {"Authorization": f"Bearer {announced['token']}"}
    request = urllib.request.Request(
        f"{announced['base_url']}/api/v1/accounts/self/sis_imports"
        "?extension=zip&diffing_data_set_identifier=nightly", data=archive, headers=headers)
    with opener.open(request, timeout=30) as response:
        import_id = json.loads(response.read())["id"]
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while True:
        request = urllib.request.Request(
            f"{announced['base_url']}/api/v1/accounts/self/sis_imports/{import_id}", headers=headers)
        with opener.open(request, timeout=30) as response:
            body = json.loads(response.read())
        if body["ended_at"] is not None:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)
