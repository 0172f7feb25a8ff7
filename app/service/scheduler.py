"""The server's measurement loop: lease due runs from the store, reconcile each, write it back.

One scheduler per process. A run is leased for one pass at a time (`SqlStore.lease_due`; on
PostgreSQL with SKIP LOCKED, so replicas never share a run), reconciled with the same `Runner`
the CLI uses, and written back with its new measurements and status in one transaction that
also hands the lease back. The run's `next_reconcile_at` then says when any replica should take
it again. A pass whose status moved is followed at once by another (Argo's informer does that).

Nothing a provider does stops the loop: provider errors become Error measurements inside the
runner, and an unexpected failure of one pass is logged and retried after a pause. On stop, no
new pass starts, passes in flight finish and are written, and leases are handed back. A restart
resumes every unfinished run from what the store holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.core.metrics import Metrics
from app.engine.conditions import Conditions
from app.engine.offload import Judging, inline
from app.engine.reconcile import ReconcileResult, plan_reconcile
from app.engine.runner import Runner
from app.expr import Limits
from app.service.documents import phase_of, run_from_record, status_document
from app.service.events import pass_events
from app.service.loop_thread import set_from_any_thread
from app.service.notifications import NotificationPlan
from app.service.observe import observe
from app.service.scheduler_writes import GroupWriter, new_measurements
from app.spec.args import SecretsByNamespace
from app.spec.models import AnalysisRun, Metric
from app.spec.secrets import ProviderCredentials
from app.spec.status import AnalysisRunStatus, Phase
from app.store.errors import DuplicateMeasurement, LeaseLost
from app.store.measurements import PassWrite
from app.store.records import NewNotification, RunRecord
from app.store.sql import SqlStore
from providers import base as contract
from providers import registry
from providers.base import MeasureContext, Measured, Provider, ProviderFactory, metric_metadata

__all__ = ["Scheduler", "SchedulerSettings"]

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE = timedelta(seconds=10)
#: The shortest time between two rounds of leasing, in seconds (a due run waits at most this).
LEASE_TICK = 0.02
#: Compiled conditions kept across runs (keyed by their text, which args may make unique).
CONDITIONS_CACHE_SIZE = 1024


class _ConditionsCache(dict[tuple[str, str], Conditions]):
    """Conditions compiled once per text for every run, not once per pass; bounded, because a
    condition with an arg substituted is a new text for every run."""

    def __setitem__(self, key: tuple[str, str], value: Conditions) -> None:
        if len(self) >= CONDITIONS_CACHE_SIZE:
            self.clear()
        super().__setitem__(key, value)


@dataclass(frozen=True)
class SchedulerSettings:
    owner: str
    lease: timedelta = timedelta(seconds=30)
    poll: float = 1.0
    max_concurrent: int = 64
    per_address: int = 8
    #: How long a provider whose upstream is still working waits to ask again (Argo's 15 s).
    poll_interval: timedelta = contract.DEFAULT_POLL_INTERVAL


class _WallClock:
    """The runner's clock in the server: real time from the injected clock function."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now

    async def sleep_until(self, when: datetime) -> None:  # the scheduler never sleeps a run
        raise RuntimeError("the scheduler reconciles one pass at a time")


@dataclass
class _Limited:
    """A provider whose calls wait for a global slot and one for its upstream address."""

    inner: Provider
    slots: asyncio.Semaphore
    address: asyncio.Semaphore
    metrics: Metrics

    @property
    def kind(self) -> str:
        return self.inner.kind

    async def measure(self, ctx: MeasureContext) -> Measured | contract.InFlight:
        async with self.slots, self.address:
            with self.metrics.measurement_latency.labels(provider=self.kind).time():
                return await self.inner.measure(ctx)

    async def resume(self, ctx: MeasureContext, meta: Mapping[str, str]) -> contract.Outcome:
        async with self.slots, self.address:
            return await contract.resume_measurement(self.inner, ctx, meta)

    async def check(self) -> None:
        await self.inner.check()

    async def aclose(self) -> None:
        await self.inner.aclose()

    def metric_metadata(self) -> dict[str, str]:
        return metric_metadata(self.inner)


