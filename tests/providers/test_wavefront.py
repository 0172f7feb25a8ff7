"""Wavefront: Argo's vectors (``wavefront_test.go``) run as a run runs them against a chart API
that checks each request (tests/fakes/wavefront.py), reached as ``https://example.wavefront.com``
over TLS with a test CA (Argo only speaks https), then the request's parameters, errors and
what is kept.

Not run, because nothing on the wire or in a run shows them: ``Type()`` and ``Resume``/
``Terminate``/``GarbageCollect`` (augur's providers answer in one call). The mocked ``Execute``
error ``bad big bug :(`` cannot come from a server; what a server can send instead, a non-200,
is shown to be the measurement's message as go-wavefront words it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from providers.base import MeasureContext
from providers.errors import ConfigError, ProviderError
from providers.wavefront import WavefrontProvider, chart_url
from tests.fakes.upstream import Reply
from tests.fakes.wavefront import FakeWavefront, chart_reply
from tests.providers.token_runs import (
    START,
    assert_message,
    credentials_in,
    run_metric,
    vectors,
    write_secret,
)
from tests.support.routed import routed_client
from tests.support.tls import self_signed

ADDRESS = "example.wavefront.com"
TOKEN = "123456789"  # the vectors' token for example.wavefront.com
TOKENS = "wavefront-api-tokens"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"), ADDRESS)


@pytest.fixture(scope="module")
def server(certificate: tuple[Path, Path]) -> Iterator[FakeWavefront]:
    with FakeWavefront({TOKEN}, tls=certificate) as fake:
        yield fake


@pytest.fixture
def wavefront(server: FakeWavefront) -> FakeWavefront:
    server.script(chart_reply([[[0, 1.0]]]))
    return server


@pytest.fixture
async def http(
    server: FakeWavefront, certificate: tuple[Path, Path]
) -> AsyncIterator[httpx.AsyncClient]:
    async with routed_client({ADDRESS: server.port}, ca=certificate[0]) as client:
        yield client


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    write_secret(tmp_path, TOKENS, {ADDRESS: TOKEN})
    return tmp_path


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.mark.parametrize("case", vectors("wavefront", "mock_api"))
async def test_argo_run_vectors(
    case: dict[str, Any], wavefront: FakeWavefront, http: httpx.AsyncClient, secrets: Path
) -> None:
    response = case["response"]
    if response is None:  # the mocked Execute error: a non-200 is what a server can send
        wavefront.script(Reply(status=500, body="bad big bug :(", content_type="text/plain"))
    else:
        wavefront.script(Reply(status=response["status"], body=response["body"]))
    started = int(START.timestamp())
    outcome = await run_metric(
        {"wavefront": {"address": ADDRESS, **case["provider_config"]}},
        http=http,
        credentials=credentials_in(secrets),
        success=case["condition"]["success"],
        failure=case["condition"]["failure"],
    )
    measurement, expected = outcome.measurement, dict(case["expected"])
    if response is None:
        expected["message"] = "server returned 500 Internal Server Error\nbad big bug :(\n"
    assert (measurement.phase.value, measurement.value) == (expected["phase"], expected["value"])
    assert_message(measurement, expected)
    metadata = dict(expected.get("metadata") or {})
    if "drift" in metadata:
        metadata["drift"] = str(12000 - started)
    assert (measurement.metadata or {}) == metadata
    request = wavefront.requests[0]
    assert request.headers["host"] == ADDRESS
    if case["request_expect"]:
        expect = case["request_expect"]
        sent = {key: values[0] for key, values in parse_qs(request.query).items()}
        params = dict(expect["query_params"], s=str(started * 1000), e=str(started * 1000))
        assert (request.method, request.path, sent) == ("GET", "/api/v2/chart/api", params)
        headers = dict(expect["headers"], Authorization=f"Bearer {TOKEN}")
        assert {name: request.headers[name.lower()] for name in headers} == headers


@pytest.mark.parametrize("case", vectors("wavefront", "unit"))
async def test_argo_point_vectors(
    case: dict[str, Any], wavefront: FakeWavefront, http: httpx.AsyncClient, secrets: Path
) -> None:
    """``processResponse`` and ``findDataPointValue``, through the wire: the series are the
    answer, the measurement time the run's clock."""
    given, expected = case["input"], case["expected"]
    if "timeseries" in given:
        series = [s["data"] for s in given["timeseries"]]
        now, condition = 12000, case["condition"]
    else:
        series, now = [given["datapoints"]], given["measurement_time_unix"]
        condition = {"success": "", "failure": ""}
    wavefront.script(chart_reply(series))
    outcome = await run_metric(
        {"wavefront": {"address": ADDRESS, "query": "ts(cpu)"}},
        http=http,
        credentials=credentials_in(secrets),
        success=condition["success"],
        failure=condition["failure"],
        now=at(now),
    )
    metadata = outcome.measurement.metadata or {}
    if "timeseries" in given:
        assert (outcome.measurement.phase.value, outcome.measurement.value) == (
            expected["phase"],
            expected["value"],
        )
        assert (metadata["timestamps"], metadata["drift"]) == (
            expected["timestamps"],
            expected["drift"],
        )
    else:
        assert outcome.measurement.value == f"{expected['value']:.2f}"
        assert (metadata["timestamps"], metadata["drift"]) == (
            str(expected["epoch"]),
            str(expected["drift"]),
        )


