"""The explanation stage: why a condition was false (or true), in the words a message carries.

Each case runs the condition first and checks it really gives ``outcome``: an explanation is
only ever asked for the value the condition had.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import app.expr as expr
from app.expr import Float64List, Limits
from app.expr.explain import MAX_POINTS
from app.expr.parser import parse
from app.expr.show import show
from app.expr.unparse import unparse

SEED = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
SERIES = ("service_apdex", "values", "values")
T0 = datetime(2026, 11, 29, 10, 30, tzinfo=UTC)


def apdex(*values: float) -> dict[str, Any]:
    return {"service_apdex": {"values": {"values": [{"value": float(v)} for v in values]}}}


def why(source: str, result: Any, outcome: bool, **kwargs: Any) -> str:
    program = expr.compile(source, limits=kwargs.pop("limits", None))
    assert program.run({"result": result}) is outcome, "the case must give `outcome`"
    return expr.explain(program, result, outcome=outcome, **kwargs)


CASES = [
    # -- quantifiers over a series -------------------------------------------------------------
    pytest.param(SEED, apdex(9000), False,
                 "the only point fails asFloat(.value) >= 9900: 9000 at index 0",
                 id="seed-one-point"),
    pytest.param(SEED, apdex(9950, 9512, 9990, 9700, 9999, 9999, 9850, 9999, 9999, 9000), False,
                 "4 of 10 points fail asFloat(.value) >= 9900, worst: 9000 at index 9, "
                 "9512 at index 1, 9700 at index 3",
                 id="all-worst-first"),
    pytest.param("all(result, {# >= 10})", [float(x) for x in range(10)], False,
                 "all 10 points fail # >= 10, worst: 0 at index 0, 1 at index 1, 2 at index 2",
                 id="all-every-point-fails"),
    pytest.param("all(result, {# >= 0.5})", [0.9, math.nan, 0.1], False,
                 "2 of 3 points fail # >= 0.5: NaN at index 1, 0.1 at index 2",
                 id="all-nan-is-furthest"),
    pytest.param("all(result, {# < 0.5})", [0.1, 0.4, 0.2], True,
                 "all 3 points match # < 0.5: 0.1 at index 0, 0.2 at index 2, 0.4 at index 1",
                 id="all-true-as-failure-condition"),
    pytest.param("any(result, {# > 0.99})", [0.9, 0.95, 0.5, 0.98], False,
                 "all 4 points fail # > 0.99, worst: 0.5 at index 2, 0.9 at index 0, "
                 "0.95 at index 1",
                 id="any-false"),
    pytest.param("any(result.p, {.latency > 300})", {"p": [{"latency": 120.0}, {"latency": 450.0}]},
                 True, "1 of 2 points matches .latency > 300: 450 at index 1", id="any-true"),
    pytest.param("none(result, {# == 0})", [1.0, 0.0, 2.0], False,
                 "1 of 3 points matches # == 0: 0 at index 1", id="none-false"),
    pytest.param("one(result, {# > 5})", [1.0, 6.0, 7.0], False,
                 "2 of 3 points match # > 5: 7 at index 2, 6 at index 1", id="one-too-many"),
    pytest.param("one(result, {# > 5})", [1.0, 2.0], False,
                 "all 2 points fail # > 5: 1 at index 0, 2 at index 1", id="one-none"),
    pytest.param("any(result, {# > 1})", [], False, "result has no points", id="empty-series"),
    pytest.param("result | all(# > 1)", [0.0, 2.0], False,
                 "1 of 2 points fails # > 1: 0 at index 0", id="pipe"),
    pytest.param("all(result, {.ok})", [{"ok": True}, {"ok": False, "name": "b"}], False,
                 '1 of 2 points fails .ok: {"ok":false,"name":"b"} at index 1',
                 id="not-a-comparison-shows-the-point"),
    pytest.param("all(result, {.empty || .v >= 9900})",
                 [{"empty": True, "v": 0.0}, {"empty": False, "v": 9000.0}], False,
                 "1 of 2 points fails .empty || .v >= 9900: 9000 at index 1",
                 id="or-in-the-predicate"),
    pytest.param("let least = 9900; all(result.service_apdex.values.values, {.value >= least})",
                 apdex(1, 2), False,
                 "all 2 points fail .value >= least: 1 at index 0, 2 at index 1", id="let"),
    pytest.param("all(result, {asFloat(#) > 3})", [1.0, 5.0, None], False,
                 "1 of 3 points fails asFloat(#) > 3: 1 at index 0 (1 could not be evaluated)",
                 id="points-past-the-first-failure-may-error"),
    pytest.param("all(result, {# >= 0.95})", Float64List([0.97, 0.9]), False,
                 "1 of 2 points fails # >= 0.95: 0.9 at index 1", id="prometheus-vector"),
    # -- counting with filter/count -------------------------------------------------------------
    pytest.param("count(result, {# >= 0.9}) >= 3", [0.95, 0.5, 0.7], False,
                 "count(result, {# >= 0.9}) is 1; 2 of 3 points fail # >= 0.9: 0.5 at index 1, "
                 "0.7 at index 2",
                 id="count-too-few"),
    pytest.param("len(filter(result, {# < 0.9})) == 0", [0.95, 0.5, 0.7], False,
                 "len(filter(result, {# < 0.9})) is 2; 2 of 3 points match # < 0.9: "
                 "0.5 at index 1, 0.7 at index 2",
                 id="filter-should-be-empty"),
    pytest.param("len(filter(result, {# < 0.9})) > 1", [0.95, 0.5, 0.7], True,
                 "len(filter(result, {# < 0.9})) is 2; 2 of 3 points match # < 0.9: "
                 "0.5 at index 1, 0.7 at index 2",
                 id="filter-as-failure-condition"),
    # -- comparisons -----------------------------------------------------------------------------
    pytest.param("result[0] >= 0.95", [0.93], False, "result[0] is 0.93", id="index"),
    pytest.param("result > 5", 7.0, True, "result is 7", id="scalar"),
    pytest.param("result.p99 <= result.budget", {"p99": 310.0, "budget": 250.0}, False,
                 "result.p99 is 310, result.budget is 250", id="both-sides"),
    pytest.param('result.data.result[0].value[1] == "1"',
                 {"data": {"result": [{"value": [1.0, "0.5"]}]}}, False,
                 'result.data.result[0].value[1] is "0.5"', id="nested-member"),
    pytest.param("asFloat(result.ratio) >= 0.99", {"ratio": "0.95"}, False,
                 "asFloat(result.ratio) is 0.95", id="asFloat"),
    pytest.param("len(result) > 0", [], False, "len(result) is 0", id="len"),
    pytest.param('result.status == "ok"', {"status": "degraded", "since": "10:00"}, False,
                 'result.status is "degraded"', id="map-field"),
    pytest.param('result.status in ["ok", "warm"]', {"status": "down"}, False,
                 'result.status is "down"', id="in"),
    # -- logic -----------------------------------------------------------------------------------
    pytest.param("result.a > 1 && result.b < 2", {"a": 3.0, "b": 5.0}, False,
                 "result.b < 2 is false: result.b is 5", id="and-names-the-false-part"),
    pytest.param("result.a > 1 || result.b < 2", {"a": 0.0, "b": 5.0}, False,
                 "result.a > 1 is false: result.a is 0; result.b < 2 is false: result.b is 5",
                 id="or-names-every-part"),
    pytest.param("result.a > 1 && all(result.xs, {# < 2})", {"a": 3.0, "xs": [1.0, 0.5]}, True,
                 "result.a > 1 is true: result.a is 3; all(result.xs, {# < 2}) is true: "
                 "all 2 points match # < 2: 0.5 at index 1, 1 at index 0",
                 id="and-true-as-failure-condition"),
    pytest.param("all(result, {# > 1}) && all(result, {# < 3})", [2.0, 4.0], False,
                 "all(result, {# < 3}) is false: 1 of 2 points fails # < 3: 4 at index 1",
                 id="two-alls-over-one-series"),
    pytest.param("!(result > 5)", 7.0, False, "result > 5 is true: result is 7", id="not"),
    pytest.param("result.strict ? result.p > 0.99 : result.p > 0.9", {"strict": True, "p": 0.95},
                 False, "result.strict is true, and result.p > 0.99 is false: result.p is 0.95",
                 id="ternary"),
    # -- anything else: the arguments, or result ------------------------------------------------
    pytest.param("!isNaN(result[0])", [math.nan], False,
                 "isNaN(result[0]) is true: result[0] is NaN", id="call-arguments"),
    pytest.param("isNil(result)", {"a": 1.0}, False, 'result is {"a":1}', id="result"),
    pytest.param("true", True, True, "result is true", id="constant"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "result", "outcome", "expected"), CASES)
def test_explain(source: str, result: Any, outcome: bool, expected: str) -> None:
    assert why(source, result, outcome) == expected


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        pytest.param(
            [T0 + timedelta(minutes=i) for i in range(10)],
            "3 of 10 points fail asFloat(.value) >= 9900: 9512 at 10:31:00Z, 9700 at 10:33:00Z, "
            "9850 at 10:36:00Z",
            id="one-day",
        ),
        pytest.param(
            [T0 + timedelta(hours=5 * i) for i in range(10)],
            "3 of 10 points fail asFloat(.value) >= 9900: 9512 at 2026-11-29T15:30:00Z, "
            "9700 at 2026-11-30T01:30:00Z, 9850 at 2026-11-30T16:30:00Z",
            id="days-apart",
        ),
        pytest.param(
            [T0.astimezone(timezone(timedelta(hours=8))) + timedelta(minutes=i) for i in range(10)],
            "3 of 10 points fail asFloat(.value) >= 9900: 9512 at 10:31:00Z, 9700 at 10:33:00Z, "
            "9850 at 10:36:00Z",
            id="shown-in-utc",
        ),
        pytest.param(
            [T0] * 3,
            "3 of 10 points fail asFloat(.value) >= 9900: 9512 at index 1, 9700 at index 3, "
            "9850 at index 6",
            id="wrong-length-is-ignored",
        ),
    ],
)
def test_points_say_when_they_were_measured(times: list[datetime], expected: str) -> None:
    result = apdex(9950, 9512, 9990, 9700, 9999, 9999, 9850, 9999, 9999, 9999)
    assert why(SEED, result, False, point_times={SERIES: times}) == expected


@pytest.mark.parametrize(
    ("source", "key"),
    [
        pytest.param("all(result, {# > 1})", (), id="result-itself"),
        pytest.param('all(result["a"].b, {# > 1})', ("a", "b"), id="brackets"),
        pytest.param("all(result.a[0], {# > 1})", ("a", 0), id="index"),
        pytest.param("let xs = result.a; all(xs, {# > 1})", ("a",), id="through-let"),
    ],
)
def test_the_series_is_found_by_its_path_in_result(source: str, key: tuple[Any, ...]) -> None:
    values = [0.0, 2.0]
    result: Any = values
    for part in reversed(key):
        result = [result] if isinstance(part, int) else {part: result}
    assert why(source, result, False, point_times={key: [T0, T0]}) == (
        "1 of 2 points fails # > 1: 0 at 10:30:00Z"
    )


def test_an_explanation_shares_the_conditions_step_budget() -> None:
    # The condition takes 40 steps (4 per point: the point and the 3 nodes of `# >= 0`).
    # Re-walking the predicate over the points fits in 50 steps, ranking them by distance
    # (a walk of `#`, 2 steps per point) does not: the points come in order.
    result = [float(x) for x in range(10)]
    assert why("all(result, {# >= 0})", result, True) == (
        "all 10 points match # >= 0, worst: 9 at index 9, 8 at index 8, 7 at index 7"
    )
    assert why("all(result, {# >= 0})", result, True, limits=Limits(max_steps=50)) == (
        "all 10 points match # >= 0, first: 0 at index 0, 1 at index 1, 2 at index 2"
    )


def test_an_explanation_never_raises_and_clips_what_it_shows() -> None:
    deep: Any = 1.0
    for _ in range(5000):
        deep = [deep]
    text = why("isNil(result)", {"x": deep, "blob": "z" * 10_000}, False)
    assert text.startswith('result is {"x":[[[[')
    assert text.endswith("…")
    assert len(text) <= len("result is ") + 200


def test_points_beyond_the_per_point_limit_are_not_walked_one_by_one() -> None:
    # Every point must be re-evaluated alone (the whole series errors at its last point); past
    # MAX_POINTS the explanation falls back to `result`.
    many = [1.0] * (MAX_POINTS + 1) + [None]
    text = why("all(result, {asFloat(#) > 2})", many, False)
    assert text.startswith("result is [1,1,1,")


# -- the two helpers messages are made of --------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "text"),
    [
        pytest.param(SEED, SEED, id="seed"),
        pytest.param("1 < result < 3", "1 < result && result < 3", id="chained-comparison"),
        pytest.param("(a < b) < c", "(a < b) < c", id="parenthesised-comparison"),
        pytest.param("(a + b) * c", "(a + b) * c", id="precedence"),
        pytest.param("a - (b - c)", "a - (b - c)", id="left-associative"),
        pytest.param("(2 ** 3) ** 4", "(2 ** 3) ** 4", id="right-associative"),
        pytest.param("result?.a.b ?? 5", "result?.a.b ?? 5", id="optional-chain"),
        pytest.param("result['a-b'][1:2]", 'result["a-b"][1:2]', id="brackets-and-slice"),
        pytest.param("x not in [1, 2]", "x not in [1, 2]", id="not-in"),
        pytest.param("not (a && b)", "not (a && b)", id="not"),
        pytest.param("{a: 1, 'b c': 2}", '{a: 1, "b c": 2}', id="map-literal"),
        pytest.param("let t = 1; t > 0 ? 'y' : 'n'", 'let t = 1; t > 0 ? "y" : "n"', id="let"),
        pytest.param("result | all(.x > 1)", "all(result, {.x > 1})", id="pipe"),
        pytest.param("one(result, #index == 0)", "one(result, {#index == 0})", id="pointer"),
    ],
)
def test_unparse(source: str, text: str) -> None:
    assert unparse(parse(source)) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(None, "nil", id="nil"),
        pytest.param(9512.0, "9512", id="whole-float"),
        pytest.param(1e21, "1e+21", id="big-float"),
        pytest.param(math.inf, "+Inf", id="inf"),
        pytest.param('a"b', '"a\\"b"', id="string"),
        pytest.param({"a": [1.0, True]}, '{"a":[1,true]}', id="map"),
        pytest.param(list(range(100)), "[0,1,2,3,4,5,6,7,8,…", id="clipped"),
    ],
)
def test_show(value: Any, text: str) -> None:
    assert show(value, 20) == text
