"""``page``/``per_page`` and Canvas's ``Link`` header (section 1, decision 9).

Links are absolute, built on ``public_url.request_base_url``, so that clients which match them
against their own base URL (canvasapi) find them; entries are joined by a bare
comma with double-quoted rel values, the exact format several clients split on.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import urlencode

import orjson
from aiohttp import web

from .ids import MAX_ID, parse_id
# Re-exported: handlers have long imported it from here.
from .public_url import request_base_url as base_url

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


# Bookmark pages (Canvas's BookmarkedCollection): lists Canvas pages by bookmark (enrollments,
# users) answer ``page=bookmark:<token>`` links, the token being the sort key of the last row
# shown, so a deep page costs an index seek instead of an OFFSET scan. A numeric ``page`` that a
# client computes itself still works (by offset), as does Canvas's ``page=first``.
BOOKMARK_PREFIX = "bookmark:"
FIRST_PAGE = "first"


@dataclass(frozen=True)
class Window:
    """The slice of a bookmark-paginated list a request asks for."""

    per_page: int
    after: tuple | None        # sort key of the last row of the previous page
    offset: int                # used only when the client sent a numeric page
    page_param: str            # the page as the client sent it, echoed in rel="current"


def requested_window(request: web.Request, key_width: int) -> Window:
    """Read ``page`` (a bookmark, ``first`` or a number) and ``per_page``; bad bookmarks mean
    the first page, as in Canvas."""
    per_page = min(MAX_PER_PAGE, _positive_int(request.query.get("per_page"), DEFAULT_PER_PAGE))
    page = request.query.get("page") or FIRST_PAGE
    if page.startswith(BOOKMARK_PREFIX):
        after = _decode_bookmark(page[len(BOOKMARK_PREFIX):], key_width)
        return Window(per_page, after, 0, page if after is not None else FIRST_PAGE)
    number = _positive_int(page, 1)
    return Window(per_page, None, (number - 1) * per_page, page if number > 1 else FIRST_PAGE)


def encode_bookmark(key: tuple) -> str:
    """``bookmark:`` plus the URL-safe, unpadded base64 of the JSON sort key (Canvas's JSONToken)."""
    token = base64.urlsafe_b64encode(orjson.dumps(list(key))).rstrip(b"=").decode()
    return BOOKMARK_PREFIX + token


def _decode_bookmark(token: str, key_width: int) -> tuple | None:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(value, list) or len(value) != key_width:
        return None
    if not all(v is None or (isinstance(v, (str, int)) and not isinstance(v, bool)) for v in value):
        return None
    return tuple(value)


def bookmark_link_header(request: web.Request, window: Window, next_key: tuple | None,
                         dropped: Sequence[str] = ()) -> str:
    """current, next (when there is more) and first, as Canvas links bookmarked collections:
    no prev and no last; ``dropped`` parameters are left out as well."""
    kept = [(k, v) for k, v in request.query.items() if k not in _DROPPED_PARAMS and k not in dropped]
    url = f"{base_url(request)}{request.path}"

    def link(page: str, rel: str) -> str:
        query = urlencode(kept + [("page", page), ("per_page", str(window.per_page))])
        return f'<{url}?{query}>; rel="{rel}"'

    links = [link(window.page_param, "current")]
    if next_key is not None:
        links.append(link(encode_bookmark(next_key), "next"))
    links.append(link(FIRST_PAGE, "first"))
    return ",".join(links)
