"""Kayenta's JSON in, every problem out with its field path: configs, pairs, thresholds."""

from __future__ import annotations

import math
from typing import Any

import pytest

from app.judge import (
    JUDGES,
    JudgeConfigError,
    judge,
    parse_canary_config,
    parse_pairs,
)
from tests.judge.samples import config, metric, pair

#: A config as Kayenta's docs write one (K/docs/canary-config.md), fields augur ignores included.
KAYENTA_CONFIG: dict[str, Any] = {
    "id": "bf9795c0-1f6e-4c3b-9c0e-2b5f9e0c2d11",
    "name": "reviews-golden-signals",
    "description": "latency and errors of reviews",
    "configVersion": "1",
    "applications": ["bookinfo"],
    "createdTimestamp": 1553821714000,
    "updatedTimestampIso": "2019-03-29T01:08:34Z",
    "judge": {"name": "NetflixACAJudge-v1.0", "judgeConfigurations": {}},
    "metrics": [
        {
            "name": "latency",
            "query": {"type": "prometheus", "metricName": "http_latency", "labelBindings": []},
            "groups": ["latency"],
            "scopeName": "default",
            "analysisConfigurations": {
                "canary": {"direction": "increase", "effectSize": {"allowedIncrease": 2}},
                "other-tool": {"anything": True},
            },
        }
    ],
    "templates": {},
    "classifier": {
        "groupWeights": {"latency": 100},
        "scoreThresholds": {"pass": 95, "marginal": 75},
    },
}


def test_kayentas_own_json_reads_unchanged_and_round_trips() -> None:
    parsed = parse_canary_config(KAYENTA_CONFIG)
    assert parsed.judge.name == JUDGES[0]
    assert parsed.judge.judge_configurations.tolerance == 0.25
    assert parsed.judge.judge_configurations.conf_level == 0.98
    assert parsed.metrics[0].canary.effect_size.value("allowed_increase") == 2.0  # int for double
    assert parsed.metrics[0].query == KAYENTA_CONFIG["metrics"][0]["query"]  # opaque
    assert parsed.to_json() == KAYENTA_CONFIG


BAD_CONFIGS = [
    pytest.param(
        {"metrics": [metric("a"), metric("b"), metric("c", critical="true")]},
        [("metrics[2].analysisConfigurations.canary.critical", 'must be a boolean, got "true"')],
        id="string-for-boolean",
    ),
    pytest.param(
        {"metrics": [metric("a", direction="up", effectSize={"allowedIncrease": True})]},
        [
            (
                "metrics[0].analysisConfigurations.canary.direction",
                'must be one of "increase", "decrease", "either", got "up"',
            ),
            (
                "metrics[0].analysisConfigurations.canary.effectSize.allowedIncrease",
                "must be a number, got true",
            ),
        ],
        id="every-problem-at-once",
    ),
    pytest.param(
        {"metrics": [metric("a", outliers={"strategy": "remove", "outlierFactor": 0})]},
        [
            (
                "metrics[0].analysisConfigurations.canary.outliers.outlierFactor",
                "must be greater than 0, got 0.0",
            )
        ],
        id="outlier-factor",
    ),
    pytest.param(
        {"metrics": [{"name": "a", "query": {"metricName": "x"}}]},
        [("metrics[0].query", 'must name its metric source in "type" (a string)')],
        id="query-without-type",
    ),
    pytest.param({"metrics": []}, [("metrics", "must list at least one metric")], id="no-metrics"),
    pytest.param({}, [("metrics", "is required")], id="metrics-missing"),
    pytest.param(
        {"metrics": [{"query": {"type": "x"}}]}, [("metrics[0].name", "is required")], id="no-name"
    ),
    pytest.param(
        {"judge": {"name": "dredd-v1.0"}, "metrics": [metric("a")]},
        [("judge.name", 'unknown judge "dredd-v1.0": one of NetflixACAJudge-v1.0, augur-v1')],
        id="unknown-judge",
    ),
    pytest.param(
        {
            "judge": {"judgeConfigurations": {"confLevel": 98, "tolerance": -1}},
            "metrics": [metric("a")],
        },
        [
            ("judge.judgeConfigurations.tolerance", "must be 0 or more, got -1.0"),
            (
                "judge.judgeConfigurations.confLevel",
                "must be between 0 and 1 (exclusive), got 98.0",
            ),
        ],
        id="judge-settings",
    ),
    pytest.param(
        {"metrics": [metric("a")], "classifier": {"groupWeights": {"a": "50"}}},
        [("classifier.groupWeights.a", 'must be a number, got "50"')],
        id="weight-as-text",
    ),
]


