"""The one async loop: drives the pure reconcile core with a clock and providers.

Each pass is Argo's reconcile: plan (what is due), resolve the due metrics' args (secrets read
now, never stored), call the providers concurrently, judge and record, assess, then either
reconcile again at once (the status moved: Argo's informer would) or sleep until the next
measurement is due. A provider error is an Error measurement, never an exception out of here.

The clock is injected: `SystemClock` sleeps for real, `VirtualClock` jumps straight to the next
wake-up, so a 30-minute analysis replays in milliseconds with the same decisions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from app.engine.conditions import Conditions, conditions_for, typed_result
from app.engine.offload import Judging, inline
from app.engine.reconcile import (
    UNABLE_TO_RESOLVE,
    Outcome,
    ReconcileResult,
    complete_reconcile,
    decided,
    error_measurement,
    fail_run,
    judge,
    plan_reconcile,
    running,
)
from app.engine.schedule import MetricTask
from app.expr import Limits
from app.spec.args import SecretSource, resolve_metrics
from app.spec.errors import ArgError
from app.spec.load import PreparedSpec, prepare_run_spec
from app.spec.models import AnalysisRun, AnalysisRunSpec, Metric
from app.spec.secrets import ProviderCredentials
from app.spec.status import AnalysisRunStatus
from providers.base import (
    DEFAULT_POLL_INTERVAL,
    NO_CREDENTIALS,
    InFlight,
    MeasureContext,
    Provider,
    metric_metadata,
    resume_measurement,
)
from providers.errors import ProviderError

__all__ = [
    "BeyondHorizon",
    "Clock",
    "OnStatus",
    "ProviderSource",
    "Runner",
    "SystemClock",
    "VirtualClock",
]

#: At most this many passes without time moving: a loop that never settles is a bug, not a hang.
MAX_PASSES_AT_ONE_INSTANT = 50


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        await asyncio.sleep(max(0.0, (when - self.now()).total_seconds()))


class BeyondHorizon(RuntimeError):
    """A virtual clock was asked to move past its horizon (the wall clock, for a backtest)."""

    def __init__(self, wanted: datetime, horizon: datetime) -> None:
        super().__init__(f"the virtual clock would move to {wanted}, past its horizon {horizon}")
        self.wanted = wanted
        self.horizon = horizon


class VirtualClock:
    """Time that moves only when the runner sleeps, and then straight past the wake-up.

    It lands one millisecond after `when`, as a real timer fires a little late: Argo's rule is
    that a measurement is due strictly after `finishedAt + interval`.

    A `horizon` is the latest time it may reach. A backtest against a live provider sets it to
    the wall clock: a measurement after it would ask the provider about the future, which has
    no data, so the clock refuses (`BeyondHorizon`) instead of recording made-up failures.
    """

    TIMER_LATENESS = timedelta(milliseconds=1)

    def __init__(self, start: datetime, *, horizon: datetime | None = None) -> None:
        self._now = start
        self.horizon = horizon

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        wanted = max(self._now, when + self.TIMER_LATENESS)
        if self.horizon is not None and wanted > self.horizon:
            raise BeyondHorizon(wanted, self.horizon)
        self._now = wanted
        await asyncio.sleep(0)


#: Builds (or returns the cached) provider for a resolved metric; raises ProviderError.
ProviderSource = Callable[[Metric], Provider]
#: Called after every pass that produced a new status (the store writes it).
OnStatus = Callable[[AnalysisRun, ReconcileResult | None], Awaitable[None]]


@dataclass
class Runner:
    clock: Clock
    providers: ProviderSource
    secrets: SecretSource | None = None
    #: Credentials providers read as Argo's do (Datadog's Secret, ...); redacted once read.
    credentials: ProviderCredentials | None = None
    on_status: OnStatus | None = None
    run_name: str = ""
    #: The budgets of every condition evaluation (`app.expr.DEFAULT_LIMITS` when None).
    limits: Limits | None = None
    #: Where measurements are judged: in place here, off the event loop in the server.
    judging: Judging = inline
    #: How long a provider whose upstream is still working waits before it asks again.
    poll_interval: timedelta = DEFAULT_POLL_INTERVAL
    _conditions: dict[tuple[str, str], Conditions] = field(default_factory=dict)
    _prepared: tuple[AnalysisRunSpec, PreparedSpec] | None = None

    def prepare(self, spec: AnalysisRunSpec) -> PreparedSpec:
        """`prepare_run_spec`, once per spec object: a run's spec is the same between passes
        (a terminate is a new spec from the store), and preparing it re-parses every metric."""
        if self._prepared is None or self._prepared[0] is not spec:
            self._prepared = (spec, prepare_run_spec(spec))
        return self._prepared[1]

    def conditions(self, metric: Metric) -> Conditions:
        """Compiled once per run and condition text, not once per measurement."""
        key = (metric.success_condition, metric.failure_condition)
        if key not in self._conditions:
            self._conditions[key] = conditions_for(metric, self.limits)
        return self._conditions[key]

    async def reconcile(self, run: AnalysisRun) -> tuple[AnalysisRun, ReconcileResult | None]:
        """One pass. `None` as result: the run is done (completed, or an early Error exit)."""
        plan = plan_reconcile(run, now=self.clock.now(), prepare=self.prepare)
        if plan.done:
            return run.model_copy(update={"status": plan.status}), None
        resolved: list[Metric] = []
        secret_values: list[str] = []
        for task in plan.tasks:
            try:
                found = resolve_metrics(
                    [run.spec.metrics[task.index]], run.spec.args, secrets=self.secrets
                )
            except ArgError as exc:
                failed = fail_run(plan.status, UNABLE_TO_RESOLVE + exc.message)
                return run.model_copy(update={"status": failed}), None
            resolved.append(found.metrics[0])
            secret_values.extend(found.secrets)
        outcomes = await asyncio.gather(
            *(
                self._measure(
                    task,
                    metric,
                    attempts_of(plan.status, metric.name),
                    plan.status,
                    run.metadata.namespace,
                )
                for task, metric in zip(plan.tasks, resolved, strict=True)
            )
        )
        if self.credentials is not None:  # what providers read is redacted like args
            secret_values.extend(self.credentials.seen)
        result = complete_reconcile(
            run, plan, outcomes, now=self.clock.now(), secrets=secret_values
        )
        return run.model_copy(update={"status": result.status}), result

    async def _measure(
        self, task: MetricTask, metric: Metric, attempt: int, status: AnalysisRunStatus, ns: str
    ) -> Outcome:
        started = self.clock.now()
        if task.kind == "terminate" and task.in_flight is not None:
            # Argo's Terminate of kayenta (the only provider here that leaves work in flight)
            # returns the measurement unchanged: the upstream's job is not cancelled.
            return Outcome(task, task.in_flight)
        in_flight = task.in_flight if task.kind == "resume" else None
        if in_flight is not None and in_flight.started_at is not None:
            started = in_flight.started_at
        metadata: dict[str, str] = {}  # Argo's GetMetadata, for the metric's result
        try:
            provider = self.providers(metric)
            metadata = metric_metadata(provider)
            _, config = metric.provider.body()
            ctx = MeasureContext(
                now=self.clock.now(),
                metric_name=metric.name,
                config=config,
                run_name=self.run_name,
                attempt=attempt,
                namespace=ns,
                credentials=self.credentials or NO_CREDENTIALS,
                interval=metric.interval,
                run_started_at=status.started_at,
                poll_interval=self.poll_interval,
            )
            if in_flight is not None:
                measured = await resume_measurement(provider, ctx, in_flight.metadata or {})
            else:
                measured = await provider.measure(ctx)
        except ProviderError as exc:
            failed = error_measurement(
                str(exc), started_at=started, in_flight=in_flight, metadata=exc.metadata
            )
            return Outcome(task, failed, metadata=metadata)
        except Exception as exc:  # a plugin's bug must not stop the loop: record it instead
            message = f"provider failed: {type(exc).__name__}: {exc}"
            failed = error_measurement(message, started_at=started, in_flight=in_flight)
            return Outcome(task, failed)
        if isinstance(measured, InFlight):
            return Outcome(task, running(measured, started_at=started), metadata=metadata)
        conditions, finished = self.conditions(metric), self.clock.now()
        if measured.phase:  # the provider decided (Argo's kayenta): no condition is evaluated
            return Outcome(task, decided(measured, started, finished), metadata=metadata)
        measurement = await self.judging(
            lambda: judge(
                typed_result(measured.result, measured.go_type),
                measured.value,
                conditions,
                started_at=started,
                finished_at=finished,
                metadata=measured.metadata,
                point_times=measured.point_times,
                keep_value=measured.keep_value_on_error,
            )
        )
        return Outcome(task, measurement, metadata=metadata)

    async def run(self, run: AnalysisRun) -> AnalysisRun:
        """Reconcile until the run completes (or nothing is left to wake up for)."""
        passes_now, last_instant = 0, self.clock.now()
        while True:
            run, result = await self.reconcile(run)
            if self.on_status is not None:
                await self.on_status(run, result)
            if result is None:
                return run
            instant = self.clock.now()
            passes_now = passes_now + 1 if instant == last_instant else 1
            last_instant = instant
            if passes_now > MAX_PASSES_AT_ONE_INSTANT:
                raise RuntimeError(f"run {run.metadata.name!r} did not settle at {instant}")
            if result.changed:
                continue
            if result.next_at is None:
                return run
            await self.clock.sleep_until(result.next_at)


def attempts_of(status: AnalysisRunStatus, metric: str) -> int:
    """Measurements of `metric` finished so far, errors included: Argo's counters never shrink
    when old measurements are trimmed, so this is also the next measurement's position."""
    result = status.result(metric)
    return 0 if result is None else result.count + result.error


def provider_cache(
    build: Callable[[Mapping[str, object]], Provider],
) -> tuple[ProviderSource, Callable[[], Sequence[Provider]]]:
    """A ProviderSource that builds each metric's provider once (replay keeps its position)."""
    built: dict[str, Provider] = {}

    def source(metric: Metric) -> Provider:
        if metric.name not in built:
            built[metric.name] = build(metric.provider.model_dump(by_alias=True, exclude_none=True))
        return built[metric.name]

    return source, lambda: list(built.values())
