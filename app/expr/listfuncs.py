"""Builtins over arrays and maps: max/min/mean/median/sum, first/last/take/get, keys/values,
pairs, sort/sortBy/reverse/uniq/concat/flatten, groupBy and reduce.

Every function here takes the run's Budget first and charges the items it is about to visit
before it visits them (budget.py says what each costs); a predicate's items are charged as its
loop reaches them (``coerce.loop_items``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import cmp_to_key
from typing import Any

from .budget import log_cost
from .coerce import LISTS, int_arg, iterable, loop_items, number, tname
from .runtime import Budget, GroupMap, add, check_bool, equal, fail, fmt_value, less, to_int, wrap
from .types import Float64List

__all__ = [
    "b_concat", "b_first", "b_flatten", "b_from_pairs", "b_get", "b_group_by", "b_keys",
    "b_last", "b_max", "b_mean", "b_median", "b_min", "b_reduce", "b_reverse", "b_sort",
    "b_sort_by", "b_sum", "b_take", "b_to_pairs", "b_uniq", "b_values", "count_true",
]  # fmt: skip


# -- numbers over collections -------------------------------------------------------------
def _flat_numbers(budget: Budget, values: Iterable[Any], name: str) -> list[Any]:
    out: list[Any] = []
    stack = [iter(values)]
    while stack:
        for item in stack[-1]:
            if type(item) in LISTS:
                budget.charge(2 * len(item))
                stack.append(iter(item))
                break
            out.append(number(item, name))
        else:
            stack.pop()
    return out


def b_max(budget: Budget, *args: Any) -> Any:
    return _extreme(budget, args, "max", lambda a, b: less(b, a, "<"))


def b_min(budget: Budget, *args: Any) -> Any:
    return _extreme(budget, args, "min", lambda a, b: less(a, b, "<"))


def _extreme(
    budget: Budget, args: tuple[Any, ...], name: str, better: Callable[[Any, Any], bool]
) -> Any:
    values = _flat_numbers(budget, args, name)
    if not values:
        return None
    # expr replaces the running value when ``better(new, running)``; NaN never compares, so
    # a leading NaN sticks and a later one is skipped, exactly as in Go.
    best = values[0]
    for v in values[1:]:
        if better(v, best):
            best = v
    return best


def b_mean(budget: Budget, *args: Any) -> float:
    values = _flat_numbers(budget, args, "mean")
    if not values:
        return 0.0
    return math.fsum(float(v) for v in values) / len(values) if values else 0.0


def b_median(budget: Budget, *args: Any) -> float:
    numbers = _flat_numbers(budget, args, "median")
    budget.charge(log_cost(len(numbers)) // 8)  # floats, sorted at C speed
    values = sorted(float(v) for v in numbers)
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


def b_get(budget: Budget, obj: Any, key: Any) -> Any:
    """``obj[key]``, or nil where indexing would fail (never formatting a message to drop)."""
    t, tk = type(obj), type(key)
    if t is dict:
        return obj.get(key) if tk is str else None
    if t is GroupMap:
        return obj.get(key, [])
    if t not in (list, Float64List, bytes, str) or tk not in (int, float):
        return None
    if t is str and not obj.isascii():
        budget.chars(len(obj))
        obj = obj.encode("utf-8")  # Go indexes a string's UTF-8 bytes
    index = key if tk is int else to_int(key)
    real = index + len(obj) if index < 0 else index
    if not 0 <= real < len(obj):
        return None
    return ord(obj[real]) if type(obj) is str else obj[real]


def b_take(budget: Budget, items: Any, n: Any) -> list[Any]:
    if type(items) not in LISTS:
        fail(f"cannot take from {tname(items)}")
    count = int_arg(n)
    if count < 0:
        fail("reflect.Value.Slice: slice index out of bounds")
    budget.charge(min(count, len(items)))
    return list(items[:count])


def b_keys(budget: Budget, value: Any) -> list[Any]:
    if type(value) is dict:
        budget.charge(len(value))
        return list(value)
    fail(f"cannot get keys from {tname(value)}")


def b_values(budget: Budget, value: Any) -> list[Any]:
    if type(value) is dict:
        budget.charge(len(value))
        return list(value.values())
    fail(f"cannot get values from {tname(value)}")


def b_to_pairs(budget: Budget, value: Any) -> list[Any]:
    if type(value) is dict:
        budget.charge(len(value))
        return [[k, v] for k, v in value.items()]
    fail(f"cannot transform {tname(value)} to pairs")


def b_from_pairs(budget: Budget, value: Any) -> dict[Any, Any]:
    if type(value) not in LISTS:
        fail(f"cannot transform {tname(value)} from pairs")
    budget.charge(len(value))
    out: dict[Any, Any] = {}
    for pair in value:
        if type(pair) not in LISTS or len(pair) != 2:
            fail(f"invalid pair length {fmt_value(pair)}")
        key = pair[0]
        out[key if type(key) is str else _key(key, budget)] = pair[1]
    return out


def _key(value: Any, budget: Budget) -> Any:
    if type(value) in (str, int, float, bool) or value is None:
        return value
    return fmt_value(value, budget)


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
    budget.charge(2 * log_cost(len(values)))  # a comparison through less(): ~0.2 µs
    return sorted(values, key=cmp_to_key(_compare), reverse=reverse)


def b_sort_by(
    budget: Budget, items: Any, fn: Callable[..., Any], order: Any = "asc", *, weight: int = 1
) -> list[Any]:
    values = list(loop_items(budget, items, "sortBy", weight))
    keys = [fn(v, i) for i, v in enumerate(values)]
    reverse = _order(order, sort_by=True)
    budget.charge(2 * log_cost(len(values)))

    def by_key(i: int, j: int) -> int:
        return _compare(keys[i], keys[j])

    order_key = cmp_to_key(by_key)
    idx: list[int] = sorted(range(len(values)), key=order_key, reverse=reverse)
    return [values[i] for i in idx]


def b_reverse(budget: Budget, items: Any) -> list[Any]:
    if type(items) in LISTS:
        budget.charge(len(items))
        return list(reversed(items))
    fail(f"cannot reverse {tname(items)}")


def _bucket(value: Any, budget: Budget) -> Any:
    """A hashable stand-in such that ``equal(a, b)`` implies ``_bucket(a) == _bucket(b)``
    (numbers by their float value, lists item by item), so ``uniq`` compares an item only with
    the few seen items in its bucket instead of with all of them."""
    t = type(value)
    if t is float or t is int:
        return float(value)
    if t is str:
        budget.chars(len(value))
        return value
    if value is None:
        return None
    if t is bool:
        return ("bool", value)
    if t is list or t is Float64List:
        budget.charge(2 * len(value))
        return ("list", tuple(_bucket(item, budget) for item in value))
    if t is dict:
        budget.charge(2 * len(value))
        return ("map", frozenset((k, _bucket(v, budget)) for k, v in value.items()))
    return ("other", t)


def b_uniq(budget: Budget, items: Any) -> list[Any]:
    """expr keeps each item that equals no item kept before it: the same, without comparing
    every pair (4 steps an item, what hashing it takes, plus the comparisons in its bucket)."""
    if type(items) not in LISTS:
        fail(f"cannot uniq {tname(items)}")
    budget.charge(4 * len(items))
    kept: dict[Any, list[Any]] = {}
    out: list[Any] = []
    for item in items:
        bucket = kept.setdefault(_bucket(item, budget), [])
        if bucket:
            budget.charge(len(bucket))
            if any(equal(item, seen, budget) for seen in bucket):
                continue
        bucket.append(item)
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


def b_group_by(
    budget: Budget, items: Any, fn: Callable[..., Any], *, weight: int = 1
) -> dict[Any, Any]:
    out = GroupMap()
    for i, v in enumerate(loop_items(budget, items, "groupBy", weight + 2)):  # + its key
        out.setdefault(_key(fn(v, i), budget), []).append(v)
    return out


def b_reduce(
    budget: Budget, items: Any, fn: Callable[..., Any], *init: Any, weight: int = 1
) -> Any:
    values = iter(enumerate(loop_items(budget, items, "reduce", weight)))
    if init:
        acc = init[0]
    else:
        first = next(values, None)
        if first is None:
            fail("reduce of empty array with no initial value")
        acc = first[1]
    for i, value in values:
        acc = fn(acc, value, i)
    return acc


def count_true(flags: Iterable[Any]) -> int:
    return sum(1 for f in flags if check_bool(f))
