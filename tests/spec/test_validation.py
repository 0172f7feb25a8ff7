"""``validation`` vectors: Argo's ValidateMetrics rules, order and exact messages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.spec.errors import SpecError
from app.spec.models import Metric
from app.spec.validate import validate_metrics
from tests.engine.vectors import cases, section

PROVIDER = {"web": {"url": "http://example.test"}}


def metric_from(spec: Any, index: int = 0) -> Metric:
    if isinstance(spec, str):
        return Metric(name=spec, provider=PROVIDER)  # type: ignore[arg-type]
    data = {"name": f"metric-{index}", "provider": PROVIDER, **spec}
    if isinstance(data["provider"], str):  # "prometheus+job+..." = all those providers set
        data["provider"] = {key: {} for key in data["provider"].split("+")}
    return Metric.model_validate(data)


def metrics_of(case: dict[str, Any]) -> list[Metric]:
    if "metrics" in case:
        return [metric_from(m, i) for i, m in enumerate(case["metrics"])]
    return [metric_from(case["metric"])]


@pytest.mark.parametrize("case", cases(section("validation")))
def test_validation_vector(case: dict[str, Any]) -> None:
    metrics = metrics_of(case)
    if case.get("expected_error") is None and "expected_error_regex" not in case:
        validate_metrics(metrics)
        return
    with pytest.raises(SpecError) as caught:
        validate_metrics(metrics)
    if "expected_error_regex" in case:
        assert re.fullmatch(case["expected_error_regex"], caught.value.message)
    else:
        assert caught.value.message == case["expected_error"]


@pytest.mark.parametrize(
    ("spec", "path", "hint"),
    [
        pytest.param({"failureLimit": -2}, "spec.metrics[0].failureLimit", "", id="limit"),
        pytest.param({"count": 2}, "spec.metrics[0].interval", 'e.g. interval: "1m"', id="count"),
        pytest.param(
            {"interval": "5 m"},
            "spec.metrics[0].interval",
            'a Go duration such as "30s", "5m" or "1h30m"',
            id="interval",
        ),
        pytest.param(
            {"provider": None},
            "spec.metrics[0].provider",
            "set exactly one of: prometheus, kayenta, web, datadog, wavefront, newRelic, job, "
            "cloudWatch, graphite, influxdb, skywalking, plugin, replay, judge",
            id="provider",
        ),
    ],
)
def test_every_error_names_its_path_and_what_is_accepted(
    spec: dict[str, Any], path: str, hint: str
) -> None:
    with pytest.raises(SpecError) as caught:
        validate_metrics([metric_from(spec)])
    assert caught.value.path == path
    assert caught.value.issues[0].hint == hint
    assert str(caught.value).startswith(f"{path}: metrics[0]: ")


def test_invalid_interval_message_is_gos() -> None:
    with pytest.raises(SpecError) as caught:
        validate_metrics([metric_from({"interval": "5 m"})])
    assert caught.value.message == (
        'metrics[0]: invalid interval string: time: unknown unit " m" in duration "5 m"'
    )


def test_int_or_string_limits_go_through_atoi() -> None:
    # Args arrive as strings; Go's Atoi turns anything unparsable into 0.
    validate_metrics([metric_from({"count": "3", "failureLimit": "3", "interval": "1m"})])
    with pytest.raises(SpecError) as caught:
        validate_metrics([metric_from({"count": "1", "failureLimit": "2"})])
    assert caught.value.message == (
        "metrics[0]: count (1) must be >= failureLimit + consecutiveSuccessLimit "
        "(2 + 0) if both >= 0"
    )
    validate_metrics([metric_from({"count": "abc", "failureLimit": "50%"})])


def test_plugin_map_counts_one_provider_per_key() -> None:
    with pytest.raises(SpecError) as caught:
        validate_metrics([metric_from({"provider": {"plugin": {"a/x": {}, "b/y": {}}}})])
    assert caught.value.message == "metrics[0]: multiple providers specified"
    validate_metrics([metric_from({"provider": {"plugin": {"a/x": {}}}})])
