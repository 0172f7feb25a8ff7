"""Metric and run phases from counters (Argo ``assessMetricStatus`` / ``assessRunStatus``).

Limits compare with a strict ``>``: with the defaults the first Failed or Inconclusive measurement
decides a metric and the fifth consecutive Error does. Errors never consume ``count``. Inside one
metric the limit checks give ``Error > Inconclusive > Failed`` (the last check that fires wins);
across metrics the run takes the worst completed non-dry-run phase, best to worst
``Successful < Running < Pending < Inconclusive < Error < Failed``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.spec.models import Metric
from app.spec.status import AnalysisRunStatus, MetricResult, Phase, RunSummary

__all__ = [
    "PHASE_ORDER",
    "RunAssessment",
    "assess_metric",
    "assess_run",
    "assess_run_in_place",
    "is_terminating",
    "is_worse",
    "limit_check",
    "worst",
]

#: Best to worst (``utils/analysis/helpers.go`` IsWorse).
PHASE_ORDER: tuple[Phase, ...] = (
    Phase.SUCCESSFUL,
    Phase.RUNNING,
    Phase.PENDING,
    Phase.INCONCLUSIVE,
    Phase.ERROR,
    Phase.FAILED,
)
_RANK = {phase: rank for rank, phase in enumerate(PHASE_ORDER)}


def is_worse(current: Phase, new: Phase) -> bool:
    """Whether ``new`` is strictly worse than ``current``."""
    return _RANK[new] > _RANK[current]


def worst(current: Phase, new: Phase) -> Phase:
    return new if is_worse(current, new) else current


def is_terminating(terminate: bool, status: AnalysisRunStatus) -> bool:
    """Terminate requested, or a non-dry-run metric already Failed/Error/Inconclusive."""
    if terminate:
        return True
    bad = (Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE)
    return any(r.phase in bad and not r.dry_run for r in status.metric_results)


def limit_check(metric: Metric, result: MetricResult) -> tuple[Phase | None, str]:
    """``assessMetricFailureInconclusiveOrError``: all three checks run; the last firing wins."""
    phase: Phase | None = None
    message = ""
    failure_limit = metric.failure_limit_value
    if failure_limit >= 0 and result.failed > failure_limit:
        phase = Phase.FAILED
        message = f"failed ({result.failed}) > failureLimit ({failure_limit})"
    inconclusive_limit = metric.inconclusive_limit_value
    if result.inconclusive > inconclusive_limit:
        phase = Phase.INCONCLUSIVE
        message = f"inconclusive ({result.inconclusive}) > inconclusiveLimit ({inconclusive_limit})"
    error_limit = metric.consecutive_error_limit_value
    if result.consecutive_error > error_limit:
        phase = Phase.ERROR
        errors = result.consecutive_error
        message = f"consecutiveErrors ({errors}) > consecutiveErrorLimit ({error_limit})"
    return phase, message


def assess_metric(metric: Metric, result: MetricResult, *, terminating: bool) -> Phase:
    """The phase a metric should have now; completed phases are sticky."""
    if result.phase.completed:
        return result.phase
    if not result.measurements:
        return Phase.SUCCESSFUL if terminating else Phase.PENDING
    if not result.measurements[-1].phase.completed:
        return Phase.RUNNING
    phase, _ = limit_check(metric, result)
    if phase is not None:
        return phase
    success_limit = metric.consecutive_success_limit_value
    if success_limit > 0 and result.consecutive_success >= success_limit:
        return Phase.SUCCESSFUL
    count = metric.effective_count()
    if count is not None and result.count >= count:
        failure_applicable = metric.failure_limit is None or metric.failure_limit_value >= 0
        success_applicable = success_limit > 0
        if failure_applicable and success_applicable:
            return Phase.INCONCLUSIVE
        if success_applicable:
            return Phase.FAILED
        return Phase.SUCCESSFUL
    return Phase.SUCCESSFUL if terminating else Phase.RUNNING


def _count(summary: RunSummary, phase: Phase | None) -> None:
    if phase is Phase.ERROR:
        summary.error += 1
    elif phase is Phase.FAILED:
        summary.failed += 1
    elif phase is Phase.INCONCLUSIVE:
        summary.inconclusive += 1
    else:
        summary.successful += 1


@dataclass(frozen=True, slots=True)
class RunAssessment:
    """The updated status (a copy) and the phase/message ``assess_run`` computed."""

    status: AnalysisRunStatus
    phase: Phase
    message: str
    changed: bool


def assess_run(
    metrics: Sequence[Metric],
    status: AnalysisRunStatus,
    *,
    terminate: bool,
    dry_run: Collection[str],
    now: datetime,
) -> RunAssessment:
    """Refresh every metric's phase and the run's phase, message, summaries and timestamps.

    The run phase/message are written only when the phase changes; ``completedAt`` is set
    once, when the phase first becomes completed. The input status is not modified.
    """
    new = status.model_copy(deep=True)
    return assess_run_in_place(metrics, new, terminate=terminate, dry_run=dry_run, now=now)


def assess_run_in_place(
    metrics: Sequence[Metric],
    status: AnalysisRunStatus,
    *,
    terminate: bool,
    dry_run: Collection[str],
    now: datetime,
) -> RunAssessment:
    """``assess_run`` on a status the caller owns alone (the engine's pass makes one copy, not
    one per step). ``changed`` is noted as each field is written, so no comparison of the whole
    status is needed to tell it."""
    changed = False
    terminating = is_terminating(terminate, status)
    if status.started_at is None:
        status.started_at = now
        changed = True
    worst_phase: Phase | None = None
    worst_message = "Run Terminated" if terminate else ""
    everything_completed = True
    run_summary, dry_summary = RunSummary(), RunSummary()
    for metric in metrics:
        is_dry = metric.name in dry_run
        (dry_summary if is_dry else run_summary).count += 1
        result = status.result(metric.name)
        if result is None:
            everything_completed = False
            continue
        phase = assess_metric(metric, result, terminating=terminating)
        if phase != result.phase:
            if result.measurements:
                result.message = result.measurements[-1].message
            result.phase = phase
            changed = True
        if not phase.completed:
            everything_completed = False
            continue
        limit_phase, limit_message = limit_check(metric, result)
        if not is_dry:
            if worst_phase is None or is_worse(worst_phase, phase):
                worst_phase = phase
                if limit_message:
                    worst_message = (
                        f'Metric "{metric.name}" assessed {phase} due to {limit_message}'
                    )
                    if result.message:
                        worst_message += f': "Error Message: {result.message}"'
            _count(run_summary, limit_phase)
        else:
            if worst_phase is None:
                worst_phase = Phase.SUCCESSFUL
            if limit_message:
                message = f"Metric assessed {phase} due to {limit_message}"
                changed = changed or message != result.message
                result.message = message
            _count(dry_summary, limit_phase)
    if (status.run_summary, status.dry_run_summary) != (run_summary, dry_summary):
        status.run_summary, status.dry_run_summary = run_summary, dry_summary
        changed = True
    if terminating:
        run_phase, run_message = worst_phase or Phase.SUCCESSFUL, worst_message.strip()
    elif not everything_completed or worst_phase is None:
        run_phase, run_message = Phase.RUNNING, ""
    else:
        run_phase, run_message = worst_phase, worst_message
    if run_phase != status.phase:
        status.phase, status.message = run_phase, run_message
        changed = True
        if run_phase.completed and status.completed_at is None:
            status.completed_at = now
    return RunAssessment(status, run_phase, run_message, changed)
