"""toJSON/fromJSON and base64, producing exactly what Go's encoders produce.

Each takes the run's Budget first: toJSON charges every item it writes and the text of every
string, fromJSON two steps per character (decoding a number calls back into Python), base64 the
text it reads.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

from .budget import CHARS_PER_STEP, Budget
from .coerce import LISTS, str_arg
from .runtime import fail, fmt_float, goname

__all__ = ["b_from_base64", "b_from_json", "b_to_base64", "b_to_json"]


def b_to_json(budget: Budget, value: Any) -> str:
    return _json(value, 0, budget)


def _json(value: Any, indent: int, budget: Budget) -> str:
    t = type(value)
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        if not math.isfinite(value):
            fail(f"json: unsupported value: {fmt_float(value)}")
        return fmt_float(value, json_style=True)
    if t is str:
        return _json_string(value, budget)
    if t in LISTS or t is dict:
        budget.charge(len(value) * (indent + 2))  # each item and its indentation
    if t in LISTS:
        if not value:
            return "[]"
        pad = "  " * (indent + 1)
        inner = ",\n".join(pad + _json(v, indent + 1, budget) for v in value)
        return "[\n" + inner + "\n" + "  " * indent + "]"
    if t is dict:
        if not value:
            return "{}"
        pad = "  " * (indent + 1)
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        inner = ",\n".join(
            f"{pad}{_json(str(k), 0, budget)}: {_json(v, indent + 1, budget)}" for k, v in items
        )
        return "{\n" + inner + "\n" + "  " * indent + "}"
    if t is bytes:
        return json.dumps(base64.b64encode(value).decode())
    fail(f"json: unsupported type: {goname(value)}")


def b_from_json(budget: Budget, text: Any) -> Any:
    source = str_arg(text, "fromJSON")
    budget.charge(2 * len(source))
    try:
        return json.loads(source, parse_int=_json_number, parse_float=_json_number,
                          parse_constant=_bad_constant)  # fmt: skip
    except json.JSONDecodeError as exc:
        if exc.pos >= len(source.rstrip()):
            fail("unexpected end of JSON input")
        fail(f"invalid character {source[exc.pos]!r} looking for beginning of value")
    except RecursionError:
        fail("exceeded max depth")


def _json_number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        fail(f"json: cannot unmarshal number {text} into Go value of type float64")
    return value


def _bad_constant(text: str) -> Any:
    fail(f"invalid character '{text[0]}' looking for beginning of value")


def b_to_base64(budget: Budget, s: Any) -> str:
    text = str_arg(s, "toBase64")
    budget.chars(len(text))
    return base64.b64encode(text.encode()).decode()


def b_from_base64(budget: Budget, s: Any) -> str:
    text = str_arg(s, "fromBase64")
    budget.chars(len(text))
    try:
        return base64.b64decode(text.encode(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        bad = next((i for i, c in enumerate(text) if not (c.isalnum() or c in "+/=")), 0)
        fail(f"illegal base64 data at input byte {bad}")


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                 "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                 "\u2029": "\\u2029"}  # fmt: skip


_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\<>&\u2028\u2029]')


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _JSON_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _json_string(text: str, budget: Budget) -> str:
    """Go's encoding/json string form (HTML-safe, control characters as \\u00XX)."""
    budget.charge(3 + len(text) // CHARS_PER_STEP)
    escapes = len(_NEEDS_ESCAPE.findall(text))
    if escapes:
        budget.charge(escapes)
        text = _NEEDS_ESCAPE.sub(_escape, text)
    return '"' + text + '"'
