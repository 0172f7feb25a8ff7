"""Why a condition came out as it did: the last stage, run only for measurements that are not
Successful, so a Failed or Inconclusive verdict says which values decided it.

``explain(program, result, outcome=False)`` walks the condition's tree from the top and
re-evaluates the sub-expressions that decided. Each is rebuilt as a tree of its own (with the
``let`` bindings around it) and compiled by this package's checker and generator
(``program.compile_tree``), so every value in a message is the value the condition saw. It says:

- ``all``/``any``/``none``/``one`` over a collection: how many points fail (or match) the
  predicate and the worst three: furthest from the constant when the predicate compares a point
  against one, else the first. Each comes with the time it was measured when the provider said
  (``point_times``, keyed by the collection's path in ``result``), else with its index;
- a comparison: the value of each side that is not a literal, and for a side that counts points
  (``count(xs, {...})``, ``len(filter(xs, {...}))``) the points as above;
- ``&&``/``||``/``!``/``let``/``?:``: the part that decided, explained in turn;
- anything else: the values of a call's arguments, or ``result``, clipped.

All sub-evaluations share one step Budget of the condition's own Limits (the explanation may
spend what one evaluation may), points are re-evaluated one by one only when the whole series
cannot be (at most ``MAX_POINTS``), and ``explain`` never raises: when it cannot explain, it
shows ``result``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import nodes as n
from .errors import ExprError
from .explain_shape import (
    COMPARISONS,
    LOGIC,
    QUANTIFIERS,
    Scope,
    compared,
    counted,
    flatten,
    is_literal,
    mapped,
    path_of,
    uses_lone_pointer,
    wrapped,
)
from .limits import Limits
from .parser import parse
from .program import Program, compile_tree
from .runtime import Budget
from .show import clip, distance, show, show_times, tally
from .types import Float64List
from .unparse import unparse

__all__ = ["MAX_POINTS", "PointTimes", "explain"]

PointTimes = Mapping[tuple[str | int, ...], Sequence[datetime]]

#: The environment name a single point is bound to; no condition can spell it.
ITEM = "@item"
MAX_SHOWN = 3
MAX_POINTS = 1_000
MESSAGE_CLIP = 1_000
RESULT_CLIP = 200
POINT_CLIP = 60


class _GiveUp(Exception):
    """This part cannot be explained; the caller says something plainer."""


@dataclass
class _Plan:
    """A condition's tree and the sub-programs built from it, kept across measurements."""

    tree: n.Node
    programs: dict[tuple[str, int, int], Program] = field(default_factory=dict)


@functools.lru_cache(maxsize=128)
def _plan(source: str, limits: Limits) -> _Plan:
    return _Plan(parse(source, limits=limits))


def _word(value: bool) -> str:
    return "true" if value else "false"


@dataclass
class _Series:
    """One quantifier's points: the predicate's value at each (None: could not evaluate)."""

    coll: n.Node
    body: n.Node
    scope: Scope
    flags: list[bool | None]
    items: list[Any] | None = None


