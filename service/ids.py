"""Canvas ids as they arrive in paths and parameters: ASCII digits that fit a SQLite integer.

``str.isdigit`` accepts Unicode digits ("١", "²") and ``int`` accepts signs and underscores;
a path segment is an id only when it is plain ASCII digits within SQLite's 64-bit range, so a
hostile id is simply an id that names nothing (the generic 404), never an overflow.

``parse_reference`` reads the other forms Canvas's ``Api.sis_parse_id`` accepts wherever an id
is (``sis_course_id:X``, ``hex:sis_user_id:<hex>``, ``uuid:...``); each resolver in the store
says which lookups its object has (Canvas's ``Api::SIS_MAPPINGS``) and answers nothing for others.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

MAX_ID = 2**63 - 1


def parse_id(text: str | None) -> int | None:
    """The id ``text`` spells, or None when it is not a plain id within range."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


@dataclass(frozen=True)
class Reference:
    """What a path id names, as Canvas's Api.sis_parse_id reads it: ``kind`` is ``id`` (and
    ``value`` an int), ``uuid``, or the lookup's name (``sis_course_id``, ``sis_integration_id``,
    ``lti_context_id`` ...), whose value each resolver maps to a column or to nothing."""

    kind: str
    value: int | str


# Api.sis_parse_id's forms: hex:sis_x:<hex of the id>, sis_x:<id>, digits, uuid:<40+ word chars>.
_HEX_FORM = re.compile(r"hex:((?:lti|sis)_\w+):((?:[0-9A-Fa-f]{2})+)", re.ASCII)
_NAMED_FORM = re.compile(r"((?:lti|sis)_\w+):(.+)", re.ASCII)
_UUID_FORM = re.compile(r"uuid:(\w{40,})", re.ASCII)


def parse_reference(text: str | None) -> Reference | None:
    """The reference ``text`` spells (surrounding blanks ignored, as Canvas strips them), or
    None when it is no form Canvas reads."""
    text = (text or "").strip()
    if match := _HEX_FORM.fullmatch(text):
        try:
            return Reference(match[1], bytes.fromhex(match[2]).decode())
        except UnicodeDecodeError:
            return None
    if match := _NAMED_FORM.fullmatch(text):
        return Reference(match[1], match[2])
    if (value := parse_id(text)) is not None:
        return Reference("id", value)
    if match := _UUID_FORM.fullmatch(text):
        return Reference("uuid", match[1])
    return None


def new_uuid() -> str:
    """A Canvas-style uuid (courses, accounts): 40 letters and digits, as CanvasSlug makes
    them, so that ``uuid:X`` (word characters only) can name the object."""
    while True:
        # token_urlsafe's alphabet is letters, digits, "-" and "_": drop the last two.
        letters = secrets.token_urlsafe(45).replace("-", "").replace("_", "")
        if len(letters) >= 40:
            return letters[:40]
