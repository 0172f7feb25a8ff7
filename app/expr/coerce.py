"""Argument coercions shared by the builtins, failing with Go's messages."""

from __future__ import annotations

from typing import Any

from .runtime import Budget, fail, goname
from .types import Float64List

__all__ = ["LISTS", "int_arg", "iterable", "loop_items", "number", "str_arg", "tname"]

LISTS = (list, Float64List)


def iterable(budget: Budget, value: Any, name: str) -> list[Any]:
    if type(value) is list or type(value) is Float64List:
        budget.charge(len(value))
        return value
    fail(f"builtin {name} takes only array (got {tname(value)})")


def loop_items(budget: Budget, value: Any, name: str) -> Any:
    """What expr's loop opcodes (all, map, filter, sum, reduce ...) see: ``reflect.Len`` then
    ``Index`` on whatever arrives at run time. A string is walked byte by byte (each a number);
    an empty map loops zero times; a non-empty map or a scalar fails."""
    t = type(value)
    if t is list or t is Float64List:
        budget.charge(len(value))
        return value
    if t is str:
        data = value.encode("utf-8")
        budget.charge(len(data))
        return list(data)
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
