"""``page``/``per_page`` and Canvas's ``Link`` header (section 1, decision 9).

Links are absolute, built from the request's scheme and Host header, so that clients which
match them against their own base URL (canvasapi) find them; entries are joined by a bare
comma with double-quoted rel values, the exact format several clients split on.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from .ids import MAX_ID, parse_id

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
MAX_PAGE = MAX_ID // MAX_PER_PAGE
_DROPPED_PARAMS = frozenset({"page", "per_page", "access_token", "api_key"})


@dataclass(frozen=True)
class Page:
    """The page a request asks for."""

    number: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def requested_page(request: web.Request) -> Page:
    """Read page and per_page from the query; bad values fall back to the defaults."""
    return Page(_positive_int(request.query.get("page"), 1),
                min(MAX_PER_PAGE, _positive_int(request.query.get("per_page"), DEFAULT_PER_PAGE)))


def _positive_int(text: str | None, default: int) -> int:
    value = parse_id(text)
    if value is None or value < 1:
        return default
    # Past this page the SQL offset would overflow SQLite's 64-bit integer; such pages are empty.
    return min(value, MAX_PAGE)


def base_url(request: web.Request) -> str:
    """scheme://host[:port] as the client addressed this server."""
    return f"{request.scheme}://{request.host}"


def link_header(request: web.Request, page: Page, has_next: bool, total: int | None) -> str:
    """The Link header value; without a total there is no rel="last" (SIS import lists)."""
    kept = [(k, v) for k, v in request.query.items() if k not in _DROPPED_PARAMS]
    url = f"{base_url(request)}{request.path}"

    def link(number: int, rel: str) -> str:
        query = urlencode(kept + [("page", str(number)), ("per_page", str(page.per_page))])
        return f'<{url}?{query}>; rel="{rel}"'

    links = [link(page.number, "current")]
    if has_next:
        links.append(link(page.number + 1, "next"))
    if page.number > 1:
        links.append(link(page.number - 1, "prev"))
    links.append(link(1, "first"))
    if total is not None:
        last = max(1, -(-total // page.per_page))
        links.append(link(last, "last"))
    return ",".join(links)
