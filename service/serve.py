"""Running the app as a server process: listen, run the seeds, say so, stop on a signal.

What a parent process (a test suite in any language) can rely on:

* the first line of standard output is one JSON object, ``{"base_url": ..., "token": ...}``,
  printed once the server accepts requests and every ``--seed`` import has finished; everything
  else (the banner, the log) goes to standard error;
* ``--ready-file PATH`` receives the same JSON at the same moment, written whole (a reader never
  sees half of it), and is removed again at shutdown; one left by an earlier run is removed
  before anything starts, so it never announces a server that is not there;
* with ``--port 0`` the operating system picks a free port, the one in ``base_url``;
* with ``--exit-on-stdin-close`` the server shuts down when its standard input closes, which is
  what happens when the parent dies, so a crashed test run leaves no server behind;
* a seed import that does not end ``imported`` or ``imported_with_messages`` stops the server
  before it reports ready, with exit status 1 and the import's messages on standard error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import aiohttp
from aiohttp import web

from .settings import Settings
from .states import SIS_TERMINAL, SisState

log = logging.getLogger("canvas_imports")

SEED_OK = frozenset({SisState.IMPORTED, SisState.IMPORTED_WITH_MESSAGES})
SEED_POLL_S = 0.01
SEED_REQUEST_TIMEOUT_S = 60.0


class SeedFailed(Exception):
    """A --seed import did not end imported; the message says what it reported."""


def base_url_of(host: str, port: int) -> str:
    """The URL clients use for a server listening on ``host``:``port``."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(
    app: web.Application, settings: Settings, write_token: str, shown_token: str | None,
    on_listening: Callable[[Settings], None], **runner_kwargs: Any,
) -> int:
    """Serve ``app`` until SIGINT, SIGTERM (or standard input closing); returns the exit status.

    ``write_token`` runs the seeds; ``shown_token`` is the token the start-up JSON carries
    (None when the tokens were chosen by whoever started the server, who knows them).
    ``on_listening`` gets the settings with the port actually bound (for the banner).
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    if settings.exit_on_stdin_close:
        _watch_stdin(loop, stop)
    if settings.ready_file is not None:
        settings.ready_file.unlink(missing_ok=True)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=settings.shutdown_grace_s,
                           **runner_kwargs)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        bound = replace(settings, port=runner.addresses[0][1])
        base_url = base_url_of(bound.host, bound.port)
        on_listening(bound)
        seeding = asyncio.ensure_future(_run_seeds(base_url, write_token, settings.seed_paths))
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({seeding, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not seeding.done():
            seeding.cancel()
            await asyncio.gather(seeding, return_exceptions=True)
            return 0
        try:
            seeding.result()
        except SeedFailed as error:
            print(f"canvas-imports: {error}", file=sys.stderr, flush=True)
            stopped.cancel()
            return 1
        announcement = json.dumps({"base_url": base_url, "token": shown_token})
        # The file first: whoever has read the line may count on the file being there.
        if settings.ready_file is not None:
            _write_whole(settings.ready_file, announcement + "\n")
        print(announcement, flush=True)
        await stopped
        return 0
    finally:
        if settings.ready_file is not None:
            settings.ready_file.unlink(missing_ok=True)
        await runner.cleanup()


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    def read_until_closed() -> None:
        try:
            while sys.stdin.buffer.read(65536):
                pass
        except (OSError, ValueError):
            pass
        loop.call_soon_threadsafe(stop.set)

    # A daemon thread: blocking reads cannot be cancelled, and it must not delay the exit.
    threading.Thread(target=read_until_closed, name="stdin-watch", daemon=True).start()


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)


async def _run_seeds(base_url: str, token: str, paths: tuple[Path, ...]) -> None:
    """Import each seed through the API, one after another, as any client would."""
    if not paths:
        return
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=SEED_REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(base_url, headers=headers, timeout=timeout) as session:
        for path in paths:
            final = await _seed(session, path)
            for file_name, message in final.get("processing_warnings", []):
                log.warning("seed %s: %s: %s", path.name, file_name, message)
            log.info("seed %s: %s, counts %s", path.name, final["workflow_state"],
                     {k: v for k, v in final["data"].get("counts", {}).items() if v})


async def _seed(session: aiohttp.ClientSession, path: Path) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("import_type", "instructure_csv")
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        form.add_field("attachment", handle, filename=path.name)
        async with session.post("/api/v1/accounts/self/sis_imports", data=form) as response:
            created = await response.json()
            if response.status != 200:
                raise SeedFailed(f"seed {path}: HTTP {response.status}: {created}")
    finally:
        await asyncio.to_thread(handle.close)
    while True:
        async with session.get(f"/api/v1/accounts/self/sis_imports/{created['id']}") as response:
            body = await response.json()
        state = body["workflow_state"]
        if state in SIS_TERMINAL:
            if state not in SEED_OK:
                messages = body.get("processing_errors", []) + body.get("processing_warnings", [])
                details = "; ".join(f"{file_name}: {message}" for file_name, message in messages)
                details = details or body["data"].get("error_message") or ""
                raise SeedFailed(f"seed {path} ended {state}"
                                 + (f": {details}" if details else ""))
            return body
        await asyncio.sleep(SEED_POLL_S)
