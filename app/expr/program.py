"""Program: compile once, specialise per concrete environment types, run many times.

Argo compiles a condition against the actual ``result`` each time, so its checker knows the
concrete type. augur compiles once against ``unknown`` types (catching syntax, name and
literal type errors at submission) and then, the first time a run sees a new combination of
top-level value types (``float64``, ``[]float64``, map, list, nil ...), checks and generates
code for that combination and caches it. A type error that only the concrete value reveals
is raised from ``run`` as an ExprRuntimeError with ``from_checker=True``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from . import nodes as n
from . import types as t
from .checker import Checked, check
from .compiler import emit, generate
from .cost import check_cost
from .entry import Runner, fail, make_entry, not_bool
from .errors import (
    ExprCompileError,
    ExprError,
    ExprRuntimeError,
    ExprSyntaxError,
    ExprTypeError,
)
from .limits import DEFAULT_LIMITS, Limits
from .parser import parse
from .runtime import Budget

__all__ = ["Program", "compile_program", "compile_tree"]

_Runner = Runner
_T = TypeVar("_T")


def _fold(tree: n.Node, source: str) -> None:
    """The constant-folding errors expr reports at compile time."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if (
            isinstance(node, n.Binary)
            and node.op == "%"
            and isinstance(node.left, n.Int)
            and isinstance(node.right, n.Int)
            and node.right.value == 0
        ):
            raise ExprTypeError(
                "integer divide by zero", source=source, line=node.line, column=node.column
            )
        stack.extend(n.children(node))


class Program:
    """A compiled condition. Thread-safe for concurrent ``run`` calls (the cache only grows)."""

    def __init__(
        self,
        source: str,
        *,
        names: Collection[str],
        limits: Limits,
        tree: n.Node | None = None,
    ) -> None:
        self.source = source
        self.names = list(names)
        self.limits = limits
        # A tree built by a later stage (explain.py) instead of parsed from ``source``.
        self._tree = tree
        self._cache: dict[tuple[t.Type, ...], _Runner | ExprCompileError] = {}
        # Python value types → runner, for the types whose static type is fixed by the class.
        self._fast: dict[tuple[type, ...], _Runner] = {}
        self._generic = self._build(tuple(t.UNKNOWN for _ in self.names), self._runner, first=True)
        # ``evaluate_bool`` is an attribute, not a method: the general path until values of
        # plain types arrive, then their typed entry (entry.py), which calls back on a miss.
        self._entered = False
        self._seen: tuple[type, ...] | None = None  # the classes of the last plain values
        self.evaluate_bool: Callable[[Mapping[str, Any]], bool] = self._evaluate_bool

    def _build(
        self,
        signature: tuple[t.Type, ...],
        make: Callable[[n.Node, Checked], _T],
        *,
        first: bool = False,
    ) -> _T:
        """``make`` applied to the tree checked against ``signature``."""
        try:
            # The checker rewrites nodes in place (literal conversions), so each build checks
            # a fresh tree: parsed again, or a copy of the one handed in.
            if self._tree is None:
                tree = parse(self.source, limits=self.limits)
            else:
                tree = copy.deepcopy(self._tree)
            env = dict(zip(self.names, signature, strict=True))
            checked = check(tree, source=self.source, env=env)
            _fold(tree, self.source)
            if first:  # what it certainly costs does not depend on the types of the values
                check_cost(tree, source=self.source, limits=self.limits)
            return make(tree, checked)
        except ExprError:
            raise
        except RecursionError:
            raise ExprSyntaxError("expression nested too deeply", source=self.source) from None
        except Exception as exc:  # the contract: only ExprError escapes, even on a bug
            raise ExprCompileError(f"internal error: {type(exc).__name__}: {exc}") from None

    def _runner(self, tree: n.Node, checked: Checked) -> _Runner:
        return generate(tree, checked, names=self.names, source=self.source)

    def specialise(self, signature: tuple[t.Type, ...]) -> _Runner:
        entry = self._cache.get(signature)
        if entry is None:
            try:
                entry = self._build(signature, self._runner)
            except ExprCompileError as exc:
                entry = exc
            if len(self._cache) < 64:
                self._cache[signature] = entry
        if isinstance(entry, ExprCompileError):
            raise ExprRuntimeError(
                entry.message,
                source=entry.source,
                line=entry.line,
                column=entry.column,
                from_checker=True,
            )
        return entry

    def _lookup(self, values: tuple[Any, ...]) -> _Runner:
        key = tuple(map(type, values))
        runner = self._fast.get(key)
        if runner is None:
            runner = self.specialise(tuple(t.type_of_value(v) for v in values))
            if len(self._fast) < 64 and all(k in t.PLAIN_TYPES for k in key):
                self._fast[key] = runner
        return runner

    def run(self, env: Mapping[str, Any], *, budget: Budget | None = None) -> Any:
        """The value for ``env``; ``budget`` lets several runs share one step budget."""
        values = tuple([env.get(name) for name in self.names])
        runner = self._fast.get(tuple(map(type, values))) or self._lookup(values)
        if budget is None and runner.generated.budgeted:
            budget = Budget(self.limits)
        try:
            return runner(budget, *values)
        except Exception as exc:
            fail(exc, runner.sites, self.source)

    def _evaluate_bool(self, env: Mapping[str, Any]) -> bool:
        """The general path. Values of the same plain classes a second time in a row get
        their typed entry: a program judged once (an Argo gate's) does not pay for one."""
        if not self._entered:
            values = tuple([env.get(name) for name in self.names])
            key = tuple(map(type, values))
            if self._seen == key:
                self._lookup(values)  # a type error these values reveal, raised as run raises it
                self._entered = True
                try:
                    entry = self._entry(values, key)
                except ExprError:  # e.g. too deep for Python in the entry's form: go on without
                    pass
                else:
                    self.evaluate_bool = entry
                    return entry(env)
            if all(k in t.PLAIN_TYPES for k in key):
                self._seen = key
        value = self.run(env)
        if value is True or value is False:
            return value
        not_bool(value)

    def _entry(
        self, values: tuple[Any, ...], key: tuple[type, ...]
    ) -> Callable[[Mapping[str, Any]], bool]:
        """The condition generated again knowing each value's class, which the entry checks
        (``_lookup`` has checked the types for these values)."""
        classes = dict(zip(self.names, key, strict=True))
        generated = self._build(
            tuple(t.type_of_value(v) for v in values),
            lambda tree, checked: emit(
                tree, checked, names=self.names, source=self.source, classes=classes
            ),
        )
        return make_entry(generated, guards=key, limits=self.limits, miss=self._evaluate_bool)

    def __repr__(self) -> str:
        return f"Program({self.source!r})"


def compile_program(
    source: str, *, names: Collection[str] = ("result",), limits: Limits | None = None
) -> Program:
    return Program(source, names=names, limits=limits or DEFAULT_LIMITS)


def compile_tree(
    tree: n.Node, *, source: str, names: Collection[str], limits: Limits | None = None
) -> Program:
    """A Program for a tree that was not parsed from text (a sub-expression of ``source``,
    rebuilt by the explanation stage); checked and generated exactly as a parsed one."""
    return Program(source, names=names, limits=limits or DEFAULT_LIMITS, tree=tree)
