"""The events one written pass makes, derived from the status before and after it: one per new
measurement and one per phase change of a metric or of the run, in the order a reader wants
them (each metric's measurements, then its phase; the run's phase last).

The scheduler hands them to the store with the pass's measurements and status, so they are
written in the same transaction (`app.store.events`). Measurements were redacted before they
reached the status (`record_measurement_in_place` in `app.engine.reconcile`): events carry that
text only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.spec.status import AnalysisRunStatus, MetricResult, format_time
from app.store.records import NewEvent, NewMeasurement

__all__ = ["metric_summary", "pass_events"]


def metric_summary(result: MetricResult) -> dict[str, Any]:
    """What an event says of its metric: its phase, message and counters after the event."""
    return {
        "name": result.name,
        "phase": result.phase.value,
        "message": result.message,
        "count": result.count,
        "successful": result.successful,
        "failed": result.failed,
        "inconclusive": result.inconclusive,
        "error": result.error,
        "consecutiveError": result.consecutive_error,
        "dryRun": result.dry_run,
    }


def _measurement(m: NewMeasurement) -> dict[str, Any]:
    return {
        "seq": m.seq,
        "phase": m.phase,
        "value": m.value,
        "message": m.message,
        "startedAt": format_time(m.started_at) if m.started_at else None,
        "finishedAt": format_time(m.finished_at) if m.finished_at else None,
        "metadata": dict(m.metadata),
    }


def _phase(status: AnalysisRunStatus | None) -> str:
    return status.phase.value if status is not None and status.phase is not None else "Pending"


def pass_events(
    before: AnalysisRunStatus | None,
    after: AnalysisRunStatus | None,
    new: Sequence[NewMeasurement],
) -> list[NewEvent]:
    """The events between two statuses of a run, `new` being the measurements stored with it."""
    if after is None:
        return []
    found: list[NewEvent] = []
    for result in after.metric_results:
        summary = metric_summary(result)
        for m in (m for m in new if m.metric == result.name):
            found.append(
                NewEvent(
                    kind="measurement",
                    metric=result.name,
                    phase=m.phase,
                    message=m.message,
                    measurement=_measurement(m),
                    metric_result=summary,
                )
            )
        earlier = before.result(result.name) if before is not None else None
        previous = earlier.phase.value if earlier is not None else None
        if previous != result.phase.value:
            found.append(
                NewEvent(
                    kind="phase",
                    metric=result.name,
                    phase=result.phase.value,
                    message=result.message,
                    metric_result=summary,
                    extra={"previousPhase": previous},
                )
            )
    if _phase(before) != _phase(after):
        found.append(
            NewEvent(
                kind="phase",
                metric=None,
                phase=_phase(after),
                message=after.message,
                extra={"previousPhase": _phase(before)},
            )
        )
    return found