@pytest.mark.parametrize("case", vectors("wavefront", "credentials"))
async def test_argo_token_vectors(
    case: dict[str, Any], wavefront: FakeWavefront, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """The token is the Secret's key named exactly as the address."""
    write_secret(tmp_path, case["secret_name"], case["secret_data"])
    outcome = await run_metric(
        {"wavefront": {"query": "ts(cpu)", **case["provider_config"]}},
        http=http,
        credentials=credentials_in(tmp_path),
    )
    if case["expected"]["error"]:
        assert (outcome.measurement.phase.value, outcome.measurement.message) == (
            "Error",
            case["expected"]["message"],
        )
        assert wavefront.requests == []
    else:
        assert (outcome.measurement.phase.value, outcome.measurement.value) == (
            "Successful",
            "1.00",
        )


async def measure(http: httpx.AsyncClient, secrets: Path, now: datetime = START) -> Any:
    provider = WavefrontProvider({"address": ADDRESS, "query": 'ts("a b")'}, http=http)
    return await provider.measure(
        MeasureContext(now=now, metric_name="m", credentials=credentials_in(secrets))
    )


def test_the_parameters_go_wavefront_sends() -> None:
    assert chart_url("w.example/ignored", 'ts("a b", x=1)', 7000) == (
        "https://w.example/api/v2/chart/api?autoEvents=false&e=7000&g=s&i=true&"
        "includeObsoleteMetrics=false&listmode=false&p=1&q=ts%28%22a+b%22%2C+x%3D1%29&s=7000"
        "&strict=false"
    )


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        pytest.param(
            Reply(status=401, body="nope", content_type="text/plain"),
            "server returned 401 Unauthorized\nnope\n",
            id="not-200",
        ),
        pytest.param(
            Reply(status=200, body="<html>"),
            "invalid character '<' looking for beginning of value",
            id="not-json",
        ),
        pytest.param(
            Reply(status=200, body='{"timeseries": {"data": []}}'),
            "json: cannot unmarshal object into Go struct field QueryResponse.timeseries of "
            "type []wavefront.TimeSeries",
            id="series-not-a-list",
        ),
        pytest.param(
            Reply(status=200, body='{"timeseries": [{"data": [[1]]}]}'),
            "wavefront: a datapoint has fewer than 2 values: [1]",
            id="short-point",
        ),
        pytest.param(
            Reply(status=200, body='{"timeseries": null, "warnings": "no metric"}'),
            "No TimeSeries found in response from Wavefront",
            id="null-series",
        ),
    ],
)
async def test_answers_that_are_errors(
    wavefront: FakeWavefront, http: httpx.AsyncClient, secrets: Path, reply: Reply, message: str
) -> None:
    wavefront.script(reply)
    with pytest.raises(ProviderError) as caught:
        await measure(http, secrets)
    assert str(caught.value) == message


async def test_a_series_without_points_is_zero(
    wavefront: FakeWavefront, http: httpx.AsyncClient, secrets: Path
) -> None:
    """Argo's loop leaves 0, time 0 and a drift of int64(+Inf) (amd64) for an empty series;
    of two points as close, the earlier is taken."""
    wavefront.script(chart_reply([[], [[1000, 2.5], [1010, 3.0]]], warnings="partial"))
    measured = await measure(http, secrets, now=at(1005))
    assert (measured.result, measured.value) == ([0.0, 2.5], "[0.00,2.50]")
    assert measured.metadata == {
        "warnings": "partial",
        "timestamps": "[0,1000]",
        "drift": "[-9223372036854775808,-5]",
    }


async def test_the_token_is_never_kept(
    wavefront: FakeWavefront, http: httpx.AsyncClient, secrets: Path
) -> None:
    wavefront.script(Reply(status=403, body=f"token {TOKEN} is revoked", content_type="text/plain"))
    outcome = await run_metric(
        {"wavefront": {"address": ADDRESS, "query": "ts(cpu)"}},
        http=http,
        credentials=credentials_in(secrets),
    )
    assert outcome.measurement.message == "server returned 403 Forbidden\ntoken ***** is revoked\n"
    assert TOKEN not in outcome.document


async def test_the_certificate_is_checked(secrets: Path, server: FakeWavefront) -> None:
    """Always https, verified: a client that does not trust the fake's CA is refused."""
    async with routed_client({ADDRESS: server.port}) as untrusting:
        with pytest.raises(ProviderError, match="CERTIFICATE_VERIFY_FAILED"):
            await measure(untrusting, secrets)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            {"adress": ADDRESS}, "wavefront: unknown field(s) adress; known: address, query"
        ),
        pytest.param({"query": ["q"]}, "wavefront: query must be a string, got list"),
    ],
)
def test_blocks_that_can_never_work(
    http: httpx.AsyncClient, config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        WavefrontProvider(config, http=http)
    assert str(caught.value) == message
