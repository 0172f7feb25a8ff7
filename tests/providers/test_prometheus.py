"""provider.prometheus against a real Prometheus (scraping a fixed exporter) and scripted servers.

PromQL, its answers and its error texts come from the real server; what a real server cannot be
made to do on cue (sleep, 503, garbage, warnings, Argo's recorded answers) comes from a scripted
loopback server. Phases are judged by the engine's own condition evaluation, as in a real run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from app.engine.conditions import compile_conditions, evaluate_result
from providers.base import MeasureContext, Measured, Provider, ProviderFactory
from providers.errors import ConfigError, ProviderError, QueryError, UnavailableError
from providers.golang import format_float_f
from providers.prometheus import PrometheusProvider
from tests.engine.vectors import cases, section, vectors
from tests.fakes.exporter import exporter
from tests.fakes.scripted import Reply, ScriptedServer
from tests.support.prometheus import Prometheus, prometheus_server
from tests.support.servers import free_port

QUERY_PATH = "/api/v1/query"
RATIO = 'sum(http_requests_total{code="500"}) / sum(http_requests_total)'


@pytest.fixture(scope="module")
def prometheus() -> Iterator[Prometheus]:
    """One real Prometheus per module, already holding the exporter's samples."""
    with (
        exporter() as app,
        prometheus_server(target=app.base_url.removeprefix("http://")) as server,
    ):
        yield server


def context(now: datetime | None = None) -> MeasureContext:
    return MeasureContext(now=now or datetime.now(UTC), metric_name="error-rate")


async def measure(
    config: Mapping[str, Any], http: httpx.AsyncClient, *, now: datetime | None = None
) -> Measured:
    provider = PrometheusProvider(config, http=http)
    try:
        return await provider.measure(context(now))
    finally:
        await provider.aclose()


async def failure(config: Mapping[str, Any], http: httpx.AsyncClient) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await measure(config, http)
    return caught.value


def phase(result: Any, success: str = "", failure: str = "") -> tuple[str, str]:
    evaluation = evaluate_result(result, compile_conditions(success, failure))
    return str(evaluation.phase), evaluation.message


def answer(result_type: str, result: Any, **extra: Any) -> str:
    return json.dumps(
        {"status": "success", "data": {"resultType": result_type, "result": result}, **extra}
    )


# ---- the real server ---------------------------------------------------------------------------

REAL = [
    pytest.param(RATIO, [0.1], "[0.1]", "vector", id="vector-error-ratio"),
    pytest.param(f"scalar({RATIO})", 0.1, "0.1", "scalar", id="scalar-error-ratio"),
    pytest.param(
        "sort(http_requests_total)", [100.0, 900.0], "[100,900]", "vector", id="labels-dropped"
    ),
    pytest.param('http_requests_total{code="404"}', [], "[]", "vector", id="empty-vector"),
    pytest.param("vector(0) / vector(0)", [math.nan], "[NaN]", "vector", id="vector-nan"),
    pytest.param("0 / 0", math.nan, "NaN", "scalar", id="scalar-nan"),
    pytest.param("1 / 0", math.inf, "+Inf", "scalar", id="scalar-plus-inf"),
    pytest.param("-1 / 0", -math.inf, "-Inf", "scalar", id="scalar-minus-inf"),
    pytest.param("1e21", 1e21, "1000000000000000000000", "scalar", id="no-exponent-large"),
    pytest.param("0.0000001", 1e-7, "0.0000001", "scalar", id="no-exponent-small"),
    pytest.param("app_ready", [1.0], "[1]", "vector", id="gauge-integer"),
]


@pytest.mark.parametrize(("query", "result", "value", "result_type"), REAL)
async def test_real_query_results(
    prometheus: Prometheus,
    http: httpx.AsyncClient,
    query: str,
    result: Any,
    value: str,
    result_type: str,
) -> None:
    measured = await measure({"address": prometheus.base_url, "query": query}, http)
    assert repr(measured.result) == repr(result)  # repr: NaN equals NaN, 1 differs from 1.0
    assert measured.value == value
    assert measured.metadata["resolvedQuery"] == query
    assert measured.metadata["resultType"] == result_type
    assert "warnings" not in measured.metadata


