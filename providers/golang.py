"""Go behaviour that Argo's stored values depend on, reproduced exactly.

Argo decodes upstream JSON into ``interface{}`` (every number a float64) and stores
``json.Marshal`` of it; its durations use ``time.ParseDuration``. A Python port that used
``json.dumps`` or a home-grown duration grammar would store different text and accept different
templates, so these live here, shared by every provider (``providers/`` never imports ``app/``).
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from providers.goduration import parse_timedelta

__all__ = [
    "MAX_JSON_DEPTH",
    "GoJSONError",
    "GoJSONTooDeep",
    "decode_json",
    "format_float",
    "format_float_f",
    "format_float_fixed",
    "format_float_v",
    "format_special",
    "go_json_error",
    "go_quote",
    "marshal",
    "parse_duration",
    "sprint",
]


class GoJSONError(ValueError):
    """The text is not JSON as Go's decoder sees it (its message mimics Go's where it can)."""


class GoJSONTooDeep(GoJSONError):
    """The document nests arrays and objects deeper than augur reads (Go stops at 10000)."""


#: How deep upstream JSON may nest. Go's decoder allows 10000; Python's decoder and the recursive
#: code after it (Go-style marshalling, conditions) would hit the interpreter's recursion limit
#: long before that, so augur stops far earlier: no provider answers anywhere near this deep.
MAX_JSON_DEPTH = 100
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")


def _check_depth(text: str, limit: int) -> None:
    """Raise `GoJSONTooDeep` when arrays and objects nest deeper than `limit`: strings dropped,
    then the innermost pairs peeled off `limit` times (each pass in C, no recursion)."""
    if text.count("[") + text.count("{") <= limit:
        return  # cannot be that deep
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(limit):
        peeled = _INNERMOST.sub("", brackets)
        if peeled == brackets:
            return  # all peeled, or unbalanced: the decoder names the syntax error
        brackets = peeled
    if _INNERMOST.search(brackets):
        raise GoJSONTooDeep(f"exceeded max depth: more than {limit} nested arrays or objects")


def _go_number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise GoJSONError(f"json: cannot unmarshal number {text} into Go value of type float64")
    return value


def _reject_constant(name: str) -> Any:
    raise GoJSONError(f"invalid character {name[0]!r} looking for beginning of value")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _fix_surrogates(value: Any) -> Any:
    """Go decodes a lone ``\\ud800`` escape to U+FFFD; Python keeps the surrogate. Iterative:
    whatever depth the decoder reached, fixing it cannot exhaust the stack."""

    def fixed(item: Any) -> Any:
        return _SURROGATE.sub("\ufffd", item) if isinstance(item, str) else item

    root = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        parent, key = stack.pop()
        item = fixed(parent[key])
        if isinstance(item, dict):
            item = {fixed(k): v for k, v in item.items()}
            stack.extend((item, k) for k in item)
        elif isinstance(item, list):
            item = list(item)
            stack.extend((item, i) for i in range(len(item)))
        parent[key] = item
    return root[0]


def decode_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode like Go's ``json.Unmarshal`` into ``interface{}``: numbers become floats.

    A document nested deeper than `max_depth` raises `GoJSONTooDeep` before anything recurses."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    _check_depth(text, max_depth)
    try:
        value = json.loads(
            text,
            parse_int=_go_number,
            parse_float=_go_number,
            parse_constant=_reject_constant,
        )
    except GoJSONError:
        raise
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise GoJSONError(str(exc)) from exc
    except RecursionError:
        raise GoJSONTooDeep("exceeded max depth") from None
    return _fix_surrogates(value) if _SURROGATE.search(text) or "\\u" in text else value


def format_float(value: float) -> str:
    """Go's float64 JSON form (ES6 ``Number.prototype.toString``): shortest round-trip digits."""
    if math.isnan(value) or math.isinf(value):
        raise GoJSONError(f"json: unsupported value: {format_special(value)}")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    magnitude = abs(value)
    shortest = Decimal(repr(value)).normalize()
    if 1e-6 <= magnitude < 1e21:
        return format(shortest, "f")
    sign, digits, exponent = shortest.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    exp10 = exponent + len(digits) - 1
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'+' if exp10 >= 0 else '-'}{abs(exp10)}"


