"""What a condition costs whatever ``result`` holds: the budget overruns provable at compile time.

A condition that cannot finish within its step budget fails every time it runs: with the budget
error, or with another error met on the way. This walk finds the ones that provably cannot: it
adds up the steps the run time charges (budget.py) for the work every evaluation that does not
fail must do, counting only what sizes the text fixes (literal ranges and arrays, and what
loops over them build) and only the parts that always run (the left side of ``&&``, ``||`` and
``??``, not the branches of ``?:``; a loop that may stop early, ``all``/``any``/``find``...,
only for the items it is charged before it starts). When the sum passes the budget, compiling
fails with an ExprBudgetError located at the smallest part that alone needs too much, so a
template holding it is refused when it is submitted, not one measurement at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import nodes as n
from .budget import CHUNK, log_cost
from .errors import ExprBudgetError
from .gen_emitter import weight
from .limits import Limits

__all__ = ["check_cost"]

#: Loops that visit every item unless the predicate fails.
_EVERY_ITEM = frozenset({"map", "filter", "count", "sum", "one", "groupBy", "sortBy", "reduce"})
#: Loops that may stop at an item: only what they charge before the first is certain.
_MAY_STOP = frozenset({"all", "any", "none", "find", "findIndex", "findLast", "findLastIndex"})
#: Builtins keeping their argument's length.
_SAME_LENGTH = frozenset({"map", "sort", "sortBy", "reverse"})


@dataclass(frozen=True, slots=True)
class _Cost:
    steps: int
    length: int | None = None  # items of the list it yields, when the text fixes it


def check_cost(tree: n.Node, *, source: str, limits: Limits) -> None:
    """Raise ExprBudgetError when every evaluation of ``tree`` needs more than the budget."""
    _Walk(source, limits).visit(tree)


class _Walk:
    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits

    def visit(self, node: n.Node) -> _Cost:
        cost = self._cost(node)
        if cost.steps > self.limits.max_steps:
            self._refuse(node, cost.steps)
        return cost

    def _refuse(self, node: n.Node, steps: int) -> None:
        what = node.name if isinstance(node, n.Builtin) else getattr(node, "op", "")
        at = f" at {what} ({node.line}:{node.column})" if what and node.line else ""
        raise ExprBudgetError(
            f"condition exceeded its step budget ({self.limits.max_steps} steps){at} whatever "
            f"result holds: it needs at least {steps} steps",
            source=self.source,
            line=node.line,
            column=node.column,
        )

    def _cost(self, node: n.Node) -> _Cost:
        if isinstance(node, n.Binary):
            return self._binary(node)
        if isinstance(node, n.Builtin):
            return self._builtin(node)
        if isinstance(node, n.Array):
            steps = sum(self.visit(item).steps for item in node.items)
            return _Cost(steps, len(node.items))
        if isinstance(node, n.Conditional):
            return _Cost(self.visit(node.cond).steps)
        if isinstance(node, n.Predicate):
            return _Cost(0)  # a loop's body: counted by its loop
        return _Cost(sum(self.visit(child).steps for child in n.children(node)))

    def _binary(self, node: n.Binary) -> _Cost:
        left = self.visit(node.left)
        if node.op in ("&&", "and", "||", "or", "??"):
            return _Cost(left.steps)
        right = self.visit(node.right)
        steps = left.steps + right.steps
        if node.op == ".." and isinstance(node.left, n.Int) and isinstance(node.right, n.Int):
            size = max(node.right.value - node.left.value + 1, 0)
            if size < self.limits.memory_budget and size <= self.limits.max_array_length:
                return _Cost(steps + size, size)
        if node.op == "in" and right.length is not None:
            steps += right.length
        return _Cost(steps)

    def _builtin(self, node: n.Builtin) -> _Cost:
        name = node.name
        args = [self.visit(arg) for arg in node.args if not isinstance(arg, n.Predicate)]
        steps = sum(arg.steps for arg in args)
        size = args[0].length if args else None
        predicate = next((arg for arg in node.args if isinstance(arg, n.Predicate)), None)
        if size is None:
            return _Cost(steps)
        if predicate is not None and size:
            body = self.visit(predicate.body).steps
            if name in _EVERY_ITEM:
                steps += size * (weight(predicate) + body)
            elif name in _MAY_STOP:
                steps += min(size, CHUNK) * weight(predicate) + body
        if name == "uniq":
            steps += 4 * size
        elif name in ("sort", "sortBy"):
            steps += 2 * log_cost(size)
        elif name in ("reverse", "flatten", "join"):
            steps += size
        elif name == "concat":
            lengths = [arg.length for arg in args]
            if None in lengths:
                return _Cost(steps)
            total = sum(length for length in lengths if length is not None)
            return _Cost(steps + total, total)
        return _Cost(steps, size if name in _SAME_LENGTH else None)
