"""Argo Rollouts' helper functions: asInt, asFloat, isNaN, isInf, isNil, default.

``isNil(x)`` and ``default(x, d)`` IGNORE their first argument: Argo builds them as closures
over the measurement, so they test whether the WHOLE ``result`` is nil. ``isNil(result.foo)``
is ``isNil(result)``, and ``default(result.foo, 5)`` returns all of ``result`` (or ``5`` when
``result`` is nil). The arguments are still evaluated, so their errors still surface.
The compiler passes the environment's ``result`` as the hidden first parameter.

This module is the table (name, implementation, arity, result type) that the checker, the
compiler and the run-time namespace all read; the static rules that use it live in
signatures.py, so the run time never depends on the checker.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import types as t
from .runtime import fail, fmt_value, goname, to_int
from .types import Type

__all__ = ["ARGO_FUNCTIONS", "ArgoFunction", "parse_go_float", "parse_go_int"]

_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_DEC_FLOAT_RE = re.compile(
    r"[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)"
    r"(?:[eE][+-]?[0-9](?:_?[0-9])*)?\Z"
)
_HEX_FLOAT_RE = re.compile(r"[+-]?0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?[pP][+-]?[0-9_]+\Z")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan, "+nan": math.nan,
            "-nan": math.nan}  # fmt: skip


def parse_go_int(text: str) -> int:
    """``strconv.ParseInt(text, 10, 64)``."""
    if not _INT_RE.match(text):
        fail(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    if not -(2**63) <= value < 2**63:
        fail(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def parse_go_float(text: str, *, prefix: str = "strconv.ParseFloat: ") -> float:
    """``strconv.ParseFloat(text, 64)``: Go's float syntax, no surrounding spaces."""
    special = _SPECIAL.get(text.lower())
    if special is not None:
        return special
    if _DEC_FLOAT_RE.match(text) and any(c.isdigit() for c in text):
        value = float(text.replace("_", ""))
    elif _HEX_FLOAT_RE.match(text):
        sign = -1.0 if text.startswith("-") else 1.0
        value = sign * float.fromhex(text.lstrip("+-").replace("_", ""))
    else:
        fail(f'{prefix}parsing "{text}": invalid syntax')
    if math.isinf(value):
        fail(f'{prefix}parsing "{text}": value out of range')
    return value


def as_int(value: Any) -> int:
    kind = type(value)
    if kind is float:
        return to_int(value)
    if kind is int:
        return int(value)
    if kind is str:
        return parse_go_int(value)
    fail(f"asInt() not supported on {goname(value)} {fmt_value(value)}")


def as_float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return float(value)
    if kind is int:
        return float(value)
    if kind is str:
        return parse_go_float(value)
    fail(f"asFloat() not supported on {goname(value)} {fmt_value(value)}")


def _float_arg(value: Any) -> float:
    if type(value) is float:
        return value
    what = "nil" if value is None else goname(value)
    fail(f"interface conversion: interface {{}} is {what}, not float64")


def is_nan(value: Any) -> bool:
    return math.isnan(_float_arg(value))


def is_inf(value: Any) -> bool:
    return math.isinf(_float_arg(value))


def is_nil(result: Any, *_ignored: Any) -> bool:
    return result is None


def default(result: Any, _ignored: Any, fallback: Any) -> Any:
    return fallback if result is None else result


@dataclass(frozen=True, slots=True)
class ArgoFunction:
    """One helper as data: what it runs and what the checker needs to know about it."""

    name: str
    fn: Callable[..., Any]
    arity: int
    result: Type
    # isNaN/isInf take a float64: ints are converted, other static types are rejected.
    float_param: bool = False
    # isNil/default close over the environment's ``result``.
    needs_result: bool = False


ARGO_FUNCTIONS: dict[str, ArgoFunction] = {
    f.name: f
    for f in (
        ArgoFunction("asInt", as_int, 1, t.INT),
        ArgoFunction("asFloat", as_float, 1, t.FLOAT),
        ArgoFunction("isNaN", is_nan, 1, t.BOOL, float_param=True),
        ArgoFunction("isInf", is_inf, 1, t.BOOL, float_param=True),
        ArgoFunction("isNil", is_nil, 1, t.BOOL, needs_result=True),
        ArgoFunction("default", default, 2, t.UNKNOWN, needs_result=True),
    )
}
