"""augur's `kayenta` provider driving augur's own Kayenta API: two real `augur serve`s.

One serves Kayenta's API over the fake OAP's baseline and canary series (the canary config is
stored there); the other runs an AnalysisRun whose metric is Argo's `provider.kayenta`,
pointed at the first. The run's measurement starts a canary execution, stays Running with the
execution id, is polled until the first augur has judged it, and ends in the phase the score
and the thresholds give. `AUGUR_KAYENTA_POLL_SECONDS` shortens Argo's 15 s between polls.
Then the runner is killed with SIGKILL while its measurement is in flight: after the restart
the same execution is polled to its verdict, not started again and not lost.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.fake_oap import FakeOAP
from tests.service.test_kayenta_argo import argo_metric, put_config
from tests.support.canary import canary_config, seed
from tests.support.servers import Served, augur_server
from tests.support.waiting import phase_of, run_path, wait_for

COMPLETED = {"Successful", "Failed", "Inconclusive", "Error"}


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The augur that runs the AnalysisRuns, polling Kayenta every 0.2 s."""
    folder = tmp_path_factory.mktemp("runner")
    store = f"sqlite+aiosqlite:///{folder / 'runner.db'}"
    env = {"AUGUR_KAYENTA_POLL_SECONDS": "0.2"}
    with augur_server(store_url=store, log=folder / "runner.log", env=env, ready=True) as served:
        yield served


def kayenta_spec(kayenta: str, namespace: str, *, marginal: int = 40) -> dict[str, Any]:
    return {
        "metrics": [
            {
                "name": "canary-judgement",
                "interval": "30m",
                "count": 1,
                "provider": {"kayenta": argo_metric(kayenta, namespace, marginal=marginal)},
            }
        ]
    }


def start_run(served: Served, namespace: str, name: str, spec: dict[str, Any]) -> None:
    reply = httpx.post(
        f"{served.base_url}/api/v1/namespaces/{namespace}/analysisruns",
        json={"name": name, "spec": spec},
        timeout=10,
    )
    assert reply.status_code == 201, reply.text


def read_run(served: Served, namespace: str, name: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(
        served.base_url + run_path(namespace, name), timeout=10
    ).json()
    return answer


def until_done(served: Served, namespace: str, name: str) -> dict[str, Any]:
    return wait_for(
        lambda: read_run(served, namespace, name),
        lambda run: phase_of(run) in COMPLETED,
        timeout=90,
        describe=lambda run: f"run: {run.get('status')}",
    )


def measurement(run: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = run["status"]["metricResults"][0]["measurements"][-1]
    return found


def executions(kayenta: Served, namespace: str) -> list[str]:
    reply = httpx.get(f"{kayenta.base_url}/api/v1/namespaces/{namespace}/judgements", timeout=10)
    assert reply.status_code == 200, reply.text
    return [item["id"] for item in reply.json()["items"]]


@pytest.mark.parametrize(
    ("degraded", "phase", "value"),
    [((), "Successful", "100"), (("service_apdex", "service_resp_time"), "Failed", "0")],
    ids=["healthy", "degraded"],
)
def test_one_augur_judges_the_canary_the_other_runs(
    augur: Served,
    runner: Served,
    fake_oap: FakeOAP,
    degraded: tuple[str, ...],
    phase: str,
    value: str,
) -> None:
    namespace = f"kc-{phase.lower()}"
    seed(fake_oap, degraded=degraded)
    put_config(augur, namespace, "reviews", canary_config(fake_oap.url))
    start_run(runner, namespace, "canary", kayenta_spec(augur.base_url, namespace))
    run = until_done(runner, namespace, "canary")
    assert phase_of(run) == phase
    got = measurement(run)
    assert (got["phase"], got["value"]) == (phase, value)
    execution = got["metadata"]["canaryExecutionId"]
    assert executions(augur, namespace) == [execution]
    verdict = httpx.get(f"{augur.base_url}/canary/{execution}", timeout=10).json()
    assert verdict["complete"] is True
    assert verdict["result"]["judgeResult"]["score"]["score"] == float(value)


def test_a_measurement_in_flight_survives_sigkill(
    augur: Served, fake_oap: FakeOAP, tmp_path: Path
) -> None:
    namespace = "kc-restart"
    seed(fake_oap)
    put_config(augur, namespace, "reviews", canary_config(fake_oap.url))
    store = f"sqlite+aiosqlite:///{tmp_path / 'runner.db'}"
    slow = {"AUGUR_KAYENTA_POLL_SECONDS": "10"}  # the first poll would come after the kill
    with augur_server(store_url=store, log=tmp_path / "first.log", env=slow, ready=True) as first:
        start_run(first, namespace, "canary", kayenta_spec(augur.base_url, namespace))
        running = wait_for(
            lambda: read_run(first, namespace, "canary"),
            lambda run: bool(run.get("status", {}).get("metricResults")),
            timeout=30,
            describe=lambda run: f"run: {run.get('status')}",
        )
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
    in_flight = measurement(running)
    assert in_flight["phase"] == "Running"
    assert "finishedAt" not in in_flight
    assert set(in_flight) >= {"startedAt", "resumeAt", "metadata"}
    execution = in_flight["metadata"]["canaryExecutionId"]
    # The restarted augur polls at the stored resumeAt: shorten nothing but the next polls.
    fast = {"AUGUR_KAYENTA_POLL_SECONDS": "0.2"}
    with augur_server(store_url=store, log=tmp_path / "second.log", env=fast, ready=True) as again:
        run = until_done(again, namespace, "canary")
    assert phase_of(run) == "Successful"
    done = measurement(run)
    assert (done["phase"], done["value"]) == ("Successful", "100")
    assert done["metadata"] == {"canaryExecutionId": execution}
    assert done["startedAt"] == in_flight["startedAt"]
    assert run["status"]["metricResults"][0]["count"] == 1
    assert executions(augur, namespace) == [execution]  # resumed, never started again
