"""The base of every absolute URL an answer carries (decision 27): ``scheme://host[:port]``.

Clients follow these URLs (``Link`` headers, File ``url``s, a Progress ``url``), and canvasapi
matches a ``next`` link against its own base URL, so they must name this server as the client
reached it. In order:

1. ``--public-url`` (``CANVAS_IMPORTS_PUBLIC_URL``), when set: behind a TLS proxy the client's
   scheme, host and port are not what this process sees, and the operator says what they are;
2. with ``--trust-forwarded-headers``, ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` from the
   proxy in front (never otherwise: any client could set them);
3. the request itself: the authority of an absolute-form request line
   (``GET http://127.0.0.1:3000/... HTTP/1.1``, as urllib3 pools send through a proxy; RFC 9112
   3.2.2 says it wins over ``Host``), else the ``Host`` header, else the address the request
   arrived on.

aiohttp's own ``request.host`` drops the port of an absolute-form request line, so it is not
used for this. A host that is not a plain host name or address (it would end up inside a
``Link`` header) is ignored like a missing one.
"""

from __future__ import annotations

import re

from aiohttp import web
from yarl import URL

from .appkeys import SETTINGS

# host[:port] with a host name, an IPv4 address or a bracketed IPv6 address.
_PLAIN_AUTHORITY = re.compile(r"(?:[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*\.?|\[[0-9A-Fa-f:.]+\])"
                              r"(?::[0-9]{1,5})?")
_SCHEMES = ("http", "https")


def request_base_url(request: web.Request) -> str:
    """``scheme://host[:port]`` of this server as the client addressed it (see the module)."""
    settings = request.app[SETTINGS]
    if settings.public_url is not None:
        return settings.public_url
    scheme, authority = request.scheme, _request_authority(request)
    if settings.trust_forwarded_headers:
        scheme = _first_forwarded(request, "X-Forwarded-Proto", str.lower, _SCHEMES.__contains__) \
            or scheme
        authority = _first_forwarded(request, "X-Forwarded-Host", str.strip, _is_plain) \
            or authority
    return f"{scheme}://{authority}"


def _request_authority(request: web.Request) -> str:
    target = request.raw_path
    if target.startswith(("http://", "https://")):
        authority = URL(target).raw_authority
        if _is_plain(authority):
            return authority
    host = request.headers.get("Host", "")
    if _is_plain(host):
        return host
    return _socket_authority(request)


def _socket_authority(request: web.Request) -> str:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not sockname:
        return "localhost"
    host, port = sockname[0], sockname[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _first_forwarded(request: web.Request, name: str, normalise, valid) -> str | None:
    # A chain of proxies appends: the first value is what the client sent to the outermost one.
    value = normalise(request.headers.get(name, "").split(",", 1)[0].strip())
    return value if value and valid(value) else None


def _is_plain(authority: str) -> bool:
    return bool(authority) and _PLAIN_AUTHORITY.fullmatch(authority) is not None
