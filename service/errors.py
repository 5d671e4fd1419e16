"""Errors that carry their HTTP status and Canvas body, and the one middleware that renders them.

Handlers raise; nothing else builds an error response. Anything unexpected is logged with its
traceback under an error report number and answered with Canvas's generic 500 body (decision 11):
never a traceback on the wire, never 200 for a failure.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import time
from typing import Any, Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from .http import json_response

log = logging.getLogger("canvas_imports")

GENERIC_NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


class ApiError(Exception):
    """An error answered with ``status`` and the exact JSON ``body`` Canvas sends."""

    status = 500
    headers: dict[str, str] = {}
    # Answer and hang up: set where the request body was left unread or half read.
    close_connection = False

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


class UploadStalled(ApiError):
    """The client stopped sending its upload (decision 29)."""

    status = 408
    close_connection = True

    def __init__(self, idle_timeout_s: float) -> None:
        super().__init__({"errors": [{"message":
            f"The upload sent nothing for {idle_timeout_s:g} seconds and was dropped."}]})


class ClientDisconnected(ApiError):
    """The client went away mid-upload; nobody reads this answer, the log line is what counts."""

    status = 400
    close_connection = True

    def __init__(self) -> None:
        super().__init__({"errors": [{"message": "The client disconnected during the upload."}]})


class TooManyUploads(ApiError):
    """All upload slots are taken (decision 29): refused before a byte of the body is read."""

    status = 503
    close_connection = True
    headers = {"Retry-After": "1"}

    def __init__(self, limit: int) -> None:
        super().__init__({"errors": [{"message":
            f"The server is receiving {limit} uploads already; try again shortly."}]})


class InsufficientStorage(ApiError):
    """The disk is full: nothing was stored, and the server serves again once there is room."""

    status = 507
    close_connection = True

    def __init__(self) -> None:
        super().__init__({"errors": [{"message":
            "The server's disk is full: the upload could not be stored.",
            "error_code": "insufficient_storage"}]})


class MalformedBody(BadRequest):
    """A body that is not what its headers say: multipart without its boundary, bad encoding."""

    close_connection = True

    def __init__(self, reason: str) -> None:
        super().__init__({"errors": [{"message": f"The request body could not be read: {reason}."}]})


def is_disk_full(error: BaseException) -> bool:
    """An OSError for a full disk or quota, or SQLite's "database or disk is full"."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return False


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
            return _api_error_response(error)
        except (HttpProcessingError, RequestPayloadError):
            # Raised while reading the body: its Content-Encoding or chunking does not match it.
            return _api_error_response(MalformedBody("it does not match its Content-Encoding"))
        except web.HTTPException as error:
            if error.status < 400:
                raise
            if error.status == 404:
                body: Any = GENERIC_NOT_FOUND
            else:
                body = {"errors": [{"message": _HTTP_MESSAGES.get(error.status, error.reason)}]}
            headers = {k: v for k, v in error.headers.items() if k.lower() == "allow"}
            return json_response(body, error.status, headers)
        except Exception as error:
            if is_disk_full(error):
                log.warning("disk full while answering %s %s", request.method, request.path)
                return _api_error_response(InsufficientStorage())
            number = new_error_report_number()
            log.exception("error report %d: unexpected exception in %s %s",
                          number, request.method, request.path)
            return json_response(
                {"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
                 "error_report_id": number},
                500,
            )

    return middleware


def _api_error_response(error: ApiError) -> web.Response:
    response = json_response(error.body, error.status, dict(error.headers))
    if error.close_connection:
        response.force_close()
    return response
