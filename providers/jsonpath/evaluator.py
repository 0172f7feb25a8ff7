"""Nodes applied to decoded JSON, with the package's rules and error texts.

A missing key is an error (``x is not found``) unless another input of the same step has it; an
index out of range is an error; ``[*]`` is a whole-array slice (an error on an object, where
``.*`` works); ``..`` visits every non-empty container (pre-order) before the next step;
``null`` inputs are skipped. Messages that print a value print it as Go's ``%v`` would.

Answers come from upstream servers augur does not control, so nothing here recurses on the data
(``..`` walks with a stack of its own; values printed in messages stop at a depth) and no step
may produce more than ``MAX_VALUES`` values: ``{$..*..*..*}`` over a deep answer would otherwise
select billions of them. Either is an error naming the step, never an exception that escapes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from providers.jsonpath.nodes import (
    Field,
    Filter,
    JSONPathError,
    Literal,
    Node,
    Recursive,
    Slice,
    Union,
    Wildcard,
)

__all__ = ["MAX_VALUES", "walk"]

#: Values one step of a template may select; beyond it the template is a JSONPathError.
MAX_VALUES = 100_000
#: Nesting printed by ``_go_v`` before the rest of a value is written as ``...``.
_PRINT_DEPTH = 32


def _go_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return {str: "string", float: "float64"}.get(type(value), "<nil>")


def _go_v(value: Any, depth: int = 0) -> str:
    """Go's ``%v`` of a decoded JSON value, for messages that print one (``...`` past
    ``_PRINT_DEPTH`` levels: a message is not the place for a whole deep answer)."""
    if depth > _PRINT_DEPTH:
        return "..."
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
        exponent = Decimal(repr(value)).adjusted() if value else 0
        if -4 <= exponent < 21:
            return format(Decimal(repr(value)).normalize(), "f")
        mantissa, _, power = f"{Decimal(repr(value)).normalize():e}".partition("e")
        return f"{mantissa}e{power[0]}{power[1:].zfill(2)}"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_go_v(value[k], depth + 1)}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_v(item, depth + 1) for item in value) + "]"
    return str(value)


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return [float(byte) for byte in value.encode()]  # Go indexes a string's bytes
    return []


def _field(inputs: list[Any], node: Field) -> list[Any]:
    found = [v[node.name] for v in inputs if isinstance(v, Mapping) and node.name in v]
    if not found:
        raise JSONPathError(f"{node.name} is not found")
    return found


def _recursive(inputs: list[Any]) -> Iterator[Any]:
    """Every non-empty container under ``inputs``, pre-order, with a stack of iterators rather
    than the interpreter's (an answer can be nested as deep as the decoder reaches)."""
    stack = [iter(inputs)]
    while stack:
        value = next(stack[-1], _END)
        if value is _END:
            stack.pop()
            continue
        children = _children(value)
        if children:
            yield value
            stack.append(iter(children))


_END = object()


def _slice(inputs: list[Any], node: Slice) -> list[Any]:
    out: list[Any] = []
    for value in inputs:
        if value is None:
            continue
        if not isinstance(value, list):
            raise JSONPathError(f"{_go_type(value)} is not array or slice")
        length = len(value)
        start = node.start or 0
        start += length if start < 0 else 0
        if node.single:
            end = start + 1
        else:
            end = length if node.end is None else node.end
            end += length if end < 0 else 0
        if start == end:
            continue
        if not 0 <= start < length:
            raise JSONPathError(f"array index out of bounds: index {start}, length {length}")
        if not 0 <= end <= length:
            raise JSONPathError(f"array index out of bounds: index {end - 1}, length {length}")
        if start > end:
            raise JSONPathError(f"starting index {start} is greater than ending index {end}")
        if node.step is not None and node.step <= 0:
            raise JSONPathError("step must be > 0")
        out.extend(value[start : end : node.step or 1])
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "other"


_COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    ">": lambda a, b: bool(a > b),
    "<=": lambda a, b: bool(a <= b),
    ">=": lambda a, b: bool(a >= b),
}


def _compare(left: Any, operator: str, right: Any) -> bool:
    kinds = {_kind(left), _kind(right)}
    if "other" in kinds:
        raise JSONPathError("invalid type for comparison")
    if len(kinds) > 1:
        raise JSONPathError("incompatible types for comparison")
    if kinds == {"bool"} and operator not in ("==", "!="):
        raise JSONPathError("invalid type for comparison")
    return _COMPARE[operator](left, right)


def _single(values: list[Any]) -> list[Any]:
    if len(values) > 1:
        raise JSONPathError("can only compare one element at a time")
    return values


def _filter(inputs: list[Any], node: Filter) -> list[Any]:
    out: list[Any] = []
    for value in inputs:
        if not isinstance(value, list):
            raise JSONPathError(f"{_go_v(value)} is not array or slice and cannot be filtered")
        for item in value:
            if node.operator == "exists":
                try:
                    matched = bool(walk([item], node.left))
                except JSONPathError:
                    matched = False
                if matched:
                    out.append(item)
                continue
            lefts = _single(walk([item], node.left))
            rights = _single(walk([item], node.right)) if lefts else []
            if lefts and rights and _compare(lefts[0], node.operator, rights[0]):
                out.append(item)
    return out


def _step(inputs: list[Any], node: Node) -> list[Any]:
    if isinstance(node, Literal):
        return [node.value] * (len(inputs) if node.per_input else 1)
    if isinstance(node, Field):
        return _field(inputs, node)
    if isinstance(node, Recursive):
        return _bounded(_recursive(inputs))
    if isinstance(node, Wildcard):
        return _bounded(child for value in inputs for child in _children(value))
    if isinstance(node, Slice):
        return _slice(inputs, node)
    if isinstance(node, Union):
        return [found for branch in node.branches for found in walk(inputs, branch)]
    return _filter(inputs, node)


def _bounded(values: Iterator[Any]) -> list[Any]:
    found: list[Any] = []
    for value in values:
        found.append(value)
        if len(found) > MAX_VALUES:
            raise JSONPathError(f"the path selects more than {MAX_VALUES} values")
    return found


def walk(inputs: list[Any], steps: tuple[Node, ...]) -> list[Any]:
    """Apply ``steps`` in turn; raises :class:`JSONPathError` with the package's message."""
    current = inputs
    for node in steps:
        current = _step(current, node)
        if len(current) > MAX_VALUES:
            raise JSONPathError(f"the path selects more than {MAX_VALUES} values")
    return current
