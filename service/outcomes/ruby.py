"""The few Ruby behaviours that show through Canvas's outcome-import messages.

Canvas builds its messages with Ruby's ``String#inspect`` (``Not a valid utf-8 string: "evil \\xFF"``),
``Array#inspect`` (``Missing required fields: ["title", "vendor_guid"]``) and ``Float#to_s``
(``(2.0 is greater than 1.0)``), and it parses numbers with ``Kernel#Float`` and ``String#to_i``.
These functions reproduce exactly those, so messages match Canvas byte for byte.
"""

from __future__ import annotations

import math
import re
import unicodedata


def is_blank(value: str | None) -> bool:
    """Ruby's ``blank?`` for a CSV cell: missing, empty or only (Unicode) whitespace."""
    return not value or value.isspace()


_NAMED_ESCAPES = {
    "\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f", "\v": "\\v",
    "\b": "\\b", "\a": "\\a", "\x1b": "\\e", '"': '\\"', "\\": "\\\\",
}


def _is_printable(char: str) -> bool:
    # Ruby's [[:print:]] for Unicode includes every space separator; Python's isprintable() only
    # accepts the ASCII space.
    return char.isprintable() or unicodedata.category(char) == "Zs"


def inspect_string(text: str) -> str:
    """Ruby's ``String#inspect`` of a UTF-8 string; surrogate-escaped bytes show as ``\\xFF``."""
    out = ['"']
    length = len(text)
    for index, char in enumerate(text):
        code = ord(char)
        if char in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[char])
        elif char == "#" and index + 1 < length and text[index + 1] in "{$@":
            out.append("\\#")  # Ruby escapes what would start an interpolation
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02X}")  # an invalid byte kept by surrogateescape
        elif _is_printable(char):
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04X}")
        else:
            out.append(f"\\u{{{code:X}}}")
    out.append('"')
    return "".join(out)


def inspect_list(items: list[str]) -> str:
    """Ruby's ``Array#inspect`` of strings: ``["a", "b"]``."""
    return "[" + ", ".join(inspect_string(item) for item in items) + "]"


def float_to_s(value: float) -> str:
    """Ruby's ``Float#to_s``: ``2.0``, ``0.1``, ``1.0e+20``, ``1.5e-05``, ``Infinity``."""
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(value):
        return "NaN"
    text = repr(value)  # shortest round-trip digits, scientific below 1e-4 and from 1e16, as Ruby
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        sign = exponent[0] if exponent[0] in "+-" else "+"
        digits = exponent.lstrip("+-").rjust(2, "0")
        return f"{mantissa}e{sign}{digits}"
    return text


# Ruby's ``\s`` and the separators of ``String#split`` with no argument: ASCII whitespace only.
_RUBY_WS = " \t\n\v\f\r"
_RUBY_WS_RUN = re.compile(f"[{_RUBY_WS}]+")


def has_whitespace(text: str) -> bool:
    """Ruby's ``text.match?(/\\s/)``."""
    return _RUBY_WS_RUN.search(text) is not None


def split_words(text: str) -> list[str]:
    """Ruby's ``text.split``: the runs between ASCII whitespace, none empty."""
    return [word for word in _RUBY_WS_RUN.split(text) if word]


# Kernel#Float on a string: optional surrounding whitespace, a sign, digits with single
# underscores between them, an optional fraction and exponent, or a hexadecimal integer.
_DIGITS = r"\d+(?:_\d+)*"
_RUBY_FLOAT = re.compile(
    rf"[+-]?(?:{_DIGITS}(?:\.{_DIGITS})?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
)
_RUBY_HEX = re.compile(r"([+-]?)0[xX]([0-9a-fA-F]+(?:_[0-9a-fA-F]+)*)")


def strict_float(text: str) -> float | None:
    """``Kernel#Float(text)``, or None where Ruby raises ArgumentError."""
    core = text.strip(_RUBY_WS)
    if _RUBY_FLOAT.fullmatch(core):
        return float(core.replace("_", ""))
    hex_match = _RUBY_HEX.fullmatch(core)
    if hex_match:
        value = float(int(hex_match.group(2).replace("_", ""), 16))
        return -value if hex_match.group(1) == "-" else value
    return None


_LEADING_INT = re.compile(rf"[{_RUBY_WS}]*([+-]?{_DIGITS})")


def to_i(text: str) -> int:
    """``String#to_i``: the leading integer, 0 when there is none (``"12abc"`` is 12)."""
    if text.isascii() and text.isdigit():
        return int(text)  # the usual case, without the regular expression
    match = _LEADING_INT.match(text)
    return int(match.group(1).replace("_", "")) if match else 0
