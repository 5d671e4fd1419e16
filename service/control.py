"""The ``/_control/`` test controls: states that are hard to reach against a real Canvas, on demand.

They exist only with ``--enable-control`` (never in the container's default command); without
it these paths are the generic 404 of any path that does not exist (decision 28). Every control
is a POST, so it needs a token that may write: a read-only token gets the usual 403 (decision 3).
Parameters come from the query string, a form or a JSON body, as for every other endpoint.

* ``pause`` / ``resume``: the job engine stops claiming imports, which stay ``created``.
* ``pace``: a minimum time per import (``seconds_per_import``) or a maximum speed
  (``rows_per_second``), so that ``importing`` and intermediate ``progress`` can be watched.
* ``throttle``: the next ``requests`` API requests answer as Canvas's throttle does.
* ``fail_next``: the next import of a root account fails with ``message``.
* ``reset``: every table, upload and file emptied, one fresh root account, the controls off.

Each answers 200 with the state of every control (see ``controls_json``).
"""

from __future__ import annotations

import asyncio
import math
import shutil
from pathlib import Path
from typing import Any

from aiohttp import web
from multidict import MultiDict

from .appkeys import DATABASE, QUEUE, SETTINGS
from .clock import utc_now
from .errors import BadRequest, NotFound
from .http import json_response, request_params
from .store.accounts import resolve_account
from .store.reset import wipe_all_data

# Canvas announced on 2025-10-06 that throttled API calls answer 429 instead of 403, and
# canvasapi 3.5+ raises RateLimitExceeded for a 429 (a 403 is a plain Forbidden). The body and
# headers are those of Canvas's RequestThrottle#rate_limit_exceeded with the new status: plain
# text, X-Rate-Limit-Remaining 0.0 and no X-Request-Cost.
THROTTLED_STATUS = 429
THROTTLED_BODY = "429 Too Many Requests (Rate Limit Exceeded)\n"
THROTTLED_HEADERS = {"X-Rate-Limit-Remaining": "0.0"}
THROTTLED_PREFIX = "/api/"


class TestControls:
    """The controls' own state; the job engine's (pause, pace, failures) lives in the queue."""

    # Not a test class, whatever pytest's name-based collection thinks.
    __test__ = False

    def __init__(self) -> None:
        self.throttled_requests = 0
        # One reset at a time: a second one waits for the first instead of racing it.
        self.reset_lock = asyncio.Lock()

    def take_throttled_request(self) -> bool:
        """True (and one fewer to come) when this request is to be throttled."""
        if self.throttled_requests <= 0:
            return False
        self.throttled_requests -= 1
        return True


CONTROLS = web.AppKey("controls", TestControls)


@web.middleware
async def throttle_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Answer API requests as Canvas's throttle does while the throttle control says so.

    It runs before authentication, as Canvas's RequestThrottle runs before its controllers.
    """
    if request.path.startswith(THROTTLED_PREFIX) and request.app[CONTROLS].take_throttled_request():
        return web.Response(status=THROTTLED_STATUS, text=THROTTLED_BODY,
                            content_type="text/plain", charset="utf-8",
                            headers=THROTTLED_HEADERS)
    return await handler(request)


def setup_control(app: web.Application) -> None:
    """Add the control routes and their state (only called with ``--enable-control``)."""
    app[CONTROLS] = TestControls()
    for name, handler in (
        ("pause", pause), ("resume", resume), ("pace", pace), ("throttle", throttle),
        ("fail_next", fail_next), ("reset", reset),
    ):
        app.router.add_post(f"/_control/{name}", handler)


def controls_json(app: web.Application) -> dict[str, Any]:
    """Every control's current state: what each control endpoint answers."""
    queue = app[QUEUE]
    return {
        "paused": queue.paused,
        "seconds_per_import": queue.pace.seconds_per_import,
        "rows_per_second": queue.pace.rows_per_second,
        "throttled_requests": app[CONTROLS].throttled_requests,
        "fail_next": [
            {"account_id": account_id, "message": message}
            for account_id, message in sorted(queue.requested_failures.items())
        ],
    }


async def pause(request: web.Request) -> web.Response:
    """POST /_control/pause: no import starts until resume (running ones go on to their end)."""
    request.app[QUEUE].pause()
    return json_response(controls_json(request.app))


async def resume(request: web.Request) -> web.Response:
    """POST /_control/resume: imports that waited start, oldest first."""
    request.app[QUEUE].resume()
    return json_response(controls_json(request.app))


async def pace(request: web.Request) -> web.Response:
    """POST /_control/pace: ``seconds_per_import`` and/or ``rows_per_second``; none clears it."""
    params = await request_params(request)
    seconds = _optional_positive_number(params, "seconds_per_import")
    rows = _optional_positive_number(params, "rows_per_second")
    request.app[QUEUE].pace.set(seconds, rows)
    return json_response(controls_json(request.app))


async def throttle(request: web.Request) -> web.Response:
    """POST /_control/throttle: the next ``requests`` API requests are throttled (0 clears)."""
    params = await request_params(request)
    raw = (params.get("requests") or "").strip()
    if not raw.isdigit():
        raise BadRequest(_error("requests must be a whole number of requests (0 or more)"))
    request.app[CONTROLS].throttled_requests = int(raw)
    return json_response(controls_json(request.app))


async def fail_next(request: web.Request) -> web.Response:
    """POST /_control/fail_next: the next import of root account ``account_id`` fails.

    ``account_id`` is an id, ``self`` or ``sis_account_id:X`` (default: ``self``). A SIS import
    ends ``failed_with_messages`` with ``message`` as its failure; an outcome import (into the
    account, a sub-account or a course of it) ends ``failed`` with ``[1, message]``.
    """
    params = await request_params(request)
    message = (params.get("message") or "").strip()
    if not message:
        raise BadRequest(_error("message is required"))
    reference = (params.get("account_id") or "self").strip()
    account = await request.app[DATABASE].read(resolve_account, reference)
    if account is None:
        raise NotFound()
    if account["root_account_id"] is not None:
        raise BadRequest(_error("fail_next takes a root account"))
    request.app[QUEUE].fail_next(account["id"], message)
    return json_response(controls_json(request.app))


async def reset(request: web.Request) -> web.Response:
    """POST /_control/reset: a fresh root account, nothing else; every control off."""
    app = request.app
    controls = app[CONTROLS]
    queue = app[QUEUE]
    settings = app[SETTINGS]

    async def wipe() -> None:
        await app[DATABASE].write(wipe_all_data, utc_now())
        await asyncio.to_thread(_empty_directories, (settings.uploads_dir, settings.files_dir))
        queue.clear_controls()
        controls.throttled_requests = 0

    async with controls.reset_lock:
        # Shielded: a client that gives up mid-reset must not leave the workers stopped.
        await asyncio.shield(queue.restart_around(wipe))
    return json_response(controls_json(app))


def _empty_directories(directories: tuple[Path, ...]) -> None:
    """Remove what the directories hold, keeping the directories themselves."""
    for directory in directories:
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _optional_positive_number(params: MultiDict[str], name: str) -> float | None:
    raw = (params.get(name) or "").strip()
    if raw in ("", "null", "none"):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise BadRequest(_error(f"{name} must be a number of 0 or more"))
    return value or None


def _error(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}]}
