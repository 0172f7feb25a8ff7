"""The cost budget of a CEL run: evaluation steps and the size of what ``+`` builds.

celpy has no limits of its own, so its interpreter is subclassed to count a step per node
visited and the length of every concatenation; nested macros share the one budget. The
numbers come from :class:`~app.expr.limits.Limits`, as for expr.
"""

from __future__ import annotations

from typing import Any

import lark
from celpy.evaluation import Activation, Evaluator, Result

from app.expr.limits import Limits

__all__ = ["Budget", "BudgetEvaluator", "BudgetExceeded"]


class BudgetExceeded(Exception):
    """A budget ran out; ``str()`` says which."""


class Budget:
    """Counts evaluation steps and the length of what ``+`` builds, across nested macros."""

    __slots__ = ("built", "limits", "steps")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0
        self.built = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise BudgetExceeded(f"evaluation exceeded {self.limits.max_steps} steps")

    def build(self, value: Result) -> None:
        if isinstance(value, str | bytes):
            limit, what = self.limits.max_string_length, "string"
        elif isinstance(value, list):
            limit, what = self.limits.max_array_length, "list"
        else:
            return
        self.built += len(value)
        if len(value) > limit or self.built > self.limits.max_string_length:
            raise BudgetExceeded(f"{what} too long (more than {limit} elements built)")


class BudgetEvaluator(Evaluator):
    """celpy's interpreter with a step budget shared by the evaluators of nested macros."""

    def __init__(self, ast: lark.Tree[Any], activation: Activation, budget: Budget) -> None:
        super().__init__(ast, activation)
        self.budget = budget

    def sub_evaluator(self, ast: lark.Tree[Any]) -> Evaluator:
        return BudgetEvaluator(ast, self.activation, self.budget)

    def visit_children(self, tree: lark.Tree[Any]) -> list[Result]:
        self.budget.step()
        return super().visit_children(tree)

    def addition(self, tree: lark.Tree[Any]) -> Result:
        value: Result = super().addition(tree)
        if len(tree.children) == 2:
            self.budget.build(value)
        return value
