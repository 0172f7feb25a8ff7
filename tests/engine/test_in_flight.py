"""A provider that answers later (Argo's Running + resumeAt): the loop keeps the measurement in
flight, comes back at `resumeAt` and finishes it, or leaves it as Argo does on a terminate.

The provider is the real `kayenta` one against the fake Kayenta (tests/fakes/kayenta.py); the
loop is the one `augur run` drives, on a virtual clock, so the 15 s polls cost nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import yaml

from app.cli.local import run_locally
from app.engine.runner import Runner, VirtualClock, provider_cache
from app.service.checks import run_check
from app.service.submit import build_run, check_run, read_documents
from app.spec.models import AnalysisRun
from app.spec.status import AnalysisRunStatus, Measurement, Phase
from providers import registry
from tests.fakes.kayenta import Exchange, FakeKayenta, fake_kayenta

START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CONFIGS = json.dumps([{"id": "cfg-1", "name": "reviews", "applications": ["bookinfo"]}])
QUERY = (
    "application=bookinfo&metricsAccountName=skywalking&configurationAccountName=default"
    "&storageAccountName=default"
)
LOOKUP = Exchange(
    "GET", "/canaryConfig?application=bookinfo&configurationAccountName=default", 200, CONFIGS
)
START_JOB = Exchange("POST", f"/canary/cfg-1?{QUERY}", 200, '{"canaryExecutionId": "ex-1"}')
RUNNING = Exchange("GET", "/canary/ex-1", 200, '{"complete": false}')


def scored(score: float) -> Exchange:
    body = {"complete": True, "result": {"judgeResult": {"score": {"score": score}}}}
    return Exchange("GET", "/canary/ex-1", 200, json.dumps(body))


@pytest.fixture(scope="module")
def kayenta_server() -> Iterator[FakeKayenta]:
    with fake_kayenta() as fake:
        yield fake


def kayenta_run(address: str, **metric: Any) -> AnalysisRun:
    side = {"region": "", "step": 60}
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "canary"},
        "spec": {
            "metrics": [
                {
                    "name": "judgement",
                    "interval": "5m",
                    "count": 1,
                    "successCondition": "false",  # ignored: the thresholds decide
                    **metric,
                    "provider": {
                        "kayenta": {
                            "address": address,
                            "application": "bookinfo",
                            "canaryConfigName": "reviews",
                            "metricsAccountName": "skywalking",
                            "configurationAccountName": "default",
                            "storageAccountName": "default",
                            "threshold": {"pass": 90, "marginal": 75},
                            "scopes": [
                                {
                                    "name": "default",
                                    "controlScope": {**side, "scope": "stable"},
                                    "experimentScope": {**side, "scope": "canary"},
                                }
                            ],
                        }
                    },
                }
            ]
        },
    }
    run = build_run(read_documents([("t", yaml.safe_dump(template))]))
    check_run(run)
    return run


def last(status: AnalysisRunStatus | None) -> Measurement:
    assert status is not None
    measurement = status.metric_results[0].last_measurement
    assert measurement is not None
    return measurement


@pytest.mark.parametrize(
    ("score", "phase", "value"),
    [(95.7, Phase.SUCCESSFUL, "95"), (80, Phase.INCONCLUSIVE, "80"), (10, Phase.FAILED, "10")],
    ids=["pass", "marginal", "fail"],
)
async def test_the_measurement_stays_in_flight_until_kayenta_has_scored(
    kayenta_server: FakeKayenta, score: float, phase: Phase, value: str
) -> None:
    kayenta_server.play(LOOKUP, START_JOB, RUNNING, scored(score))
    seen: list[AnalysisRunStatus] = []

    async def keep(run: AnalysisRun, _: object) -> None:
        assert run.status is not None
        seen.append(run.status)

    done = await run_locally(
        kayenta_run(kayenta_server.base_url), virtual_time=True, start=START, on_status=keep
    )
    assert kayenta_server.problems == []
    assert kayenta_server.script == []
    in_flight = last(seen[0])
    assert (in_flight.phase, in_flight.finished_at) == (Phase.RUNNING, None)
    assert in_flight.metadata == {"canaryExecutionId": "ex-1"}
    assert in_flight.resume_at == in_flight.started_at + timedelta(seconds=15)
    assert seen[0].metric_results[0].count == 0
    assert done.status is not None
    assert done.status.phase is phase
    final = last(done.status)
    assert (final.phase, final.value, final.message) == (phase, value, "")
    assert final.metadata == {"canaryExecutionId": "ex-1"}
    assert final.started_at == in_flight.started_at
    assert final.finished_at is not None
    assert final.finished_at - final.started_at >= timedelta(seconds=30)


async def test_an_error_while_polling_keeps_the_execution_id(
    kayenta_server: FakeKayenta,
) -> None:
    kayenta_server.play(LOOKUP, START_JOB, Exchange("GET", "/canary/ex-1", 500, ""))
    done = await run_locally(
        kayenta_run(kayenta_server.base_url, consecutiveErrorLimit=0),
        virtual_time=True,
        start=START,
    )
    final = last(done.status)
    assert (final.phase, final.message) == (Phase.ERROR, "Invalid Response")
    assert final.metadata == {"canaryExecutionId": "ex-1"}
    assert done.status is not None
    assert done.status.phase is Phase.ERROR


async def test_terminating_leaves_the_in_flight_measurement_as_argo_does(
    kayenta_server: FakeKayenta,
) -> None:
    kayenta_server.play(LOOKUP, START_JOB)
    async with httpx.AsyncClient() as http:
        source, _ = provider_cache(lambda block: registry.build(block, http=http))
        runner = Runner(clock=VirtualClock(START), providers=source)
        run, _ = await runner.reconcile(kayenta_run(kayenta_server.base_url))
        in_flight = last(run.status)
        assert in_flight.phase is Phase.RUNNING
        stop = run.model_copy(update={"spec": run.spec.model_copy(update={"terminate": True})})
        run, _ = await runner.reconcile(stop)
    assert kayenta_server.script == []  # Kayenta's execution is not asked about, nor cancelled
    assert run.status is not None
    assert (run.status.phase, run.status.message) == (Phase.SUCCESSFUL, "Run Terminated")
    assert last(run.status) == in_flight


async def test_a_one_off_check_says_it_cannot_wait_for_a_verdict(
    kayenta_server: FakeKayenta,
) -> None:
    kayenta_server.play(LOOKUP, START_JOB)
    metric = kayenta_run(kayenta_server.base_url).spec.metrics[0]
    block = metric.provider.model_dump(by_alias=True, exclude_none=True)
    window = {"start": "2026-11-29T11:00:00Z", "end": "2026-11-29T12:00:00Z"}
    for side in ("controlScope", "experimentScope"):  # a check has no metric interval
        block["kayenta"]["scopes"][0][side].update(window)
    async with httpx.AsyncClient() as http:
        outcome = await run_check(block, condition="", http=http, now=START)
    assert outcome.error == (
        "provider 'kayenta' answers later, when its upstream has finished: a check measures "
        "once, so run it in an AnalysisRun (augur run)"
    )
    assert outcome.phase is None
