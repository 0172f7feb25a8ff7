"""A condition cannot run away: every unit of work counts against its step budget, builtins and
CEL's macros included, and a CPU-time budget stops what the steps price too low.

Each costly case below did quadratic or unbounded work the budget never saw (`uniq` over 10,000
items took 7.7 s, `filter(a, {# in a})` over 20,000 strings 29 s, six nested CEL maps over ten
items 5 s). Now each stops once it has spent its budget, with the part of the condition that
spent it. What a step costs is pinned by step counts, never by timings; the only clock here is a
generous bound that catches a hang.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from app import expr
from app.expr import Budget, ExprBudgetError, Limits
from app.expr.cel import compile_cel
from app.expr.runtime import equal

#: 2,000 distinct strings: one pass over them is cheap, a pass per item (4 million) is not.
ITEMS = [f"item-{i}" for i in range(2_000)]
#: A string of about 16,000 characters, built inside the condition.
TEXT = 'let s = join(result, ","); '
HANG = 10.0  # seconds: only catches a hang, it is not a performance target
STEPS = "condition exceeded its step budget (1000000 steps)"
#: The default step budget and no time budget: which budget runs out first must not depend on
#: how fast this machine is today.
STEPS_ONLY = Limits(max_seconds=0)


def refused(run: Callable[[], Any]) -> ExprBudgetError:
    started = time.monotonic()
    with pytest.raises(ExprBudgetError) as raised:
        run()
    assert time.monotonic() - started < HANG
    return raised.value


REFUSED = [
    ("uniq", "all(result, {len(uniq(result)) > 0})", "uniq (1:18)"),
    ("sort", "all(result, {len(sort(result)) > 0})", "sort (1:18)"),
    ("sortBy", "all(result, {len(sortBy(result, {#})) > 0})", "sortBy (1:18)"),
    ("in-list", "len(filter(result, {# in result})) > 0", "in (1:23)"),
    ("indexOf", TEXT + 'all(result, {indexOf(s, "zz") < 0})', "indexOf (1:41)"),
    ("lastIndexOf", TEXT + 'all(result, {lastIndexOf(s, "zz") < 0})', "lastIndexOf (1:41)"),
    ("plus", TEXT + "all(result, {len(s + s) > 0})", "+ (1:47)"),
    ("join", 'all(result, {len(join(result, ",")) > 0})', "join (1:18)"),
    ("repeat", 'all(result, {len(repeat("ab", 100000)) > 0})', "repeat (1:18)"),
    ("replace", TEXT + 'all(result, {len(replace(s, "i", "j")) > 0})', "replace (1:45)"),
    ("upper", TEXT + "all(result, {len(upper(s)) > 0})", "upper (1:45)"),
    ("split", TEXT + 'all(result, {len(split(s, ",")) > 0})', "split (1:45)"),
    ("contains", TEXT + 'all(result, {!(s contains "zz")})', "contains (1:45)"),
    ("matches", TEXT + 'all(result, {!(s matches "z+y")})', "matches (1:45)"),
    ("map-filter", "len(map(result, {filter(result, {true})})) > 0", "filter (1:18)"),
    ("map-map", "len(map(result, {map(result, {#})})) > 0", "map (1:18)"),
    ("groupBy", "all(result, {len(groupBy(result, {#})) > 0})", "groupBy (1:18)"),
    ("reduce", "all(result, {reduce(result, {#acc}, 0) == 0})", "reduce (1:14)"),
    ("flatten", "all(result, {len(flatten([result])) > 0})", "flatten (1:18)"),
    ("concat", "all(result, {len(concat(result, result)) > 0})", "concat (1:18)"),
    (
        "keys",
        "let m = fromPairs(map(result, {[#, 1]})); all(result, {len(keys(m)) > 0})",
        "keys (1:60)",
    ),
    (
        "values",
        "let m = fromPairs(map(result, {[#, 1]})); all(result, {len(values(m)) > 0})",
        "values (1:60)",
    ),
    ("toJSON", "all(result, {len(toJSON(result)) > 0})", "toJSON (1:18)"),
    (
        "fromJSON",
        "let j = toJSON(result); all(result, {len(fromJSON(j)) > 0})",
        "fromJSON (1:42)",
    ),
    ("string", "all(result, {len(string(result)) > 0})", "string (1:18)"),
    ("deep-equal", "all(result, {result == result})", "== (1:21)"),
    ("count", "all(result, {count(result, {# == #}) > 0})", "count (1:14)"),
    ("slice", TEXT + "all(result, {len(s[1:]) > 0})", "[:] (1:46)"),
]


@pytest.mark.parametrize(("source", "where"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_costly_builtins_are_refused_within_the_step_budget(source: str, where: str) -> None:
    program = expr.compile(source, limits=STEPS_ONLY)
    error = refused(lambda: program.run({"result": ITEMS}))
    assert error.message == f"{STEPS} at {where}"


CEL_REFUSED = [
    (
        "six-nested-maps",
        "size(result.map(a, result.map(b, result.map(c, result.map(d, result.map(e, "
        "result.map(f, a + b + c + d + e + f))))))) > 0",
        [1.0] * 10,
        "map (1:76)",
    ),
    ("in-list", "result.all(x, x in result)", ITEMS, "all (1:1)"),
    ("string-plus", "result.all(x, size(x + x) > 0)", ITEMS, "size (1:15)"),
    ("matches", 'result.all(x, !x.matches("z+y"))', ["x" * 100_000] * 200, "matches (1:16)"),
]


@pytest.mark.parametrize(
    ("source", "result", "where"), [r[1:] for r in CEL_REFUSED], ids=[r[0] for r in CEL_REFUSED]
)
def test_costly_cel_is_refused_within_the_step_budget(
    source: str, result: list[Any], where: str
) -> None:
    program = compile_cel(source, limits=STEPS_ONLY)
    error = refused(lambda: program.evaluate_bool({"result": result}))
    assert error.message == f"{STEPS} at {where}"


# -- what a step is ---------------------------------------------------------------------------

NUMBERS = [float(i) for i in range(1_000)]
COSTS = [
    # (id, condition, result, steps charged)
    ("in-list-costs-its-length", "1 in result", NUMBERS, 1_000),
    ("uniq-is-linear", "len(uniq(result)) > 0", NUMBERS, 4_000),
    ("sort-n-log-n", "len(sort(result)) > 0", NUMBERS, 1_000 + 2 * 1_000 * 10),
    ("a-loop-item-costs-its-predicate", "all(result, {# >= 0})", NUMBERS, 1_000 * 4),
    ("map-then-filter", "len(filter(map(result, {#}), {# > 1})) > 0", NUMBERS, 2_000 + 4_000),
    ("an-early-stop-pays-one-chunk", "any(result, {# >= 0})", NUMBERS * 5, 1_024 * 4),
    ("text-16-characters-a-step", 'len(repeat("ab", 800)) > 0', None, 1_600 // 16),
    ("a-literal-range", "len(1..500) > 0", None, 500),
]


@pytest.mark.parametrize(
    ("source", "result", "steps"), [c[1:] for c in COSTS], ids=[c[0] for c in COSTS]
)
def test_work_is_charged_in_proportion(source: str, result: Any, steps: int) -> None:
    program = expr.compile(source)
    budget = Budget(program.limits)
    program.run({"result": result}, budget=budget)
    assert budget.steps == steps


def test_uniq_keeps_expr_semantics_without_comparing_every_pair() -> None:
    """expr keeps an item unless it equals one kept before it: 1.0 equals 1 and [1.0] equals
    [1], but true is not 1, and map values compare with their types ({"a": 1.0} stays)."""
    mixed = [1, 1.0, "1", True, None, [1], [1.0], {"a": 1}, {"a": 1.0}, False, 2, "1", None]
    kept: list[Any] = []
    for item in mixed:  # the definition: a scan over everything kept so far
        if not any(equal(item, seen) for seen in kept):
            kept.append(item)
    assert kept == [1, "1", True, None, [1], {"a": 1}, {"a": 1.0}, False, 2]
    assert expr.compile("uniq(result)").run({"result": mixed}) == kept


# -- the second line: CPU time ------------------------------------------------------------------


def test_the_time_budget_stops_what_the_steps_let_through() -> None:
    limits = Limits(max_steps=10**12, max_seconds=0.000001)
    program = expr.compile("len(filter(result, {# in result})) > 0", limits=limits)
    error = refused(lambda: program.run({"result": ITEMS}))
    assert re.fullmatch(
        r"condition exceeded its time budget 0\.001ms at (in \(1:23\)|filter \(1:5\))",
        error.message,
    ), error.message


def test_the_time_budget_stops_cel_too() -> None:
    limits = Limits(max_steps=10**12, max_seconds=0.000001)
    program = compile_cel("result.all(x, x in result)", limits=limits)
    error = refused(lambda: program.evaluate_bool({"result": ITEMS}))
    assert error.message == "condition exceeded its time budget 0.001ms at all (1:1)"


def test_a_cheap_condition_never_reads_the_clock() -> None:
    # A zero time budget would refuse anything that got as far as a check.
    limits = Limits(max_seconds=0.000001)
    program = expr.compile("all(result, {# >= 0})", limits=limits)
    assert program.run({"result": NUMBERS}) is True


# -- provable at compile time -----------------------------------------------------------------

PROVABLE = [
    (
        "nested-ranges",
        "len(map(0..99999, {map(0..99, {#})})) > 0",
        "map (1:5) whatever result holds: it needs at least 30600000 steps",
    ),
    (
        "in-over-a-range",
        "count(0..9999, {# in 0..9999}) > 0",
        "count (1:1) whatever result holds: it needs at least 200070000 steps",
    ),
    (
        "left-of-and",
        "len(uniq(map(0..99999, {map(0..9, {#})}))) > 0 && result > 0",
        "map (1:10) whatever result holds: it needs at least 3600000 steps",
    ),
]


@pytest.mark.parametrize(
    ("source", "where"), [p[1:] for p in PROVABLE], ids=[p[0] for p in PROVABLE]
)
def test_a_provable_overrun_is_refused_at_compile_time(source: str, where: str) -> None:
    with pytest.raises(ExprBudgetError) as raised:
        expr.compile(source)
    assert raised.value.message == f"{STEPS} at {where}"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("result > 0 || len(map(0..99999, {map(0..99, {#})})) > 0", id="right-of-or"),
        pytest.param("result > 0 ? len(map(0..99999, {map(0..99, {#})})) : 0", id="a-branch"),
        pytest.param("any(0..99999, {# in 0..99999})", id="may-stop-early"),
        pytest.param("all(result, {len(uniq(result)) > 0})", id="depends-on-result"),
    ],
)
def test_what_may_not_run_is_not_refused_at_compile_time(source: str) -> None:
    expr.compile(source)
