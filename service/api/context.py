"""Resolving the account or course a URL names, shared by the API handlers."""

from __future__ import annotations

import sqlite3

from aiohttp import web

from ..appkeys import DATABASE
from ..errors import BadRequest, Forbidden, NotFound
from ..ids import parse_id
from ..store.accounts import ROOT_ACCOUNT_ID, resolve_account
from ..store.sis_objects import find_course_by, get_course

NOT_ROOT = {"errors": ["SIS imports can only be executed on root accounts"]}
SIS_DISABLED = {"errors": ["SIS imports are not enabled for this account"]}


async def account_from_path(request: web.Request) -> sqlite3.Row:
    """The account of ``:account_id``, or the generic 404."""
    account = await request.app[DATABASE].read(resolve_account, request.match_info["account_id"])
    if account is None or account["workflow_state"] == "deleted":
        raise NotFound()
    return account


async def sis_root_account_from_path(request: web.Request) -> sqlite3.Row:
    """The account of ``:account_id`` after the checks every SIS action makes (section 2.2)."""
    return check_sis_account(await account_from_path(request))


def check_sis_account(account: sqlite3.Row | None) -> sqlite3.Row:
    """Raise what Canvas answers for a missing, non-root or SIS-disabled account (section 2.2)."""
    if account is None or account["workflow_state"] == "deleted":
        raise NotFound()
    if account["root_account_id"] is not None:
        raise BadRequest(NOT_ROOT)
    if not account["allow_sis_import"]:
        raise Forbidden(SIS_DISABLED)
    return account


def import_id_from_path(request: web.Request, name: str = "id") -> int | None:
    """The integer ``:id`` of the path, None for ``latest``; anything else is the generic 404."""
    value = request.match_info[name]
    if value == "latest":
        return None
    import_id = parse_id(value)
    if import_id is None:
        raise NotFound()
    return import_id


def resolve_course(conn: sqlite3.Connection, reference: str) -> sqlite3.Row | None:
    """The course a path segment names: a Canvas id, ``sis_course_id:X``,
    ``sis_integration_id:X`` or ``uuid:X``."""
    return find_course_by(conn, ROOT_ACCOUNT_ID, reference)


async def course_from_path(request: web.Request) -> sqlite3.Row:
    """The course of ``:course_id`` (a Canvas id or ``sis_course_id:X``), or the generic 404."""
    course = await request.app[DATABASE].read(resolve_course, request.match_info["course_id"])
    if course is None or course["workflow_state"] == "deleted":
        raise NotFound()
    return course
