"""A stored judgement as its page shows it: per metric the canary and baseline series on one
chart, the classification and its reason, the interval, p-value and effect, and the score by
group.

The page is a function of the report `GET /api/v1/namespaces/{ns}/judgements/{id}` answers: the
`CanaryJudgeResult` of `app.judge.judge` (under `result`, or its fields at the top level) plus
the two series of each metric with their times:

    {"id": "...", "namespace": "...", "result": {"judgeName", "results", "groupScores", "score"},
     "series": [{"name": "latency", "control":    [{"time": "2026-12-05T10:00:00Z", "value": 118}],
                                    "experiment": [{"time": ..., "value": "NaN"}]}]}

`control`/`experiment` are Kayenta's words for baseline/canary (`baseline`/`canary` are read
too); a time is RFC 3339 or epoch milliseconds; a value a number, `"NaN"` or null (a gap);
`series` may also map a metric's name to its two sides. A point without a time is drawn at its
position. Numbers NaN and infinite arrive as Jackson writes them (`"NaN"`, `"Infinity"`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from app.api.ui.charts import Mark, Track, chart

__all__ = ["JudgementView", "MetricJudgement", "judgement_view", "number_text"]

#: The statistics shown per metric, in this order, when the judge reported them.
SHOWN = (
    ("test", "deciding test"),
    ("estimate", "shift estimate (canary − baseline)"),
    ("interval", "interval"),
    ("confLevel", "confidence level"),
    ("pValue", "p-value"),
    ("alpha", "α"),
    ("effectSize", "effect size"),
    ("effectSizeMeasure", "effect measure"),
    ("effectSizeName", "effect"),
    ("relativeShift", "relative shift"),
    ("bound", "bound"),
    ("method", "method"),
)


def number_text(value: Any) -> str:
    """A statistic as the page writes it: 4 significant digits, `—` when absent."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if math.isnan(value):
        return "NaN"
    return f"{value:.4g}"


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _moment(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value / 1000 if value > 1e11 else float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return None


@dataclass(frozen=True, slots=True)
class Sample:
    x: float | None
    value: float | None


def _side(pair: Mapping[str, Any], *names: str) -> list[Sample]:
    points: list[Any] = next((pair[n] for n in names if isinstance(pair.get(n), list)), [])
    found = []
    for point in points:
        if isinstance(point, Mapping):
            when = point.get("time", point.get("at", point.get("timestamp")))
            found.append(Sample(_moment(when), _float(point.get("value"))))
        else:
            found.append(Sample(None, _float(point)))
    return found


def _series(report: Mapping[str, Any]) -> dict[str, tuple[list[Sample], list[Sample]]]:
    given = report.get("series") or report.get("pairs") or []
    items = (
        [{"name": k, **v} for k, v in given.items() if isinstance(v, Mapping)]
        if isinstance(given, Mapping)
        else [p for p in given if isinstance(p, Mapping)]
    )
    return {
        str(pair.get("name")): (
            _side(pair, "control", "baseline"),
            _side(pair, "experiment", "canary"),
        )
        for pair in items
    }


@dataclass(frozen=True)
class ValueRow:
    at: str
    baseline: str
    canary: str


@dataclass(frozen=True)
class MetricJudgement:
    ident: str
    name: str
    classification: str
    reason: str
    critical: bool
    muted: bool
    groups: str
    statistics: list[tuple[str, str]]
    chart: Markup | None
    values: list[ValueRow]


@dataclass(frozen=True)
class JudgementView:
    ident: str
    namespace: str
    judge: str
    score: str
    classification: str
    reason: str
    groups: list[tuple[str, str]]
    metrics: list[MetricJudgement]


def _statistics(stats: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key, label in SHOWN:
        if key == "interval":
            if "lower" in stats or "upper" in stats:
                low, high = number_text(stats.get("lower")), number_text(stats.get("upper"))
                found.append((label, f"[{low}, {high}]"))
        elif key in stats:
            found.append((label, number_text(stats[key])))
    return found


def _values(baseline: Sequence[Sample], canary: Sequence[Sample], times: bool) -> list[ValueRow]:
    rows = []
    for index in range(max(len(baseline), len(canary))):
        base = baseline[index] if index < len(baseline) else None
        can = canary[index] if index < len(canary) else None
        x = next((s.x for s in (base, can) if s is not None and s.x is not None), None)
        at = datetime.fromtimestamp(x, UTC).strftime("%H:%M:%S") if times and x else str(index + 1)
        rows.append(
            ValueRow(
                at,
                number_text(base.value) if base else "",
                number_text(can.value) if can else "",
            )
        )
    return rows


def _metric(result: Mapping[str, Any], series: Mapping[str, Any], index: int) -> MetricJudgement:
    name = str(result.get("name", ""))
    baseline, canary = series.get(name, ([], []))
    samples = [*baseline, *canary]
    times = bool(samples) and all(s.x is not None for s in samples)

    def marks(side: Sequence[Sample], css: str) -> list[Mark]:
        return [
            Mark(s.x if times and s.x is not None else float(i + 1), s.value, css)
            for i, s in enumerate(side)
        ]

    drawn = None
    if samples:
        drawn = chart(
            [
                Track("baseline", marks(baseline, "baseline")),
                Track("canary", marks(canary, "canary")),
            ],
            times=times,
            title=f"{name}: canary and baseline",
            described_by=f"j{index}-table",
            ident=f"j{index}",
        )
    stats = result.get("statistics")
    return MetricJudgement(
        ident=f"j{index}",
        name=name,
        classification=str(result.get("classification", "")),
        reason=str(result.get("classificationReason") or ""),
        critical=bool(result.get("critical")),
        muted=bool(result.get("muted")),
        groups=", ".join(str(g) for g in result.get("groups") or []),
        statistics=_statistics(stats if isinstance(stats, Mapping) else {}),
        chart=drawn,
        values=_values(baseline, canary, times),
    )


def judgement_view(report: Mapping[str, Any]) -> JudgementView:
    """The page of one stored judgement (the shape above)."""
    inner = report.get("result")
    result: Mapping[str, Any] = inner if isinstance(inner, Mapping) else report
    series = _series(report)
    score = result.get("score") if isinstance(result.get("score"), Mapping) else {}
    assert isinstance(score, Mapping)
    groups = [
        (str(g.get("name", "")), number_text(g.get("score")))
        for g in result.get("groupScores") or []
        if isinstance(g, Mapping)
    ]
    metrics = [
        _metric(r, series, index)
        for index, r in enumerate(result.get("results") or [])
        if isinstance(r, Mapping)
    ]
    return JudgementView(
        ident=str(report.get("id", "")),
        namespace=str(report.get("namespace", "")),
        judge=str(result.get("judgeName", "")),
        score=number_text(score.get("score")),
        classification=str(score.get("classification", "")),
        reason=str(score.get("classificationReason") or ""),
        groups=groups,
        metrics=metrics,
    )
