"""Canvas's SIS spec helpers, against the real server: ``process_csv_data`` and friends.

Canvas's specs (``spec/spec_helper.rb``) write their CSV lines to a file, run a whole SIS import
over it and look at ``importer.errors`` (every SisBatchError, warnings included, as ``[file,
message]``). Here each call is one import through the HTTP API of a real server: the lines are
uploaded, the import is polled until it ends, and its errors are read from the SIS Import Errors
API. Objects are read through the read endpoints (``SisSpec.api``) or, where no endpoint shows
them, from the server's SQLite file by ``tests.canvas_spec.objects``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from service.states import SIS_TERMINAL
from tests.helpers import AUTH, WAIT_TIMEOUT_S, make_zip, multipart

_file_numbers = itertools.count(1)


@dataclass
class Importer:
    """What Canvas's specs call ``importer``: the finished import and its messages."""

    json: dict[str, Any]
    errors: list[list[Any]]  # [file, message] in the order they were recorded, warnings included
    rows: list[int | None]  # the row of each of ``errors``
    row_infos: list[str | None]

    @property
    def messages(self) -> list[str]:
        """``importer.errors.map(&:last)``."""
        return [message for _, message in self.errors]

    @property
    def warnings(self) -> list[str]:
        """The messages of warnings only (Canvas's ``processing_warnings``)."""
        return [message for _, message in self.json.get("processing_warnings", [])]

    @property
    def failures(self) -> list[str]:
        """The messages of failures only (Canvas's ``processing_errors``)."""
        return [message for _, message in self.json.get("processing_errors", [])]

    @property
    def counts(self) -> dict[str, int]:
        return self.json["data"]["counts"]

    @property
    def state(self) -> str:
        return self.json["workflow_state"]


class SisSpec:
    """Runs Canvas-style SIS imports against one server (one root account, "Default Account")."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def process_csv_data(self, *lines: str, **params: str) -> Importer:
        """Import ``lines`` as one CSV file (Canvas's ``process_csv_data``)."""
        name = f"sis_rspec_{next(_file_numbers)}.csv"
        return await self.upload("\n".join(lines) + "\n", name, **params)

    async def process_csv_data_cleanly(self, *lines: str, **params: str) -> Importer:
        """Import ``lines`` and insist that nothing was reported (``process_csv_data_cleanly``)."""
        importer = await self.process_csv_data(*lines, **params)
        assert importer.errors == [], f"csv errors: {importer.errors}"
        return importer

    async def process_files(self, files: dict[str, str], **params: str) -> Importer:
        """Import several CSVs at once, as one zip (Canvas's ``opts[:files]`` with many paths)."""
        return await self.upload(make_zip(files), "sis_rspec.zip", **params)

    async def upload(self, content: str | bytes, filename: str, **params: str) -> Importer:
        """POST one SIS import, wait for its end, and collect its errors."""
        params.setdefault("import_type", "instructure_csv")
        response = await self.client.post("/api/v1/accounts/1/sis_imports",
                                          data=multipart(content, filename, **params),
                                          headers=AUTH)
        created = await response.json()
        assert response.status == 200, created
        finished = await self.wait(created["id"])
        errors = await self.import_errors(created["id"])
        return Importer(finished, [[e["file"], e["message"]] for e in errors],
                        [e["row"] for e in errors], [e["row_info"] for e in errors])

    async def api(self, path: str, **params: str) -> Any:
        """GET one of the API's read endpoints (``/api/v1/...``) and return its JSON (a list's
        first 100 entries), asserting 200."""
        params.setdefault("per_page", "100")
        response = await self.client.get(path, params=params, headers=AUTH)
        body = await response.json()
        assert response.status == 200, (path, body)
        return body

    async def user(self, sis_user_id: str) -> dict[str, Any]:
        """``GET /api/v1/users/sis_user_id:X``: the user of a SIS login, with its e-mail."""
        return await self.api(f"/api/v1/users/sis_user_id:{sis_user_id}")

    async def logins(self, user_id: int) -> list[dict[str, Any]]:
        """``GET /api/v1/users/:id/logins``: the user's live logins."""
        return await self.api(f"/api/v1/users/{user_id}/logins")

    async def find(self, path: str, **params: str) -> Any:
        """GET one object from a read endpoint; None for a 404 (a deleted or unknown object)."""
        response = await self.client.get(path, params=params, headers=AUTH)
        body = await response.json()
        if response.status == 404:
            return None
        assert response.status == 200, body
        return body

    async def wait(self, import_id: int) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        while True:
            response = await self.client.get(f"/api/v1/accounts/1/sis_imports/{import_id}",
                                             headers=AUTH)
            body = await response.json()
            assert response.status == 200, body
            if body["workflow_state"] in SIS_TERMINAL:
                return body
            assert time.monotonic() < deadline, f"import {import_id} is still {body['workflow_state']}"
            await asyncio.sleep(0.005)

    async def import_errors(self, import_id: int) -> list[dict[str, Any]]:
        """Every SisBatchError of the import, oldest first (the API lists newest first)."""
        errors: list[dict[str, Any]] = []
        page = 1
        while True:
            response = await self.client.get(
                f"/api/v1/accounts/1/sis_imports/{import_id}/errors",
                params={"per_page": "100", "page": str(page)}, headers=AUTH)
            body = await response.json()
            assert response.status == 200, body
            errors += body["sis_import_errors"]
            if 'rel="next"' not in response.headers.get("Link", ""):
                return errors[::-1]
            page += 1
