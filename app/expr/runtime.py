"""Run-time semantics of values: Go type names, member access, arithmetic, comparison.

The value model: int (64-bit, wrapping), float, str, bool, None, list, dict, bytes.
``bool`` is a subclass of ``int`` in Python, so every numeric check compares ``type(x)``
exactly; ``True`` never behaves as ``1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn

from .budget import CHARS_PER_STEP, Budget
from .errors import ExprRuntimeError
from .gomath import go_pow
from .types import Float64List

__all__ = [
    "Budget",
    "Func",
    "add",
    "check_bool",
    "div",
    "equal",
    "fail",
    "fetch",
    "fmt_value",
    "goname",
    "less",
    "mod",
    "mul",
    "neg",
    "power",
    "sub",
    "wrap",
]

INT_MIN = -(2**63)
_MASK = 2**64 - 1


def wrap(value: int) -> int:
    """Two's-complement wrap-around to 64 bits, as Go's int arithmetic does."""
    if INT_MIN <= value < 2**63:
        return value
    return ((value - INT_MIN) & _MASK) + INT_MIN


def fail(message: str) -> NoReturn:
    raise ExprRuntimeError(message)


# Value types from timefuncs that take part in operators and method calls; registered there
# (runtime cannot import it) so that no other object's attributes are ever looked up.
HOOK_TYPES: set[type] = set()


class Func:
    """A function value (Argo helpers, ``$env.asInt``); printed as ``<func>`` by callers."""

    __slots__ = ("fn", "name")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name = name
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


def goname(value: Any) -> str:
    t = type(value)
    if value is None:
        return "<nil>"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float64"
    if t is str:
        return "string"
    if t is Float64List:
        return "[]float64"
    if t is list:
        return "[]interface {}"
    if t is dict:
        return "map[string]interface {}"
    if t is GroupMap:
        return "map[interface {}][]interface {}"
    if t is bytes:
        return "[]uint8"
    if t is Func:
        return "func(...interface {}) (interface {}, error)"
    name = getattr(t, "GO_NAME", None) if t in HOOK_TYPES else None
    return name if isinstance(name, str) else "unknown"


def _shortest(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of ``abs(value)`` and its decimal exponent."""
    _, digit_tuple, exp = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exp, int)
    digits = "".join(map(str, digit_tuple))
    stripped = digits.rstrip("0") or "0"
    exp += len(digits) - len(stripped)
    return stripped, exp + len(stripped) - 1


def fmt_float(value: float, *, json_style: bool = False) -> str:
    """Go's ``%v`` for a float64, or ``encoding/json``'s number text when ``json_style``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    digits, exponent = _shortest(value)
    sign = "-" if value < 0 else ""
    # encoding/json: plain decimal for 1e-6 <= |x| < 1e21, exponent form otherwise;
    # %v is %g with the shortest digits, which switches at exponent < -4 or >= 6.
    json_exp = not 1e-6 <= abs(value) < 1e21
    use_exp = json_exp if json_style else (exponent < -4 or exponent >= 6)
    if use_exp:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        esign = "-" if exponent < 0 else "+"
        width = 1 if json_style else 2
        return f"{sign}{mant}e{esign}{abs(exponent):0{width}d}"
    if exponent >= len(digits) - 1:
        return sign + digits + "0" * (exponent - len(digits) + 1)
    if exponent >= 0:
        return sign + digits[: exponent + 1] + "." + digits[exponent + 1 :]
    return sign + "0." + "0" * (-exponent - 1) + digits


def _key_order(key: Any) -> tuple[int, Any]:
    """fmt prints map keys sorted: numbers numerically, strings by bytes, false before true."""
    t = type(key)
    if t is int or t is float:
        return (1, key)
    if t is bool:
        return (0, int(key))
    return (2, str(key))


def fmt_value(value: Any, budget: Budget | None = None) -> str:
    """Go's ``%v`` for a value (used by ``string()`` and messages); with a ``budget``, every
    item printed is charged."""
    t = type(value)
    if value is None:
        return "<nil>"
    if t is bool:
        return "true" if value else "false"
    if t is float:
        return fmt_float(value)
    if t is str:
        return str(value)
    if budget is not None and (t is list or t is Float64List or t is dict or t is GroupMap):
        budget.charge(len(value))
    if t is list or t is Float64List:
        return "[" + " ".join(fmt_value(x, budget) for x in value) + "]"
    if t is dict or t is GroupMap:
        items = sorted(value.items(), key=lambda kv: _key_order(kv[0]))
        pairs = (f"{fmt_value(k, budget)}:{fmt_value(v, budget)}" for k, v in items)
        return "map[" + " ".join(pairs) + "]"
    if t is bytes:
        return "[" + " ".join(str(b) for b in value) + "]"
    if t is Func:
        return "<func>"
    return str(value)


def check_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    fail(f"interface conversion: interface {{}} is {_iface(value)}, not bool")


def _iface(value: Any) -> str:
    return "nil" if value is None else goname(value)


def fetch(obj: Any, key: Any, budget: Budget | None = None) -> Any:
    t = type(obj)
    if t is dict:
        if type(key) is str:
            return obj.get(key)
        fail(
            f"reflect.Value.MapIndex: value of type {goname(key)} is not assignable to type string"
        )
    if t is list or t is Float64List or t is str or t is bytes:
        return _index(obj, key, budget)
    if t is GroupMap:
        return obj.get(key, [])
    if obj is None:
        fail(f"cannot fetch {fmt_value(key)} from <nil>")
    fail(f"cannot fetch {fmt_value(key)} from {goname(obj)}")


def _index(obj: Any, key: Any, budget: Budget | None) -> Any:
    tk = type(key)
    if tk is int:
        index = key
    elif tk is float:
        index = to_int(key)
    else:
        fail(f"invalid operation: int({goname(key)})")
    data = obj
    # Go indexes a string's UTF-8 bytes and yields a byte (uint8), i.e. a number. ASCII text is
    # its own UTF-8; other text is encoded, which reads all of it.
    if type(obj) is str and not obj.isascii():
        if budget is not None:
            budget.chars(len(obj))
        data = obj.encode("utf-8")
    length = len(data)
    real = index + length if index < 0 else index
    if not 0 <= real < length:
        fail(f"index out of range: {real} (array length is {length})")
    if type(data) is str:
        return ord(data[real])
    return data[real]


def to_int(value: float) -> int:
    """Go's float64 → int64 conversion (x86-64: NaN and out-of-range give MinInt64)."""
    if math.isnan(value) or math.isinf(value) or not -(2.0**63) <= value < 2.0**63:
        return INT_MIN
    return int(value)


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a + b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return float(a) + float(b)
    if ta is str and tb is str:
        return a + b
    hook = getattr(a, "expr_add", None) if type(a) in HOOK_TYPES else None
    if hook is not None:
        result = hook(b)
        if result is not NotImplemented:
            return result
    fail(f"invalid operation: {goname(a)} + {goname(b)}")


