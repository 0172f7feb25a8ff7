"""Number literals, parsed the way expr's parser does after the lexer has accepted them.

Underscores are dropped first; ``0x``/``0b``/``0o`` prefixes select the base; a ``.`` or an
``e`` makes a float (``strconv.ParseFloat``), anything else an int64 (``strconv.ParseInt``).
"""

from __future__ import annotations

__all__ = ["LiteralError", "number_literal"]

_INT64_MAX = 2**63 - 1
_BASES = {"0x": (16, "hex"), "0b": (2, "binary"), "0o": (8, "octal")}


class LiteralError(ValueError):
    """The literal is malformed or out of range; ``str()`` is expr's message."""


def number_literal(source: str) -> int | float:
    text = source.replace("_", "")
    prefix = text[:2].lower()
    if prefix == "0x":
        return _int(text[2:], text, 16, "hex")
    if "." in text or "e" in text.lower():
        return _float(text)
    if prefix in _BASES:
        base, what = _BASES[prefix]
        return _int(text[2:], text, base, what)
    return _int(text, text, 10, "integer")


def _int(digits: str, text: str, base: int, what: str) -> int:
    head = f'invalid {what} literal: strconv.ParseInt: parsing "{text}": '
    try:
        value = int(digits, base) if digits.isalnum() and digits.isascii() else None
    except ValueError:
        value = None
    if value is None:
        raise LiteralError(head + "invalid syntax")
    if value > _INT64_MAX:
        raise LiteralError(head + "value out of range")
    return value


def _float(text: str) -> float:
    head = f'invalid float literal: strconv.ParseFloat: parsing "{text}": '
    try:
        value = float(text) if text.isascii() and text[:2].lower() not in _BASES else None
    except ValueError:
        value = None
    if value is None:
        raise LiteralError(head + "invalid syntax")
    if value in (float("inf"), float("-inf")):
        raise LiteralError(head + "value out of range")
    return value
