"""PostgreSQL goes away mid-run and comes back: `augur serve` rides it out.

A real server on a real PostgreSQL of its own (the test stops it, so not the session's shared
one). While the database is down `/readyz` answers 503 (it pings the store), `/healthz` 200, the
process stays up; once it is back, `/readyz` is 200 again and every run finishes with the verdict
an uninterrupted run reaches, each measurement stored exactly once (seqs 1..n, n = the status's
counters) and in the phase its replayed answer dictates. API reads during the outage are 503
problems, not 500s. And, in process, a single write that fails (a connection dropped mid-write)
loses no measurement: the pass is measured again from what the store holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from app.store.db import STORE_UNREACHABLE
from app.store.errors import StoreUnavailable
from app.store.measurements import PassWrite
from app.store.sql import SqlStore
from tests.faults.reading import assert_complete_and_unique, run_of, stored_measurements, wait_ready
from tests.support.postgres import Postgres, postgres_server, start_postgres, stop_postgres
from tests.support.servers import augur_server
from tests.support.waiting import phase_of, wait_for, wait_run, wait_run_model

NAMESPACE = "outage"
COUNT = 8
HEALTHY = {"value": {"p99": 120}}
SLOW = {"value": {"p99": 900}}
OUTAGE_SECONDS = 4.0

# name -> (replayed answers, the verdict an uninterrupted run reaches)
RUNS = {f"healthy-{i}": ([HEALTHY] * COUNT, "Successful") for i in range(3)} | {
    f"slow-{i}": ([HEALTHY] * 5 + [SLOW, SLOW, HEALTHY], "Failed") for i in range(2)
}


def spec(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metrics": [
            {
                "name": "latency",
                "interval": "1s",
                "count": COUNT,
                "failureLimit": 1,
                "successCondition": "result.p99 < 300",
                "provider": {"replay": {"results": results}},
            }
        ]
    }


@pytest.fixture
def own_postgres() -> Iterator[Postgres]:
    with postgres_server() as server:
        yield server


def status_code(url: str) -> int:
    try:
        return httpx.get(url, timeout=8).status_code
    except httpx.TimeoutException:
        return 0  # no answer in time counts as not ready, and fails a liveness check


def test_postgres_down_and_back_mid_run(own_postgres: Postgres, tmp_path: Path) -> None:
    with augur_server(store_url=own_postgres.url(), log=tmp_path / "augur.log") as served:
        base = served.base_url
        wait_ready(base)
        for name, (results, _) in RUNS.items():
            reply = httpx.post(
                f"{base}/api/v1/namespaces/{NAMESPACE}/analysisruns",
                json={"name": name, "spec": spec(results)},
                timeout=10,
            )
            assert reply.status_code == 201, reply.text
        # Mid-run: every run has measurements, none is finished.
        wait_for(
            lambda: {name: len(stored_measurements(base, NAMESPACE, name)) for name in RUNS},
            lambda counts: all(count >= 2 for count in counts.values()),
            timeout=20,
            interval=0.1,
            describe=lambda counts: f"measurements stored per run: {counts}",
        )

        stop_postgres(own_postgres)
        down_at = time.monotonic()
        ready, live, reads = set(), set(), set()
        while time.monotonic() - down_at < OUTAGE_SECONDS:
            ready.add(status_code(f"{base}/readyz"))
            live.add(status_code(f"{base}/healthz"))
            read = httpx.get(f"{base}/api/v1/namespaces/{NAMESPACE}/analysisruns/healthy-0")
            reads.add((read.status_code, read.headers["content-type"], read.json()["detail"]))
            time.sleep(0.3)
        assert ready == {503}
        assert live == {200}
        # API reads fail fast with a 503 problem, not a 500 from an unhandled driver error.
        assert reads == {(503, "application/problem+json", STORE_UNREACHABLE)}
        assert served.proc.poll() is None
        start_postgres(own_postgres)

        wait_for(
            lambda: status_code(f"{base}/readyz"),
            lambda code: code == 200,
            timeout=30,
            describe=lambda code: f"not ready again after the database came back (/readyz {code})",
        )
        runs = {name: wait_run(base, name, namespace=NAMESPACE, timeout=60) for name in RUNS}
        assert {name: phase_of(run) for name, run in runs.items()} == {
            name: verdict for name, (_, verdict) in RUNS.items()
        }
        for name, (results, _) in RUNS.items():
            run = run_of(base, NAMESPACE, name)
            stored = stored_measurements(base, NAMESPACE, name)
            assert_complete_and_unique(run, stored)
            expected = ["Successful" if r is HEALTHY else "Failed" for r in results]
            assert [m["phase"] for m in stored] == expected[: len(stored)], name
            metric = run["status"]["metricResults"][0]
            assert metric["error"] == 0, metric  # the outage is not the provider's fault
        assert served.proc.poll() is None
    # Each 503 is logged with the types behind it (not the driver's text, which can hold the URL).
    outage = [line for line in served.logs().splitlines() if "answered 503" in line]
    assert outage, served.logs()[-2000:]
    assert all(f"{STORE_UNREACHABLE}: " in line for line in outage), outage[:3]


class DropsOneWrite:
    """The scheduler's store, except that the first write carrying measurements fails as a
    connection dropped mid-write does; the write after it (and every later one) goes through."""

    def __init__(self, inner: SqlStore) -> None:
        self.inner = inner
        self.dropped = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def record(self, run_id: str, **kw: Any) -> None:
        if kw.get("new") and not self.dropped:
            self.dropped += 1
            raise StoreUnavailable(STORE_UNREACHABLE)
        await self.inner.record(run_id, **kw)

    async def record_many(self, batch: Sequence[PassWrite]) -> list[Exception | None]:
        """The scheduler's group commit: the whole group fails, as one transaction does."""
        if any(item.new for item in batch) and not self.dropped:
            self.dropped += 1
            raise StoreUnavailable(STORE_UNREACHABLE)
        return await self.inner.record_many(batch)


async def test_a_write_that_fails_once_loses_no_measurement(tmp_path: Path) -> None:
    """A pass whose write fails is measured again from what the store holds: its measurement is
    neither counted without being stored, nor stored twice."""
    app = create_app(Settings(store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"))
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(app.state.schema.ready.wait(), timeout=20)
        flaky = DropsOneWrite(app.state.scheduler.store)
        app.state.scheduler.store = flaky
        results = [HEALTHY] * 3
        spec_ = spec(results)
        spec_["metrics"][0]["count"] = 3
        await app.state.runs.create_run(NAMESPACE, {"name": "flaky", "spec": spec_})
        run = await wait_run_model(lambda: app.state.runs.get_run(NAMESPACE, "flaky"), timeout=40)
        stored = await app.state.runs.measurements(
            NAMESPACE, "flaky", metric=None, after_seq=0, limit=100
        )
    assert flaky.dropped == 1
    assert run.status.phase.value == "Successful"
    metric = run.status.metric_results[0]
    assert [m.seq for m in stored] == list(range(1, metric.count + metric.error + 1))
    assert metric.count == 3
