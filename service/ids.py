"""Canvas ids as they arrive in paths and parameters: ASCII digits that fit a SQLite integer.

``str.isdigit`` accepts Unicode digits ("١", "²") and ``int`` accepts signs and underscores;
a path segment is an id only when it is plain ASCII digits within SQLite's 64-bit range, so a
hostile id is simply an id that names nothing (the generic 404), never an overflow.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1


def parse_id(text: str | None) -> int | None:
    """The id ``text`` spells, or None when it is not a plain id within range."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_ID else None
