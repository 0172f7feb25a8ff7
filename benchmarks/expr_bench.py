"""Conditions per second: augur's expr-lang engine vs the same condition in CEL vs plain Python.

    python -m benchmarks.expr_bench            # the table in docs/conditions.md (~30 s)
    python -m benchmarks.expr_bench --quick    # smoke run: tiny time boxes, no 10,000-value row
    python -m benchmarks.expr_bench --json     # machine-readable rows

Each row is one realistic Argo condition over a result shaped as Argo hands it over (decoded
JSON, every number a float). Three implementations are timed, each compiled once and called with
the plain JSON value, as the engine calls them:

    expr    augur's compiled expr-lang program (``app.expr.compile``), what Argo templates use
    cel     the same condition as ``cel:`` CEL, run by cel-python through ``app.expr.cel``
    python  a hand-written function doing the same work: the floor

Each is timed as the one call its user makes: ``program.evaluate_bool({"result": value})`` (what
a measurement calls, building its env) against ``python(value)``; no extra wrapper frame on one
side only. The hand-written seed parses with ``float()``, as ``asFloat`` parses a float or a
numeric string. Before timing a row, all three must agree on a passing result and on a failing
one; otherwise the script stops with exit status 2. A cell is the best of three batches of
~budget/3 seconds of the timing thread's CPU time (``--budget``, default 0.5; cel-python over
10,000 values takes seconds per call, so its batch is a single call). The slowdown columns are
time per evaluation relative to plain Python (how many times slower than the floor); ``goal`` is
the target augur holds its expr to on that row (the seed over 100 values at most 1.5x, small
scalar conditions at most 3x), ``met`` whether it was.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from app.expr import Limits
from app.expr import compile as compile_expr
from app.expr.cel import compile_cel

#: What is timed here is speed, not the budgets: CEL over 10,000 values needs 25 million steps.
UNLIMITED = Limits(max_steps=10**12, max_seconds=0)

APDEX_EXPR = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
APDEX_CEL = "result.service_apdex.values.values.all(v, double(v.value) >= 9900.0)"
WEB = {"successRate": 0.995, "requests": 1500.0, "p50": 80.0, "p99": 212.5, "status": "ok"}


@dataclass(frozen=True)
class Case:
    name: str
    size: int
    expr: str
    cel: str
    python: Callable[[Any], bool]
    passing: Any
    failing: Any
    goal: float | None = None  # at most this many times plain Python's time, for expr


@dataclass(frozen=True)
class Row:
    name: str
    size: int
    expr: str
    verdict: bool
    expr_per_s: float
    cel_per_s: float
    python_per_s: float
    expr_slowdown: float
    cel_slowdown: float
    goal: float | None
    met: bool | None


class VerdictMismatch(Exception):
    """Two implementations disagree: the timings would compare different work."""


def apdex(count: int, *, low: int | None = None) -> dict[str, Any]:
    """SkyWalking OAP's readMetricsValues answer; ``low`` puts one failing value at that index."""
    rows = [
        {"id": f"svc-{i}", "value": 9100.0 if i == low else 9950.0, "isEmptyValue": False}
        for i in range(count)
    ]
    return {"service_apdex": {"values": {"values": rows}}}


def apdex_python(result: Any) -> bool:
    return all(float(v["value"]) >= 9900 for v in result["service_apdex"]["values"]["values"])


#: augur's goals for expr, as times plain Python's time per evaluation.
SEED_GOAL = 1.5  # the seed condition over 100 values
SCALAR_GOAL = 3.0  # small scalar conditions


def cases(*, quick: bool) -> list[Case]:
    sizes = (10, 100) if quick else (10, 100, 10_000)
    seed = [
        Case("apdex all() >= 9900", n, APDEX_EXPR, APDEX_CEL, apdex_python,
             apdex(n), apdex(n, low=n - 1), SEED_GOAL if n == 100 else None)
        for n in sizes
    ]  # fmt: skip
    quiet = [0.1] * 19
    return [
        *seed,
        Case(
            "scalar threshold",
            1,
            "result >= 0.95",
            "result >= 0.95",
            lambda r: r >= 0.95,
            0.97,
            0.9,
            SCALAR_GOAL,
        ),
        Case(
            "prometheus vector",
            3,
            "result[0] >= 0.95 && !isNaN(result[0])",
            "result[0] >= 0.95 && result[0] == result[0]",
            lambda r: r[0] >= 0.95 and not math.isnan(r[0]),
            [0.97, 0.95, 0.99],
            [math.nan, 0.95, 0.99],
            SCALAR_GOAL,
        ),
        Case(
            "latency map",
            5,
            "len(result) > 0 && result.p99 < 300",
            "size(result) > 0 && result.p99 < 300.0",
            lambda r: len(r) > 0 and r["p99"] < 300,
            WEB,
            {**WEB, "p99": 420.0},
            SCALAR_GOAL,
        ),
        Case(
            "success rate or low traffic",
            5,
            "result.successRate >= 0.99 || result.requests < 100",
            "result.successRate >= 0.99 || result.requests < 100.0",
            lambda r: r["successRate"] >= 0.99 or r["requests"] < 100,
            WEB,
            {**WEB, "successRate": 0.9},
            SCALAR_GOAL,
        ),
        Case(
            "any() over a vector",
            20,
            "any(result, {# > 0.5})",
            "result.exists(x, x > 0.5)",
            lambda r: any(x > 0.5 for x in r),
            [*quiet, 0.7],
            [*quiet, 0.2],
        ),
        Case(
            "default() on a scalar",
            1,
            "default(result, 0) < 5",
            "(type(result) == null_type ? 0.0 : result) < 5.0",
            lambda r: (0 if r is None else r) < 5,
            3.0,
            7.0,
            SCALAR_GOAL,
        ),
    ]


