"""What one measurement costs augur in total, against the bare provider call it wraps (the floor).

    python -m benchmarks.measurement_bench            # SQLite and PostgreSQL (~40 s)
    python -m benchmarks.measurement_bench --stores sqlite
    python -m benchmarks.measurement_bench --quick    # smoke run, SQLite only
    python -m benchmarks.measurement_bench --json

The upstream is `benchmarks.loopback` (a constant JSON answered at once, in its own process);
the metric is the `web` provider with `jsonPath: {$.value}` and a success condition. One
client built as `augur serve` builds it (address guard, answer size limit) serves every path:

    provider   `WebProvider.measure` alone: the floor
    judged     the provider call plus the compiled condition (what the CLI's loop adds)
    augur      what the scheduler does per measurement: `Runner.reconcile` (plan, resolve args,
               the provider call, judge, assess, trim, next wake-up), the pass that follows at
               once when the status moved, and the write of the measurement with the run's
               status (one transaction, through the scheduler's group commit, here a group of
               one), on a run created by `RunService`
    provider x8, augur x8
               the same with eight measurements in flight at once (eight runs), as the
               scheduler has them against one upstream; augur's passes are written through the
               scheduler's group commit. Time per measurement (a round's time / 8), against
               eight provider calls at once

Time moves on by one interval between augur passes (the clock is injected), so every pass takes
a measurement; no real waiting is timed. Rounds alternate between the paths so background load
hits them alike; each figure is the median over rounds of the mean time within a round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.timing import interleaved_medians

INTERVAL = timedelta(seconds=10)
GOAL_RATIO = 1.5
#: Measurements in flight at once in the `x` paths: the scheduler's 8 per upstream address.
AT_ONCE = 8
ALL_AT_ONCE = (f"provider x{AT_ONCE}", f"augur x{AT_ONCE}")


class _Clock:
    """Real time plus an offset the benchmark moves on by one interval per pass."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def sleep_until(self, when: datetime) -> None:  # never called: one pass at a time
        raise RuntimeError("not used")


def _metric(upstream: str) -> dict[str, Any]:
    return {
        "name": "ok",
        "interval": "10s",
        "count": 1_000_000,
        "successCondition": "result >= 0.99",
        "provider": {"web": {"url": f"{upstream}/ok", "jsonPath": "{$.value}"}},
    }


