"""The server's scheduler, in process: runs are leased, measured, stored and finished."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.settings import Settings
from app.main import create_app
from app.service.scheduler import _upstream
from app.service.scheduler_writes import new_measurements
from app.spec.status import AnalysisRunStatus, Measurement, MetricResult, Phase
from tests.support.waiting import wait_for_async, wait_run_model


def apdex(value: float) -> dict[str, Any]:
    return {"value": {"service_apdex": {"values": {"values": [{"value": value}]}}}}


def inline(
    results: list[dict[str, Any]], *, count: int = 3, interval: str = "1s"
) -> dict[str, Any]:
    return {
        "spec": {
            "metrics": [
                {
                    "name": "apdex",
                    "interval": interval,
                    "count": count,
                    "failureLimit": 1,
                    "successCondition": (
                        "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
                    ),
                    "provider": {"replay": {"results": results}},
                }
            ]
        }
    }


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(Settings(store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"))
    async with application.router.lifespan_context(application):
        await asyncio.wait_for(application.state.schema.ready.wait(), timeout=20)
        yield application


async def finished(app: FastAPI, name: str, *, timeout: float = 30) -> Any:
    return await wait_run_model(lambda: app.state.runs.get_run("bookinfo", name), timeout=timeout)


@pytest.mark.parametrize(
    ("results", "phase", "phases"),
    [
        pytest.param([apdex(9950)] * 3, Phase.SUCCESSFUL, ["Successful"] * 3, id="healthy"),
        pytest.param(
            [apdex(9950), apdex(9000), apdex(9000)],
            Phase.FAILED,
            ["Successful", "Failed", "Failed"],
            id="failing",
        ),
        pytest.param(
            [apdex(9950), {"error": "upstream 503"}, apdex(9950), apdex(9950)],
            Phase.SUCCESSFUL,
            ["Successful", "Error", "Successful", "Successful"],
            id="error-retried",
        ),
    ],
)
async def test_runs_are_measured_to_the_end_and_every_measurement_is_stored(
    app: FastAPI, results: list[dict[str, Any]], phase: Phase, phases: list[str]
) -> None:
    _, created = await app.state.runs.create_run("bookinfo", {**inline(results), "name": "apdex-1"})
    assert created
    done = await finished(app, "apdex-1")
    assert done.status.phase is phase
    stored = await app.state.runs.measurements(
        "bookinfo", "apdex-1", metric=None, after_seq=0, limit=100
    )
    assert [m.phase for m in stored] == phases
    assert [m.seq for m in stored] == list(range(1, len(phases) + 1))
    assert done.status.completed_at is not None


async def test_terminate_ends_a_running_analysis(app: FastAPI) -> None:
    await app.state.runs.create_run(
        "bookinfo", {**inline([apdex(9950)] * 50, count=50, interval="1h"), "name": "long"}
    )
    await wait_for_async(
        lambda: app.state.runs.measurements("bookinfo", "long", metric=None, after_seq=0, limit=1),
        bool,
        timeout=20,
        describe=lambda _: "run bookinfo/long has no measurement yet",
    )
    await app.state.runs.terminate("bookinfo", "long")
    done = await finished(app, "long")
    assert done.status.phase is Phase.SUCCESSFUL
    assert done.spec.terminate is True


async def test_metrics_show_runs_measurements_and_latency(app: FastAPI) -> None:
    await app.state.runs.create_run("bookinfo", {**inline([apdex(9950)] * 3), "name": "m"})
    await finished(app, "m")
    app.state.scheduler.wake()
    await asyncio.sleep(0.3)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        text = (await client.get("/metrics")).text
    assert 'augur_measurements_total{phase="Successful",provider="replay"} 3.0' in text
    assert 'augur_runs{phase="Successful"} 1.0' in text
    assert 'augur_measurement_latency_seconds_count{provider="replay"} 3.0' in text


def test_new_measurements_are_numbered_by_position_even_after_trimming() -> None:
    def status(count: int, error: int, kept: int) -> AnalysisRunStatus:
        measurements = [Measurement(phase=Phase.SUCCESSFUL, value=str(i)) for i in range(kept)]
        result = MetricResult(
            name="m", phase=Phase.RUNNING, measurements=measurements, count=count, error=error
        )
        return AnalysisRunStatus(phase=Phase.RUNNING, metric_results=[result])

    before, after = status(11, 1, 10), status(12, 1, 10)
    fresh = new_measurements(before, after)
    assert [(m.seq, m.value) for m in fresh] == [(13, "9")]
    assert new_measurements(after, after) == []


async def test_a_pass_that_moves_the_status_keeps_its_lease_for_the_next(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    await app.state.runs.create_run(
        "bookinfo", {**inline([apdex(9000)] * 3, count=3), "name": "fails-fast"}
    )
    done = await finished(app, "fails-fast")
    assert done.status.phase is Phase.FAILED
    assert "no longer held" not in caplog.text


@pytest.mark.parametrize(
    ("address", "upstream"),
    [
        pytest.param("http://web.shop/health?x=1", "web.shop:80", id="url-with-query"),
        pytest.param("http://web.shop/other", "web.shop:80", id="same-host-other-path"),
        pytest.param("https://oap:12800", "oap:12800", id="port"),
        pytest.param("https://oap", "oap:443", id="https-default"),
    ],
)
def test_the_per_address_limit_is_per_upstream_host_and_port(address: str, upstream: str) -> None:
    assert _upstream(address) == upstream