@pytest.mark.parametrize(("document", "problems"), BAD_CONFIGS)
def test_a_bad_config_names_each_field(
    document: dict[str, Any], problems: list[tuple[str, str]]
) -> None:
    with pytest.raises(JudgeConfigError) as caught:
        parse_canary_config(document)
    assert caught.value.problems == problems
    assert str(caught.value) == "\n".join(f"{p}: {m}" for p, m in problems)


def test_a_config_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(JudgeConfigError) as caught:
        parse_canary_config(["metrics"])  # type: ignore[arg-type]
    assert caught.value.problems == [("config", "must be a JSON object (a Kayenta CanaryConfig)")]


def test_pairs_take_nan_and_null_as_gaps() -> None:
    [got] = parse_pairs([pair("a", {"control": [1, "NaN", None], "experiment": [2.5]})])
    assert got.control[0] == 1.0
    assert all(math.isnan(v) for v in got.control[1:])
    assert got.experiment == [2.5]


BAD_PAIRS = [
    pytest.param(
        [pair("a", {"control": [1, "x"], "experiment": "y"})],
        [
            ("pairs[0].values.control[1]", 'must be a number, "NaN" or null, got "x"'),
            ("pairs[0].values.experiment", 'must be a list, got "y"'),
        ],
        id="points",
    ),
    pytest.param(
        [{"values": {"control": [True]}}],
        [
            ("pairs[0].values.control[0]", 'must be a number, "NaN" or null, got true'),
            ("pairs[0].name", "is required"),
            ("pairs[0].values.experiment", "is required"),
        ],
        id="missing",
    ),
    pytest.param(
        [pair("a", {"control": [float("inf")], "experiment": [float("-inf")]})],
        [
            ("pairs[0].values.control[0]", "must be a finite number, got Infinity"),
            ("pairs[0].values.experiment[0]", "must be a finite number, got -Infinity"),
        ],
        id="infinite",
    ),
    pytest.param(
        {"name": "a"},
        [("pairs", 'must be a list of MetricSetPairs, got {"name": "a"}')],
        id="not-a-list",
    ),
    pytest.param([], [("pairs", "must hold at least one MetricSetPair")], id="empty"),
]


@pytest.mark.parametrize(("document", "problems"), BAD_PAIRS)
def test_bad_pairs_name_each_point(document: Any, problems: list[tuple[str, str]]) -> None:
    with pytest.raises(JudgeConfigError) as caught:
        parse_pairs(document)
    assert caught.value.problems == problems


@pytest.mark.parametrize(
    ("passing", "marginal", "problems"),
    [
        pytest.param(
            120, 75, [("thresholds.pass", "must be a number from 0 to 100, got 120")], id="pass"
        ),
        pytest.param(
            90,
            95,
            [("thresholds.marginal", "must not be above thresholds.pass (90), got 95")],
            id="order",
        ),
    ],
)
def test_thresholds_are_checked(
    passing: float, marginal: float, problems: list[tuple[str, str]]
) -> None:
    parsed = parse_canary_config(config("augur-v1", metric("a")))
    pairs = parse_pairs([pair("a", {"control": [1.0], "experiment": [1.0]})])
    with pytest.raises(JudgeConfigError) as caught:
        judge(parsed, pairs, pass_threshold=passing, marginal_threshold=marginal)
    assert caught.value.problems == problems


def test_a_pair_without_a_metric_config_is_refused() -> None:
    parsed = parse_canary_config(config("augur-v1", metric("latency")))
    pairs = parse_pairs(
        [
            pair("latency", {"control": [1.0], "experiment": [1.0]}),
            pair("errors", {"control": [0.0], "experiment": [0.0]}),
        ]
    )
    with pytest.raises(JudgeConfigError) as caught:
        judge(parsed, pairs, pass_threshold=95, marginal_threshold=75)
    assert caught.value.problems == [
        ("pairs[1].name", 'no metric named "errors" in the canary config')
    ]