JUDGED = [
    pytest.param(
        RATIO,
        "result[0] <= 0.05",
        "",
        ("Failed", "successCondition result[0] <= 0.05 is false: result[0] is 0.1"),
        id="ratio-too-high",
    ),
    pytest.param(RATIO, "result[0] < 0.2", "", ("Successful", ""), id="ratio-fine"),
    pytest.param(
        "vector(0) / vector(0)",
        "result[0] < 0.2",
        "",
        ("Failed", "successCondition result[0] < 0.2 is false: result[0] is NaN"),
        id="nan",
    ),
    pytest.param(
        "vector(0) / vector(0)",
        "result[0] < 0.2 || isNaN(result[0])",
        "",
        ("Successful", ""),
        id="nan-allowed",
    ),
    pytest.param(
        'http_requests_total{code="404"}',
        "result[0] < 0.2",
        "",
        (
            "Error",
            'could not evaluate successCondition "result[0] < 0.2": '
            "metric result is nil or empty: no data returned from the metric provider",
        ),
        id="empty-vector-is-an-evaluation-error",
    ),
    pytest.param(
        'http_requests_total{code="404"}',
        "len(result) == 0",
        "",
        ("Successful", ""),
        id="empty-vector-can-be-judged",
    ),
]


@pytest.mark.parametrize(("query", "success", "failure_", "expected"), JUDGED)
async def test_real_results_judged_like_argo(
    prometheus: Prometheus,
    http: httpx.AsyncClient,
    query: str,
    success: str,
    failure_: str,
    expected: tuple[str, str],
) -> None:
    measured = await measure({"address": prometheus.base_url, "query": query}, http)
    assert phase(measured.result, success, failure_) == expected


async def test_real_syntax_error_is_prometheus_own_message(
    prometheus: Prometheus, http: httpx.AsyncClient
) -> None:
    error = await failure({"address": prometheus.base_url, "query": "sum("}, http)
    assert type(error) is QueryError
    assert str(error) == (
        'bad_data: invalid parameter "query": 1:5: parse error: unclosed left parenthesis'
    )
    assert error.status == 400
    assert not error.retryable
    assert error.provider == "prometheus"


async def test_real_string_result_is_not_supported(
    prometheus: Prometheus, http: httpx.AsyncClient
) -> None:
    error = await failure({"address": prometheus.base_url, "query": '"hello"'}, http)
    assert (type(error), str(error)) == (QueryError, "Prometheus metric type not supported")


async def test_real_range_query_flattens_the_matrix(
    prometheus: Prometheus, http: httpx.AsyncClient
) -> None:
    config = {
        "address": prometheus.base_url,
        "query": "sum(http_requests_total)",
        "rangeQuery": {"start": 'now() - duration("2s")', "end": "now()", "step": "1s"},
    }
    measured = await measure(config, http)
    assert measured.metadata["resultType"] == "matrix"
    assert measured.result
    assert set(measured.result) == {1000.0}
    assert measured.value == "[" + ",".join(["1000"] * len(measured.result)) + "]"


async def test_real_check(prometheus: Prometheus, http: httpx.AsyncClient) -> None:
    provider = PrometheusProvider({"address": prometheus.base_url, "query": "up"}, http=http)
    await provider.check()


# ---- transport failures ------------------------------------------------------------------------


async def test_unreachable_address_is_retryable(http: httpx.AsyncClient) -> None:
    address = f"http://127.0.0.1:{free_port()}"
    error = await failure({"address": address, "query": "up"}, http)
    assert type(error) is UnavailableError
    assert error.retryable
    assert str(error).startswith(f'Post "{address}/api/v1/query": ConnectError')


