"""Token authentication (decisions 1-3).

A token is a user who administers every root account. Tokens come from settings; with none
configured one is generated on first start and kept in the data directory (mode 0600), so a
deployment is never open by accident.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

from .errors import NotAuthorized, Unauthenticated

# Routes that answer without a token: container health checks, downloads, which carry their
# own verifier as Canvas's file URLs do, and the page's static files, which hold no data (the
# page sends the token with every API call it makes).
PUBLIC_PREFIXES = ("/health", "/files/", "/web/")
PUBLIC_PATHS = frozenset({"/"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

log = logging.getLogger("canvas_imports")


class TokenFileError(Exception):
    """The token file cannot be used safely; the message says why and what to do."""


def load_or_create_token(token_file: Path) -> str:
    """The generated token kept in the data directory, created (mode 0600) on first start.

    A token file that others may read (copied in, restored from a backup, created by hand) is
    made owner-only before its token is used, and the server says so; one it cannot make
    private is refused.
    """
    if token_file.exists():
        _make_owner_only(token_file)
        token = token_file.read_text(encoding="utf-8").strip()
        if token:
            return token
    token = secrets.token_urlsafe(32)
    token_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(token_file, 0o600)
    return token


def _make_owner_only(token_file: Path) -> None:
    mode = stat.S_IMODE(token_file.stat().st_mode)
    if not mode & 0o077:
        return
    try:
        os.chmod(token_file, 0o600)
    except OSError as error:
        raise TokenFileError(
            f"{token_file} may be read by other users (mode {mode:04o}) and could not be made"
            f" private ({error.strerror}); make it mode 0600 or remove it") from None
    log.warning("%s could be read by other users (mode %04o): it is now mode 0600",
                token_file, mode)


def _presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("access_token") or None


def _matches(candidate: str, tokens: tuple[str, ...]) -> bool:
    # Compare against every token so the time taken does not say which one nearly matched.
    # Header bytes that are not UTF-8 reach us as surrogates: compare them as the bytes they were.
    presented = candidate.encode("utf-8", "surrogateescape")
    found = False
    for token in tokens:
        found |= hmac.compare_digest(presented, token.encode())
    return found


def auth_middleware(tokens: tuple[str, ...], read_only_tokens: tuple[str, ...]):
    """Reject requests without a known token (401) and writes by read-only tokens (403)."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES):
            return await handler(request)
        presented = _presented_token(request)
        if presented is None:
            raise Unauthenticated()
        if _matches(presented, tokens):
            return await handler(request)
        if _matches(presented, read_only_tokens):
            if request.method in WRITE_METHODS:
                raise NotAuthorized()
            return await handler(request)
        raise Unauthenticated()

    return middleware