@dataclass
class Scheduler:
    store: SqlStore
    settings: SchedulerSettings
    clock: Callable[[], datetime]
    http: httpx.AsyncClient
    metrics: Metrics
    secrets: SecretsByNamespace | None = None
    credentials: ProviderCredentials | None = None
    limits: Limits | None = None
    judging: Judging = inline
    notifications: NotificationPlan | None = None
    #: The host's own providers (`judge`), bound to this loop's store: `registry.build(extra=)`.
    extra: Mapping[str, ProviderFactory] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _home: asyncio.AbstractEventLoop | None = None
    _stopping: bool = False
    _loop_task: asyncio.Task[None] | None = None
    _passes: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _slots: asyncio.Semaphore | None = None
    _addresses: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _conditions: _ConditionsCache = field(default_factory=_ConditionsCache)
    _gauges_at: float | None = None
    _finished_since_gauges: bool = False
    _writer: GroupWriter | None = None

    def wake(self) -> None:
        """Something became due now (a new run, a terminate): look at once, not at next poll.
        Safe from any thread: `augur serve` runs the scheduler on a loop of its own."""
        set_from_any_thread(self._wake, self._home)

    async def start(self) -> None:
        self._home = asyncio.get_running_loop()
        if self.store.engine.dialect.name == "sqlite":
            # One process writes a SQLite store, so a lease found now was left by a process
            # that died: take the runs back at once instead of waiting for the lease to expire.
            await self.store.release(owner=None)
        self._slots = asyncio.Semaphore(self.settings.max_concurrent)
        self._loop_task = asyncio.create_task(self._loop(), name="augur-scheduler")

    async def stop(self) -> None:
        """Finish passes in flight (their measurements are written), then hand leases back."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._passes:
            await asyncio.gather(*self._passes.values(), return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.store.release(owner=self.settings.owner)

    @property
    def active(self) -> int:
        return len(self._passes)

    async def _loop(self) -> None:
        clock = asyncio.get_running_loop().time
        last = clock() - LEASE_TICK
        while not self._stopping:
            # At most one round of leasing per tick: the passes that end and the runs that come
            # due meanwhile are leased together, in one query, not one round each.
            await asyncio.sleep(max(0.0, last + LEASE_TICK - clock()))
            last = clock()
            # Cleared before leasing, so a wake-up that comes while leasing is not lost.
            self._wake.clear()
            try:
                await self._lease_and_start()
                await self._refresh_gauges()
            except Exception:
                log.exception("scheduler: leasing failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=await self._idle_time())

    def _waits_for_slots(self) -> bool:
        """Busy: lease again only once a group of slots is free (an eighth of them), not one at
        a time, so that at saturation a lease and a look at the next due run serve several
        passes instead of one each. A pass that ends wakes the loop."""
        free = self.settings.max_concurrent - len(self._passes)
        return free <= 0 or (
            bool(self._passes) and free < max(1, self.settings.max_concurrent // 8)
        )

    async def _idle_time(self) -> float:
        if self._waits_for_slots():
            return self.settings.poll  # a pass that ends wakes the loop
        try:
            # Runs in a pass of ours are due until their pass writes: a pass that ends wakes
            # the loop, so counting them would only make it spin.
            due = await self.store.next_due(skip=list(self._passes))
        except Exception:
            return self.settings.poll
        if due is None:
            return self.settings.poll
        return min(self.settings.poll, max(0.0, (due - self.clock()).total_seconds()))

    async def _lease_and_start(self) -> None:
        if self._waits_for_slots():
            return
        free = self.settings.max_concurrent - len(self._passes)
        leased = await self.store.lease_due(
            owner=self.settings.owner,
            now=self.clock(),
            lease=self.settings.lease,
            limit=free,
            skip=list(self._passes),
        )
        for record in leased:
            if record.id in self._passes:
                continue
            task = asyncio.create_task(self._drive(record), name=f"augur-run-{record.id}")
            self._passes[record.id] = task
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for run_id, running in list(self._passes.items()):
            if running is task:
                del self._passes[run_id]

    async def _refresh_gauges(self) -> None:
        """At most once per poll, or at once after a run finished: counting runs by phase
        reads the whole table, and the loop comes round after every pass."""
        self.metrics.active_runs.set(len(self._passes))
        now = asyncio.get_running_loop().time()
        recent = self._gauges_at is not None and now - self._gauges_at < self.settings.poll
        if recent and not self._finished_since_gauges:
            return
        self._gauges_at, self._finished_since_gauges = now, False
        counts = await self.store.count_by_phase()
        for phase in Phase:
            self.metrics.runs.labels(phase=phase.value).set(counts.get(phase.value, 0))
        self.metrics.active_runs.set(len(self._passes))

    async def _drive(self, record: RunRecord) -> None:
        """Reconcile one leased run until its status settles, writing before any further
        provider call (a pass that calls none is written together with the one before it)."""
        run = run_from_record(record)
        providers: dict[str, Provider] = {}
        runner = self._runner(run, providers)
        try:
            before = run.status
            while True:
                run, result = await runner.reconcile(run)
                # A completed run needs no further pass: one would only rewrite it (and log
                # "finished" and stamp completed_at a second time).
                last = result is None or not result.changed or self._stopping or _completed(run)
                if not last and self._settles_without_measuring(runner, run):
                    # The pass that follows calls no provider: write its outcome together with
                    # this one's measurements, in the same transaction, instead of twice.
                    continue
                # Keep the lease while another pass follows at once; hand it back with the last.
                await self._write(record, before, run, result, release=last)
                before = run.status
                if last:
                    break
            self.wake()  # a slot is free again
        except (LeaseLost, DuplicateMeasurement) as exc:
            log.warning("run %s: %s; another replica has it", record.id, exc)
        except Exception:
            log.exception("run %s: the pass failed; retrying later", record.id)
            with contextlib.suppress(Exception):
                # Not `run.status`: it may count measurements whose write just failed.
                await self.store.retry_later(
                    record.id, at=self.clock() + RETRY_AFTER_FAILURE, owner=self.settings.owner
                )
        finally:
            for provider in providers.values():
                with contextlib.suppress(Exception):
                    await provider.aclose()

    def _settles_without_measuring(self, runner: Runner, run: AnalysisRun) -> bool:
        plan = plan_reconcile(run, now=self.clock(), prepare=runner.prepare)
        return plan.done or not plan.tasks

    def _runner(self, run: AnalysisRun, providers: dict[str, Provider]) -> Runner:
        def source(metric: Metric) -> Provider:
            if metric.name not in providers:
                block = metric.provider.model_dump(by_alias=True, exclude_none=True)
                built = registry.build(block, http=self.http, extra=self.extra)
                providers[metric.name] = self._limited(built, block)
            return providers[metric.name]

        return Runner(
            clock=_WallClock(self.clock),
            providers=source,
            secrets=self.secrets.for_namespace(run.metadata.namespace) if self.secrets else None,
            credentials=self.credentials,
            run_name=f"{run.metadata.namespace}/{run.metadata.name}",
            limits=self.limits,
            judging=self.judging,
            poll_interval=self.settings.poll_interval,
            _conditions=self._conditions,
        )

    def _limited(self, provider: Provider, block: Mapping[str, Any]) -> Provider:
        assert self._slots is not None
        config: Any = next(iter(block.values()), {})
        address = ""
        if isinstance(config, Mapping):
            address = _upstream(str(config.get("address") or config.get("url") or ""))
        if address not in self._addresses:
            self._addresses[address] = asyncio.Semaphore(self.settings.per_address)
        return _Limited(provider, self._slots, self._addresses[address], self.metrics)

    async def _write(
        self,
        record: RunRecord,
        before: AnalysisRunStatus | None,
        run: AnalysisRun,
        result: ReconcileResult | None,
        *,
        release: bool,
    ) -> None:
        status = run.status
        new = new_measurements(before, status)
        done = status is not None and status.phase is not None and status.phase.completed
        self._finished_since_gauges |= done
        if self._writer is None:
            self._writer = GroupWriter(lambda: self.store)
        # The pass's events and notifications are written in the same transaction as it, and
        # passes that end while another group commits share the next transaction.
        await self._writer.write(
            PassWrite(
                record.id,
                new=new,
                status=status_document(status),
                phase=phase_of(status),
                next_reconcile_at=None if done or result is None else result.next_at,
                completed_at=self.clock() if done else None,
                lease_owner=self.settings.owner,
                release=release,
                events=pass_events(before, status, new),
                outbox=self._notices(record, run, phase_of(before)),
            )
        )
        observe(self.metrics, run, new, done)

    def _notices(self, record: RunRecord, run: AnalysisRun, previous: str) -> list[NewNotification]:
        """What to notify of this pass; a fault here is logged and never stops the pass."""
        if self.notifications is None:
            return []
        try:
            return self.notifications.phase_change(
                run, uid=record.id, previous=previous, now=self.clock()
            )
        except Exception:
            log.exception("run %s: planning its notifications failed; none sent", record.id)
            return []


def _completed(run: AnalysisRun) -> bool:
    return run.status is not None and run.status.phase is not None and run.status.phase.completed


def _upstream(address: str) -> str:
    """The host:port a provider calls: the per-address limit is per upstream, not per URL."""
    try:
        url = httpx.URL(address)
    except httpx.InvalidURL:
        return address
    return f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"
