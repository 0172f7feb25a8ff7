"""InfluxDB: Argo's vectors (``influxdb_test.go``) run as a run runs them against an InfluxDB
``/api/v2/query`` that checks each request (tests/fakes/influxdb.py), then the client's error
texts, gzip, addresses and what a request must never show.

Not run, because nothing on the wire or in a run shows them: ``Type()``, ``Resume``/``Terminate``/
``GarbageCollect`` (augur's providers answer in one call) and the nil ``QueryTableResult``: the
client returns one for every 2xx answer, so only a mock can make Argo see none.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from providers.base import MeasureContext
from providers.errors import ConfigError, ProviderError
from providers.influxdb import InfluxdbProvider, query_url
from tests.fakes.influxdb import CSV, FakeInflux, csv_reply
from tests.fakes.upstream import Recorded, Reply
from tests.providers.token_runs import (
    START,
    assert_message,
    credentials_in,
    run_metric,
    vectors,
    write_secret,
)
from tests.support.routed import routed_client

TOKEN = "influx-token-7Hq2"
VECTOR_TOKEN = "ABCDEFG01234"  # the token of Argo's client-construction vectors
ORG = "test-org"
ONE_ROW = (
    "#datatype,string,long,double\n#group,false,false,false\n#default,_result,,\n"
    ",result,table,_value\n,,0,0.5\n"
)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeInflux]:
    with FakeInflux({ORG: {TOKEN, VECTOR_TOKEN}}) as fake:
        yield fake


@pytest.fixture
def influx(server: FakeInflux) -> FakeInflux:
    server.script(csv_reply(ONE_ROW))
    return server


@pytest.fixture
async def http(server: FakeInflux) -> AsyncIterator[httpx.AsyncClient]:
    async with routed_client({"localhost": server.port, "127.0.0.1": server.port}) as client:
        yield client


@pytest.fixture
def secrets(tmp_path: Path, server: FakeInflux) -> Path:
    write_secret(tmp_path, "influxdb", {"authToken": TOKEN, "org": ORG, "address": server.url})
    return tmp_path


def assert_request(request: Recorded, expect: dict[str, Any]) -> None:
    """The request as influxdb-client-go v2.14.0 sends it, byte for byte where it matters."""
    assert (request.method, request.path) == (expect["method"], expect["path"])
    assert parse_qs(request.query) == {"org": [ORG]}
    headers = dict(expect["headers"], Authorization=f"Token {TOKEN}")
    assert {name: request.headers[name.lower()] for name in headers} == headers
    assert json.loads(request.body) == expect["json_body"]
    assert request.body == json.dumps(expect["json_body"], separators=(",", ":")).encode()


#: All but the nil QueryTableResult, which only a mock gives (see the module's docstring).
ON_THE_WIRE = [p for p in vectors("influxdb", "mock_api") if p.values[0]["request_expect"]]


@pytest.mark.parametrize("case", ON_THE_WIRE)
async def test_argo_run_vectors(
    case: dict[str, Any], influx: FakeInflux, http: httpx.AsyncClient, secrets: Path
) -> None:
    response = case["response"]
    influx.script(Reply(status=response["status"], body=response["body"], content_type=CSV))
    outcome = await run_metric(
        {"influxdb": case["provider_config"]},
        http=http,
        credentials=credentials_in(secrets),
        success=case["condition"]["success"],
        failure=case["condition"]["failure"],
    )
    expected, measurement = case["expected"], outcome.measurement
    assert (measurement.phase.value, measurement.value) == (expected["phase"], expected["value"])
    assert_message(measurement, expected)
    assert_request(influx.requests[0], case["request_expect"])


@pytest.mark.parametrize("case", vectors("influxdb", "credentials"))
async def test_argo_client_construction_vectors(
    case: dict[str, Any], influx: FakeInflux, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Built for every measurement in Argo, so an error is that measurement's Error; a client
    built sends the query to the Secret's address (``http://localhost:8086`` here)."""
    if case["secret_data"] is not None:
        write_secret(tmp_path, case["secret_name"], case["secret_data"])
    config = {"query": 'from(bucket: "b") |> range(start: -5m)'}
    if case["profile"]:
        config["profile"] = case["profile"]
    outcome = await run_metric(
        {"influxdb": config}, http=http, credentials=credentials_in(tmp_path)
    )
    measurement, expected = outcome.measurement, case["expected"]
    if expected["error"]:
        assert measurement.phase.value == "Error"
        assert_message(measurement, expected)
        assert influx.requests == []
    else:
        assert (measurement.phase.value, measurement.value) == ("Successful", "[0.5]")
        assert {r.headers["host"] for r in influx.requests} == {"localhost:8086"}


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        pytest.param(
            Reply(status=404, body="404 page not found\n", content_type="text/plain"),
            "404 Not Found: 404 page not found\n",
            id="text-body",
        ),
        pytest.param(
            Reply(status=400, body='{"code":"invalid","message":"compilation failed"}'),
            "invalid: compilation failed",
            id="json-code-message",
        ),
        pytest.param(
            Reply(status=429, body="{}"), "too many requests: exceeded rate limit", id="429"
        ),
        pytest.param(
            Reply(status=503, body="{}"),
            "unavailable: service temporarily unavailable",
            id="503",
        ),
        pytest.param(
            Reply(status=500, body="{}", headers=(("X-Influxdb-Error", "engine down"),)),
            "500 Internal Server Error: engine down",
            id="header",
        ),
        pytest.param(Reply(status=500, body=""), "EOF", id="json-type-empty-body"),
        pytest.param(
            Reply(status=502, body="", content_type="text/plain"),
            "Unexpected status code 502",
            id="empty-text",
        ),
        pytest.param(
            Reply(status=400, body='{"code":400}'),
            "json: cannot unmarshal number into Go struct field Error.code of type string",
            id="code-not-a-string",
        ),
    ],
)
async def test_answers_outside_2xx(
    influx: FakeInflux, http: httpx.AsyncClient, secrets: Path, reply: Reply, message: str
) -> None:
    influx.script(reply)
    with pytest.raises(ProviderError) as caught:
        await measure(http, secrets)
    assert str(caught.value) == message