async def test_timeout_is_retryable(scripted: ScriptedServer, http: httpx.AsyncClient) -> None:
    scripted.reply(QUERY_PATH, Reply(body=answer("scalar", [1, "1"]), delay=10))
    error = await failure({"address": scripted.base_url, "query": "up", "timeout": 1}, http)
    assert type(error) is UnavailableError
    assert str(error) == (
        f'Post "{scripted.base_url}/api/v1/query": context deadline exceeded (timed out after 1s)'
    )


UPSTREAM_ERRORS = [
    pytest.param(
        Reply(status=503, body="overloaded", content_type="text/plain"),
        UnavailableError,
        "server_error: server error: 503",
        id="503-text",
    ),
    pytest.param(
        Reply(status=404, body="404 page not found", content_type="text/plain"),
        QueryError,
        "client_error: client error: 404",
        id="404-text",
    ),
    pytest.param(
        Reply(body="<html>proxy login</html>", content_type="text/html"),
        QueryError,
        "bad_response: Expecting value: line 1 column 1 (char 0)",
        id="200-garbage",
    ),
    pytest.param(
        Reply(
            status=422,
            body='{"status":"error","errorType":"execution","error":"too many samples"}',
        ),
        QueryError,
        "execution: too many samples",
        id="422-execution",
    ),
    pytest.param(
        Reply(
            status=503,
            body='{"status":"error","errorType":"timeout","error":"query timed out"}',
        ),
        UnavailableError,
        "timeout: query timed out",
        id="503-timeout-json",
    ),
    pytest.param(
        Reply(body='{"status":"success"}'),
        QueryError,
        "bad_response: the answer has no data object",
        id="no-data-object",
    ),
    pytest.param(
        Reply(body=answer("scalar", [1, "ten"])),
        QueryError,
        'bad_response: unreadable sample [1,"ten"]',
        id="unreadable-sample",
    ),
    pytest.param(
        Reply(body=answer("vector", [{"metric": {}, "histogram": [1, {}]}])),
        QueryError,
        "bad_response: unreadable sample null",
        id="native-histogram",
    ),
]


@pytest.mark.parametrize(("reply", "kind", "message"), UPSTREAM_ERRORS)
async def test_upstream_errors(
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    reply: Reply,
    kind: type[ProviderError],
    message: str,
) -> None:
    scripted.reply(QUERY_PATH, reply)
    error = await failure({"address": scripted.base_url, "query": "up"}, http)
    assert (type(error), str(error), error.status) == (kind, message, reply.status)


# ---- what is sent ------------------------------------------------------------------------------

SECRETS = ("s3cr3t-password", "s3cr3t-token", "s3cr3t-header")
SENT = [
    pytest.param(
        {"authentication": {"basicAuth": {"username": "augur", "password": SECRETS[0]}}},
        {"authorization": "Basic YXVndXI6czNjcjN0LXBhc3N3b3Jk"},
        id="basic-auth",
    ),
    pytest.param(
        {"authentication": {"bearer": {"token": SECRETS[1]}}},
        {"authorization": f"Bearer {SECRETS[1]}"},
        id="bearer",
    ),
    pytest.param(
        {
            "headers": [
                {"key": "X-Scope-OrgID", "value": "team-a"},
                {"key": "x-api-key", "value": SECRETS[2]},
            ]
        },
        {"x-scope-orgid": "team-a", "x-api-key": SECRETS[2]},
        id="headers",
    ),
    pytest.param(
        {"headers": [{"key": "X-Tenant", "value": "a"}, {"key": "x-tenant", "value": "b"}]},
        {"x-tenant": "b"},
        id="later-header-replaces",
    ),
]


