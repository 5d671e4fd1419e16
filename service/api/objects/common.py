"""What the read handlers share: list parameters, paged replies, and resolving path ids."""

from __future__ import annotations

import sqlite3
from typing import Any, Callable, Sequence

from aiohttp import web

from ...appkeys import DATABASE
from ...errors import NotFound
from ...http import canvas_response, value_to_boolean
from ...pagination import (FIRST_PAGE, Page, Window, bookmark_link_header, link_header,
                           requested_page, requested_window)
from ...sis.objects_json import TOKEN_USER_ID
from ...store.accounts import ROOT_ACCOUNT_ID
from ...store.objects_people import Slice, resolve_user

SELF = "self"


def list_param(request: web.Request, name: str) -> tuple[str, ...] | None:
    """A Rails array parameter (``name[]=a&name[]=b``, or a single ``name=a``); None when absent."""
    values = request.query.getall(f"{name}[]", []) or request.query.getall(name, [])
    values = [v for v in values if v != ""]
    return tuple(values) if values else None


def includes(request: web.Request) -> tuple[str, ...]:
    """``include[]`` values."""
    return list_param(request, "include") or ()


def flag(request: web.Request, name: str) -> bool | None:
    """A boolean parameter through value_to_boolean; None when absent or blank."""
    value = request.query.get(name)
    return None if value is None or value.strip() == "" else value_to_boolean(value)


async def read(request: web.Request, fn: Callable[..., Any], *args: Any) -> Any:
    """Run a store query on the read connection."""
    return await request.app[DATABASE].read(fn, *args)


def _resolved_and(conn: sqlite3.Connection, resolve: Callable[[sqlite3.Connection, str], sqlite3.Row | None],
                  reference: str, fn: Callable[[sqlite3.Connection, sqlite3.Row], Any]) -> tuple[sqlite3.Row | None, Any]:
    found = resolve(conn, reference)
    if found is None or found["workflow_state"] == "deleted":
        return None, None
    return found, fn(conn, found)


async def read_under(request: web.Request, resolve: Callable[[sqlite3.Connection, str], sqlite3.Row | None],
                     reference: str, fn: Callable[[sqlite3.Connection, sqlite3.Row], Any]) -> tuple[sqlite3.Row, Any]:
    """The object ``resolve`` finds for ``reference`` (the generic 404 when it is missing or
    deleted) and ``fn(conn, object)``, read in one trip to the read connection: a page of a
    long list costs one hand-over to its thread, not one to find its course and one more."""
    found, result = await request.app[DATABASE].read(_resolved_and, resolve, reference, fn)
    if found is None:
        raise NotFound()
    return found, result


def offset_page(request: web.Request) -> Page:
    """The numeric page of a short list."""
    return requested_page(request)


def numbered_links(request: web.Request, page: Page, shown: int, total: int) -> dict[str, str]:
    """Canvas's Link header of a numbered page (current, next, prev, first, last)."""
    return {"Link": link_header(request, page, page.offset + shown < total, total)}


def paged(request: web.Request, body: Sequence[Any], page: Page, total: int) -> web.Response:
    """A numbered page of ``body`` with its Link header."""
    return canvas_response(request, list(body), numbered_links(request, page, len(body), total))


def keyset_slice(request: web.Request, key_width: int) -> tuple[Window, Slice]:
    """The window a bookmark list is asked for, and the store slice that fetches it plus one
    more row (to know whether there is a next page)."""
    window = requested_window(request, key_width)
    return window, Slice(limit=window.per_page + 1, after=window.after, offset=window.offset)


def numbered_window(per_page: int, number: int) -> tuple[Window, Slice]:
    """Page ``number`` of a bookmark list, as if the client had asked ``page=number``."""
    window = Window(per_page, None, (number - 1) * per_page, str(number) if number > 1 else FIRST_PAGE)
    return window, Slice(limit=per_page + 1, after=None, offset=window.offset)


def bookmarked(request: web.Request, body: list[Any], window: Window, rows: Sequence[Any],
               key: Callable[[Any], tuple], dropped: Sequence[str] = ()) -> web.Response:
    """A bookmark page: ``rows`` were fetched with one extra row, which only says there is more;
    ``dropped`` parameters stay out of its links."""
    next_key = key(rows[window.per_page - 1]) if len(rows) > window.per_page else None
    headers = {"Link": bookmark_link_header(request, window, next_key, dropped)}
    return canvas_response(request, body[:window.per_page], headers)


class UserRef:
    """The user a path names: a stored user, or the token's own user (``self``)."""

    def __init__(self, row: sqlite3.Row | None) -> None:
        self.row = row

    @property
    def is_token_user(self) -> bool:
        return self.row is None

    @property
    def id(self) -> int:
        return TOKEN_USER_ID if self.row is None else self.row["id"]


async def user_from_reference(request: web.Request, reference: str) -> UserRef:
    """A user named by a Canvas id, ``self``, ``sis_user_id:X`` or ``sis_login_id:X``."""
    if reference == SELF or reference == str(TOKEN_USER_ID):
        return UserRef(None)
    user = await read(request, resolve_user, ROOT_ACCOUNT_ID, reference)
    if user is None or user["workflow_state"] == "deleted":
        raise NotFound()
    return UserRef(user)


async def user_from_path(request: web.Request, name: str = "user_id") -> UserRef:
    """The user of ``:user_id``."""
    return await user_from_reference(request, request.match_info[name])
