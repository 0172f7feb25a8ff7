"""Run-time implementations of expr's builtins (the static rules live in signatures.py).

Functions whose work grows with their arguments take the run's Budget first (``BUDGETED``) and
charge what they are about to read or build before they do it (budget.py says what costs a
step); the rest do a fixed amount of work. ``matches`` and its RE2 patterns live in regex.py,
which the checker shares.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import timefuncs
from .argo import parse_go_float, parse_go_int
from .budget import CHARS_PER_STEP
from .codec import b_from_base64, b_from_json, b_to_base64, b_to_json
from .coerce import int_arg, iterable, number, str_arg, tname
from .listfuncs import (
    b_concat,
    b_first,
    b_flatten,
    b_from_pairs,
    b_get,
    b_group_by,
    b_keys,
    b_last,
    b_max,
    b_mean,
    b_median,
    b_min,
    b_reduce,
    b_reverse,
    b_sort,
    b_sort_by,
    b_sum,
    b_take,
    b_to_pairs,
    b_uniq,
    b_values,
    count_true,
)
from .runtime import HOOK_TYPES, Budget, GroupMap, fail, fmt_value, to_int, wrap
from .types import Float64List

__all__ = ["BUDGETED", "FUNCTIONS", "count_true", "iterable"]


# -- scalars -----------------------------------------------------------------------------
def b_len(value: Any) -> int:
    t = type(value)
    if t is str:
        return len(value)
    if t in (list, Float64List, dict, bytes, GroupMap):
        return len(value)
    fail(f"invalid argument for len (type {tname(value)})")


def b_abs(value: Any) -> Any:
    v = number(value, "abs")
    if type(v) is int:
        return wrap(-v) if v < 0 else v
    return -v if v < 0 else v


def b_ceil(value: Any) -> float:
    return float(math.ceil(v)) if math.isfinite(v := float(number(value, "ceil"))) else v


def b_floor(value: Any) -> float:
    return float(math.floor(v)) if math.isfinite(v := float(number(value, "floor"))) else v


def b_round(value: Any) -> float:
    v = float(number(value, "round"))
    if not math.isfinite(v):
        return v
    # Go's math.Round: half away from zero, without the floor(x + 0.5) rounding trap.
    whole = float(math.trunc(v))
    if abs(v - whole) >= 0.5:
        whole += math.copysign(1.0, v)
    return math.copysign(float(whole), v)


def b_int(budget: Budget, value: Any) -> int:
    t = type(value)
    if t is int:
        return int(value)
    if t is float:
        return to_int(value)
    if t is str:
        budget.chars(len(value))
        text = value
        try:
            return parse_go_int(text)
        except Exception:
            fail(f"invalid operation: int({value})")
    fail(f"invalid operation: int({tname(value)})")


def b_float(budget: Budget, value: Any) -> float:
    t = type(value)
    if t is float or t is int:
        return float(value)
    if t is str:
        budget.chars(len(value))
        try:
            return parse_go_float(value)
        except Exception:
            fail(f"invalid operation: float({value})")
    fail(f"invalid operation: float({tname(value)})")


def b_string(budget: Budget, value: Any) -> str:
    if type(value) is str:
        return value
    text = fmt_value(value, budget)
    budget.chars(len(text))
    return text


def b_type(value: Any) -> str:
    t = type(value)
    if value is None:
        return "nil"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float"
    if t is str:
        return "string"
    if t in (list, Float64List, bytes):
        return "array"
    if t is dict:
        return "map"
    name = getattr(t, "GO_NAME", None) if t in HOOK_TYPES else None
    return name if isinstance(name, str) else "func"


# -- strings -----------------------------------------------------------------------------
_GO_SPACE = (
    " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def b_trim(budget: Budget, s: Any, cutset: Any = None) -> str:
    text = str_arg(s, "trim")
    chars = _GO_SPACE if cutset is None else str_arg(cutset, "trim")
    budget.chars(len(text) * max(1, len(chars) // CHARS_PER_STEP))
    return text.strip(chars)


def _affix(name: str, method: Callable[[str, str], Any], *, whole: bool) -> Callable[..., Any]:
    """``hasPrefix``, ``trimSuffix`` ...: ``method(text, affix)``, charging the affix it compares
    or, ``whole``, the text it copies."""

    def run(budget: Budget, s: Any, affix: Any) -> Any:
        text, fix = str_arg(s, name), str_arg(affix, name)
        budget.chars(len(text) if whole else len(fix))
        return method(text, fix)

    run.__name__ = name
    return run


b_trim_prefix = _affix("trimPrefix", str.removeprefix, whole=True)
b_trim_suffix = _affix("trimSuffix", str.removesuffix, whole=True)
b_has_prefix = _affix("hasPrefix", str.startswith, whole=False)
b_has_suffix = _affix("hasSuffix", str.endswith, whole=False)


def _case(budget: Budget, text: str, convert: Callable[[str], str]) -> str:
    """Go maps each rune on its own; a rune whose mapping is several runes stays as it is."""
    if text.isascii():
        budget.chars(len(text))
        return convert(text)
    budget.charge(len(text))  # one rune at a time, in Python
    return "".join(c if len(mapped := convert(c)) != 1 else mapped for c in text)


def b_upper(budget: Budget, s: Any) -> str:
    return _case(budget, str_arg(s, "upper"), str.upper)


def b_lower(budget: Budget, s: Any) -> str:
    return _case(budget, str_arg(s, "lower"), str.lower)


def _split(budget: Budget, s: str, sep: str, n: int, *, after: bool) -> list[Any]:
    budget.chars(len(s))
    if n == 0:
        return []
    if sep == "":
        budget.charge(len(s))
        chars = list(s)
        if 0 < n < len(chars):
            chars = [*chars[: n - 1], "".join(chars[n - 1 :])]
        return list(chars)
    parts = s.split(sep) if n < 0 else s.split(sep, n - 1)
    budget.charge(len(parts))
    if after:
        parts = [p + sep for p in parts[:-1]] + parts[-1:]
    return list(parts)


def b_split(budget: Budget, s: Any, sep: Any, n: Any = -1) -> list[Any]:
    text, by = str_arg(s, "split"), str_arg(sep, "split")
    return _split(budget, text, by, int_arg(n), after=False)


def b_split_after(budget: Budget, s: Any, sep: Any, n: Any = -1) -> list[Any]:
    text, by = str_arg(s, "splitAfter"), str_arg(sep, "splitAfter")
    return _split(budget, text, by, int_arg(n), after=True)


def _too_long(budget: Budget, size: int, what: str) -> None:
    """Refuse a string longer than ``max_string`` before building it; charge building it."""
    if size > budget.max_string:
        fail(f"string too long: {what} would produce {size} characters")
    budget.chars(size)


def b_replace(budget: Budget, s: Any, old: Any, new: Any) -> str:
    text, o, w = str_arg(s, "replace"), str_arg(old, "replace"), str_arg(new, "replace")
    budget.chars(len(text))
    if o == "":
        # Go inserts ``new`` around every rune when ``old`` is empty.
        _too_long(budget, len(text) + (len(text) + 1) * len(w) if text else len(w), "replace")
        return w + w.join(text) + w if text else w
    _too_long(budget, len(text) + text.count(o) * (len(w) - len(o)), "replace")
    return text.replace(o, w)


def b_repeat(budget: Budget, s: Any, n: Any) -> str:
    text, count = str_arg(s, "repeat"), int_arg(n)
    if count < 0:
        fail(f"invalid argument for repeat (expected positive integer, got {count})")
    _too_long(budget, len(text) * count, "repeat")
    return text * count


def b_index_of(budget: Budget, s: Any, sub: Any) -> int:
    text, needle = str_arg(s, "indexOf"), str_arg(sub, "indexOf")
    budget.chars(len(text) + len(needle))
    i = text.find(needle)
    return i if i < 0 else len(text[:i].encode("utf-8"))


def b_last_index_of(budget: Budget, s: Any, sub: Any) -> int:
    text, needle = str_arg(s, "lastIndexOf"), str_arg(sub, "lastIndexOf")
    budget.chars(len(text) + len(needle))
    i = text.rfind(needle)
    return i if i < 0 else len(text[:i].encode("utf-8"))


def b_join(budget: Budget, items: Any, sep: Any = "") -> str:
    parts = [str_arg(x, "join") for x in iterable(budget, items, "join")]
    glue = str_arg(sep, "join")
    size = sum(map(len, parts)) + len(glue) * max(len(parts) - 1, 0)
    _too_long(budget, size, "join")
    return glue.join(parts)


def _bit(name: str, fn: Callable[[int, int], int]) -> Callable[..., int]:
    def run(a: Any, b: Any) -> int:
        return wrap(fn(int_arg(a), int_arg(b)))

    run.__name__ = name
    return run


def b_bitnot(a: Any) -> int:
    return wrap(~int_arg(a))


def _shift(a: int, b: int, kind: str) -> int:
    if b < 0:
        fail("runtime error: negative shift amount")
    if kind == "shl":
        return a << b if b < 64 else 0
    if kind == "shr":
        return a >> min(b, 63)
    return (a & (2**64 - 1)) >> b if b < 64 else 0


def _texts(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with the run's Budget first, charging the text it parses."""

    def run(budget: Budget, *args: Any) -> Any:
        budget.chars(sum(len(arg) for arg in args if type(arg) is str))
        return fn(*args)

    run.__name__ = fn.__name__
    return run


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": b_len, "abs": b_abs, "ceil": b_ceil, "floor": b_floor, "round": b_round,
    "int": b_int, "float": b_float, "string": b_string, "type": b_type, "trim": b_trim,
    "trimPrefix": b_trim_prefix, "trimSuffix": b_trim_suffix, "upper": b_upper,
    "lower": b_lower, "split": b_split, "splitAfter": b_split_after, "replace": b_replace,
    "repeat": b_repeat, "indexOf": b_index_of, "lastIndexOf": b_last_index_of,
    "hasPrefix": b_has_prefix, "hasSuffix": b_has_suffix, "join": b_join, "max": b_max,
    "min": b_min, "mean": b_mean, "median": b_median, "first": b_first, "last": b_last,
    "get": b_get, "take": b_take, "keys": b_keys, "values": b_values, "toPairs": b_to_pairs,
    "fromPairs": b_from_pairs, "sort": b_sort, "sortBy": b_sort_by, "reverse": b_reverse,
    "uniq": b_uniq, "concat": b_concat, "flatten": b_flatten, "groupBy": b_group_by,
    "reduce": b_reduce, "toJSON": b_to_json, "fromJSON": b_from_json,
    "toBase64": b_to_base64, "fromBase64": b_from_base64, "bitnot": b_bitnot,
    "bitand": _bit("bitand", lambda a, b: a & b), "bitor": _bit("bitor", lambda a, b: a | b),
    "bitxor": _bit("bitxor", lambda a, b: a ^ b),
    "bitnand": _bit("bitnand", lambda a, b: a & ~b),
    "bitshl": _bit("bitshl", lambda a, b: _shift(a, b, "shl")),
    "bitshr": _bit("bitshr", lambda a, b: _shift(a, b, "shr")),
    "bitushr": _bit("bitushr", lambda a, b: _shift(a, b, "ushr")),
    "now": timefuncs.now, "duration": _texts(timefuncs.duration), "date": _texts(timefuncs.date),
    "timezone": _texts(timefuncs.timezone), "sum_values": b_sum,
}  # fmt: skip

#: Builtins that take the run's Budget as their first argument.
BUDGETED = frozenset({
    "int", "float", "string", "trim", "trimPrefix", "trimSuffix", "upper", "lower", "split",
    "splitAfter", "replace", "repeat", "indexOf", "lastIndexOf", "hasPrefix", "hasSuffix",
    "join", "max", "min", "mean", "median", "get", "take", "keys", "values", "toPairs",
    "fromPairs", "sort", "sortBy", "reverse", "uniq", "concat", "flatten", "groupBy", "reduce",
    "toJSON", "fromJSON", "toBase64", "fromBase64", "duration", "date", "timezone",
})  # fmt: skip
