"""A synchronous reconcile driven by a fake provider: the same calls the async runner makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.engine.reconcile import (
    UNABLE_TO_RESOLVE,
    Outcome,
    ReconcileResult,
    complete_reconcile,
    error_measurement,
    fail_run,
    plan_reconcile,
)
from app.engine.schedule import MetricTask
from app.spec.args import SecretSource, resolve_metrics
from app.spec.errors import ArgError
from app.spec.models import AnalysisRun, Metric
from app.spec.status import AnalysisRunStatus, Measurement, Phase


@dataclass
class FakeProvider:
    """Answers with fixed phases; ``factory_error`` fails construction like a bad config."""

    run_phase: str = "Successful"
    resume_phase: str = "Successful"
    terminate_phase: str = "Successful"
    message: str = ""
    factory_error: str | None = None
    metadata: dict[str, str] | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, task: MetricTask, metric: Metric, now: datetime) -> Outcome:
        self.calls.append((task.kind, metric.name))
        if self.factory_error is not None:
            failed = error_measurement(self.factory_error, started_at=now, in_flight=task.in_flight)
            return Outcome(task, failed)
        phase = {"run": self.run_phase, "resume": self.resume_phase}.get(
            task.kind, self.terminate_phase
        )
        base = task.in_flight or Measurement(phase=Phase.RUNNING, started_at=now)
        done = base.model_copy(update={"phase": Phase(phase), "message": self.message})
        if done.phase.completed:
            done.finished_at = now
        return Outcome(task, done, self.metadata)


Provider = Callable[[MetricTask, Metric, datetime], Outcome]


def reconcile(
    run: AnalysisRun,
    provider: Provider,
    *,
    now: datetime,
    secrets: SecretSource | None = None,
) -> tuple[AnalysisRun, ReconcileResult | None]:
    plan = plan_reconcile(run, now=now)
    if plan.done:
        return run.model_copy(update={"status": plan.status}), None
    outcomes = []
    secret_values: list[str] = []
    for task in plan.tasks:
        try:
            resolved = resolve_metrics(
                [run.spec.metrics[task.index]], run.spec.args, secrets=secrets
            )
        except ArgError as exc:
            failed = fail_run(plan.status, UNABLE_TO_RESOLVE + exc.message)
            return run.model_copy(update={"status": failed}), None
        secret_values.extend(resolved.secrets)
        outcomes.append(provider(task, resolved.metrics[0], now))
    before = (run.status or AnalysisRunStatus()).model_copy(deep=True)
    result = complete_reconcile(run, plan, outcomes, now=now, secrets=secret_values)
    # The engine notes `changed` as it writes (no whole-status comparison): on every pass of
    # every scenario it must say what comparing the whole statuses says, and leave the run's
    # own status untouched.
    assert result.changed == (result.status != before), (before, result.status)
    assert (run.status or AnalysisRunStatus()) == before
    return run.model_copy(update={"status": result.status}), result


def settle(
    run: AnalysisRun, provider: Provider, *, now: datetime, secrets: SecretSource | None = None
) -> AnalysisRun:
    """Reconcile again while the status changes (Argo's informer does this)."""
    for _ in range(20):
        run, result = reconcile(run, provider, now=now, secrets=secrets)
        if result is None or not result.changed:
            return run
    raise AssertionError("reconcile did not settle")
