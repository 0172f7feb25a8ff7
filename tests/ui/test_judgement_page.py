"""A judgement's page, from reports `app.judge.judge` makes on recorded pairs: both series on one
chart, the classification, interval, p-value and score by group; and its route, which reads the
stored report through `app.state.judgement_reports`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.api.ui.judgement_view import judgement_view, number_text
from app.judge import judge, parse_canary_config, parse_pairs
from tests.ui.conftest import Client

CONFIG = {
    "name": "reviews-canary",
    "judge": {"name": "augur-v1", "judgeConfigurations": {"confLevel": 0.98}},
    "metrics": [
        {
            "name": "latency-p50",
            "groups": ["latency"],
            "analysisConfigurations": {"canary": {"direction": "increase"}},
        },
        {
            "name": "errors",
            "groups": ["errors"],
            "analysisConfigurations": {
                "canary": {"direction": "increase", "nanStrategy": "replace", "dataType": "count"}
            },
        },
    ],
    "classifier": {"groupWeights": {"latency": 60, "errors": 40}},
}
LATENCY = (
    [118, 121, 117, 125, 119, 122, 120, 116, 123, 121, 119, 124],
    [127, 131, 126, 135, 129, 133, 128, 125, 134, 130, 129, 136],
)
ERRORS: tuple[list[Any], list[Any]] = ([0, 0, 0, "NaN", 0, 0, 0, 0, 0, 0, 0, 0], [0] * 12)


def _timed(values: list[Any]) -> list[dict[str, Any]]:
    start = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    return [
        {"time": (start + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"), "value": v}
        for i, v in enumerate(values)
    ]


def report(judge_name: str = "augur-v1") -> dict[str, Any]:
    """What `GET /api/v1/namespaces/{ns}/judgements/{id}` answers: the result and the series."""
    config = parse_canary_config({**CONFIG, "judge": {**CONFIG["judge"], "name": judge_name}})
    pairs = [
        {"name": name, "id": str(i), "values": {"control": control, "experiment": canary}}
        for i, (name, (control, canary)) in enumerate(
            (("latency-p50", LATENCY), ("errors", ERRORS)), start=1
        )
    ]
    result = judge(config, parse_pairs(pairs), pass_threshold=95, marginal_threshold=75)
    series = [
        {
            "name": p["name"],
            "control": _timed(p["values"]["control"]),
            "experiment": _timed(p["values"]["experiment"]),
        }
        for p in pairs
    ]
    return {"id": "j-1", "namespace": "default", "result": result, "series": series}


def test_the_page_shows_each_metric_with_both_series_and_its_statistics() -> None:
    view = judgement_view(report())
    assert (view.classification, view.score, view.judge) == ("Fail", "40", "augur-v1")
    assert view.groups == [("latency", "0"), ("errors", "100")]
    latency, errors = view.metrics
    assert latency.classification == "High"
    assert latency.reason.startswith("The metric latency-p50 was classified as High by ")
    shown = dict(latency.statistics)
    assert shown["deciding test"] == "mann-whitney"
    assert re.fullmatch(r"\[\d+(\.\d+)?, \d+(\.\d+)?\]", shown["interval"])
    assert float(shown["p-value"]) < 0.001
    assert latency.chart is not None
    assert len(re.findall(r'class="pt canary"', latency.chart)) == 12
    assert len(re.findall(r'class="pt baseline"', latency.chart)) == 12
    assert latency.values[0].at == "10:00:00"
    assert errors.values[3].baseline == "—"  # the gap: NaN in the recorded series


def test_kayentas_judge_reports_no_p_value_and_the_page_says_none() -> None:
    view = judgement_view(report("NetflixACAJudge-v1.0"))
    shown = dict(view.metrics[0].statistics)
    assert "p-value" not in shown
    assert shown["deciding test"] == "mann-whitney-interval"
    assert "bound" in shown


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), ("NaN", "NaN"), (0.000488, "0.000488"), (10.0, "10"), (float("nan"), "NaN")],
    ids=["absent", "jackson-nan", "small", "whole", "nan"],
)
def test_statistics_are_written_to_four_digits(value: Any, text: str) -> None:
    assert number_text(value) == text


def test_series_may_map_names_and_come_without_times() -> None:
    result = report()["result"]
    view = judgement_view(
        {"result": result, "series": {"latency-p50": {"baseline": [1, 2], "canary": [3, None]}}}
    )
    latency = view.metrics[0]
    assert [(r.at, r.baseline, r.canary) for r in latency.values] == [
        ("1", "1", "3"),
        ("2", "2", "—"),
    ]


class Reports:
    def __init__(self, reports: Mapping[tuple[str, str], dict[str, Any]]) -> None:
        self.reports = reports

    async def judgement_report(self, namespace: str, judgement_id: str) -> dict[str, Any] | None:
        return self.reports.get((namespace, judgement_id))


async def test_the_route_reads_the_stored_report(client: Client) -> None:
    missing = await client.get("/ui/namespaces/default/judgements/j-1")
    assert missing.status_code == 404  # the server's own store has none
    assert "judgement default/j-1 not found" in missing.text
    client.app.state.judgement_reports = Reports({("default", "j-1"): report()})
    page = await client.get("/ui/namespaces/default/judgements/j-1")
    assert page.status_code == 200
    assert "<h1>Judgement j-1</h1>" in page.text
    assert len(re.findall(r'class="pt (canary|baseline)"', page.text)) == 48
    assert "baseline (control)" in page.text
    assert '<tr><th scope="row">errors</th><td>100</td></tr>' in page.text
    other = await client.get("/ui/namespaces/default/judgements/j-2")
    assert other.status_code == 404
    assert "judgement default/j-2 not found" in other.text
