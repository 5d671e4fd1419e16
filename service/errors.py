"""Errors that carry their HTTP status and Canvas body, and error report numbers.

Handlers raise; only service.error_middleware builds an error response. Nothing here imports
aiohttp: the import process raises and numbers errors too, and it never loads the web stack
(about 25 MiB of a process's memory).
"""

from __future__ import annotations

import errno
import sqlite3
import time
from typing import Any

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


def new_error_report_number() -> int:
    """A number to quote in a response or message and find again in the log."""
    return time.time_ns() // 1000
