"""provider.graphite against a real Graphite: Debian's graphite-web and carbon-cache.

Argo's example template (examples/graphite-success-rate.yaml) is measured as a run measures it:
its args resolved, its provider block built by the registry, one measurement judged by the
template's own condition. Points go in through carbon's plaintext port, as an application's
statsd would send them, and are read back through the render API. Each test writes under a
service name of its own, so the shared server needs no reset.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.spec.status import Measurement
from providers import registry
from providers.base import MeasureContext
from providers.errors import NoDataError
from tests.deploy.examples import resolve, templates
from tests.providers.judging import judged
from tests.support.graphite import Graphite

SERIES = (
    "stats.timers.httpServerRequests.app.{service}.exception.None.method.GET.outcome.{outcome}"
    ".status.{status}.uri.root.count"
)


def requests(service: str, ok: int, failed: int, *, at: int) -> list[tuple[str, float, int]]:
    """One point each of successful and failed requests of `service`, at `at`."""
    return [
        (SERIES.format(service=service, outcome="SUCCESS", status=200), ok, at),
        (SERIES.format(service=service, outcome="SERVER_ERROR", status=500), failed, at),
    ]


def example(service: str, address: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The example's metric with its arg resolved, and its provider block at `address`."""
    template = templates()["graphite-success-rate"]
    (metric,) = template["spec"]["metrics"]
    block = {"graphite": dict(metric["provider"]["graphite"], address=address)}
    block["graphite"]["query"] = resolve(block["graphite"]["query"], {"service-name": service})
    return metric, block


async def measure_example(graphite: Graphite, service: str, http: httpx.AsyncClient) -> Measurement:
    metric, block = example(service, graphite.base_url)
    provider = registry.build(block, http=http)
    now = datetime.now(UTC)
    measured = await provider.measure(MeasureContext(now=now, metric_name=metric["name"]))
    return judged(measured, metric["successCondition"], metric.get("failureCondition", ""), now=now)


@pytest.mark.parametrize(
    ("service", "ok", "failed", "phase", "value"),
    [
        pytest.param("healthy", 97, 3, "Successful", "[97.000000]", id="97%-successful"),
        pytest.param("degraded", 60, 40, "Failed", "[60.000000]", id="60%-failed"),
    ],
)
async def test_the_example_template_judges_the_canary(
    graphite: Graphite,
    http: httpx.AsyncClient,
    service: str,
    ok: int,
    failed: int,
    phase: str,
    value: str,
) -> None:
    graphite.feed(requests(service, ok, failed, at=int(time.time()) - 5))
    measurement = await measure_example(graphite, service, http)
    assert (measurement.phase, measurement.value) == (phase, value)


async def test_a_service_without_data_is_no_values_found(
    graphite: Graphite, http: httpx.AsyncClient
) -> None:
    _, block = example("never-deployed", graphite.base_url)
    provider = registry.build(block, http=http)
    with pytest.raises(NoDataError, match="^no values found$"):
        await provider.measure(MeasureContext(now=datetime.now(UTC), metric_name="m"))


async def test_nulls_are_dropped_and_values_come_oldest_first(
    graphite: Graphite, http: httpx.AsyncClient
) -> None:
    now = int(time.time())
    graphite.feed([("augur.nulls.a", 1.25, now - 8), ("augur.nulls.a", 2.5, now - 4)])
    provider = registry.build(
        {"graphite": {"address": graphite.base_url, "query": "target=augur.nulls.a&from=-30s"}},
        http=http,
    )
    measured = await provider.measure(MeasureContext(now=datetime.now(UTC), metric_name="m"))
    assert (measured.result, measured.value) == ([1.25, 2.5], "[1.250000,2.500000]")
    assert measured.point_times[()] == [
        datetime.fromtimestamp(now - 8, UTC),
        datetime.fromtimestamp(now - 4, UTC),
    ]


async def test_argo_s_documented_condition_can_only_error(
    graphite: Graphite, http: httpx.AsyncClient
) -> None:
    """Argo's docs write `results[0]`: an unknown name, so every measurement is an Error."""
    graphite.feed(requests("documented", 99, 1, at=int(time.time()) - 5))
    _, block = example("documented", graphite.base_url)
    measured = await registry.build(block, http=http).measure(
        MeasureContext(now=datetime.now(UTC), metric_name="m")
    )
    now = datetime.now(UTC)
    measurement = judged(measured, "results[0] >= 90.000000", "", now=now)
    assert (measurement.phase, measurement.value) == ("Error", "[99.000000]")
    assert measurement.message.startswith(
        'could not evaluate successCondition "results[0] >= 90.000000": unknown name results'
    )


def test_augur_check_graphite_reads_the_real_server(graphite: Graphite) -> None:
    at = int(time.time()) - 5
    graphite.feed([("augur.check.latency", 120.0, at)])
    result = CliRunner().invoke(
        cli,
        [
            "check", "graphite", "--address", graphite.base_url,
            "--query", "target=augur.check.latency", "--interval", "1m",
            "--condition", "result[0] < 200", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"value": "[120.000000]"' in result.output
    assert '"phase": "Successful"' in result.output
