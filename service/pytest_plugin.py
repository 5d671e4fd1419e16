"""The ``canvas_imports`` pytest fixtures: a real canvas-imports server for a client's test suite.

Installed with the package and registered through the ``pytest11`` entry point, so a suite that
has canvas-imports installed just asks for the fixtures:

* ``canvas_imports_server`` (session): one real server process (``python -m service``) on a
  free loopback port, with a temporary data directory, a token made for this run and the test
  controls on; started once per run, once per worker under pytest-xdist.
* ``canvas_imports`` (function): that server, reset to a fresh root account before the test,
  as a ``CanvasImports`` object (``base_url``, ``token``, ``canvas``, ``wait_for``,
  ``sis_import``, ``reset``, ``control``).

The plugin is loaded into every pytest run wherever the package is installed, so it imports
nothing beyond the standard library's lightest modules until a test asks for a fixture, and
adds no hook, option or marker. Its own HTTP calls use urllib with a timeout on each (no
dependency; proxies bypassed: the server is on loopback), so they work from sync and async
tests alike, and none of them can hang.

Never reused by accident: each run makes a new data directory, a new random token and lets the
operating system pick the port, so a server left behind by a crashed run (which shuts itself
down anyway when the run's end of its standard input closes) answers nobody here.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 30.0
LOG_TAIL_LINES = 60
# wait_for polls every 2 ms for the first second (a small import takes milliseconds, and a
# poll costs the server well under one), then every 50 ms.
FAST_POLL_S = 0.002
FAST_POLLING_S = 1.0
SLOW_POLL_S = 0.05
ENV_PREFIX = "CANVAS_IMPORTS_"
ZIP_MAGIC = b"PK\x03\x04"
# Terminal states of both import kinds (service.states), spelled out to keep this import-free.
TERMINAL_STATES = frozenset({
    "imported", "imported_with_messages", "failed", "failed_with_messages", "aborted",
    "restored", "partially_restored", "succeeded",
})


class ServerDidNotStart(RuntimeError):
    """The server process exited or did not become ready in time; the message holds its log."""


class ImportDidNotFinish(AssertionError):
    """An import was still running at the deadline; the message lists the states it went through."""


class ServerError(AssertionError):
    """The server answered a fixture's own request with an unexpected status."""


