"""What every handler needs from HTTP: request parameters as Rails sees them, and JSON replies.

Rails merges the query string and the form into one ``params``; clients put options in either
(clients.md), so handlers read ``request_params`` and never the query or the body directly.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from multidict import MultiDict, MultiDictProxy

STRING_IDS_MEDIA_TYPE = "application/json+canvas-string-ids"
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def value_to_boolean(value: Any) -> bool:
    """Canvas's value_to_boolean: 1/true/yes/on (any case) are true, anything else false."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE_WORDS


def present(value: str | None) -> bool:
    """Rails' ``present?`` for a parameter: given and not blank."""
    return value is not None and value.strip() != ""


async def request_params(request: web.Request) -> MultiDict[str]:
    """Query string merged with a urlencoded or JSON body (not multipart: see uploads.py)."""
    params: MultiDict[str] = MultiDict(request.query)
    if request.body_exists and request.content_type == "application/x-www-form-urlencoded":
        form: MultiDictProxy = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params.add(key, value)
    elif request.body_exists and request.content_type == "application/json":
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            for key, value in body.items():
                if isinstance(value, (str, int, float, bool)):
                    params.add(key, str(value).lower() if isinstance(value, bool) else str(value))
    return params


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response serialised with orjson."""
    return web.Response(
        body=orjson.dumps(body), status=status, headers=headers,
        content_type="application/json", charset="utf-8",
    )


def canvas_response(request: web.Request, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A 200 JSON response, with ids as strings when the client asks for them (decision 10)."""
    if STRING_IDS_MEDIA_TYPE in request.headers.get("Accept", ""):
        body = _stringify_ids(body)
    return json_response(body, 200, headers)


def _stringify_ids(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _stringify_ids(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_ids(v, key) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and (key == "id" or key.endswith("_id")):
        return str(value)
    return value
