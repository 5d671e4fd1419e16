"""Small builders and waiters shared by the tests."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from service.states import PROGRESS_TERMINAL, SIS_TERMINAL

# How long a test waits for an import or a Progress to end. Generous on purpose: it only matters
# when something hangs, and a loaded CI host (two cores, several suites) can be slow.
WAIT_TIMEOUT_S = 180.0

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

USERS_CSV = "user_id,login_id,first_name,last_name,email,status\n" \
            "u1,login1,Ada,Lovelace,ada@example.com,active\n" \
            "u2,login2,Alan,Turing,alan@example.com,active\n"
COURSES_CSV = "course_id,short_name,long_name,account_id,term_id,status\n" \
              "c1,C1,Course One,,,active\n"
SECTIONS_CSV = "section_id,course_id,name,status\ns1,c1,Section One,active\n"
ENROLLMENTS_CSV = "course_id,user_id,role,section_id,status\nc1,u1,student,s1,active\n"


def make_zip(members: dict[str, str | bytes]) -> bytes:
    """A zip archive holding ``members`` (name -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def multipart(content: str | bytes, filename: str = "users.csv", **params: str) -> FormData:
    """A multipart body with text parts first and the file part ``attachment`` last."""
    form = FormData()
    for key, value in params.items():
        form.add_field(key, value)
    # A file object, not bytes: aiohttp warns (and the suite fails) on large raw bytes bodies.
    form.add_field("attachment", io.BytesIO(content.encode() if isinstance(content, str) else content),
                   filename=filename)
    return form


async def create_sis_import(client: TestClient, content: str | bytes, filename: str = "users.csv",
                            account: str = "1", **params: str) -> dict[str, Any]:
    """POST a multipart SIS import and return its JSON (asserting 200)."""
    response = await client.post(f"/api/v1/accounts/{account}/sis_imports",
                                  data=multipart(content, filename, **params), headers=AUTH)
    body = await response.json()
    assert response.status == 200, body
    return body


async def wait_for_import(client: TestClient, import_id: int, account: str = "1",
                          timeout_s: float = WAIT_TIMEOUT_S) -> dict[str, Any]:
    """Poll an import until it reaches a terminal state; returns its final JSON."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = await client.get(f"/api/v1/accounts/{account}/sis_imports/{import_id}",
                                    headers=AUTH)
        body = await response.json()
        assert response.status == 200, body
        if body["workflow_state"] in SIS_TERMINAL:
            return body
        assert time.monotonic() < deadline, f"import {import_id} still {body['workflow_state']}"
        await asyncio.sleep(0.02)


def wait_for_canvasapi_import(account: Any, sis_import: Any,
                              timeout_s: float = WAIT_TIMEOUT_S) -> Any:
    """Poll through canvasapi (``account.get_sis_import``) until the import is terminal."""
    deadline = time.monotonic() + timeout_s
    while sis_import.workflow_state not in SIS_TERMINAL:
        assert time.monotonic() < deadline, sis_import
        time.sleep(0.02)
        sis_import = account.get_sis_import(sis_import.id)
    return sis_import


async def import_and_wait(client: TestClient, content: str | bytes, filename: str = "users.csv",
                          **params: str) -> dict[str, Any]:
    """Create an import and wait for it to finish."""
    created = await create_sis_import(client, content, filename, **params)
    return await wait_for_import(client, created["id"])


async def restore_and_wait(client: TestClient, import_id: int, account: str = "1",
                           **params: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """PUT restore_states, poll its Progress to the end; returns (final Progress, the import)."""
    response = await client.put(f"/api/v1/accounts/{account}/sis_imports/{import_id}/restore_states",
                                data=params, headers=AUTH)
    progress = await response.json()
    assert response.status == 200, progress
    final = await wait_for_progress(client, progress["id"])
    return final, await wait_for_import(client, import_id, account)


async def wait_for_progress(client: TestClient, progress_id: int,
                            timeout_s: float = WAIT_TIMEOUT_S) -> dict[str, Any]:
    """Poll a Progress until it is completed or failed; returns its final JSON."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = await client.get(f"/api/v1/progress/{progress_id}", headers=AUTH)
        body = await response.json()
        assert response.status == 200, body
        if body["workflow_state"] in PROGRESS_TERMINAL:
            return body
        assert time.monotonic() < deadline, f"progress {progress_id} still {body['workflow_state']}"
        await asyncio.sleep(0.02)