def measure(calls: dict[str, Callable[[], object]], *, budget: float) -> dict[str, float]:
    """Evaluations per second for each call: the best of three rounds, each call's batch sized
    to ~``budget``/3 seconds. Rounds interleave the calls so background load hits all alike."""
    numbers = {name: _batch_size(call, budget=budget) for name, call in calls.items()}
    best = {name: math.inf for name in calls}
    for _ in range(3):
        for name, call in calls.items():
            best[name] = min(best[name], _timed(call, numbers[name]) / numbers[name])
    return {name: 1 / seconds for name, seconds in best.items()}


def _batch_size(call: Callable[[], object], *, budget: float) -> int:
    number, elapsed = 1, _timed(call, 1)
    while elapsed < min(0.01, budget / 10):
        number *= 10
        elapsed = _timed(call, number)
    return max(1, int(number * budget / 3 / elapsed))


def _timed(call: Callable[[], object], number: int) -> float:
    """CPU time of this thread: on a shared machine, time spent waiting for a core is not the
    condition's (wall time moved the ratios by ±30% between runs; CPU time by a few %)."""
    start = time.thread_time()
    for _ in range(number):
        call()
    return time.thread_time() - start


def bench(case: Case, *, budget: float) -> Row:
    expr_program = compile_expr(case.expr, limits=UNLIMITED)
    cel_program = compile_cel(case.cel, limits=UNLIMITED)
    # Each is the single call its user makes for one value, timed as such.
    calls: dict[str, Callable[[Any], Callable[[], bool]]] = {
        "expr": lambda r: lambda: expr_program.evaluate_bool({"result": r}),
        "cel": lambda r: lambda: cel_program.evaluate_bool({"result": r}),
        "python": lambda r: lambda: case.python(r),
    }
    for data, expected in ((case.passing, True), (case.failing, False)):
        verdicts = {name: call(data)() for name, call in calls.items()}
        if set(verdicts.values()) != {expected}:
            raise VerdictMismatch(f"{case.name} (size {case.size}): {verdicts}, want {expected}")
    rates = measure({name: call(case.passing) for name, call in calls.items()}, budget=budget)
    slowdown = rates["python"] / rates["expr"]
    return Row(
        name=case.name,
        size=case.size,
        expr=case.expr,
        verdict=True,
        expr_per_s=rates["expr"],
        cel_per_s=rates["cel"],
        python_per_s=rates["python"],
        expr_slowdown=slowdown,
        cel_slowdown=rates["python"] / rates["cel"],
        goal=case.goal,
        met=None if case.goal is None else slowdown <= case.goal,
    )


def run(*, quick: bool = False, budget: float | None = None) -> list[Row]:
    box = budget if budget is not None else (0.01 if quick else 0.5)
    return [bench(case, budget=box) for case in cases(quick=quick)]


def table(rows: Sequence[Row]) -> str:
    head = ("condition", "values", "expr ev/s", "CEL ev/s", "Python ev/s", "expr ×py", "goal ×py",
            "met", "CEL ×py")  # fmt: skip
    body = [
        (
            r.name,
            f"{r.size:,}",
            _rate(r.expr_per_s),
            _rate(r.cel_per_s),
            _rate(r.python_per_s),
            f"{r.expr_slowdown:,.1f}",
            "—" if r.goal is None else f"≤ {r.goal:g}",
            {None: "", True: "yes", False: "NO"}[r.met],
            f"{r.cel_slowdown:,.0f}",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(len(head))]
    rule = tuple("-" * w for w in widths)
    return "\n".join(_markdown_line(line, widths) for line in (head, rule, *body))


def _markdown_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = [cells[0].ljust(widths[0])]
    padded += [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
    return "| " + " | ".join(padded) + " |"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny time boxes; smoke test only")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--budget", type=float, help="seconds per timed cell (default 0.5)")
    args = parser.parse_args(argv)
    try:
        rows = run(quick=args.quick, budget=args.budget)
    except VerdictMismatch as exc:
        print(f"verdicts differ, nothing timed: {exc}", file=sys.stderr)
        return 2
    if args.json:
        meta = {"python": platform.python_version(), "machine": platform.machine()}
        print(json.dumps({**meta, "rows": [asdict(r) for r in rows]}, indent=2))
    else:
        print(table(rows))
        note = "×py = time per evaluation / plain Python's"
        print(f"\nPython {platform.python_version()} on {platform.machine()}; {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
