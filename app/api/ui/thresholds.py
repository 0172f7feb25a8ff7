"""The lines a chart draws: the constants a metric's conditions compare its measured value with.

`all(result.service_apdex.values.values, {asFloat(.value) >= 9900})` draws a line at 9900.
The condition is parsed with augur's own expression parser (`app.expr.parser`) and its tree
walked for comparisons (`<`, `<=`, `>`, `>=`, `==`) with a number on one side and a measured
value on the other: something read from `result` or from a predicate's element (`.value`, `#`).
A count is not a value (`len(result) > 0` draws nothing), nor is a comparison of two
constants. CEL conditions (`cel:`) and conditions that no longer parse draw no line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.expr import cel
from app.expr import nodes as n
from app.expr.errors import ExprError
from app.expr.parser import parse

__all__ = ["Threshold", "bound_of", "thresholds"]

Condition = Literal["success", "failure"]
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}
_SHOWN = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}
#: Builtins that count or measure a collection rather than read a value from it.
_COUNTS = frozenset({"len", "count"})
MAX_LINES = 4


@dataclass(frozen=True)
class Threshold:
    """`<measured value> op value`, as the condition `condition` states it."""

    op: str
    value: float
    condition: Condition

    @property
    def label(self) -> str:
        return f"{self.condition} {_SHOWN[self.op]} {self.value:g}"

    @property
    def lower_bound(self) -> bool | None:
        """Whether passing means staying above the line (None: neither, `==`)."""
        if self.op == "==":
            return None
        above = self.op in (">", ">=")
        return above if self.condition == "success" else not above


def _number(node: n.Node) -> float | None:
    if isinstance(node, n.Unary) and node.op == "-":
        inner = _number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, n.Int | n.Float):
        return float(node.value)
    if isinstance(node, n.Constant) and isinstance(node.value, int | float):
        return None if isinstance(node.value, bool) else float(node.value)
    return None


def _reads_value(node: n.Node) -> bool:
    """Whether `node` reads a measured value: `result` or a predicate's element, not through a
    builtin that counts."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, n.Builtin) and current.name in _COUNTS:
            continue
        if isinstance(current, n.Pointer):
            return True
        if isinstance(current, n.Identifier) and current.name == "result":
            return True
        stack.extend(n.children(current))
    return False


def thresholds(source: str, condition: Condition) -> list[Threshold]:
    """The lines of one condition, in the order they are written, without repeats."""
    if not source.strip() or cel.is_cel(source):
        return []
    try:
        tree = parse(source)
    except ExprError:
        return []
    found: list[Threshold] = []
    stack: list[n.Node] = [tree]
    while stack:
        node = stack.pop()
        stack.extend(reversed(n.children(node)))
        if not isinstance(node, n.Binary) or node.op not in _FLIPPED:
            continue
        right, left = _number(node.right), _number(node.left)
        if right is not None and left is None and _reads_value(node.left):
            line = Threshold(node.op, right, condition)
        elif left is not None and right is None and _reads_value(node.right):
            line = Threshold(_FLIPPED[node.op], left, condition)
        else:
            continue
        if line not in found:
            found.append(line)
    return found[:MAX_LINES]


def bound_of(lines: list[Threshold]) -> Literal["lowest", "highest", "last"]:
    """Which of a measurement's numbers to plot: the lowest when every line is a floor (the
    point that would fall below it), the highest when every line is a ceiling, else the last."""
    bounds = {line.lower_bound for line in lines}
    if bounds == {True}:
        return "lowest"
    if bounds == {False}:
        return "highest"
    return "last"