class _Explainer:
    def __init__(self, plan: _Plan, program: Program, result: Any, times: PointTimes) -> None:
        self.plan = plan
        self.source = program.source
        self.limits = program.limits
        self.result = result
        self.times = times
        self.budget = Budget(program.limits)

    # -- evaluation ----------------------------------------------------------------------
    def _run(self, key: tuple[str, int, int], build: Callable[[], n.Node], item: Any = None) -> Any:
        program = self.plan.programs.get(key)
        if program is None:
            program = compile_tree(
                build(), source=self.source, names=("result", ITEM), limits=self.limits
            )
            if len(self.plan.programs) < 256:
                self.plan.programs[key] = program
        return program.run({"result": self.result, ITEM: item}, budget=self.budget)

    def value(self, node: n.Node, scope: Scope) -> Any:
        return self._run(("value", id(node), 0), lambda: wrapped(node, scope))

    def _items(self, series: _Series) -> list[Any]:
        if series.items is None:
            found = self.value(series.coll, series.scope)
            if not isinstance(found, list | tuple | Float64List) or len(found) > MAX_POINTS:
                raise _GiveUp
            series.items = list(found)
        return series.items

    def _each(self, series: _Series, body: n.Node, picks: Sequence[int]) -> dict[int, Any]:
        """``body`` at the points ``picks``: the whole series at once, else point by point."""
        try:
            whole = self._whole(series.coll, body, series.scope)
        except ExprError:
            return self._one_by_one(series, body, picks)
        if not isinstance(whole, list) or len(whole) != len(series.flags):
            raise _GiveUp
        return {i: whole[i] for i in picks}

    def _whole(self, coll: n.Node, body: n.Node, scope: Scope) -> Any:
        return self._run(("map", id(coll), id(body)), lambda: wrapped(mapped(coll, body), scope))

    def _one_by_one(self, series: _Series, body: n.Node, picks: Sequence[int]) -> dict[int, Any]:
        """Points that fail to evaluate are left out (the condition may never have reached
        them: ``all`` stops at the first false point)."""
        if uses_lone_pointer(body):
            raise _GiveUp  # #index/#acc mean something else for a lone point
        items = self._items(series)
        alone = n.Array([n.Identifier(ITEM)])
        found: dict[int, Any] = {}
        for i in picks:
            try:
                found[i] = self._run(
                    ("item", id(body), 0),
                    lambda: wrapped(mapped(alone, body), series.scope),
                    item=items[i],
                )[0]
            except ExprError:
                continue
        return found

    def series(self, coll: n.Node, body: n.Node, scope: Scope) -> _Series:
        series = _Series(coll, body, scope, [])
        try:
            whole = self._whole(coll, body, scope)
        except ExprError:
            whole = None
        if isinstance(whole, list):
            series.flags = [v if isinstance(v, bool) else None for v in whole]
            return series
        size = len(self._items(series))
        series.flags = [None] * size
        for i, v in self._one_by_one(series, body, range(size)).items():
            series.flags[i] = v if isinstance(v, bool) else None
        return series

    # -- points ----------------------------------------------------------------------------
    def _times(self, series: _Series) -> Sequence[datetime] | None:
        path = path_of(series.coll, series.scope)
        times = self.times.get(path) if path is not None else None
        if times is None or len(times) != len(series.flags):
            return None
        return times if all(isinstance(t, datetime) for t in times) else None

    def points(self, series: _Series, flag: bool) -> str:
        """``3 of 10 points fail <predicate>: <value> at <time>, ...``."""
        total = len(series.flags)
        if total == 0:
            return f"{unparse(series.coll)} has no points"
        picks = [i for i, f in enumerate(series.flags) if f is flag]
        text = f"{tally(len(picks), total, 'match' if flag else 'fail')} {unparse(series.body)}"
        unknown = series.flags.count(None)
        after = f" ({unknown} could not be evaluated)" if unknown else ""
        if not picks:
            return text + after
        sides: dict[int, Any] = {}
        ordered = False
        sides_of = compared(series.body, flag)
        if sides_of is not None:
            point_side, constant = sides_of
            try:
                sides = self._each(series, point_side, picks)
                limit = self.value(constant, series.scope)
            except (ExprError, _GiveUp):
                sides, limit = {}, None
            gaps = {i: distance(v, limit) for i, v in sides.items()}
            if gaps and all(g is not None for g in gaps.values()) and len(gaps) == len(picks):
                picks.sort(key=lambda i: -(gaps[i] or 0.0))
                ordered = True
        shown = picks[:MAX_SHOWN]
        times = self._times(series)
        when = show_times(times, shown) if times else [f"index {i}" for i in shown]
        if not sides:
            try:
                sides = {i: self._items(series)[i] for i in shown}
            except (ExprError, _GiveUp):
                sides = {}
        listed = ", ".join(
            f"{show(sides[i], POINT_CLIP)} at {w}" if i in sides else w
            for i, w in zip(shown, when, strict=True)
        )
        lead = ": " if len(picks) <= MAX_SHOWN else (", worst: " if ordered else ", first: ")
        return text + lead + listed + after

    # -- the walk -----------------------------------------------------------------------------
    def why(self, node: n.Node, want: bool, scope: Scope) -> str:
        """Why ``node`` is ``want``; "" when there is nothing to add to its text."""
        if isinstance(node, n.Variable):
            return self.why(node.body, want, (*scope, node))
        if isinstance(node, n.Sequence):
            return self.why(node.nodes[-1], want, scope)
        try:
            if isinstance(node, n.Binary) and node.op in LOGIC:
                return self.logic(node, want, scope)
            if isinstance(node, n.Unary) and node.op in ("!", "not"):
                return self.clause(node.operand, not want, scope)
            if isinstance(node, n.Binary) and node.op in COMPARISONS:
                return self.comparison(node, want, scope)
            if (
                isinstance(node, n.Builtin)
                and node.name in QUANTIFIERS
                and len(node.args) == 2
                and isinstance(node.args[1], n.Predicate)
            ):
                return self.quantifier(node, want, scope)
            if isinstance(node, n.Conditional):
                cond = self.value(node.cond, scope)
                if isinstance(cond, bool):
                    branch = node.then if cond else node.otherwise
                    taken = f"{unparse(node.cond)} is {_word(cond)}, and "
                    return taken + self.clause(branch, want, scope)
        except (ExprError, _GiveUp):
            pass
        return self.generic(node, scope)

    def clause(self, node: n.Node, want: bool, scope: Scope) -> str:
        detail = self.why(node, want, scope)
        return f"{unparse(node)} is {_word(want)}" + (f": {detail}" if detail else "")

    def logic(self, node: n.Binary, want: bool, scope: Scope) -> str:
        op = LOGIC[node.op]
        parts = flatten(node, op)
        if (op == "and") == want:  # every part had to be `want`
            return "; ".join(self.clause(part, want, scope) for part in parts)
        for part in parts:  # the first part that was `want` decided, as evaluation stopped there
            if self.value(part, scope) is want:
                return self.clause(part, want, scope)
        raise _GiveUp

    def comparison(self, node: n.Binary, want: bool, scope: Scope) -> str:
        said = []
        for side in (node.left, node.right):
            if not is_literal(side):
                said.append(f"{unparse(side)} is {show(self.value(side, scope), RESULT_CLIP)}")
        if not said:
            raise _GiveUp
        text = ", ".join(said)
        for side in (node.left, node.right):
            points_of = counted(side)
            if points_of is None:
                continue
            if node.op in ("==", "!="):
                matching = want if node.op == "!=" else not want
            else:
                more = node.op in (">", ">=") if side is node.left else node.op in ("<", "<=")
                matching = more == want
            with contextlib.suppress(ExprError, _GiveUp):
                text += "; " + self.points(self.series(*points_of, scope), matching)
            break
        return text

    def quantifier(self, node: n.Builtin, want: bool, scope: Scope) -> str:
        predicate = node.args[1]
        assert isinstance(predicate, n.Predicate)
        series = self.series(node.args[0], predicate.body, scope)
        if node.name in ("all", "any"):
            flag = want
        elif node.name == "none":
            flag = not want
        else:  # one: the single match, the extra matches, or (none matched) the failures
            flag = want or series.flags.count(True) > 1
        return self.points(series, flag)

    def generic(self, node: n.Node, scope: Scope) -> str:
        if isinstance(node, n.Call | n.Builtin):
            said: list[str] = []
            for arg in node.args:
                if is_literal(arg) or isinstance(arg, n.Predicate) or len(said) == MAX_SHOWN:
                    continue
                try:
                    said.append(f"{unparse(arg)} is {show(self.value(arg, scope), RESULT_CLIP)}")
                except (ExprError, _GiveUp):
                    continue
            if said:
                return ", ".join(said)
        return f"result is {show(self.result, RESULT_CLIP)}"


def explain(
    program: Program, result: Any, *, outcome: bool, point_times: PointTimes | None = None
) -> str:
    """Why ``program`` gave ``outcome`` for ``result``, in words; never raises."""
    try:
        plan = _plan(program.source, program.limits)
        explainer = _Explainer(plan, program, result, point_times or {})
        return clip(explainer.why(plan.tree, outcome, ()), MESSAGE_CLIP)
    except Exception:  # an explanation must never cost a verdict
        try:
            return f"result is {show(result, RESULT_CLIP)}"
        except Exception:
            return ""