@pytest.mark.parametrize(("extra", "expected_headers"), SENT)
async def test_sends_query_time_headers_and_credentials(
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    extra: dict[str, Any],
    expected_headers: dict[str, str],
) -> None:
    scripted.reply(QUERY_PATH, Reply(body=answer("scalar", [1, "1"])))
    now = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
    await measure({"address": scripted.base_url + "/", "query": RATIO, **extra}, http, now=now)
    sent = scripted.last(QUERY_PATH)
    assert sent.method == "POST"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.body.decode()) == {"query": [RATIO], "time": ["1772366400.25"]}
    for key, value in expected_headers.items():
        assert sent.headers[key] == value
    assert [k for k, _ in sent.header_list].count(next(iter(expected_headers))) <= 1


async def test_secrets_stay_out_of_messages_and_metadata(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    config = {
        "address": scripted.base_url,
        "query": "up",
        "headers": [{"key": "X-Api-Key", "value": SECRETS[2]}],
        "authentication": {"bearer": {"token": SECRETS[1]}},
    }
    scripted.reply(
        QUERY_PATH, Reply(status=500, body="upstream said: bad", content_type="text/plain")
    )
    error = await failure(config, http)
    scripted.reply(QUERY_PATH, Reply(body=answer("scalar", [1, "1"], warnings=["slow"])))
    measured = await measure(config, http)
    text = (
        repr(error) + str(error) + str(error.upstream_message) + json.dumps(dict(measured.metadata))
    )
    assert not any(secret in text for secret in SECRETS)
    assert measured.metadata["warnings"] == '"slow"'


async def test_redirects_are_followed_like_go(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply(QUERY_PATH, Reply(status=307, headers=(("Location", "/prom/api/v1/query"),)))
    scripted.reply("/prom/api/v1/query", Reply(body=answer("scalar", [1, "2"])))
    measured = await measure({"address": scripted.base_url, "query": "up"}, http)
    assert (measured.result, measured.value) == (2.0, "2")
    assert parse_qs(scripted.last("/prom/api/v1/query").body.decode())["query"] == ["up"]


async def test_post_refused_falls_back_to_get(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    # client_golang's DoGetFallback: a 405 to the POST repeats the query as a GET.
    scripted.reply(
        QUERY_PATH, Reply(status=405, body="method not allowed", content_type="text/plain")
    )
    error = await failure({"address": scripted.base_url, "query": "up"}, http)
    assert [r.method for r in scripted.requests] == ["POST", "GET"]
    assert "query=up" in scripted.requests[-1].query
    assert str(error) == "client_error: client error: 405"


# ---- configuration -----------------------------------------------------------------------------

CONFIG_ERRORS = [
    pytest.param({"query": "up"}, "prometheus address is not configured", id="no-address"),
    pytest.param(
        {"address": "prometheus:9090", "query": "up"},
        "prometheus address is not in url format: 'prometheus:9090'",
        id="address-not-url",
    ),
    pytest.param({"address": "http://p:9090"}, "prometheus: query is required", id="no-query"),
    pytest.param(
        {"address": "http://p:9090", "query": "up", "timeout": -1},
        "prometheus timeout should not be negative",
        id="negative-timeout",
    ),
    pytest.param(
        {
            "address": "http://p:9090",
            "query": "up",
            "authentication": {"basicAuth": {"password": "x"}},
        },
        "missing mandatory parameter in metric for basic auth setup: username",
        id="basic-auth-no-username",
    ),
    pytest.param(
        {
            "address": "http://p:9090",
            "query": "up",
            "authentication": {"basicAuth": {"username": "u"}},
        },
        "missing mandatory parameter in metric for basic auth setup: password",
        id="basic-auth-no-password",
    ),
    pytest.param(
        {
            "address": "http://p:9090",
            "query": "up",
            "authentication": {"sigv4": {"region": "eu-west-1"}},
        },
        "prometheus: authentication.sigv4 (AWS SigV4) is not supported by augur",
        id="sigv4",
    ),
    pytest.param(
        {
            "address": "http://p:9090",
            "query": "up",
            "authentication": {
                "basicAuth": {"username": "u", "password": "p"},
                "bearer": {"token": "t"},
            },
        },
        "prometheus: authentication sets basicAuth and bearer; choose one",
        id="two-credentials",
    ),
    pytest.param(
        {
            "address": "http://p:9090",
            "query": "up",
            "authentication": {"oauth2": {"tokenUrl": "http://t", "clientId": "c"}},
        },
        "missing mandatory parameter in metric for OAuth2 setup",
        id="oauth2-incomplete",
    ),
    pytest.param(
        {
            "address": "http://p:9090",
            "query": "up",
            "rangeQuery": {"start": "now() - 1h", "end": "now()", "step": "1m"},
        },
        "failed to parse rangeQuery.start as time: augur evaluates now(), date(...) and "
        "duration(...) joined by + and - here, not 'now() - 1h'",
        id="range-start-unsupported-form",
    ),
    pytest.param(
        {
            "address": "http://p:9090",
            "query": "up",
            "rangeQuery": {"start": 'duration("1h")', "end": "now()", "step": "1m"},
        },
        "failed to parse rangeQuery.start as time: expected time.Time, but got time.Duration",
        id="range-start-is-a-duration",
    ),
]


@pytest.mark.parametrize(("config", "message"), CONFIG_ERRORS)
async def test_config_errors(http: httpx.AsyncClient, config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        PrometheusProvider(config, http=http)
    assert str(caught.value) == message
    assert caught.value.provider == "prometheus"


async def test_is_a_provider_factory(http: httpx.AsyncClient) -> None:
    factory: ProviderFactory = PrometheusProvider
    provider = factory({"address": "http://p:9090", "query": "up"}, http=http)
    assert isinstance(provider, Provider)
    assert provider.kind == "prometheus"


async def test_oauth2_token_is_fetched_sent_and_reused(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply(QUERY_PATH, Reply(body=answer("scalar", [1, "1"])))
    scripted.reply("/token", Reply(body='{"access_token": "tok", "expires_in": 300}'))
    oauth2 = {"tokenUrl": scripted.url("/token"), "clientId": "c", "clientSecret": "s3cr3t"}
    config = {"address": scripted.base_url, "query": "up", "authentication": {"oauth2": oauth2}}
    provider = PrometheusProvider(config, http=http)
    await provider.measure(context())
    await provider.measure(context())
    assert [r.path for r in scripted.requests] == ["/token", QUERY_PATH, QUERY_PATH]
    assert scripted.last(QUERY_PATH).headers["authorization"] == "Bearer tok"


async def test_oauth2_refusal_reads_like_go(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply("/token", Reply(status=401, body="nope", content_type="text/plain"))
    oauth2 = {"tokenUrl": scripted.url("/token"), "clientId": "c", "clientSecret": "s3cr3t"}
    config = {"address": scripted.base_url, "query": "up", "authentication": {"oauth2": oauth2}}
    error = await failure(config, http)
    assert type(error) is QueryError
    assert str(error) == (
        f'Post "{scripted.base_url}/api/v1/query": '
        "oauth2: cannot fetch token: 401 Unauthorized\nResponse: nope"
    )
    assert "s3cr3t" not in str(error)


async def test_insecure_owns_a_client_and_closes_it(http: httpx.AsyncClient) -> None:
    provider = PrometheusProvider(
        {"address": "https://p:9090", "query": "up", "insecure": True}, http=http
    )
    await provider.aclose()
    assert not http.is_closed


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(c["input"], c["prom_sample_string"], id=c["input"])
        for c in vectors()["value_string_formatting"]["cases"]
        if "prom_sample_string" in c
    ]
    + [pytest.param("NaN", "NaN", id="nan"), pytest.param("-Inf", "-Inf", id="-inf")],
)
def test_format_sample_is_go_formatfloat_f(value: str, text: str) -> None:
    assert format_float_f(float(value)) == text


# ---- Argo's own prometheus vectors, answered by a scripted server ------------------------------


def _sample(number: Any) -> list[Any]:
    return [1700000000, str(number)]


def argo_answer(case: dict[str, Any]) -> str:
    response = case.get("response")
    extra = {"warnings": case["warnings"]} if case.get("warnings") else {}
    if isinstance(response, dict) and "scalar" in response:
        return answer("scalar", _sample(response["scalar"]), **extra)
    if isinstance(response, dict) and "vector" in response:
        series = [
            {"metric": {"i": str(i)}, "value": _sample(v)} for i, v in enumerate(response["vector"])
        ]
        return answer("vector", series, **extra)
    if isinstance(response, dict) and "matrix" in response:
        series = [
            {"metric": {}, "values": [_sample(v) for v in values]} for values in response["matrix"]
        ]
        return answer("matrix", series, **extra)
    if response is None:
        return json.dumps({"status": "success", "data": {}})
    return answer("string", [1700000000, str(response)])  # "unsupported type"


def _unix(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


ARGO_DEFAULT_RANGE = {"start": 'now() - duration("1h")', "end": "now()", "step": "1m"}
MEASURED = [c for c in section("prometheus") if "response" in c]
BUILD_ERRORS = [c for c in section("prometheus") if "response" not in c and "rangeQuery" in c]


@pytest.mark.parametrize("case", cases(MEASURED))
async def test_argo_vectors_measured(
    scripted: ScriptedServer, http: httpx.AsyncClient, case: dict[str, Any]
) -> None:
    path = "/api/v1/query_range" if "rangeQuery" in case else QUERY_PATH
    scripted.reply(path, Reply(body=argo_answer(case)))
    config: dict[str, Any] = {"address": scripted.base_url, "query": "test"}
    if "rangeQuery" in case:
        config["rangeQuery"] = {**ARGO_DEFAULT_RANGE, **case["rangeQuery"]}
    if case["expected_phase"] == "Error":  # the provider fails before any condition runs
        error = await failure(config, http)
        assert str(error) == case.get("expected_message", "Prometheus metric type not supported")
        return
    measured = await measure(config, http)
    assert measured.value == case["expected_value"]
    assert measured.metadata["resolvedQuery"] == "test"  # TestGetStatusReturnsResolvedQuery
    for key, value in case.get("expected_measurement_metadata", {}).items():
        assert measured.metadata[key] == value
    got = phase(measured.result, case.get("successCondition", ""), case.get("failureCondition", ""))
    assert got[0] == case["expected_phase"]
    if "expected_sent" in case:
        sent = parse_qs(scripted.last(path).body.decode())
        expected = case["expected_sent"]
        assert float(sent["start"][0]) == _unix(expected["start"])
        assert float(sent["end"][0]) == _unix(expected["end"])
        assert sent["step"] == ["60"]  # "1m0s"


@pytest.mark.parametrize("case", cases(BUILD_ERRORS))
async def test_argo_vectors_range_query_errors(
    http: httpx.AsyncClient, case: dict[str, Any]
) -> None:
    config = {
        "address": "http://p:9090",
        "query": "test",
        "rangeQuery": {**ARGO_DEFAULT_RANGE, **case["rangeQuery"]},
    }
    with pytest.raises(ConfigError) as caught:
        PrometheusProvider(config, http=http)
    assert str(caught.value) == case["expected_message"]


async def test_range_query_times_follow_the_measurement_clock(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply("/api/v1/query_range", Reply(body=answer("matrix", [])))
    config = {
        "address": scripted.base_url,
        "query": "up",
        "rangeQuery": {
            "start": 'now() - duration("1h30m")',
            "end": 'now() - duration("30s")',
            "step": "15s",
        },
    }
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    measured = await measure(config, http, now=now)
    assert (measured.result, measured.value) == ([], "[]")
    sent = parse_qs(scripted.last("/api/v1/query_range").body.decode())
    assert float(sent["start"][0]) == (now - timedelta(hours=1, minutes=30)).timestamp()
    assert float(sent["end"][0]) == (now - timedelta(seconds=30)).timestamp()
    assert sent["step"] == ["15"]