def sub(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a - b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return float(a) - float(b)
    hook = getattr(a, "expr_sub", None) if type(a) in HOOK_TYPES else None
    if hook is not None:
        result = hook(b)
        if result is not NotImplemented:
            return result
    fail(f"invalid operation: {goname(a)} - {goname(b)}")


def mul(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a * b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return float(a) * float(b)
    fail(f"invalid operation: {goname(a)} * {goname(b)}")


def div(a: Any, b: Any) -> float:
    ta, tb = type(a), type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        x, y = float(a), float(b)
        if y == 0.0:
            if x == 0.0 or math.isnan(x):
                return math.nan
            return math.copysign(math.inf, x) * math.copysign(1.0, y)
        return x / y
    fail(f"invalid operation: {goname(a)} / {goname(b)}")


def mod(a: Any, b: Any) -> int:
    if type(a) is int and type(b) is int:
        if b == 0:
            fail("runtime error: integer divide by zero")
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    fail(f"invalid operation: {goname(a)} % {goname(b)}")


def power(a: Any, b: Any) -> float:
    ta, tb = type(a), type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return go_pow(float(a), float(b))
    fail(f"invalid operation: {goname(a)} ** {goname(b)}")


def neg(a: Any) -> Any:
    t = type(a)
    if t is int:
        return wrap(-a)
    if t is float:
        return -a
    hook = getattr(a, "expr_neg", None) if t in HOOK_TYPES else None
    if hook is not None:
        return hook()
    fail(f"invalid operation: -{goname(a)}")


def pos(a: Any) -> Any:
    if type(a) is int or type(a) is float:
        return a
    fail(f"invalid operation: +{goname(a)}")


def less(a: Any, b: Any, op: str, budget: Budget | None = None) -> bool:
    """Ordering comparison ``a op b`` for op in < > <= >=."""
    ta, tb = type(a), type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        if ta is not tb:
            a, b = float(a), float(b)
    elif ta is str and tb is str:
        if budget is not None:
            budget.chars(min(len(a), len(b)))
    elif not (ta is tb and getattr(a, "ORDERED", False) is True):
        fail(f"invalid operation: {goname(a)} {op} {goname(b)}")
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def equal(a: Any, b: Any, budget: Budget | None = None) -> bool:
    """expr's ``==``; with a ``budget``, the items and characters compared are charged."""
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        if ta is tb:
            return bool(a == b)
        return float(a) == float(b)
    if a is None or b is None:
        return a is None and b is None
    if ta is bool or tb is bool:
        return ta is tb and a is b
    if (ta is list or ta is Float64List) and (tb is list or tb is Float64List):
        if len(a) != len(b):
            return False
        if budget is not None:
            budget.charge(3 * len(a))
        return all(equal(x, y, budget) for x, y in zip(a, b, strict=True))
    if ta is dict and tb is dict:
        if budget is not None:
            budget.charge(len(a))
        return a.keys() == b.keys() and all(deep_equal(v, b[k], budget) for k, v in a.items())
    if ta is not tb:
        return False
    if ta is str and budget is not None and len(a) == len(b) >= CHARS_PER_STEP:
        budget.chars(len(a))
    return bool(a == b)


def deep_equal(a: Any, b: Any, budget: Budget | None = None) -> bool:
    """Go's reflect.DeepEqual on decoded values: types must match exactly."""
    ta = type(a)
    if ta is not type(b):
        return False
    if ta is list or ta is Float64List:
        if len(a) != len(b):
            return False
        if budget is not None:
            budget.charge(len(a))
        return all(deep_equal(x, y, budget) for x, y in zip(a, b, strict=True))
    if ta is dict:
        if budget is not None:
            budget.charge(len(a))
        return a.keys() == b.keys() and all(deep_equal(v, b[k], budget) for k, v in a.items())
    if ta is str and budget is not None and len(a) == len(b) >= CHARS_PER_STEP:
        budget.chars(len(a))
    return bool(a == b)


class GroupMap(dict[Any, Any]):
    """groupBy's ``map[any][]any``: any key type, and a missing key reads as an empty array."""

    __slots__ = ()
