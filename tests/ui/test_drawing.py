"""What a run's chart draws: the threshold lines read from the conditions' parsed trees, the
number each measurement stands for, round ticks, and one mark per measurement."""

from __future__ import annotations

import re

import pytest

from app.api.ui.charts import Mark, Rule, Track, chart, nice_ticks
from app.api.ui.run_view import numbers
from app.api.ui.thresholds import Threshold, bound_of, thresholds

APDEX = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (APDEX, [(">=", 9900.0)]),
        ("9900 <= result[0]", [(">=", 9900.0)]),  # a constant on the left is read the other way
        ("result < -0.5 || result > 1e3", [("<", -0.5), (">", 1000.0)]),
        ("len(result) > 0 && result[0] >= 0.99", [(">=", 0.99)]),  # a count is not a value
        ("any(result, {# == 3})", [("==", 3.0)]),
        ("result >= 1 && result >= 1", [(">=", 1.0)]),  # once
        ("1 < 2", []),  # no measured value in it
        ("result > args", []),  # nothing constant
        ("asInt(result) in [1, 2]", []),
        ("cel: result > 1.0", []),  # CEL is not expr: no line
        ("result >=", []),  # no longer parses: no line, no error
        ("", []),
    ],
    ids=[
        "apdex",
        "constant-first",
        "two-lines",
        "len-skipped",
        "pointer",
        "deduplicated",
        "two-constants",
        "no-constant",
        "membership",
        "cel",
        "unparsable",
        "empty",
    ],
)
def test_the_lines_are_the_comparisons_of_a_measured_value_with_a_number(
    condition: str, expected: list[tuple[str, float]]
) -> None:
    found = thresholds(condition, "success")
    assert [(line.op, line.value) for line in found] == expected


@pytest.mark.parametrize(
    ("lines", "bound"),
    [
        ([Threshold(">=", 9900, "success")], "lowest"),
        ([Threshold("<", 9900, "failure")], "lowest"),  # failing below: the floor again
        ([Threshold("<=", 0.05, "success")], "highest"),
        ([Threshold(">=", 1, "success"), Threshold("<=", 5, "success")], "last"),
        ([Threshold("==", 3, "success")], "last"),
        ([], "last"),
    ],
    ids=["floor", "failure-floor", "ceiling", "band", "equal", "none"],
)
def test_a_measurement_is_drawn_at_the_number_its_lines_judge(
    lines: list[Threshold], bound: str
) -> None:
    assert bound_of(lines) == bound


def test_a_line_is_labelled_with_its_condition() -> None:
    assert [t.label for t in thresholds(APDEX, "success")] == ["success ≥ 9900"]
    assert [t.label for t in thresholds("result < 0.5", "failure")] == ["failure < 0.5"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"service_apdex":{"values":{"values":[{"value":9950},{"value":9870}]}}}', [9950, 9870]),
        ('{"m":{"values":{"values":[{"value":1,"isEmptyValue":true},{"value":2}]}}}', [2.0]),
        ('{"m":{"results":[{"values":[{"id":"1796430240000","value":"0.5"}]}]}}', [0.5]),
        ("[0.99,0.98]", [0.99, 0.98]),
        ("0.995", [0.995]),
        ("[NaN,1]", [1.0]),  # Go writes NaN; a chart cannot place it
        ("[+Inf 2]", [2.0]),  # not JSON: the numbers in the text
        ('{"ok":true,"count":3}', []),  # flags and counts are not measured values
        ("", []),
    ],
    ids=[
        "skywalking",
        "empty-point",
        "mqe-strings",
        "vector",
        "scalar",
        "nan",
        "text",
        "flags",
        "error",
    ],
)
def test_the_numbers_of_a_value_are_its_measured_points(value: str, expected: list[float]) -> None:
    assert numbers(value) == expected


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (9500, 9960, [9400.0, 9600.0, 9800.0, 10000.0]),
        (0.9, 1.0, [0.9, 0.95, 1.0]),
        (5, 5, [4.6, 4.8, 5.0, 5.2, 5.4]),  # one value: a band around it
        (0, 0, [-1.0, -0.5, 0.0, 0.5, 1.0]),
    ],
    ids=["apdex", "ratio", "flat", "zero"],
)
def test_ticks_are_round_numbers_covering_the_values(
    low: float, high: float, ticks: list[float]
) -> None:
    assert nice_ticks(low, high) == ticks


def test_every_mark_is_one_point_and_a_mark_without_value_sits_on_the_axis() -> None:
    marks = [
        Mark(0, 9950, "ok"),
        Mark(60, 9850, "fail", low=9850, high=9990),
        Mark(120, None, "err"),
        Mark(180, 9940, "ok"),
    ]
    svg = chart(
        [Track("value", marks)],
        rules=[Rule(9900, "success ≥ 9900", "success")],
        times=True,
        title="apdex <over time>",
        described_by="m0-table",
        ident="m0",
    )
    assert len(re.findall(r'class="pt ', svg)) == 4
    assert len(re.findall(r'<circle class="pt (ok|fail)"', svg)) == 3
    assert 'class="pt err" d="M' in svg  # a cross at the bottom of the plot
    # the line breaks where the error is; the lone point after it has nothing to join
    assert re.findall(r'<polyline points="([^"]*)"', svg) == ["60,79.3 274.7,210"]
    assert 'class="spread"' in svg
    assert "success ≥ 9900" in svg
    assert "apdex &lt;over time&gt;" in svg  # every text is escaped
    assert 'aria-describedby="m0-table"' in svg
    assert "style=" not in svg  # the pages' CSP allows no inline style


def test_a_chart_of_nothing_still_draws_its_axes() -> None:
    svg = chart([Track("value", [])], times=False, title="t", described_by="d", ident="x")
    assert "<svg" in svg
    assert 'class="pt' not in svg