async def measure(http: httpx.AsyncClient, secrets: Path, **config: Any) -> Any:
    provider = InfluxdbProvider({"query": "buckets()", **config}, http=http)
    return await provider.measure(
        MeasureContext(now=START, metric_name="m", credentials=credentials_in(secrets))
    )


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        pytest.param({"authToken": "wrong"}, "unauthorized: unauthorized access", id="token"),
        pytest.param({"org": "other"}, 'not found: organization name "other" not found', id="org"),
        pytest.param(
            {"address": "influx:8086"},
            'Post "influx:8086/api/v2/query?org=test-org": unsupported protocol scheme "influx"',
            id="no-scheme",
        ),
        pytest.param(
            {"authToken": TOKEN + "\n"},
            'Post "{url}/api/v2/query?org=test-org": net/http: invalid header field value for '
            '"Authorization"',
            id="token-with-newline",
        ),
    ],
)
async def test_what_influxdb_and_go_refuse(
    influx: FakeInflux, http: httpx.AsyncClient, secrets: Path, secret: dict[str, str], message: str
) -> None:
    write_secret(secrets, "influxdb", secret)
    with pytest.raises(ProviderError) as caught:
        await measure(http, secrets)
    assert str(caught.value) == message.format(url=influx.url)
    assert TOKEN not in str(caught.value)


async def test_a_gzip_answer_is_read(
    influx: FakeInflux, http: httpx.AsyncClient, secrets: Path
) -> None:
    influx.script(csv_reply(ONE_ROW.replace("0.5", "1000000"), gzip=True))
    measured = await measure(http, secrets)
    assert (measured.result, measured.value) == ([1e6], "[1e+06]")


@pytest.mark.parametrize(
    ("address", "url"),
    [
        pytest.param("http://i:8086", "http://i:8086/api/v2/query?org=o+1", id="bare"),
        pytest.param("http://i:8086/", "http://i:8086/api/v2/query?org=o+1", id="slash"),
        pytest.param("https://i/influx", "https://i/influx/api/v2/query?org=o+1", id="path"),
        pytest.param("http://i/?a=1", "http://i/api/v2/query?org=o+1", id="query-dropped"),
    ],
)
def test_the_query_url(address: str, url: str) -> None:
    assert query_url(address, "o 1") == url


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param({"bucket": "b"}, "influxdb: unknown field(s) bucket; known: profile, query"),
        pytest.param({"query": 5}, "influxdb: query must be a string, got int"),
    ],
)
def test_blocks_that_can_never_work(
    http: httpx.AsyncClient, config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        InfluxdbProvider(config, http=http)
    assert str(caught.value) == message
