"""One reconcile of one run, split around the provider calls (Argo ``reconcileAnalysisRun``).

The async runner does::

    plan = plan_reconcile(run, now=clock())
    if plan.done: store plan.status; stop
    first, for every task: resolve_metrics([run.spec.metrics[task.index]], run.spec.args,
        secrets=source) -> the metric with real secrets + the secret values; any ArgError aborts
        the whole reconcile: status = fail_run(plan.status, UNABLE_TO_RESOLVE + err.message)
    then for every task (concurrently): provider run / resume / terminate (task.kind)
        -> judge(result, value, conditions, ...) or error_measurement(message, ...)
    result = complete_reconcile(run, plan, outcomes, now=clock(), secrets=secret_values)
    store result.status; if result.changed: reconcile again at once; else sleep until result.next_at

Nothing here does I/O; ``now`` is always passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.engine.assess import assess_run_in_place
from app.engine.conditions import Conditions, PointTimes, evaluate_result
from app.engine.schedule import MetricTask, due_metrics, next_reconcile, trim_measurements_in_place
from app.spec.args import redact
from app.spec.errors import ArgError, SpecError
from app.spec.load import PreparedSpec, prepare_run_spec
from app.spec.models import AnalysisRun, AnalysisRunSpec, Metric
from app.spec.status import AnalysisRunStatus, Measurement, MetricResult, Phase
from providers.base import InFlight, Measured

__all__ = [
    "METRIC_TERMINATED",
    "SPEC_INVALID",
    "UNABLE_TO_RESOLVE",
    "Outcome",
    "Plan",
    "ReconcileResult",
    "complete_reconcile",
    "decided",
    "error_measurement",
    "fail_run",
    "judge",
    "plan_reconcile",
    "record_measurement_in_place",
    "running",
]

UNABLE_TO_RESOLVE = "Unable to resolve metric arguments: "
SPEC_INVALID = "Analysis spec invalid: "
METRIC_TERMINATED = "Metric Terminated"


def fail_run(status: AnalysisRunStatus, message: str) -> AnalysisRunStatus:
    """An early exit: phase Error with ``message``; neither startedAt nor completedAt is set."""
    return status.model_copy(update={"phase": Phase.ERROR, "message": message}, deep=True)


@dataclass(frozen=True, slots=True)
class Plan:
    """``done``: nothing to measure or assess (completed run, or an early Error exit)."""

    status: AnalysisRunStatus
    done: bool
    metrics: list[Metric] = field(default_factory=list)
    dry_run: frozenset[str] = frozenset()
    retention: dict[str, int] = field(default_factory=dict)
    tasks: list[MetricTask] = field(default_factory=list)


def plan_reconcile(
    run: AnalysisRun,
    *,
    now: datetime,
    prepare: Callable[[AnalysisRunSpec], PreparedSpec] = prepare_run_spec,
) -> Plan:
    """Argo's early exits (completed run; bad args; invalid spec; unmatched dry-run/retention
    rule), then the measurements due at ``now``. ``prepare`` may remember its answer for a spec
    it has seen (the runner does: a run's spec does not change between its passes)."""
    status = run.status or AnalysisRunStatus()
    if status.phase is not None and status.phase.completed:
        return Plan(status, done=True)
    try:
        prepared = prepare(run.spec)
    except ArgError as exc:
        return Plan(fail_run(status, UNABLE_TO_RESOLVE + exc.message), done=True)
    except SpecError as exc:
        return Plan(fail_run(status, SPEC_INVALID + exc.message), done=True)
    tasks = due_metrics(prepared.metrics, status, now=now, terminate=run.spec.terminate)
    return Plan(status, False, prepared.metrics, prepared.dry_run, prepared.retention, tasks)


def error_measurement(
    message: str,
    *,
    started_at: datetime,
    in_flight: Measurement | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Measurement:
    """A provider failure (construction, transport, no data...) as an Error measurement, with
    the metadata Argo keeps on some (Wavefront's ``warnings``)."""
    base = in_flight or Measurement(phase=Phase.ERROR, started_at=started_at)
    update: dict[str, Any] = {"phase": Phase.ERROR, "message": message, "value": ""}
    if metadata:
        update["metadata"] = dict(metadata)
    return base.model_copy(update=update)


def running(in_flight: InFlight, *, started_at: datetime) -> Measurement:
    """Work the provider's upstream goes on with (Argo's Running, ``resumeAt``): kept in the
    run's status with the provider's metadata, and resumed at ``resume_at``, after a restart
    too."""
    return Measurement(
        phase=Phase.RUNNING,
        started_at=started_at,
        metadata=dict(in_flight.metadata) or None,
        resume_at=in_flight.resume_at,
    )


_DECIDED = frozenset({Phase.SUCCESSFUL.value, Phase.FAILED.value, Phase.INCONCLUSIVE.value})


def decided(measured: Measured, started_at: datetime, finished_at: datetime) -> Measurement:
    """A measurement whose phase the provider decided (Argo's kayenta: its score against its
    thresholds); the conditions are not evaluated, as Argo does not. A phase that is not a
    verdict is the provider's bug, recorded as an Error."""
    phase = Phase(measured.phase) if measured.phase in _DECIDED else None
    if phase is None:
        message = f"provider decided phase {measured.phase!r}; want one of {sorted(_DECIDED)}"
        return error_measurement(message, started_at=started_at)
    return Measurement(
        phase=phase,
        value=measured.value,
        started_at=started_at,
        finished_at=finished_at,
        metadata=dict(measured.metadata) or None,
    )


def judge(
    result: Any,
    value: str,
    conditions: Conditions,
    *,
    started_at: datetime,
    finished_at: datetime,
    metadata: Mapping[str, str] | None = None,
    point_times: PointTimes | None = None,
    keep_value: bool = False,
) -> Measurement:
    """A finished measurement: the phase from the conditions; on an evaluation error the value
    is cleared (unless `keep_value`: Argo's graphite and CloudWatch keep it) and the message
    holds the error (as Argo's providers do). A Failed or
    Inconclusive message says which values decided, and when they were measured
    (``point_times``, from the provider)."""
    evaluation = evaluate_result(result, conditions, point_times=point_times)
    failed = evaluation.phase is Phase.ERROR
    return Measurement(
        phase=evaluation.phase,
        message=evaluation.message,
        value="" if failed and not keep_value else value,
        started_at=started_at,
        finished_at=finished_at,
        metadata=dict(metadata) if metadata else None,
    )


def record_measurement_in_place(
    status: AnalysisRunStatus,
    task: MetricTask,
    measurement: Measurement,
    *,
    now: datetime,
    dry_run: bool = False,
    metadata: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> bool:
    """Store one provider outcome in ``status``, which the caller owns alone (the engine's pass
    copies the run's status once, then records and assesses in that copy); whether ``status``
    changed (an in-flight measurement replaced by the same one does not). ``measurement`` is
    not modified.

    The one place a provider's output enters a run: every secret in ``secrets`` (the values
    read for this pass), in any form :func:`~app.spec.args.redact` finds, is replaced with
    ``*****`` in the measurement's value, message and metadata and in the metric's metadata,
    so nothing stored, served or logged downstream can hold one."""
    result = status.result(task.metric.name)
    if result is None:
        result = MetricResult(
            name=task.metric.name,
            phase=Phase.RUNNING,
            dry_run=dry_run,
            metadata=_redact_map(metadata, secrets),
        )
        status.metric_results.append(result)
        changed = True
    else:
        changed = False
    # A shallow copy is enough: every field is immutable but `metadata`, replaced just below.
    m = measurement.model_copy()
    m.value = redact(m.value, secrets)
    m.metadata = _redact_map(m.metadata, secrets)
    if task.kind == "terminate" and m.phase in (Phase.SUCCESSFUL, Phase.INCONCLUSIVE):
        m.message = METRIC_TERMINATED
    if m.phase.completed:
        if m.finished_at is None:
            m.finished_at = now
        _count(result, m.phase)
        changed = True
    m.message = redact(m.message, secrets)
    if task.kind != "run" and result.measurements:
        changed = changed or result.measurements[-1] != m
        result.measurements[-1] = m
    else:
        result.measurements.append(m)
        changed = True
    return changed


def _redact_map(values: Mapping[str, str] | None, secrets: Sequence[str]) -> dict[str, str] | None:
    if not values:
        return None
    return {redact(key, secrets): redact(value, secrets) for key, value in values.items()}


def _count(result: MetricResult, phase: Phase) -> None:
    if phase is Phase.ERROR:
        result.error += 1
        result.consecutive_error += 1
        result.consecutive_success = 0
        return
    result.count += 1
    result.consecutive_error = 0
    if phase is Phase.SUCCESSFUL:
        result.successful += 1
        result.consecutive_success += 1
        return
    result.consecutive_success = 0
    if phase is Phase.FAILED:
        result.failed += 1
    else:
        result.inconclusive += 1


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the runner got for one task."""

    task: MetricTask
    measurement: Measurement
    metadata: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    status: AnalysisRunStatus
    changed: bool
    next_at: datetime | None


def complete_reconcile(
    run: AnalysisRun,
    plan: Plan,
    outcomes: Sequence[Outcome],
    *,
    now: datetime,
    secrets: Sequence[str] = (),
) -> ReconcileResult:
    """Record the outcomes, assess, trim history and compute the next wake-up.

    ``changed`` means the status moved: reconcile again at once (Argo gets this for free from
    its informer), because a metric that just failed makes the run fail only one pass later.
    """
    # One copy per pass: the outcomes are recorded, assessed and trimmed in it, in place.
    status = plan.status.model_copy(deep=True)
    changed = False
    for outcome in outcomes:
        changed |= record_measurement_in_place(
            status,
            outcome.task,
            outcome.measurement,
            now=now,
            dry_run=outcome.task.metric.name in plan.dry_run,
            metadata=outcome.metadata,
            secrets=secrets,
        )
    assessed = assess_run_in_place(
        plan.metrics, status, terminate=run.spec.terminate, dry_run=plan.dry_run, now=now
    )
    changed |= trim_measurements_in_place(status, plan.retention)
    completed = status.phase is not None and status.phase.completed
    next_at = None if completed else next_reconcile(plan.metrics, status, now=now)
    # Noted as the status was written, not by comparing it whole with the run's (`plan.status`
    # is the run's status here: `done` plans, whose status may differ, never reach this).
    return ReconcileResult(status, changed or assessed.changed, next_at)