async def bench(url: str, upstream: str, *, rounds: int, per_round: int) -> dict[str, float]:
    from app.core.addresses import AddressPolicy
    from app.engine.conditions import conditions_for, typed_result
    from app.engine.reconcile import judge, plan_reconcile
    from app.engine.runner import Runner
    from app.service.documents import phase_of, status_document
    from app.service.outbound import outbound_client
    from app.service.runs import RunService
    from app.service.scheduler_writes import GroupWriter, new_measurements
    from app.spec.models import Metric
    from app.store.db import open_engine
    from app.store.measurements import PassWrite
    from app.store.migrate import upgrade
    from app.store.sql import SqlStore
    from providers.base import MeasureContext
    from providers.web import WebProvider

    clock = _Clock()
    engine = open_engine(url)
    await upgrade(engine)
    store = SqlStore(engine, clock=clock.now)
    policy = AddressPolicy(local=True)  # the upstream is on loopback, as in `make run`
    service = RunService(store=store, clock=clock.now, wake=lambda: None, addresses=policy)
    run, _ = await service.create_run(
        "bench", {"name": "one", "spec": {"metrics": [_metric(upstream)]}}
    )
    assert run.metadata.uid is not None
    run_id = run.metadata.uid
    http = outbound_client(policy)
    block = _metric(upstream)["provider"]["web"]
    provider = WebProvider(block, http=http)
    metric = Metric.model_validate(_metric(upstream))
    conditions = conditions_for(metric)

    async def floor() -> None:
        await provider.measure(MeasureContext(now=clock.now(), metric_name="ok"))

    async def judged() -> None:
        started = clock.now()
        measured = await provider.measure(MeasureContext(now=started, metric_name="ok"))
        done = judge(
            typed_result(measured.result, measured.go_type),
            measured.value,
            conditions,
            started_at=started,
            finished_at=clock.now(),
            metadata=measured.metadata,
        )
        if done.phase.value != "Successful":
            raise SystemExit(f"the condition did not pass: {done}")

    runs = [run]
    for index in range(1, AT_ONCE):
        made, _ = await service.create_run(
            "bench", {"name": f"one-{index}", "spec": {"metrics": [_metric(upstream)]}}
        )
        runs.append(made)
    runners = [
        Runner(clock=clock, providers=lambda _metric: provider, run_name=f"bench/{r.metadata.name}")
        for r in runs
    ]
    writer = GroupWriter(lambda: store)

    async def augur_pass(slot: int) -> None:
        """One run's pass as the scheduler takes it, written through its group commit."""
        run, runner = runs[slot], runners[slot]
        before = run.status
        while True:
            run, result = await runner.reconcile(run)
            if result is None or not result.changed:
                break
            plan = plan_reconcile(run, now=clock.now(), prepare=runner.prepare)
            if not plan.done and plan.tasks:
                break
        runs[slot] = run
        new = new_measurements(before, run.status)
        if len(new) != 1 or new[0].phase != "Successful":
            raise SystemExit(f"expected one Successful measurement, got {new}")
        assert run.metadata.uid is not None
        write = PassWrite(
            run.metadata.uid,
            new=new,
            status=status_document(run.status),
            phase=phase_of(run.status),
            next_reconcile_at=None if result is None else result.next_at,
            completed_at=None,
            lease_owner=None,
        )
        await writer.write(write)  # a group of one when it is alone, as in the scheduler

    async def augur() -> None:
        clock.offset += INTERVAL
        await augur_pass(0)

    async def providers_at_once() -> None:
        await asyncio.gather(*(floor() for _ in range(AT_ONCE)))

    async def augur_at_once() -> None:
        clock.offset += INTERVAL
        await asyncio.gather(*(augur_pass(slot) for slot in range(AT_ONCE)))

    cases: dict[str, Callable[[], Awaitable[None]]] = {
        "provider": floor,
        "judged": judged,
        "augur": augur,
        f"provider x{AT_ONCE}": providers_at_once,
        f"augur x{AT_ONCE}": augur_at_once,
    }
    medians = await interleaved_medians(cases, rounds=rounds, per_round=per_round)
    stored = await store.measurements(run_id, limit=1, after_seq=0)
    assert stored
    assert stored[0].phase == "Successful"
    await http.aclose()
    await engine.dispose()
    return medians


def run(*, stores: Sequence[str], rounds: int, per_round: int) -> list[dict[str, Any]]:
    from benchmarks import loopback

    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        upstream = stack.enter_context(loopback.start())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="augur-bench-")))
        for store in stores:
            if store == "postgresql":
                from tests.support.postgres import postgres_server

                url = stack.enter_context(postgres_server()).url()
            else:
                url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
            medians = asyncio.run(bench(url, upstream, rounds=rounds, per_round=per_round))
            for name in ("provider", "judged", "augur", *ALL_AT_ONCE):
                each = medians[name] / (AT_ONCE if name in ALL_AT_ONCE else 1)
                floor = medians[name.replace("augur", "provider").replace("judged", "provider")]
                floor /= AT_ONCE if name in ALL_AT_ONCE else 1
                rows.append(
                    {"store": store, "path": name, "ms": each * 1000, "ratio": each / floor}
                )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stores", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument("--quick", action="store_true", help="a few requests, SQLite; smoke only")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    options = parser.parse_args(argv)
    stores = [s.strip() for s in options.stores.split(",")]
    rounds, per_round = (15, 200) if not options.quick else (3, 10)
    if options.quick:
        stores = ["sqlite"]
    rows = run(stores=stores, rounds=rounds, per_round=per_round)
    if options.json:
        print(json.dumps({"rounds": rounds, "per_round": per_round, "rows": rows}, indent=2))
        return 0
    print(
        f"One measurement: augur's whole path vs the bare web provider call ({rounds} rounds x "
        f"{per_round})"
    )
    print("| store | path | ms per measurement | × provider (alone, or x8 at once) |")
    print("| --- | --- | ---: | ---: |")
    for row in rows:
        print(f"| {row['store']} | {row['path']} | {row['ms']:.3f} | {row['ratio']:.2f} |")
    for row in rows:
        if row["path"].startswith("augur"):
            met = "met" if row["ratio"] <= GOAL_RATIO else "MISSED"
            print(
                f"goal on {row['store']}, {row['path']}: the whole measurement at most "
                f"{GOAL_RATIO}x the bare provider call; measured {row['ratio']:.2f}x: {met}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
