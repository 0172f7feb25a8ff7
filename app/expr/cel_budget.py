"""The cost budget of a CEL run: the expr engine's Budget (steps, CPU time), priced for celpy.

celpy has no limits of its own, so its interpreter is subclassed: every node it visits costs
``VISIT_STEPS`` steps (celpy spends 5-8 µs on a node, 50-80 times what the expr engine
does, so the step budget stops both after about the same time), nested macros share the one
Budget, what ``+`` builds is bounded, and CEL's functions and operators are wrapped to charge
the items and characters they read before they run (``x in list`` costs ``len(list)``,
``matches`` the text times the program's size, as in expr). When a budget runs out, the error
names the innermost call or macro being evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lark
from celpy.evaluation import Activation, Evaluator, Result, base_functions

from app.expr.budget import CHARS_PER_STEP, Budget
from app.expr.errors import ExprBudgetError, ExprRuntimeError
from app.expr.regex import program_size

__all__ = ["VISIT_STEPS", "BudgetEvaluator", "CelRun", "call_name", "charged_functions"]

VISIT_STEPS = 100
#: Functions whose work does not grow with their arguments (indexing, arithmetic, size ...).
_FIXED = frozenset(
    {"!_", "-_", "_%_", "_&&_", "_*_", "_-_", "_/_", "_?_:_", "_[_]", "_||_", "bool", "double"}
    | {"int", "uint", "null_type", "size", "type"}
    | {name for name in base_functions if name.startswith("get")}
)


def _cost(value: Any) -> int:
    if isinstance(value, str | bytes):
        return len(value) // CHARS_PER_STEP
    if isinstance(value, list | dict):
        return len(value)
    return 0


def charged_functions(budget: Budget) -> dict[str, Callable[..., Result]]:
    """celpy's functions, each charging ``budget`` for the items and text it reads."""

    def charged(name: str, fn: Callable[..., Result]) -> Callable[..., Result]:
        def run(*args: Any) -> Result:
            budget.charge(sum(map(_cost, args)))
            if name == "matches" and len(args) == 2 and isinstance(args[1], str):
                budget.charge(_cost(args[0]) * max(0, program_size(args[1], budget) // 100 - 1))
            return fn(*args)

        run.__name__ = getattr(fn, "__name__", name)
        return run

    return {
        name: fn if name in _FIXED else charged(name, fn)
        for name, fn in base_functions.items()
        if callable(fn)
    }


@dataclass
class CelRun:
    """What the evaluators of one run share: the budget, what ``+`` has built, and the calls
    and macros being evaluated (the last one names where a budget ran out)."""

    budget: Budget
    built: int = 0
    calls: list[lark.Tree[Any]] = field(default_factory=list)

    def build(self, value: Result) -> None:
        limits = self.budget.limits
        if isinstance(value, str | bytes):
            limit, what = limits.max_string_length, "string"
        elif isinstance(value, list):
            limit, what = limits.max_array_length, "list"
        else:
            return
        self.built += len(value)
        if len(value) > limit or self.built > limits.max_string_length:
            raise ExprRuntimeError(f"{what} too long (more than {limit} elements built)")


class BudgetEvaluator(Evaluator):
    """celpy's interpreter charging one shared budget, nested macros included."""

    def __init__(self, ast: lark.Tree[Any], activation: Activation, run: CelRun) -> None:
        super().__init__(ast, activation)
        self.run = run

    def sub_evaluator(self, ast: lark.Tree[Any]) -> Evaluator:
        return BudgetEvaluator(ast, self.activation, self.run)

    def visit_children(self, tree: lark.Tree[Any]) -> list[Result]:
        self.run.budget.charge(VISIT_STEPS)
        return super().visit_children(tree)

    def _call(self, method: Callable[[lark.Tree[Any]], Result], tree: lark.Tree[Any]) -> Result:
        """``method(tree)`` with ``tree`` on the stack of calls being evaluated."""
        calls = self.run.calls
        calls.append(tree)
        try:
            value = method(tree)
        except ExprBudgetError:
            raise  # the innermost call stays on the stack: it is where the budget ran out
        except BaseException:
            calls.pop()
            raise
        calls.pop()
        return value

    def member_dot_arg(self, tree: lark.Tree[Any]) -> Result:
        return self._call(super().member_dot_arg, tree)

    def primary(self, tree: lark.Tree[Any]) -> Result:
        child = tree.children[0] if tree.children else None
        if isinstance(child, lark.Tree) and child.data == "ident_arg":
            evaluate = super().primary
            return self._call(lambda _: evaluate(tree), child)
        value: Result = super().primary(tree)
        return value

    def addition(self, tree: lark.Tree[Any]) -> Result:
        value: Result = super().addition(tree)
        if len(tree.children) == 2:
            self.run.build(value)
        return value


def call_name(tree: lark.Tree[Any]) -> str:
    """The function or method a call node names (``map`` in ``xs.map(x, ...)``)."""
    index = 1 if tree.data == "member_dot_arg" else 0
    token = tree.children[index] if len(tree.children) > index else None
    return str(getattr(token, "value", tree.data))
