"""Argo's own example templates (examples/argo-docs/, copied from Argo's docs unchanged) run
against the provider fakes, with the credentials where Argo's docs put them: a passing answer
makes the phase Argo's tests expect of it, a failing one the other.

Each runs as ``augur run`` runs it (the engine's ``Runner``, a virtual clock), over a client
that reaches the names the templates and Secrets use (``api.newrelic.com``,
``example.wavefront.com``) on loopback, trusting the fakes' test CA.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from app.engine.runner import Runner, VirtualClock, provider_cache
from app.service.submit import build_run, check_run, read_documents
from app.spec.models import AnalysisRun, Argument
from app.spec.status import Phase
from providers import registry
from providers.base import Provider
from tests.deploy.examples import ARGO_DOC_ARGS, ARGO_DOCS
from tests.fakes.influxdb import FakeInflux, csv_reply
from tests.fakes.newrelic import FakeNerdGraph, results_reply
from tests.fakes.upstream import FakeUpstream, Reply
from tests.fakes.wavefront import FakeWavefront, chart_reply
from tests.providers.token_runs import START, credentials_in, write_secret
from tests.support.routed import routed_client
from tests.support.tls import self_signed

NR_KEY, INFLUX_TOKEN, WF_TOKEN = "NRAK-docs-example", "influx-docs-example", "wf-docs-example"
WAVEFRONT, NERDGRAPH = "example.wavefront.com", "api.newrelic.com"
CSV = (
    "#datatype,string,long,double\n#group,false,false,false\n#default,_result,,\n"
    ",result,table,_value\n,,0,{}\n"
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"), NERDGRAPH, WAVEFRONT)


@pytest.fixture(scope="module")
def fakes(certificate: tuple[Path, Path]) -> Iterator[dict[str, FakeUpstream]]:
    with (
        FakeNerdGraph({NR_KEY: {4711}}, tls=certificate) as nerdgraph,
        FakeInflux({"platform": {INFLUX_TOKEN}}) as influx,
        FakeWavefront({WF_TOKEN}, tls=certificate) as wavefront,
    ):
        yield {"newrelic.yaml": nerdgraph, "influxdb.yaml": influx, "wavefront.yaml": wavefront}


@pytest.fixture
async def http(
    fakes: dict[str, FakeUpstream], certificate: tuple[Path, Path]
) -> AsyncIterator[httpx.AsyncClient]:
    routes = {
        NERDGRAPH: fakes["newrelic.yaml"].port,
        WAVEFRONT: fakes["wavefront.yaml"].port,
        "influxdb.monitoring": fakes["influxdb.yaml"].port,
    }
    async with routed_client(routes, ca=certificate[0]) as client:
        yield client


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    """The Secrets as Argo's docs write them, in augur's namespace."""
    write_secret(tmp_path, "my-newrelic-secret", {"personal-api-key": NR_KEY, "account-id": "4711"})
    write_secret(
        tmp_path,
        "my-influxdb-secret",
        {
            "address": "http://influxdb.monitoring:8086",
            "authToken": INFLUX_TOKEN,
            "org": "platform",
        },
    )
    write_secret(tmp_path, "wavefront-api-tokens", {WAVEFRONT: WF_TOKEN})
    return tmp_path


def example_run(name: str) -> AnalysisRun:
    text = (ARGO_DOCS / name).read_text()
    args = [Argument(name=k, value=v) for k, v in ARGO_DOC_ARGS[name].items()]
    run = build_run(read_documents([(name, text)]), args=args, namespace="shop")
    check_run(run)
    return run


@pytest.mark.parametrize(
    ("name", "reply", "phase", "value"),
    [
        pytest.param(
            "newrelic.yaml",
            results_reply([{"successRate": 0.99}]),
            Phase.SUCCESSFUL,
            '{"successRate":0.99}',
            id="newrelic-passing",
        ),
        pytest.param(
            "newrelic.yaml",
            results_reply([{"successRate": 0.5}]),
            Phase.FAILED,
            '{"successRate":0.5}',
            id="newrelic-failing",
        ),
        pytest.param(
            "influxdb.yaml",
            csv_reply(CSV.format("0.005")),
            Phase.SUCCESSFUL,
            "[0.005]",
            id="influxdb-passing",
        ),
        pytest.param(
            "influxdb.yaml",
            csv_reply(CSV.format("0.2")),
            Phase.FAILED,
            "[0.2]",
            id="influxdb-failing",
        ),
    ],
)
async def test_a_measured_once_example_ends_as_argo_would(
    fakes: dict[str, FakeUpstream],
    http: httpx.AsyncClient,
    secrets: Path,
    name: str,
    reply: Reply,
    phase: Phase,
    value: str,
) -> None:
    fake = fakes[name]
    fake.script(reply)

    def build(block: object) -> Provider:
        return registry.build(block, http=http)  # type: ignore[arg-type]

    source, _ = provider_cache(build)
    runner = Runner(
        clock=VirtualClock(START), providers=source, credentials=credentials_in(secrets)
    )
    done = await runner.run(example_run(name))
    assert done.status is not None
    assert done.status.phase is phase
    (measurement,) = done.status.metric_results[0].measurements
    assert (measurement.phase, measurement.value) == (phase, value)
    assert "checkout" in fake.requests[0].body.decode()  # the arg reached the query


@pytest.mark.parametrize(
    ("series", "phase", "measured"),
    [
        pytest.param([[[0, 0.99]]], Phase.RUNNING, 4, id="passing-keeps-measuring"),
        pytest.param([[[0, 0.5]]], Phase.FAILED, 4, id="failing-past-the-limit"),
    ],
)
async def test_the_wavefront_example_measures_every_five_minutes(
    fakes: dict[str, FakeUpstream],
    http: httpx.AsyncClient,
    secrets: Path,
    series: list[list[list[float]]],
    phase: Phase,
    measured: int,
) -> None:
    """No count: it measures until failureLimit (3) is passed, every 5m of the clock."""
    fake = fakes["wavefront.yaml"]
    fake.script(chart_reply(series))

    def build(block: object) -> Provider:
        return registry.build(block, http=http)  # type: ignore[arg-type]

    source, _ = provider_cache(build)
    clock = VirtualClock(START)
    runner = Runner(clock=clock, providers=source, credentials=credentials_in(secrets))
    run = example_run("wavefront.yaml")
    for _ in range(4):
        run, result = await runner.reconcile(run)
        assert result is not None
        if result.next_at is None:
            break
        await clock.sleep_until(result.next_at)
    assert run.status is not None
    assert run.status.phase is phase
    assert len(run.status.metric_results[0].measurements) == measured
    starts = [int(parse_qs(r.query)["s"][0]) for r in fake.requests]
    assert [b - a for a, b in pairwise(starts)] == [300_000] * (measured - 1)
    assert "checkout" in parse_qs(fake.requests[0].query)["q"][0]
