"""The cases Kayenta's users report (docs/judge.md, "Where Kayenta's judge fails"), judged by
both judges through the public API: what each decides, and why."""

from __future__ import annotations

from typing import Any

import pytest

from app.judge import AUGUR_JUDGE, KAYENTA_JUDGE, judge, parse_canary_config, parse_pairs
from tests.judge.samples import BIMODAL, BLUNT, CONSTANT, FEW_ERRORS, WIDER, config, metric, pair


def judged(judge_name: str, series: dict[str, list[float]], **canary: Any) -> dict[str, Any]:
    document = judge(
        parse_canary_config(config(judge_name, metric("m", **canary))),
        parse_pairs([pair("m", series)]),
        pass_threshold=95,
        marginal_threshold=75,
    )
    [result] = document["results"]
    return result


CASES = [
    # name, series, canary settings, Kayenta's verdict, augur-v1's verdict, the test that decided
    ("blunt-interval", BLUNT, {"direction": "increase"}, "Pass", "High", "brunner-munzel"),
    ("few-errors-vs-none", FEW_ERRORS, {"direction": "increase"}, "Pass", "High", "mann-whitney"),
    (
        "few-errors-as-counts",
        FEW_ERRORS,
        {"direction": "increase", "dataType": "count"},
        "Pass",
        "High",
        "poisson-rate",
    ),
    ("bimodal-worse-on-most", BIMODAL, {"direction": "increase"}, "Pass", "High", "brunner-munzel"),
    ("constant-and-different", CONSTANT, {}, "High", "High", "mann-whitney"),
    ("wider-spread-asked", WIDER, {"spread": True}, "Pass", "High", "ansari-bradley"),
    ("wider-spread-not-asked", WIDER, {}, "Pass", "Pass", "mann-whitney"),
]


@pytest.mark.parametrize(
    ("series", "canary", "kayenta", "augur", "test"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_each_judge_decides_the_reported_cases_as_documented(
    series: dict[str, list[float]], canary: dict[str, Any], kayenta: str, augur: str, test: str
) -> None:
    assert judged(KAYENTA_JUDGE, series, **canary)["classification"] == kayenta
    result = judged(AUGUR_JUDGE, series, **canary)
    assert result["classification"] == augur
    assert result["statistics"]["test"] == test


def test_kayentas_blunt_interval_is_visible_in_its_statistics() -> None:
    statistics = judged(KAYENTA_JUDGE, BLUNT, direction="increase")["statistics"]
    assert 0 < statistics["lower"] < statistics["bound"]  # above 0, below 0.25·|estimate|
    assert statistics["bound"] == pytest.approx(0.25 * abs(statistics["estimate"]))


def test_an_augur_verdict_names_its_test_statistic_interval_and_threshold() -> None:
    result = judged(AUGUR_JUDGE, BLUNT, direction="increase")
    statistics = result["statistics"]
    assert set(statistics) >= {
        "test",
        "estimate",
        "lower",
        "upper",
        "pValue",
        "alpha",
        "statistic",
        "effectSize",
        "effectSizeName",
        "relativeShift",
        "probabilityOfSuperiority",
        "confLevel",
        "tests",
    }
    assert [t["test"] for t in statistics["tests"]] == ["mann-whitney", "brunner-munzel"]
    assert statistics["alpha"] == 0.005  # (1 − 0.98) / 2 tests, halved: one tail (increase)
    assert statistics["confLevel"] == 0.99
    assert statistics["pValue"] < statistics["alpha"]
    assert result["classificationReason"].startswith(
        "The metric m was classified as High by brunner-munzel p="
    )
    assert "P(canary>baseline) 0.7" in result["classificationReason"]


def test_a_pass_explains_itself_too() -> None:
    result = judged(AUGUR_JUDGE, WIDER)
    assert result["classificationReason"].startswith(
        "m: no test found the canary worse: mann-whitney p="
    )


def test_constant_data_get_no_noise_and_the_same_answer_every_time() -> None:
    first = judged(AUGUR_JUDGE, CONSTANT)
    assert first == judged(AUGUR_JUDGE, CONSTANT)
    assert (first["statistics"]["lower"], first["statistics"]["upper"]) == (9.0, 9.0)
    kayenta = judged(KAYENTA_JUDGE, CONSTANT)
    assert kayenta["statistics"]["noiseAdded"] is True
    assert kayenta == judged(KAYENTA_JUDGE, CONSTANT)  # seeded from the pair: reproducible


@pytest.mark.parametrize("judge_name", [KAYENTA_JUDGE, AUGUR_JUDGE])
@pytest.mark.parametrize(
    ("series", "classification", "test"),
    [
        pytest.param(
            {"control": [5.0] * 8, "experiment": [5.0] * 8}, "Pass", "identical", id="identical"
        ),
        pytest.param(
            {"control": [5.0] * 8, "experiment": [5.0] * 7}, "Pass", "constant", id="one-value"
        ),
        pytest.param(
            {"control": [1.0, 1.0, 2.0], "experiment": [1.0, 2.0, 2.0]}, "Pass", None, id="tied"
        ),
        pytest.param({"control": [], "experiment": [1.0]}, "Nodata", "no-data", id="empty"),
    ],
)
def test_ties_and_gaps_never_crash(
    judge_name: str, series: dict[str, list[float]], classification: str, test: str | None
) -> None:
    result = judged(judge_name, series)
    assert result["classification"] == classification
    if test is not None:
        assert result["statistics"]["test"] == test


def test_a_declared_count_with_fractions_is_an_error_result() -> None:
    result = judged(AUGUR_JUDGE, {"control": [0.5, 1], "experiment": [1, 2]}, dataType="count")
    assert result["classification"] == "Error"
    assert result["classificationReason"] == (
        "m is declared a count (dataType: count) but has negative or fractional points"
    )


def test_the_effect_size_threshold_holds_back_a_significant_but_small_change() -> None:
    effect = {"measure": "meanRatio", "allowedIncrease": 1.2}  # only +20 % or more counts
    result = judged(AUGUR_JUDGE, BLUNT, direction="increase", effectSize=effect)
    assert result["classification"] == "Pass"
    assert "is within the allowed change" in result["classificationReason"]


def test_a_critical_metric_fails_the_canary_with_its_reason() -> None:
    document = judge(
        parse_canary_config(
            config(
                AUGUR_JUDGE,
                metric("errors", critical=True, direction="increase"),
                metric("latency"),
            )
        ),
        parse_pairs([pair("errors", FEW_ERRORS), pair("latency", WIDER)]),
        pass_threshold=95,
        marginal_threshold=75,
    )
    assert document["score"]["score"] == 0.0
    assert document["score"]["classification"] == "Fail"
    assert document["score"]["classificationReason"].startswith(
        "Canary Failed: The metric errors was classified as High (Critical) by mann-whitney p="
    )
