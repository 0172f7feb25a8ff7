"""Argument coercions shared by the builtins, failing with Go's messages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from .budget import CHUNK
from .runtime import Budget, fail, goname
from .types import Float64List

__all__ = ["LISTS", "int_arg", "iterable", "loop_items", "number", "str_arg", "tname"]

LISTS = (list, Float64List)


def _charged(budget: Budget, items: list[Any], weight: int) -> Iterable[Any]:
    """``items`` for a loop whose every item costs ``weight`` steps: charged at once when short,
    else chunk by chunk as the loop gets there (a loop that stops early pays for what it saw,
    and a long one meets its budget, and the clock, every ``CHUNK`` items)."""
    if len(items) <= CHUNK:
        budget.charge(len(items) * weight)
        return items
    return chain.from_iterable(_chunks(budget, items, weight))


def _chunks(budget: Budget, items: list[Any], weight: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        part = items[start : start + CHUNK]
        budget.charge(len(part) * weight)
        yield part


def iterable(budget: Budget, value: Any, name: str) -> list[Any]:
    if type(value) is list or type(value) is Float64List:
        budget.charge(len(value))
        return value
    fail(f"builtin {name} takes only array (got {tname(value)})")


def loop_items(budget: Budget, value: Any, name: str, weight: int = 1) -> Iterable[Any]:
    """What expr's loop opcodes (all, map, filter, sum, reduce ...) see: ``reflect.Len`` then
    ``Index`` on whatever arrives at run time. A string is walked byte by byte (each a number);
    an empty map loops zero times; a non-empty map or a scalar fails. Each item costs ``weight``
    steps: one for the item and one per node of the predicate run on it."""
    t = type(value)
    if t is list or t is Float64List:
        items: list[Any] = value
        if len(items) <= CHUNK:  # the common case, without a call of _charged
            budget.charge(len(items) * weight)
            return items
        return _charged(budget, items, weight)
    if t is str:
        budget.chars(len(value))
        return _charged(budget, list(value.encode("utf-8")), weight)
    if t is dict and not value:
        return []
    if t is dict:
        fail("reflect: call of reflect.Value.Index on map Value")
    if value is None:
        fail("reflect: call of reflect.Value.Len on zero Value")
    fail(f"builtin {name} takes only array (got {tname(value)})")


def tname(value: Any) -> str:
    return "<nil>" if value is None else goname(value)


def number(value: Any, name: str) -> float | int:
    if type(value) is int or type(value) is float:
        return value
    fail(f"invalid argument for {name} (type {tname(value)})")


def str_arg(value: Any, name: str) -> str:
    if type(value) is str:
        return value
    fail(f"interface conversion: interface {{}} is {'nil' if value is None else goname(value)}, "
         "not string")  # fmt: skip


def int_arg(value: Any) -> int:
    if type(value) is int:
        return value
    fail(f"interface conversion: interface {{}} is {tname(value)}, not int")
