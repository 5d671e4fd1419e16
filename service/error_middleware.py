"""The one middleware that renders errors: ApiError, aiohttp's HTTP errors and the unexpected.

Handlers raise (service.errors); nothing else builds an error response. Anything unexpected is
logged with its traceback under an error report number and answered with Canvas's generic 500
body (decision 11): never a traceback on the wire, never 200 for a failure.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from .errors import (GENERIC_NOT_FOUND, ApiError, InsufficientStorage, MalformedBody, is_disk_full,
                     new_error_report_number)
from .http import json_response

log = logging.getLogger("canvas_imports")

# aiohttp's own HTTP exceptions (no route, wrong method) become Canvas-shaped JSON too.
_HTTP_MESSAGES = {
    405: "The requested method is not allowed for this resource.",
    413: "The request body is too large.",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