class CanvasImportsServer:
    """One running server process and a small HTTP client for it."""

    def __init__(self, process: Any, base_url: str, token: str, directory: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.token = token
        self.directory = directory
        self.data_dir = directory / "data"
        self.log_path = directory / "server.log"
        self._connections = _ConnectionPool(base_url)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The end of the server's log (standard output and error)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def request(self, method: str, path: str, *, body: bytes | None = None,
                content_type: str | None = None, params: dict[str, Any] | None = None,
                expect: int = 200, timeout_s: float = REQUEST_TIMEOUT_S) -> Any:
        """One request with this run's token; its JSON answer (ServerError on another status)."""
        if params:
            from urllib.parse import urlencode

            path += "?" + urlencode({key: _form_value(value) for key, value in params.items()})
        headers = {"Authorization": f"Bearer {self.token}"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        status, payload = self._connections.send(method, path, body, headers, timeout_s)
        if status != expect:
            raise ServerError(f"{method} {path} answered {status}: {payload[:500]!r}")
        return json.loads(payload) if payload else None

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown), then SIGKILL if it takes too long."""
        import subprocess

        self._connections.close()

        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _ConnectionPool:
    """Keep-alive HTTP connections to the server, one per concurrent caller.

    A new TCP connection per request (urllib's way) costs more than a small import does. No
    proxy is involved (http.client knows none): the server is on loopback. Connections that sat
    idle are replaced before use, long before the server's keep-alive timeout (75 s) closes
    them, so a request is never sent on a connection the server is closing.
    """

    MAX_IDLE_S = 10.0

    def __init__(self, base_url: str) -> None:
        import threading

        self._base_url = base_url
        self._idle: list[tuple[Any, float]] = []
        self._lock = threading.Lock()

    def send(self, method: str, path: str, body: bytes | None, headers: dict[str, str],
             timeout_s: float) -> tuple[int, bytes]:
        connection = self._take(timeout_s)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            with self._lock:
                self._idle.append((connection, time.monotonic()))
        return response.status, payload

    def _take(self, timeout_s: float) -> Any:
        with self._lock:
            while self._idle:
                connection, since = self._idle.pop()
                if time.monotonic() - since < self.MAX_IDLE_S:
                    connection.timeout = timeout_s
                    if connection.sock is not None:
                        connection.sock.settimeout(timeout_s)
                    return connection
                connection.close()
        from http.client import HTTPConnection
        from urllib.parse import urlsplit

        address = urlsplit(self._base_url)
        return HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=timeout_s)

    def close(self) -> None:
        with self._lock:
            for connection, _ in self._idle:
                connection.close()
            self._idle.clear()


def start_server(directory: Path, *, extra_args: tuple[str, ...] = (),
                 timeout_s: float = START_TIMEOUT_S) -> CanvasImportsServer:
    """Start ``python -m service`` with its data under ``directory``; return once it is ready.

    Raises ServerDidNotStart with the server's log when it exits or is not ready in time.
    """
    import secrets
    import subprocess

    directory.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    ready_file = directory / "ready.json"
    log_path = directory / "server.log"
    # Only this run's settings count: CANVAS_IMPORTS_* variables of the caller are left out.
    env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    # Through the environment, not the command line, so that it does not show in ps.
    env[ENV_PREFIX + "TOKEN"] = token
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", "0",
             "--data-dir", str(directory / "data"), "--enable-control",
             "--ready-file", str(ready_file), "--exit-on-stdin-close", *extra_args],
            # The directory as working directory: a package named "service" in the caller's
            # working directory must not shadow this one for ``-m``.
            cwd=directory, env=env, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C in the terminal reaches pytest, which stops it in order.
            start_new_session=True,
        )
    server = CanvasImportsServer(process, "", token, directory)
    deadline = time.monotonic() + timeout_s
    while not ready_file.exists():
        status = process.poll()
        if status is not None or time.monotonic() > deadline:
            server.stop()
            reason = (f"exited with status {status}" if status is not None
                      else f"was not ready within {timeout_s:g} s")
            raise ServerDidNotStart(
                f"canvas-imports server {reason}; its log ({log_path}):\n{server.log_tail()}")
        time.sleep(0.01)
    server.base_url = json.loads(ready_file.read_text(encoding="utf-8"))["base_url"]
    server._connections = _ConnectionPool(server.base_url)
    return server


class Control:
    """The server's /_control/ test controls."""

    def __init__(self, server: CanvasImportsServer) -> None:
        self._server = server

    def _post(self, name: str, **params: Any) -> dict[str, Any]:
        given = {key: value for key, value in params.items() if value is not None}
        return self._server.request("POST", f"/_control/{name}", body=json.dumps(given).encode(),
                                    content_type="application/json")

    def pause(self) -> dict[str, Any]:
        """No import starts until ``resume()``: new ones stay ``created``."""
        return self._post("pause")

    def resume(self) -> dict[str, Any]:
        """Imports start again, the ones that waited first."""
        return self._post("resume")

    def pace(self, seconds_per_import: float | None = None,
             rows_per_second: float | None = None) -> dict[str, Any]:
        """Imports take at least this long (both None: full speed again)."""
        return self._post("pace", seconds_per_import=seconds_per_import,
                          rows_per_second=rows_per_second)

    def throttle(self, requests: int) -> dict[str, Any]:
        """The next ``requests`` API requests answer 429 as Canvas's throttle does."""
        return self._post("throttle", requests=requests)

    def fail_next(self, account_id: int | str, message: str) -> dict[str, Any]:
        """The next import of this root account fails with ``message``."""
        return self._post("fail_next", account_id=account_id, message=message)


class CanvasImports:
    """What a test gets from the ``canvas_imports`` fixture: a freshly reset server."""

    def __init__(self, server: CanvasImportsServer) -> None:
        self.server = server
        self.base_url = server.base_url
        self.token = server.token
        self.control = Control(server)
        self._canvas: Any = None

    @property
    def canvas(self) -> Any:
        """A ``canvasapi.Canvas`` for this server (ImportError when canvasapi is not installed)."""
        if self._canvas is None:
            try:
                from canvasapi import Canvas
            except ImportError as error:
                raise ImportError("canvas_imports.canvas needs canvasapi: pip install canvasapi"
                                  ) from error
            import warnings

            with warnings.catch_warnings():
                # canvasapi warns about any http:// URL; plain HTTP on loopback is the point here.
                warnings.filterwarnings("ignore", "Canvas may respond unexpectedly",
                                        UserWarning)
                self._canvas = Canvas(self.base_url, self.token)
            # requests would send loopback traffic through an HTTP proxy of the environment.
            session = getattr(getattr(self._canvas, "_Canvas__requester", None), "_session", None)
            if session is not None:
                session.trust_env = False
        return self._canvas

    def reset(self) -> None:
        """Back to a fresh root account: no imports, objects, uploads or files; controls off."""
        self.server.request("POST", "/_control/reset")

    def wait_for(self, import_id: int, timeout: float = 30, *, account: int | str = "self",
                 kind: str = "sis_imports") -> dict[str, Any]:
        """The import's JSON once it has ended; ImportDidNotFinish with the states it went through.

        ``kind`` is ``sis_imports`` or ``outcome_imports``.
        """
        path = f"/api/v1/accounts/{account}/{kind}/{import_id}"
        seen: list[str] = []
        started = time.monotonic()
        deadline = started + timeout
        while True:
            body = self.server.request("GET", path)
            state = f"{body['workflow_state']} ({body['progress']}%)"
            if not seen or seen[-1] != state:
                seen.append(state)
            if body["workflow_state"] in TERMINAL_STATES:
                return body
            if time.monotonic() > deadline:
                raise ImportDidNotFinish(
                    f"import {import_id} did not finish within {timeout:g} s;"
                    f" states seen: {' -> '.join(seen)}\nserver log:\n{self.server.log_tail(20)}")
            time.sleep(FAST_POLL_S if time.monotonic() - started < FAST_POLLING_S else SLOW_POLL_S)

    def sis_import(self, source: str | bytes | os.PathLike, *, account: int | str = "self",
                   timeout: float = 30, **options: Any) -> dict[str, Any]:
        """Import ``source`` and wait: its final JSON.

        ``source`` is a path (``os.PathLike``, or a ``str`` without a line break), CSV text
        (a ``str`` with one), or the bytes of a CSV or ZIP file. ``options`` are the import's
        parameters (``batch_mode=True``, ``override_sis_stickiness=True``, ...).
        """
        created = self.start_sis_import(source, account=account, **options)
        return self.wait_for(created["id"], timeout, account=account)

    def start_sis_import(self, source: str | bytes | os.PathLike, *, account: int | str = "self",
                         **options: Any) -> dict[str, Any]:
        """Create a SIS import without waiting: the JSON of the new import (``created``)."""
        file_name, content = _sis_file(source)
        boundary = "canvas-imports-" + os.urandom(12).hex()
        body = _multipart(boundary, {"import_type": "instructure_csv", **options},
                          file_name, content)
        return self.server.request(
            "POST", f"/api/v1/accounts/{account}/sis_imports", body=body,
            content_type=f"multipart/form-data; boundary={boundary}")

    async def wait_for_async(self, import_id: int, timeout: float = 30,
                             **kwargs: Any) -> dict[str, Any]:
        """``wait_for`` for async tests: the event loop goes on meanwhile."""
        import asyncio

        return await asyncio.to_thread(self.wait_for, import_id, timeout, **kwargs)

    async def sis_import_async(self, source: str | bytes | os.PathLike,
                               **kwargs: Any) -> dict[str, Any]:
        """``sis_import`` for async tests: the event loop goes on meanwhile."""
        import asyncio

        return await asyncio.to_thread(self.sis_import, source, **kwargs)


def _sis_file(source: str | bytes | os.PathLike) -> tuple[str, bytes]:
    if isinstance(source, bytes):
        return ("sis_import.zip" if source.startswith(ZIP_MAGIC) else "sis_import.csv"), source
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return "sis_import.csv", source.encode("utf-8")
    path = Path(source)
    return path.name, path.read_bytes()


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _multipart(boundary: str, fields: dict[str, Any], file_name: str, content: bytes) -> bytes:
    """A multipart/form-data body: text fields first, the file part ``attachment`` last."""
    quoted_name = file_name.replace("\\", "\\\\").replace('"', '\\"')
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
        f"{_form_value(value)}\r\n".encode()
        for key, value in fields.items()
    ]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachment";'
                 f' filename="{quoted_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


@pytest.fixture(scope="session")
def canvas_imports_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CanvasImportsServer]:
    """One real canvas-imports server for the whole run (for each worker under pytest-xdist)."""
    server = start_server(tmp_path_factory.mktemp("canvas-imports"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def canvas_imports(canvas_imports_server: CanvasImportsServer) -> CanvasImports:
    """The session's server, reset to a fresh root account for this test."""
    imports = CanvasImports(canvas_imports_server)
    imports.reset()
    return imports
