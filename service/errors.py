"""Errors that carry their HTTP status and Canvas body, and the one middleware that renders them.

Handlers raise; nothing else builds an error response. Anything unexpected is logged with its
traceback under an error report number and answered with Canvas's generic 500 body (decision 11):
never a traceback on the wire, never 200 for a failure.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

from .http import json_response

log = logging.getLogger("canvas_imports")

GENERIC_NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


class ApiError(Exception):
    """An error answered with ``status`` and the exact JSON ``body`` Canvas sends."""

    status = 500
    headers: dict[str, str] = {}

    def __init__(self, body: Any) -> None:
        super().__init__(body)
        self.body = body


class BadRequest(ApiError):
    status = 400


class Unauthenticated(ApiError):
    status = 401
    # canvasapi maps a 401 *with* this header to InvalidAccessToken.
    headers = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}

    def __init__(self) -> None:
        super().__init__(
            {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}
        )


class Forbidden(ApiError):
    status = 403


class NotAuthorized(Forbidden):
    """Current Canvas's answer to a user who lacks the permission (decision 3)."""

    def __init__(self) -> None:
        super().__init__(
            {"status": "unauthorized",
             "errors": [{"message": "user not authorized to perform that action"}]}
        )


class NotFound(ApiError):
    status = 404

    def __init__(self, body: Any = None) -> None:
        super().__init__(GENERIC_NOT_FOUND if body is None else body)


class PayloadTooLarge(ApiError):
    status = 413

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            {"errors": [{"message": f"The request body exceeds the limit of {limit_bytes} bytes."}]}
        )


# aiohttp's own HTTP exceptions (no route, wrong method) become Canvas-shaped JSON too.
_HTTP_MESSAGES = {
    405: "The requested method is not allowed for this resource.",
    413: "The request body is too large.",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_error_report_number() -> int:
    """A number to quote in a response or message and find again in the log."""
    return time.time_ns() // 1000


def error_middleware() -> Any:
    """Render ApiError, aiohttp HTTP errors and unexpected exceptions as Canvas JSON."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as error:
            return json_response(error.body, error.status, dict(error.headers))
        except web.HTTPException as error:
            if error.status < 400:
                raise
            if error.status == 404:
                body: Any = GENERIC_NOT_FOUND
            else:
                body = {"errors": [{"message": _HTTP_MESSAGES.get(error.status, error.reason)}]}
            headers = {k: v for k, v in error.headers.items() if k.lower() == "allow"}
            return json_response(body, error.status, headers)
        except Exception:
            number = new_error_report_number()
            log.exception("error report %d: unexpected exception in %s %s",
                          number, request.method, request.path)
            return json_response(
                {"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
                 "error_report_id": number},
                500,
            )

    return middleware
