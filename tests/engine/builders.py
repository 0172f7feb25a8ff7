"""Turning the loop vectors' compact descriptions into metrics and statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.spec.models import Metric
from app.spec.status import AnalysisRunStatus, Measurement, MetricResult, Phase

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
WEB = {"web": {"url": "http://example.test"}}
COUNTERS = (
    "count",
    "successful",
    "failed",
    "inconclusive",
    "error",
    "consecutiveError",
    "consecutiveSuccess",
)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def metric(raw: dict[str, Any] | str, name: str = "metric") -> Metric:
    if isinstance(raw, str):
        return Metric(name=raw, provider=WEB)  # type: ignore[arg-type]
    data = {"name": name, "provider": WEB, **raw}
    return Metric.model_validate(data)


def measurement(phase: str, *, finished: datetime | None = None) -> Measurement:
    completed = Phase(phase).completed
    return Measurement(
        phase=Phase(phase),
        started_at=ago(70),
        finished_at=(finished or ago(60)) if completed else None,
    )


def result(name: str, raw: dict[str, Any], *, phase: str = "Running") -> MetricResult:
    counters = {key: raw.get(key, 0) for key in COUNTERS}
    measurements = [
        m if isinstance(m, Measurement) else measurement(m)
        for m in raw.get("measurement_phases", raw.get("measurements", []))
    ]
    return MetricResult.model_validate(
        {
            "name": name,
            "phase": raw.get("phase", phase),
            "dryRun": raw.get("dryRun", False),
            "message": raw.get("message", ""),
            "measurements": measurements,
            **counters,
        }
    )


def status(*results: MetricResult, started_at: datetime | None = None) -> AnalysisRunStatus:
    return AnalysisRunStatus(metric_results=list(results), started_at=started_at)
