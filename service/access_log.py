"""The access log, with secrets taken out of the request line (decision 26).

Clients put tokens in the query string (``access_token``) and follow download URLs that carry
their ``verifier``; a log is read by more people than the API, so both are redacted before
aiohttp's own formatter sees the request.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_log import AccessLogger

SECRET_PARAMETERS = frozenset({"access_token", "api_key", "verifier"})
REDACTED = "REDACTED"


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access logger, with secret query parameters replaced by ``REDACTED``."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        query = request.rel_url.query
        if not SECRET_PARAMETERS.intersection(query):
            super().log(request, response, time)
            return
        redacted = [(name, REDACTED if name in SECRET_PARAMETERS else value)
                    for name, value in query.items()]
        super().log(request.clone(rel_url=request.rel_url.with_query(redacted)), response, time)
