"""Builtins over arrays and maps: max/min/mean/median/sum, first/last/take/get, keys/values,
pairs, sort/sortBy/reverse/uniq/concat/flatten, groupBy and reduce.

Arrays are charged to the run's Budget before they are walked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import cmp_to_key
from typing import Any

from .coerce import LISTS, int_arg, iterable, loop_items, number, tname
from .runtime import Budget, GroupMap, add, check_bool, equal, fail, fetch, fmt_value, less, wrap

__all__ = [
    "b_concat", "b_first", "b_flatten", "b_from_pairs", "b_get", "b_group_by", "b_keys",
    "b_last", "b_max", "b_mean", "b_median", "b_min", "b_reduce", "b_reverse", "b_sort",
    "b_sort_by", "b_sum", "b_take", "b_to_pairs", "b_uniq", "b_values", "count_true",
]  # fmt: skip


# -- numbers over collections -------------------------------------------------------------
def _flat_numbers(values: Iterable[Any], name: str) -> list[Any]:
    out: list[Any] = []
    stack = [iter(values)]
    while stack:
        for item in stack[-1]:
            if type(item) in LISTS:
                stack.append(iter(item))
                break
            out.append(number(item, name))
        else:
            stack.pop()
    return out


def b_max(*args: Any) -> Any:
    return _extreme(args, "max", lambda a, b: less(b, a, "<"))


def b_min(*args: Any) -> Any:
    return _extreme(args, "min", lambda a, b: less(a, b, "<"))


def _extreme(args: tuple[Any, ...], name: str, better: Callable[[Any, Any], bool]) -> Any:
    values = _flat_numbers(args, name)
    if not values:
        return None
    # expr replaces the running value when ``better(new, running)``; NaN never compares, so
    # a leading NaN sticks and a later one is skipped, exactly as in Go.
    best = values[0]
    for v in values[1:]:
        if better(v, best):
            best = v
    return best


def b_mean(*args: Any) -> float:
    values = _flat_numbers(args, "mean")
    if not values:
        return 0.0
    return math.fsum(float(v) for v in values) / len(values) if values else 0.0


def b_median(*args: Any) -> float:
    values = sorted(float(v) for v in _flat_numbers(args, "median"))
    if not values:
        return 0.0
    mid = len(values) // 2
    if len(values) % 2:
        return values[mid]
    return (values[mid - 1] + values[mid]) / 2


def b_sum(values: Iterable[Any]) -> Any:
    total: Any = 0
    for v in values:
        total = add(v, total) if type(total) is not int or type(v) is not int else wrap(total + v)
    return total


# -- collections -------------------------------------------------------------------------
def b_first(value: Any) -> Any:
    if type(value) in LISTS:
        return value[0] if value else None
    fail(f"cannot get first element from {tname(value)}")


def b_last(value: Any) -> Any:
    if type(value) in LISTS:
        return value[-1] if value else None
    fail(f"cannot get last element from {tname(value)}")


def b_get(obj: Any, key: Any) -> Any:
    try:
        return fetch(obj, key)
    except Exception:
        return None


def b_take(items: Any, n: Any) -> list[Any]:
    if type(items) not in LISTS:
        fail(f"cannot take from {tname(items)}")
    count = int_arg(n)
    if count < 0:
        fail("reflect.Value.Slice: slice index out of bounds")
    return list(items[:count])


def b_keys(value: Any) -> list[Any]:
    if type(value) is dict:
        return list(value)
    fail(f"cannot get keys from {tname(value)}")


def b_values(value: Any) -> list[Any]:
    if type(value) is dict:
        return list(value.values())
    fail(f"cannot get values from {tname(value)}")


def b_to_pairs(value: Any) -> list[Any]:
    if type(value) is dict:
        return [[k, v] for k, v in value.items()]
    fail(f"cannot transform {tname(value)} to pairs")


def b_from_pairs(value: Any) -> dict[Any, Any]:
    if type(value) not in LISTS:
        fail(f"cannot transform {tname(value)} from pairs")
    out: dict[Any, Any] = {}
    for pair in value:
        if type(pair) not in LISTS or len(pair) != 2:
            fail(f"invalid pair length {fmt_value(pair)}")
        key = pair[0]
        out[key if type(key) is str else _key(key)] = pair[1]
    return out


def _key(value: Any) -> Any:
    return value if type(value) in (str, int, float, bool) or value is None else fmt_value(value)


def _compare(a: Any, b: Any) -> int:
    if less(a, b, "<"):
        return -1
    if less(b, a, "<"):
        return 1
    return 0


def _order(order: Any, *, sort_by: bool) -> bool:
    if order == "asc":
        return False
    if order == "desc":
        return True
    if sort_by:
        fail("unknown order, use asc or desc")
    fail(f"invalid order {fmt_value(order)}, expected asc or desc")


def b_sort(budget: Budget, items: Any, order: Any = "asc") -> list[Any]:
    values = list(iterable(budget, items, "sort"))
    reverse = _order(order, sort_by=False)
    return sorted(values, key=cmp_to_key(_compare), reverse=reverse)


def b_sort_by(budget: Budget, items: Any, fn: Callable[..., Any], order: Any = "asc") -> list[Any]:
    values = loop_items(budget, items, "sortBy")
    keys = [fn(v, i) for i, v in enumerate(values)]
    reverse = _order(order, sort_by=True)

    def by_key(i: int, j: int) -> int:
        return _compare(keys[i], keys[j])

    order_key = cmp_to_key(by_key)
    idx: list[int] = sorted(range(len(values)), key=order_key, reverse=reverse)
    return [values[i] for i in idx]


def b_reverse(items: Any) -> list[Any]:
    if type(items) in LISTS:
        return list(reversed(items))
    fail(f"cannot reverse {tname(items)}")


def b_uniq(items: Any) -> list[Any]:
    if type(items) not in LISTS:
        fail(f"cannot uniq {tname(items)}")
    out: list[Any] = []
    for item in items:
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def b_concat(budget: Budget, *arrays: Any) -> list[Any]:
    out: list[Any] = []
    for arr in arrays:
        out.extend(iterable(budget, arr, "concat"))
    return out


def b_flatten(budget: Budget, items: Any) -> list[Any]:
    out: list[Any] = []
    stack = [iter(iterable(budget, items, "flatten"))]
    while stack:
        for item in stack[-1]:
            if type(item) in LISTS:
                budget.charge(len(item))
                stack.append(iter(item))
                break
            out.append(item)
        else:
            stack.pop()
    return out


def b_group_by(budget: Budget, items: Any, fn: Callable[..., Any]) -> dict[Any, Any]:
    out = GroupMap()
    for i, v in enumerate(loop_items(budget, items, "groupBy")):
        out.setdefault(_key(fn(v, i)), []).append(v)
    return out


def b_reduce(budget: Budget, items: Any, fn: Callable[..., Any], *init: Any) -> Any:
    values = loop_items(budget, items, "reduce")
    if init:
        acc, start = init[0], 0
    elif values:
        acc, start = values[0], 1
    else:
        fail("reduce of empty array with no initial value")
    for i in range(start, len(values)):
        acc = fn(acc, values[i], i)
    return acc


def count_true(flags: Iterable[Any]) -> int:
    return sum(1 for f in flags if check_bool(f))