def format_float_f(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)`` (Prometheus' sample form): no exponent."""
    if math.isnan(value) or math.isinf(value):
        return format_special(value)
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    return format(Decimal(repr(float(value))).normalize(), "f")


def format_special(value: float) -> str:
    """How Go prints NaN and infinities (``+Inf``, ``-Inf``, ``NaN``)."""
    if math.isnan(value):
        return "NaN"
    return "+Inf" if value > 0 else "-Inf"


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_NEEDS_ESCAPE = re.compile('["\\\\<>&\u2028\u2029\x00-\x1f]')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _quote(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape, _SURROGATE.sub("\ufffd", text)) + '"'


class _Text(str):
    """Output already written (a bracket, a comma, a key), as opposed to a value to marshal."""


def marshal(value: Any, *, sort_keys: bool = True) -> str:
    """Go's ``json.Marshal`` of a decoded value: compact, keys sorted, HTML characters escaped.

    ``sort_keys=False`` keeps mapping order, as Go does for struct fields. Iterative (a stack of
    what is left to write), so a value as deep as the decoder reached is written, not a
    RecursionError.
    """
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Text):
            out.append(item)
        elif item is None:
            out.append("null")
        elif item is True:
            out.append("true")
        elif item is False:
            out.append("false")
        elif isinstance(item, int):
            out.append(str(item))
        elif isinstance(item, float):
            out.append(format_float(item))
        elif isinstance(item, str):
            out.append(_quote(item))
        elif isinstance(item, list | tuple):
            stack.append(_Text("]"))
            for index in range(len(item) - 1, -1, -1):
                stack.append(item[index])
                if index:
                    stack.append(_Text(","))
            stack.append(_Text("["))
        elif isinstance(item, dict):
            pairs = [(str(k), v) for k, v in item.items()]
            if sort_keys:
                pairs.sort(key=lambda pair: pair[0])
            stack.append(_Text("}"))
            for index in range(len(pairs) - 1, -1, -1):
                key, child = pairs[index]
                stack.append(child)
                stack.append(_Text(_quote(key) + ":" if not index else "," + _quote(key) + ":"))
            stack.append(_Text("{"))
        else:
            raise GoJSONError(f"json: unsupported type: {type(item).__name__}")
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPES |= {"\v": "\\v", '"': '\\"', "\\": "\\\\"}


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` (and so ``%q`` of a string): printable characters as they are,
    Go's short escapes, ``\\xNN`` below U+0080, ``\\uNNNN`` or ``\\UNNNNNNNN`` beyond; a lone
    surrogate (Go's replacement for a bad byte) is U+FFFD."""
    out = ['"']
    for char in _SURROGATE.sub("\ufffd", text):
        code = ord(char)
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def parse_duration(text: str) -> timedelta:
    """Go's ``time.ParseDuration`` (same grammar, same error texts), to microsecond precision."""
    return parse_timedelta(text)


def format_float_v(value: float) -> str:
    """Go's ``%v`` of a float64 (``strconv.FormatFloat(v, 'g', -1, 64)``): the shortest digits,
    in exponent form when the exponent is below -4 or at least 6 (``1e+06``, ``1e-05``), the
    exponent with a sign and at least two digits; ``NaN``, ``+Inf``, ``-Inf``."""
    if math.isnan(value) or math.isinf(value):
        return format_special(value)
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    shortest = Decimal(repr(float(value))).normalize()
    sign, digits, exponent = shortest.as_tuple()
    assert isinstance(exponent, int)
    exp10 = exponent + len(digits) - 1
    if -4 <= exp10 < 6:
        return format(shortest, "f")
    text = "".join(map(str, digits))
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'+' if exp10 >= 0 else '-'}{abs(exp10):02d}"


def format_float_fixed(value: float, decimals: int) -> str:
    """Go's ``%.<decimals>f`` (Wavefront's ``%.2f``): Python's rounding of the exact binary
    value is Go's; only ``NaN``, ``+Inf`` and ``-Inf`` are spelt differently."""
    if math.isnan(value) or math.isinf(value):
        return format_special(value)
    return f"{value:.{decimals}f}"


def go_json_error(raw: bytes | str, *, empty: str = "unexpected end of JSON input") -> str | None:
    """What Go's decoder says of `raw`, or None when it decodes: `empty` for nothing but white
    space (``json.Unmarshal``'s words; a ``json.Decoder`` says ``EOF``), ``invalid character 'x'
    looking for beginning of value`` for a first character no JSON value starts with, else the
    text of :class:`GoJSONError`."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text.strip(" \t\r\n")
    if not text:
        return empty
    if text[0] not in '{["-0123456789tfn':
        return f"invalid character {text[0]!r} looking for beginning of value"
    try:
        decode_json(text)
    except GoJSONError as exc:
        return str(exc)
    return None


def sprint(value: Any) -> str:
    """Go's ``%v`` of a value decoded from JSON into ``interface{}``: ``[a b]`` for a slice,
    ``map[k:v]`` (keys sorted) for an object, ``<nil>``, floats as :func:`format_float_v`."""
    if value is None:
        return "<nil>"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_float_v(float(value))
    if isinstance(value, list | tuple):
        return "[" + " ".join(sprint(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = sorted((str(k), v) for k, v in value.items())
        return "map[" + " ".join(f"{k}:{sprint(v)}" for k, v in pairs) + "]"
    return str(value)
