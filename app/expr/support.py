"""Run-time support that generated code calls: chains, membership, slices, ranges, calls.

``NAMESPACE`` is the complete set of globals a generated function sees: these helpers, the
builtins (``_f_<name>``), Argo's functions (``_argo_<name>``) and a handful of Python
callables under underscore names. ``__builtins__`` is empty, so nothing else is reachable.
Helpers whose work grows with their operands take the run's Budget (``_st`` in generated code).
"""

from __future__ import annotations

import codecs
import math
from collections.abc import Callable
from typing import Any

from . import runtime as rt
from . import types as t
from .argo import ARGO_FUNCTIONS
from .builtins import FUNCTIONS, count_true
from .coerce import loop_items
from .regex import matches

__all__ = ["NAMESPACE", "ChainNil"]


def _go_replace(error: UnicodeError) -> tuple[str, int]:
    """Go renders each invalid UTF-8 byte as its own U+FFFD."""
    assert isinstance(error, UnicodeDecodeError)
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error("go-replace", _go_replace)


def _map_lit(*pairs: tuple[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if type(key) is not str:
            what = "nil" if key is None else rt.goname(key)
            rt.fail(f"interface conversion: interface {{}} is {what}, not string")
        out.setdefault(key, value)
    return out


class ChainNil(Exception):
    """Raised by ``?.`` on nil; caught at the end of the chain."""


def _chain(thunk: Callable[[], Any]) -> Any:
    try:
        return thunk()
    except ChainNil:
        return None


def _ofetch(obj: Any, key: Any, budget: rt.Budget) -> Any:
    if obj is None:
        raise ChainNil
    return rt.fetch(obj, key, budget)


def _fetchs(obj: Any, key: str) -> Any:
    if type(obj) is dict:
        return obj.get(key)
    return rt.fetch(obj, key)


def _coalesce(value: Any, thunk: Callable[[], Any]) -> Any:
    return thunk() if value is None else value


def _in(budget: rt.Budget, item: Any, coll: Any) -> bool:
    """``item in coll``: a list is searched item by item (``len(coll)`` steps), a map hashed."""
    tc = type(coll)
    if tc is list or tc is t.Float64List:
        budget.charge(len(coll))
        return any(rt.equal(item, x, budget) for x in coll)
    if tc is dict:
        if type(item) is str:
            return item in coll
        if item is None:
            return False
        rt.fail(
            f"reflect.Value.MapIndex: value of type {rt.goname(item)} is not assignable to "
            "type string"
        )
    if coll is None:
        return False
    rt.fail(f"operator in not defined on {rt.goname(coll)}")


def _in_strs(item: Any, options: frozenset[str]) -> bool:
    if type(item) is str:
        return item in options
    if item is None:
        return False
    rt.fail(
        f"reflect.Value.MapIndex: value of type {rt.goname(item)} is not assignable to type string"
    )


def _in_range(item: Any, low: Any, high: Any) -> bool:
    return bool(low <= item <= high)


def _str_op(op: str) -> Callable[[rt.Budget, Any, Any], bool]:
    def run(budget: rt.Budget, a: Any, b: Any) -> bool:
        if type(a) is not str or type(b) is not str:
            rt.fail(f"invalid operation: {rt.goname(a)} {op} {rt.goname(b)}")
        if op == "contains":
            budget.chars(len(a) + len(b))
            return b in a
        budget.chars(len(b))
        if op == "startsWith":
            return a.startswith(b)
        return a.endswith(b)

    return run


def _range(budget: rt.Budget, low: Any, high: Any) -> list[Any]:
    # The VM converts both ends with ToInt: floats truncate, anything else fails.
    low, high = _int(low), _int(high)
    size = max(high - low + 1, 0)
    if size >= budget.memory or size > budget.max_array:
        rt.fail("memory budget exceeded")
    budget.charge(size)
    return list(range(low, high + 1))


def _slice(budget: rt.Budget, obj: Any, start: Any, stop: Any) -> Any:
    to = type(obj)
    if not (to is list or to is t.Float64List or to is str or to is bytes):
        rt.fail(f"cannot slice {rt.goname(obj)}")
    # Go slices a string's UTF-8 bytes: ASCII text is its own, other text is encoded first.
    ascii_text = to is str and obj.isascii()
    if to is str and not ascii_text:
        budget.chars(len(obj))
    data = obj.encode("utf-8") if to is str and not ascii_text else obj
    length = len(data)
    a = 0 if start is None else _int(start)
    b = length if stop is None else _int(stop)
    a = max(a + length if a < 0 else a, 0)
    b = min(max(b + length if b < 0 else b, 0), length)
    if a > b:
        a = b
    budget.chars(b - a)  # a copy of the part: C-speed, like text
    part = data[a:b]
    if ascii_text:
        return part
    if to is str:
        return part.decode("utf-8", "go-replace")
    return list(part) if to is t.Float64List else part


def _int(value: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is float:
        return rt.to_int(value)
    rt.fail(f"invalid operation: int({rt.goname(value)})")


def _call(budget: rt.Budget, fn: Any, *args: Any) -> Any:
    if type(fn) is rt.Func:
        return fn(*_texts(budget, *args))
    rt.fail(f"invalid operation: cannot call non-function of type {rt.goname(fn)}")


def _texts(budget: rt.Budget, *args: Any) -> tuple[Any, ...]:
    """The arguments of an Argo helper (``asFloat``, ``asInt`` parse text), their text charged."""
    budget.chars(sum(len(arg) for arg in args if type(arg) is str))
    return args


def _text(budget: rt.Budget, arg: Any) -> Any:
    if type(arg) is str:
        budget.chars(len(arg))
    return arg


def _method(budget: rt.Budget, obj: Any, name: str, *args: Any) -> Any:
    if type(obj) is dict:
        return _call(budget, obj.get(name), *args)
    if type(obj) in rt.HOOK_TYPES and not args:
        return obj.method(name)
    rt.fail(f"type {rt.goname(obj)} has no method {name}")


def _env_map(names: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    env = dict(zip(names, values, strict=True))
    out = dict(env)
    for name, fn in ARGO_FUNCTIONS.items():
        if fn.needs_result:
            result = env.get("result")
            out[name] = rt.Func(name, lambda *a, _f=fn.fn, _r=result: _f(_r, *a))
        else:
            out[name] = rt.Func(name, fn.fn)
    return out


def _cmp(op: str) -> Callable[..., bool]:
    def run(a: Any, b: Any, budget: rt.Budget | None = None) -> bool:
        return rt.less(a, b, op, budget)

    return run


def _add(budget: rt.Budget, a: Any, b: Any) -> Any:
    if type(a) is str and type(b) is str:
        size = len(a) + len(b)
        if size > budget.max_string:
            rt.fail("string too long")
        budget.chars(size)
    return rt.add(a, b)


NAMESPACE: dict[str, Any] = {
    "__builtins__": {},
    "_all": all, "_any": any, "_sum1": sum, "_enumerate": enumerate, "_next": next,
    "_reversed": reversed, "_list": list, "_float": float, "_len": len, "_frozenset": frozenset,
    "_chain": _chain, "_ofetch": _ofetch, "_fetch": rt.fetch, "_fetchs": _fetchs,
    "_coalesce": _coalesce, "_in": _in, "_in_strs": _in_strs, "_in_range": _in_range,
    "_contains": _str_op("contains"), "_startsWith": _str_op("startsWith"),
    "_endsWith": _str_op("endsWith"), "_matches": matches, "_range": _range, "_slice": _slice,
    "_call": _call, "_method": _method, "_text": _text, "_env_map": _env_map,
    "_bool": rt.check_bool,
    "_eq": rt.equal, "_add": _add, "_sub": rt.sub, "_mul": rt.mul, "_div": rt.div,
    "_mod": rt.mod, "_pow": rt.power, "_neg": rt.neg, "_pos": rt.pos, "_wrap": rt.wrap,
    "_lt": _cmp("<"), "_gt": _cmp(">"), "_le": _cmp("<="), "_ge": _cmp(">="),
    "_iter": loop_items, "_count_true": count_true, "_inf": math.inf, "_nan": math.nan,
    "_Func": rt.Func, "_map_lit": _map_lit, "_dict": dict, "_type": type,
    "_f64": t.Float64List, "_isnan": math.isnan, "_isinf": math.isinf,
}  # fmt: skip
NAMESPACE["_f_sum_values"] = FUNCTIONS["sum_values"]
for _name, _fn in FUNCTIONS.items():
    NAMESPACE["_f_" + _name] = _fn
for _name, _afn in ARGO_FUNCTIONS.items():
    NAMESPACE["_argo_" + _name] = _afn.fn
    NAMESPACE["_argofn_" + _name] = rt.Func(_name, _afn.fn)
