"""provider.graphite against a real loopback HTTP server: every Argo graphite vector.

Argo's ``api_test.go`` cases run ``Query()`` against an ``httptest`` server: here the same body
is served and the provider's request and outcome are checked (the raw query string Go would
send, the data points or the error text). ``graphite_test.go`` mocks ``Query()``: its cases
are served as the render answer that parses to the mocked points (``"synthesized": true``) and
judged by the engine, as a run judges them. Not observable here, and why: ``Type()`` (Go's
internal provider name, shown nowhere), ``Resume``/``Terminate``/``GarbageCollect`` (augur's
providers answer synchronously, nothing is ever resumed), and the mocked ``Query()`` error
``some err`` (no answer of a server reads as that text; an upstream's error text reaching the
message verbatim is pinned by the 400/500 cases).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import MeasureContext, Measured
from providers.errors import ConfigError, NoDataError, ProviderError, QueryError, UnavailableError
from providers.graphite import GraphiteProvider, datapoints, render_query
from providers.graphite.response import ResponseError, parse_go_float
from tests.fakes.scripted import Reply, ScriptedServer
from tests.providers.judging import judged

VECTORS = Path(__file__).resolve().parents[1] / "data" / "argo-providers" / "vectors-graphite.jsonl"
NOW = datetime(2026, 3, 1, tzinfo=UTC)
NOT_OBSERVABLE = {"meta", "lifecycle"}
ALL = [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]


def mocked_error(case: dict[str, Any]) -> bool:
    return bool(case.get("mock", {}).get("Query_error"))


def vectors(*kinds: str) -> list[Any]:
    return [
        pytest.param(v, id=v["name"]) for v in ALL if v["kind"] in kinds and not mocked_error(v)
    ]


async def measure(config: dict[str, Any], http: httpx.AsyncClient) -> Measured:
    provider = GraphiteProvider(config, http=http)
    try:
        return await provider.measure(MeasureContext(now=NOW, metric_name="graphite"))
    finally:
        await provider.aclose()


def test_every_vector_is_run_or_named_unobservable() -> None:
    unobservable = [v["name"] for v in ALL if v["kind"] in NOT_OBSERVABLE or mocked_error(v)]
    assert unobservable == [
        "Type() == 'Graphite'",
        "query error passthrough",
        "Resume returns the measurement unchanged",
        "Terminate returns the measurement unchanged",
        "GarbageCollect returns nil",
    ]
    assert {v["kind"] for v in ALL} - NOT_OBSERVABLE == {"mock_api", "construction", "http_api"}


# ---- graphite_test.go: Run with a mocked Query(), judged by the engine ------------------------


@pytest.mark.parametrize("case", vectors("mock_api"))
async def test_run_vectors(
    case: dict[str, Any], scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    response = case["response"] or {  # no data points: the render answer with none
        "status": 200,
        "body": '[{"target": "t", "datapoints": []}]',
    }
    scripted.reply("/render", Reply(status=response["status"], body=response["body"]))
    config = {**case["provider_config"], "address": scripted.base_url}
    expected = case["expected"]
    if expected["phase"] == "Error" and expected["value"] == "":  # the provider's own error
        with pytest.raises(ProviderError) as caught:
            await measure(config, http)
        assert str(caught.value) == expected["message"]
        return
    measured = await measure(config, http)
    success, failure = case["condition"]["success"], case["condition"]["failure"]
    measurement = judged(measured, success, failure, now=NOW)
    assert (measurement.phase, measurement.value) == (expected["phase"], expected["value"])
    if expected["phase"] == "Error":  # a Failed measurement's message is augur's explanation
        assert measurement.message == expected["message"]


# ---- api_test.go: the client --------------------------------------------------------------------


@pytest.mark.parametrize("case", vectors("construction"))
async def test_construction_vectors(case: dict[str, Any], http: httpx.AsyncClient) -> None:
    config = {**case["provider_config"], "query": "target=x"}
    if case["expected"]["error"] is None:
        GraphiteProvider(config, http=http)
        return
    with pytest.raises(ConfigError) as caught:
        GraphiteProvider(config, http=http)
    assert str(caught.value) == case["expected"]["error"]


@pytest.mark.parametrize("case", vectors("http_api"))
async def test_query_vectors(
    case: dict[str, Any], scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    expected, wanted = case["expected"], case["request_expect"]
    response = case["response"] or {"status": 200, "body": "[]"}
    scripted.reply("/render", Reply(status=response["status"], body=response["body"]))
    config = {"address": scripted.base_url, "query": case["provider_config"]["query"]}
    try:
        measured = await measure(config, http)
        error = None
    except ProviderError as exc:
        measured, error = None, exc
    if wanted is None:  # Go's url.Parse refused the query: nothing is sent
        assert scripted.requests == []
    else:
        (sent,) = scripted.requests
        assert (sent.method, sent.path, sent.query) == (
            wanted["method"],
            wanted["path"],
            wanted["raw_query_go"],
        )
    points = [p for p in expected["datapoints"] if p["value"] is not None]
    if expected["error"] is not None:
        assert str(error) == expected["error"]
    elif not expected["datapoints"]:
        assert isinstance(error, NoDataError)
        assert str(error) == "no values found"
    else:
        assert measured is not None
        assert measured.result == [p["value"] for p in points]
    if wanted is not None and expected["error"] is None:
        parsed = datapoints(response["body"].encode())
        assert [(p.value, p.timestamp) for p in parsed] == [
            (p["value"], p["timestamp"]) for p in expected["datapoints"]
        ]


# ---- beyond Argo's tests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [pytest.param(404, QueryError, id="4xx"), pytest.param(503, UnavailableError, id="5xx")],
)
async def test_an_error_status_is_the_body_and_5xx_is_retryable(
    status: int, kind: type[ProviderError], scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply("/render", Reply(status=status, body="Graphite is down"))
    with pytest.raises(kind, match="^error response: Graphite is down$"):
        await measure({"address": scripted.base_url, "query": "target=a"}, http)


async def test_nulls_are_dropped_the_value_is_pct_f_and_points_keep_their_times(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    body = '[{"target": "a", "datapoints": [[1.5, 100], [null, 110], [2, 120]]}, {"x": 1}]'
    scripted.reply("/render", Reply(body=body))
    measured = await measure({"address": scripted.base_url, "query": "target=a"}, http)
    assert (measured.result, measured.value, measured.go_type) == (
        [1.5, 2.0],
        "[1.500000,2.000000]",
        "[]float64",
    )
    assert measured.point_times[()] == [
        datetime.fromtimestamp(100, UTC),
        datetime.fromtimestamp(120, UTC),
    ]


async def test_the_address_path_is_kept_and_redirects_are_followed(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply("/graphite/render", Reply(status=302, headers=(("Location", "/moved"),)))
    scripted.reply("/moved", Reply(body='[{"target": "a", "datapoints": [[7, 1]]}]'))
    measured = await measure(
        {"address": scripted.base_url + "/graphite/", "query": "target=a"}, http
    )
    assert measured.result == [7.0]
    assert [r.path for r in scripted.requests] == ["/graphite/render", "/moved"]


@pytest.mark.parametrize(
    ("query", "raw"),
    [
        pytest.param("target=a&format=png", "format=json&target=a", id="format-forced"),
        pytest.param(
            "target=alias(x, 'my name')",
            "format=json&target=alias%28x%2C%27myname%27%29",
            id="whitespace-in-quotes",
        ),
        pytest.param("b=1;c=2&a=%zz&target=x", "format=json&target=x", id="bad-pairs-dropped"),
        pytest.param("target=a#rest&from=-1h", "format=json&target=a", id="fragment-dropped"),
        pytest.param(
            "target=a+b&target=c", "format=json&target=a+b&target=c", id="repeated-keys-keep-order"
        ),
    ],
)
def test_the_query_is_re_encoded_as_go_encodes_it(query: str, raw: str) -> None:
    assert render_query(query) == raw


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            {"address": "", "query": "target=a"}, "Graphite address  is not a valid URL", id="empty"
        ),
        pytest.param(
            {"address": "graphite:8080", "query": "target=a"},
            "Graphite address graphite:8080 is not a valid URL",
            id="no-scheme",
        ),
        pytest.param(
            {"address": "http://u:pw@g", "query": ""},
            "graphite: query is required (the render API's query string, "
            "e.g. target=sumSeries(app.http.*.count)&from=-5min)",
            id="no-query",
        ),
        pytest.param(
            {"address": "http://g", "query": "target=a", "timeout": 3},
            "graphite: unknown field(s) timeout; known: address, query",
            id="unknown-field",
        ),
        pytest.param(
            {"address": "http://g", "query": "target=a\v"},
            'parse "./render?target=a\\v": net/url: invalid control character in URL',
            id="control",
        ),
    ],
)
def test_blocks_that_can_never_work_are_refused_when_built(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        GraphiteProvider(config, http=httpx.AsyncClient())
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            b"{}",
            "json: cannot unmarshal object into Go value of type graphite.graphiteResponse",
            id="object",
        ),
        pytest.param(
            b'[{"datapoints": {}}]',
            "json: cannot unmarshal object into Go struct field "
            "graphiteTargetResp.datapoints of type []graphite.dataPoint",
            id="datapoints-object",
        ),
        pytest.param(
            b'[{"datapoints": [5]}]',
            "json: cannot unmarshal number into Go value of type []interface {}",
            id="point-number",
        ),
        pytest.param(
            b'[{"datapoints": [null]}]', "error unmarshaling data point: []", id="point-null"
        ),
        pytest.param(
            b'[{"datapoints": [[true, 1]]}]', "error unmarshaling value: true", id="value-bool"
        ),
        pytest.param(
            b'[{"datapoints": [["x", 1]]}]',
            'strconv.ParseFloat: parsing "x": invalid syntax',
            id="value-text",
        ),
        pytest.param(
            b'[{"datapoints": [[1, 2]]}, {"datapoints": [[1]]}]',
            "error unmarshaling data point: [1]",
            id="later-target",
        ),
        pytest.param(b"[1,", "unexpected end of JSON input", id="truncated"),
    ],
)
def test_answers_argo_cannot_read(body: bytes, message: str) -> None:
    with pytest.raises(ResponseError) as caught:
        datapoints(body)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "value"),
    [("1e3", 1000.0), ("-Inf", float("-inf")), ("0x1p-2", 0.25), (".5", 0.5)],
)
def test_numeric_strings_parse_as_go_parses_them(text: str, value: float) -> None:
    assert parse_go_float(text) == value


def test_go_refuses_what_python_would_accept() -> None:
    with pytest.raises(ResponseError, match='parsing "1_000": invalid syntax'):
        parse_go_float("1_000")
