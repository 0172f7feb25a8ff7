"""What is due now, when to wake up next, what to keep (Argo ``generateMetricTasks``,
``calculateNextReconcileTime``, ``garbageCollectMeasurements``, TTL).

All functions are pure and take ``now``. A measurement is due when ``now`` is *strictly after*
``finishedAt + wait``; ``wait`` is 10 s after an Error whatever the interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from app.engine.assess import is_terminating
from app.spec.models import Metric, TtlStrategy
from app.spec.status import AnalysisRunStatus, Measurement, Phase
from providers.goduration import DurationError, parse_timedelta

__all__ = [
    "DEFAULT_MEASUREMENT_HISTORY_LIMIT",
    "ERROR_RETRY_INTERVAL",
    "MetricTask",
    "TaskKind",
    "due_metrics",
    "next_reconcile",
    "requeue_after",
    "trim_measurements",
    "trim_measurements_in_place",
    "ttl_expired",
]

ERROR_RETRY_INTERVAL = timedelta(seconds=10)
DEFAULT_MEASUREMENT_HISTORY_LIMIT = 10

#: ``run`` a new measurement, ``resume`` or ``terminate`` the in-flight one.
TaskKind = Literal["run", "resume", "terminate"]


@dataclass(frozen=True, slots=True)
class MetricTask:
    """One provider call to make. ``index`` points into ``run.spec.metrics`` (unresolved)."""

    index: int
    metric: Metric
    kind: TaskKind
    in_flight: Measurement | None = None


def _duration(text: str) -> timedelta | None:
    try:
        return parse_timedelta(text)
    except DurationError:
        return None


def due_metrics(
    metrics: Sequence[Metric],
    status: AnalysisRunStatus,
    *,
    now: datetime,
    terminate: bool = False,
) -> list[MetricTask]:
    """The measurements to take in this reconcile, in spec order."""
    terminating = is_terminating(terminate, status)
    tasks: list[MetricTask] = []
    for index, metric in enumerate(metrics):
        result = status.result(metric.name)
        if result is not None and result.phase.completed:
            continue
        last = result.last_measurement if result is not None else None
        if last is not None and last.finished_at is None:
            if not terminating and last.resume_at is not None and last.resume_at > now:
                continue
            kind: TaskKind = "terminate" if terminating else "resume"
            tasks.append(MetricTask(index, metric, kind, last))
            continue
        if terminating:
            continue
        if last is None:
            if metric.initial_delay:
                delay = _duration(metric.initial_delay)
                if status.started_at is None or delay is None or status.started_at + delay > now:
                    continue
            tasks.append(MetricTask(index, metric, "run"))
            continue
        assert result is not None
        assert last.finished_at is not None
        count = metric.effective_count()
        if count is not None and result.count >= count:
            continue
        wait: timedelta | None = ERROR_RETRY_INTERVAL
        if last.phase is not Phase.ERROR and metric.interval:
            wait = _duration(metric.interval)
        if wait is not None and now > last.finished_at + wait:
            tasks.append(MetricTask(index, metric, "run"))
    return tasks


def _metric_wake(metric: Metric, status: AnalysisRunStatus, now: datetime) -> datetime | None:
    result = status.result(metric.name)
    if result is not None and result.phase.completed:
        return None
    last = result.last_measurement if result is not None else None
    if last is None:
        if not metric.initial_delay:
            return None
        delay = _duration(metric.initial_delay)
        return None if delay is None else (status.started_at or now) + delay
    if last.finished_at is None:
        return last.resume_at
    assert result is not None
    count = metric.effective_count()
    if count is not None and result.count >= count:
        return None
    if last.phase is Phase.ERROR:
        return last.finished_at + ERROR_RETRY_INTERVAL
    if not metric.interval:
        return None
    interval = _duration(metric.interval)
    return None if interval is None else last.finished_at + interval


def next_reconcile(
    metrics: Sequence[Metric], status: AnalysisRunStatus, *, now: datetime
) -> datetime | None:
    """The earliest time any unfinished metric needs attention; ``None``: wait for an event."""
    times = [t for m in metrics if (t := _metric_wake(m, status, now)) is not None]
    return min(times) if times else None


def requeue_after(
    metrics: Sequence[Metric], status: AnalysisRunStatus, *, now: datetime
) -> timedelta | None:
    """``max(0, next_reconcile - now)``, or ``None`` when nothing is scheduled."""
    at = next_reconcile(metrics, status, now=now)
    return None if at is None else max(at - now, timedelta(0))


def trim_measurements(
    status: AnalysisRunStatus,
    limits: Mapping[str, int],
    *,
    default_limit: int = DEFAULT_MEASUREMENT_HISTORY_LIMIT,
) -> AnalysisRunStatus:
    """Keep the newest ``limit`` measurements per metric (a copy); counters are untouched."""
    new = status.model_copy(deep=True)
    trim_measurements_in_place(new, limits, default_limit=default_limit)
    return new


def trim_measurements_in_place(
    status: AnalysisRunStatus,
    limits: Mapping[str, int],
    *,
    default_limit: int = DEFAULT_MEASUREMENT_HISTORY_LIMIT,
) -> bool:
    """``trim_measurements`` on a status the caller owns alone (no copy: one per pass is
    enough); whether any measurement was dropped."""
    trimmed = False
    for result in status.metric_results:
        limit = limits.get(result.name, 0)
        if limit <= 0:
            limit = default_limit
        if len(result.measurements) > limit:
            result.measurements = result.measurements[len(result.measurements) - limit :]
            trimmed = True
    return trimmed


def ttl_expired(status: AnalysisRunStatus, ttl: TtlStrategy | None, *, now: datetime) -> bool:
    """Whether a completed run is past its ``ttlStrategy`` (strictly, in whole seconds)."""
    if ttl is None or status.phase is None or not status.phase.completed:
        return False
    if status.completed_at is None:
        return False
    seconds: int | None = None
    if status.phase is Phase.SUCCESSFUL and ttl.seconds_after_success is not None:
        seconds = ttl.seconds_after_success
    elif status.phase is Phase.FAILED and ttl.seconds_after_failure is not None:
        seconds = ttl.seconds_after_failure
    elif ttl.seconds_after_completion is not None:
        seconds = ttl.seconds_after_completion
    if seconds is None:
        return False
    return int((now - status.completed_at).total_seconds()) > seconds
