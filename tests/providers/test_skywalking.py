"""The SkyWalking provider against the schema-validating fake OAP (and MockTransport for Argo's
own test vectors, which answer shapes no real OAP would)."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import MeasureContext, Measured, Provider
from providers.errors import (
    ConfigError,
    NoDataError,
    ProviderError,
    QueryError,
    UnavailableError,
)
from providers.skywalking import SkyWalkingProvider
from tests.fakes.fake_oap import FakeOAP, Fault
from tests.support.tls import self_signed as certificate_for

CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
NOW = datetime(2024, 5, 1, 13, 4, 30, tzinfo=UTC)
VECTORS = Path(__file__).resolve().parents[1] / "data" / "argo-vectors.json"

# The query from Argo Rollouts' SkyWalking documentation, with the service argument resolved.
ARGO_QUERY = """query queryData($duration: Duration!) {
  service_apdex: readMetricsValues(
    condition: { name: "service_apdex",
                 entity: { scope: Service, serviceName: "SERVICE", normal: true } },
    duration: $duration) {
      label values { values { value } }
  }
}""".replace("SERVICE", CANARY)
WITH_EMPTY_FLAG = ARGO_QUERY.replace("{ value }", "{ value isEmptyValue }")
# What augur sends for it: the flag it reads added under an alias of its own.
SENT_QUERY = ARGO_QUERY.replace("{ value }", "{ value _augur_isEmptyValue: isEmptyValue }")
ENTITY = f'{{serviceName: "{CANARY}", normal: true}}'


def mqe(expression: str) -> str:
    return (
        "query q($duration: Duration!) { apdex: execExpression("
        f'expression: "{expression}", entity: {ENTITY}, duration: $duration) '
        "{ type error results { values { id value } } } }"
    )


def all_at_least(points: list[dict[str, Any]], threshold: float) -> bool:
    """Argo's ``all(result.service_apdex.values.values, {asFloat(.value) >= 9900})`` by hand."""
    return all(float(point["value"]) >= threshold for point in points)


def provider(http: httpx.AsyncClient, address: str, **fields: Any) -> SkyWalkingProvider:
    config = {"address": address, "query": ARGO_QUERY, "interval": "5m", **fields}
    return SkyWalkingProvider(config, http=http)


async def measure(p: Provider, now: datetime = NOW) -> Measured:
    return await p.measure(MeasureContext(now=now, metric_name="apdex"))


def sent_duration(fake: FakeOAP) -> Any:
    return fake.requests[-1].variables["duration"]


# ------------------------------------------------------------------------- Argo behaviour


@pytest.mark.parametrize(
    ("apdex", "passes"),
    [pytest.param(9950, True, id="healthy"), pytest.param(9500, False, id="degraded")],
)
async def test_argo_documented_query(
    fake_oap: FakeOAP, http: httpx.AsyncClient, apdex: int, passes: bool
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", apdex)
    measured = await measure(provider(http, fake_oap.url))
    points = measured.result["service_apdex"]["values"]["values"]
    assert len(points) == 6
    assert all(isinstance(p["value"], float) for p in points), "Go decodes numbers as float64"
    assert all_at_least(points, 9900) is passes
    expected_points = ",".join([f'{{"value":{apdex}}}'] * 6)
    assert measured.value == (
        f'{{"service_apdex":{{"label":null,"values":{{"values":[{expected_points}]}}}}}}'
    )


@pytest.mark.parametrize(
    ("fields", "sent"),
    [
        pytest.param({}, SENT_QUERY, id="augur-adds-the-empty-flag"),
        pytest.param({"noData": "argo"}, ARGO_QUERY, id="argo-exactly"),
    ],
)
async def test_request_is_argos(
    fake_oap: FakeOAP, http: httpx.AsyncClient, fields: dict[str, Any], sent: str
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    await measure(provider(http, fake_oap.url, **fields))
    request = fake_oap.requests[-1]
    assert request.payload == {
        "query": sent,
        "variables": {
            "duration": {"start": "2024-05-01 1259", "end": "2024-05-01 1304", "step": "MINUTE"}
        },
    }
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["accept"] == "application/json; charset=utf-8"
    assert "authorization" not in request.headers


async def test_metadata_describes_the_fetch(fake_oap: FakeOAP, http: httpx.AsyncClient) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    measured = await measure(provider(http, fake_oap.url))
    latency = measured.metadata["latencySeconds"]
    assert float(latency) == pytest.approx(measured.latency_seconds, abs=1e-6)
    assert 0 < measured.latency_seconds < 5
    assert {k: v for k, v in measured.metadata.items() if k != "latencySeconds"} == {
        "resolvedQuery": ARGO_QUERY,
        "durationStart": "2024-05-01 1259",
        "durationEnd": "2024-05-01 1304",
        "durationStep": "MINUTE",
        "timezone": "UTC",
        "emptyPoints": "0/6",
    }


@pytest.mark.parametrize(
    ("fields", "now", "expected"),
    [
        pytest.param({}, NOW, ("2024-05-01 1259", "2024-05-01 1304", "MINUTE"), id="argo-default"),
        pytest.param(
            {},
            NOW.replace(second=59, microsecond=999999),
            ("2024-05-01 1259", "2024-05-01 1304", "MINUTE"),
            id="seconds-dropped",
        ),
        pytest.param(
            {},
            NOW.astimezone(timezone(timedelta(hours=2))),
            ("2024-05-01 1259", "2024-05-01 1304", "MINUTE"),
            id="now-in-another-zone",
        ),
        pytest.param(
            {"interval": "1h30m"},
            NOW,
            ("2024-05-01 1134", "2024-05-01 1304", "MINUTE"),
            id="go-duration",
        ),
        pytest.param(
            {"interval": "1.5m"},
            NOW,
            ("2024-05-01 1303", "2024-05-01 1304", "MINUTE"),
            id="fractional-interval",
        ),
        pytest.param(
            {"timezone": "+0800"},
            NOW,
            ("2024-05-01 2059", "2024-05-01 2104", "MINUTE"),
            id="fixed-offset",
        ),
        pytest.param(
            {"timezone": "Asia/Shanghai"},
            NOW,
            ("2024-05-01 2059", "2024-05-01 2104", "MINUTE"),
            id="iana-zone",
        ),
        pytest.param(
            {"timezone": "America/New_York"},
            NOW,
            ("2024-05-01 0859", "2024-05-01 0904", "MINUTE"),
            id="iana-zone-dst",
        ),
        pytest.param(
            {"timezone": "-05:30"},
            NOW,
            ("2024-05-01 0729", "2024-05-01 0734", "MINUTE"),
            id="half-hour-offset",
        ),
        pytest.param(
            {"excludeLatest": True},
            NOW,
            ("2024-05-01 1258", "2024-05-01 1303", "MINUTE"),
            id="exclude-latest",
        ),
        pytest.param(
            {"step": "HOUR", "interval": "3h"},
            NOW,
            ("2024-05-01 10", "2024-05-01 13", "HOUR"),
            id="hour",
        ),
        pytest.param(
            {"step": "day", "interval": "48h"}, NOW, ("2024-04-29", "2024-05-01", "DAY"), id="day"
        ),
        pytest.param(
            {"step": "SECOND", "interval": "30s"},
            NOW,
            ("2024-05-01 130400", "2024-05-01 130430", "SECOND"),
            id="second",
        ),
        pytest.param(
            {"step": "auto", "interval": "8h"},
            NOW,
            ("2024-05-01 0504", "2024-05-01 1304", "MINUTE"),
            id="auto-minute",
        ),
        pytest.param(
            {"step": "auto", "interval": "24h"},
            NOW,
            ("2024-04-30 13", "2024-05-01 13", "HOUR"),
            id="auto-hour",
        ),
        pytest.param(
            {"step": "auto", "interval": "720h"},
            NOW,
            ("2024-04-01", "2024-05-01", "DAY"),
            id="auto-day",
        ),
        pytest.param(
            {"step": "HOUR", "interval": "1h", "excludeLatest": True},
            NOW,
            ("2024-05-01 11", "2024-05-01 12", "HOUR"),
            id="exclude-latest-hour",
        ),
    ],
)
async def test_duration_variable(
    fake_oap: FakeOAP,
    http: httpx.AsyncClient,
    fields: dict[str, Any],
    now: datetime,
    expected: tuple[str, str, str],
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    measured = await measure(provider(http, fake_oap.url, **fields), now)
    start, end, step = expected
    assert sent_duration(fake_oap) == {"start": start, "end": end, "step": step}
    assert (measured.metadata["durationStart"], measured.metadata["durationEnd"]) == (start, end)


async def test_timezone_auto_asks_the_oap_once(http: httpx.AsyncClient) -> None:
    with FakeOAP(timezone=timezone(timedelta(hours=8))) as fake:
        fake.set_series(CANARY, "service_apdex", 9950)
        p = provider(http, fake.url, timezone="auto")
        first = await measure(p)
        await measure(p)
    queries = [r.payload["query"] for r in fake.requests]
    assert sum("getTimeInfo" in q for q in queries) == 1
    assert fake.requests[1].variables["duration"]["end"] == "2024-05-01 2104"
    assert first.metadata["timezone"] == "+0800 (auto)"


@pytest.mark.parametrize(
    ("fields", "values", "passes", "empty_points"),
    [
        pytest.param({}, [9950.0] * 5, True, "1/6", id="augur-leaves-the-empty-minute-out"),
        pytest.param(
            {"excludeLatest": True}, [9950.0] * 6, True, "0/6", id="exclude-latest-never-asks"
        ),
        pytest.param({"noData": "argo"}, [9950.0] * 5 + [0.0], False, None, id="argo-zero"),
    ],
)
async def test_the_partial_newest_minute(
    fake_oap: FakeOAP,
    http: httpx.AsyncClient,
    fields: dict[str, Any],
    values: list[float],
    passes: bool,
    empty_points: str | None,
) -> None:
    """The OAP has not aggregated the current minute yet: an empty point, answered as 0."""
    current_minute = NOW.replace(second=0)
    fake_oap.set_series(CANARY, "service_apdex", lambda t: None if t >= current_minute else 9950)
    measured = await measure(provider(http, fake_oap.url, **fields))
    points = measured.result["service_apdex"]["values"]["values"]
    assert [p["value"] for p in points] == values
    assert all_at_least(points, 9900) is passes
    assert measured.metadata.get("emptyPoints") == empty_points


async def test_extra_variables_and_headers(fake_oap: FakeOAP, http: httpx.AsyncClient) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    query = ARGO_QUERY.replace("$duration: Duration!", "$duration: Duration!, $svc: String!")
    query = query.replace(f'"{CANARY}"', "$svc")
    p = provider(
        http,
        fake_oap.url,
        query=query,
        variables={"svc": CANARY},
        headers=[{"key": "X-Tenant", "value": "a"}, {"key": "accept", "value": "application/json"}],
    )
    measured = await measure(p)
    assert all_at_least(measured.result["service_apdex"]["values"]["values"], 9900)
    request = fake_oap.requests[-1]
    assert request.variables["svc"] == CANARY
    assert request.headers["x-tenant"] == "a"
    assert request.headers["accept"] == "application/json", "a user header replaces Argo's"


@pytest.mark.parametrize(
    ("expression", "values"),
    [
        pytest.param("service_apdex", ["9950"] * 6, id="time-series"),
        pytest.param("avg(service_apdex) / 100", ["99.5"], id="aggregated"),
    ],
)
async def test_mqe(
    fake_oap: FakeOAP, http: httpx.AsyncClient, expression: str, values: list[str]
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    measured = await measure(provider(http, fake_oap.url, query=mqe(expression)))
    (series,) = measured.result["apdex"]["results"]
    assert [v["value"] for v in series["values"]] == values
    assert all_at_least(series["values"], 99)
    assert measured.value.startswith('{"apdex":{"error":null,"results":[{"values":[{"id":')


# ------------------------------------------------------------------------- no data


NULLABLE = (
    "query q($duration: Duration!) { v: readNullableMetricsValue(condition: "
    f'{{name: "service_apdex", entity: {ENTITY}}}, duration: $duration) {{ value isEmptyValue }} }}'
)
LABELED = (
    "query q($duration: Duration!) { p: readLabeledMetricsValues(condition: "
    f'{{name: "service_percentile", entity: {{serviceName: "{CANARY}", '
    'endpointName: "GET:/reviews"}}, labels: ["P99"], duration: $duration) '
    "{ label values { values { value isEmptyValue } } } }"
)
WINDOW_TEXT = "between 2024-05-01 1259 and 2024-05-01 1304 (MINUTE, UTC)"


@pytest.mark.parametrize(
    ("query", "setup", "error", "message"),
    [
        pytest.param(
            WITH_EMPTY_FLAG,
            None,
            NoDataError,
            f'no data from SkyWalking for metric service_apdex of service "{CANARY}" '
            f"{WINDOW_TEXT}: all 6 points are empty (field service_apdex: readMetricsValues)",
            id="v2-all-points-empty",
        ),
        pytest.param(
            NULLABLE,
            None,
            NoDataError,
            f'no data from SkyWalking for metric service_apdex of service "{CANARY}" '
            f"{WINDOW_TEXT}: the only point is empty (field v: readNullableMetricsValue)",
            id="v2-nullable-empty",
        ),
        pytest.param(
            LABELED,
            None,
            NoDataError,
            f'no data from SkyWalking for metric service_percentile of service "{CANARY}", '
            f'endpoint "GET:/reviews" {WINDOW_TEXT}: all 6 points of label "P99" are empty '
            "(field p: readLabeledMetricsValues)",
            id="v2-labeled-empty",
        ),
        pytest.param(
            mqe("service_apdex"),
            None,
            NoDataError,
            f'no data from SkyWalking for expression "service_apdex" of service "{CANARY}" '
            f"{WINDOW_TEXT}: all 6 values are null (field apdex: execExpression)",
            id="mqe-all-null",
        ),
        pytest.param(
            mqe("service_apdex"),
            {"type": "TIME_SERIES_VALUES", "results": [], "error": None},
            NoDataError,
            f'no data from SkyWalking for expression "service_apdex" of service "{CANARY}" '
            f"{WINDOW_TEXT}: no results (field apdex: execExpression)",
            id="mqe-empty-results",
        ),
        pytest.param(
            mqe("service_apdx"),
            None,
            QueryError,
            f'SkyWalking MQE expression "service_apdx" of service "{CANARY}" failed: '
            "Metric: [service_apdx] does not exist. (field apdex: execExpression)",
            id="mqe-unknown-metric",
        ),
        pytest.param(
            mqe("service_apdex"),
            {"type": "UNKNOWN", "results": [], "error": None},
            QueryError,
            f'SkyWalking MQE expression "service_apdex" of service "{CANARY}" failed: '
            "the OAP could not resolve the expression type (UNKNOWN) (field apdex: execExpression)",
            id="mqe-unknown-without-error",
        ),
    ],
)
async def test_no_data_is_never_a_silent_zero(
    fake_oap: FakeOAP,
    http: httpx.AsyncClient,
    query: str,
    setup: dict[str, Any] | None,
    error: type[ProviderError],
    message: str,
) -> None:
    if setup is not None:
        fake_oap.set_mqe_result("service_apdex", setup)
    with pytest.raises(error) as caught:
        await measure(provider(http, fake_oap.url, query=query))
    assert type(caught.value) is error
    assert str(caught.value) == message
    assert caught.value.provider == "skywalking"


async def test_no_data_argo_hands_the_zeros_to_the_conditions(
    fake_oap: FakeOAP, http: httpx.AsyncClient
) -> None:
    """``noData: argo``: the query goes out as written and the OAP's zeros are the result."""
    measured = await measure(provider(http, fake_oap.url, noData="argo"))
    assert fake_oap.requests[-1].payload["query"] == ARGO_QUERY
    assert [p["value"] for p in measured.result["service_apdex"]["values"]["values"]] == [0.0] * 6
    assert "emptyPoints" not in measured.metadata


async def test_one_empty_field_among_several_is_no_data(
    fake_oap: FakeOAP, http: httpx.AsyncClient
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    query = WITH_EMPTY_FLAG.replace(
        "\n}",
        '\n  stable: readMetricsValues(condition: { name: "service_apdex", '
        'entity: { serviceName: "stable|reviews|bookinfo|cp-cluster-1|-", normal: true } }, '
        "duration: $duration) { values { values { isEmptyValue value } } }\n}",
    )
    with pytest.raises(NoDataError, match=r'service "stable\|reviews.*\(field stable: '):
        await measure(provider(http, fake_oap.url, query=query))


# ------------------------------------------------------------------------- errors


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("fault", "fields", "error", "status", "message"),
    [
        pytest.param(
            Fault(errors=["boom"]), {}, QueryError, 200, "graphql: boom", id="graphql-errors-200"
        ),
        pytest.param(
            Fault(errors=["first", "second"], status=400),
            {},
            QueryError,
            400,
            "graphql: first",
            id="graphql-errors-400",
        ),
        pytest.param(
            None,
            {"query": "query q { readMetricsValuez { id } }"},
            QueryError,
            400,
            "graphql: Validation error (FieldUndefined) : Cannot query field "
            "'readMetricsValuez' on type 'Query'. Did you mean 'readMetricsValue' or "
            "'readMetricsValues'?",
            id="invalid-query-rejected-by-oap",
        ),
        pytest.param(
            None,
            {"interval": "10h"},
            QueryError,
            200,
            "graphql: Exception while fetching data (/service_apdex) : Duration data "
            "error, the range between the start time and the end time can't exceed "
            "500 minutes",
            id="oap-resolver-error",
        ),
        pytest.param(
            Fault(status=503, body="<html>Service Unavailable</html>"),
            {},
            UnavailableError,
            503,
            "skywalking: OAP answered 503 Service Unavailable: <html>Service Unavailable</html>",
            id="503-html",
        ),
        pytest.param(
            Fault(status=500, errors=["NullPointerException"]),
            {},
            UnavailableError,
            500,
            "skywalking: OAP answered 500 Internal Server Error: NullPointerException",
            id="500-graphql-errors",
        ),
        pytest.param(
            Fault(body="<html>gateway</html>"),
            {},
            QueryError,
            200,
            "decoding response: Expecting value: line 1 column 1 (char 0)",
            id="garbage-200",
        ),
        pytest.param(
            Fault(body='{"data": null}'),
            {},
            NoDataError,
            200,
            "no results returned from SkyWalking query",
            id="data-null",
        ),
        pytest.param(
            Fault(body="[1, 2]"),
            {},
            QueryError,
            200,
            "decoding response: expected a JSON object, got [1, 2]",
            id="not-an-object",
        ),
        pytest.param(
            Fault(status=404, body="Not Found"),
            {},
            QueryError,
            404,
            "skywalking: OAP answered 404 Not Found: Not Found",
            id="404",
        ),
        pytest.param(
            Fault(delay=2),
            {"timeoutSeconds": 0.2},
            UnavailableError,
            None,
            'Post "{url}/graphql": timed out after 0.2s (ReadTimeout)',
            id="slow",
        ),
    ],
)
async def test_upstream_errors(
    fake_oap: FakeOAP,
    http: httpx.AsyncClient,
    fault: Fault | None,
    fields: dict[str, Any],
    error: type[ProviderError],
    status: int | None,
    message: str,
) -> None:
    fake_oap.set_fault(fault)
    with pytest.raises(error) as caught:
        await measure(provider(http, fake_oap.url, **fields))
    assert type(caught.value) is error
    assert str(caught.value) == message.format(url=fake_oap.url)
    assert caught.value.status == status
    assert caught.value.retryable is (error is UnavailableError)


async def test_graphql_errors_keep_every_upstream_message(
    fake_oap: FakeOAP, http: httpx.AsyncClient
) -> None:
    fake_oap.set_fault(Fault(errors=["first", "second"]))
    with pytest.raises(QueryError) as caught:
        await measure(provider(http, fake_oap.url))
    assert caught.value.upstream_message == "first; second"


async def test_connection_refused(http: httpx.AsyncClient) -> None:
    address = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(UnavailableError) as caught:
        await measure(provider(http, address))
    assert str(caught.value).startswith(f'Post "{address}/graphql": ConnectError: ')
    assert caught.value.retryable


# ------------------------------------------------------------------------- secrets

SECRET = "s3cr3t-t0ken-value"


@pytest.mark.parametrize(
    ("fields", "sent"),
    [
        pytest.param(
            {"authentication": {"bearer": {"token": SECRET}}}, f"Bearer {SECRET}", id="bearer"
        ),
        pytest.param(
            {"authentication": {"basicAuth": {"username": "augur", "password": SECRET}}},
            "Basic " + base64.b64encode(f"augur:{SECRET}".encode()).decode(),
            id="basic",
        ),
        pytest.param(
            {"headers": {"Authorization": f"Token {SECRET}"}}, f"Token {SECRET}", id="header"
        ),
    ],
)
async def test_secrets_are_sent_but_never_shown(
    fake_oap: FakeOAP, http: httpx.AsyncClient, fields: dict[str, Any], sent: str
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    p = provider(http, fake_oap.url, **fields)
    measured = await measure(p)
    assert fake_oap.requests[-1].headers["authorization"] == sent
    assert SECRET not in json.dumps(dict(measured.metadata))
    encoded = base64.b64encode(f"augur:{SECRET}".encode()).decode()
    for fault in (
        Fault(status=503),
        Fault(errors=["denied"]),
        Fault(body="junk"),
        Fault(status=401, body="Unauthorized"),
    ):
        fake_oap.set_fault(fault)
        with pytest.raises(ProviderError) as caught:
            await measure(p)
        shown = f"{caught.value} {caught.value.upstream_message} {caught.value!r}"
        assert SECRET not in shown
        assert encoded not in shown


async def test_credentials_in_the_address_are_not_shown(http: httpx.AsyncClient) -> None:
    address = f"http://augur:{SECRET}@127.0.0.1:{_closed_port()}"
    with pytest.raises(UnavailableError) as caught:
        await measure(provider(http, address))
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"headers": [{"key": "", "value": SECRET}]}, id="header-without-key"),
        pytest.param({"headers": [{"key": "X-Token", "value": 12}]}, id="header-not-a-string"),
        pytest.param({"authentication": {"basicAuth": {"username": SECRET}}}, id="no-password"),
    ],
)
def test_config_errors_do_not_echo_secrets(http: httpx.AsyncClient, fields: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as caught:
        provider(http, "http://oap:12800", **fields)
    assert SECRET not in str(caught.value)


# ------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"address": ""}, "skywalking: address is required", id="no-address"),
        pytest.param(
            {"address": "oap:12800"},
            "skywalking: address must start with http:// or https://, got 'oap:12800'",
            id="no-scheme",
        ),
        pytest.param({"query": None}, "skywalking: query is required", id="no-query"),
        pytest.param(
            {"query": "query q { readMetricsValues("},
            "skywalking: query is not valid GraphQL: Syntax Error: Expected Name, found "
            "<EOF>. at line 1, column 29",
            id="query-syntax",
        ),
        pytest.param({"interval": ""}, 'time: invalid duration ""', id="empty-interval-argo"),
        pytest.param({"interval": None}, 'time: invalid duration ""', id="missing-interval-argo"),
        pytest.param({"interval": "1d"}, 'time: unknown unit "d" in duration "1d"', id="day-unit"),
        pytest.param({"interval": "5"}, 'time: missing unit in duration "5"', id="no-unit"),
        pytest.param(
            {"interval": "-5m"},
            "skywalking: interval must be positive, got '-5m'",
            id="negative-interval",
        ),
        pytest.param(
            {"timezone": "Mars/Olympus"},
            "skywalking: unknown timezone 'Mars/Olympus': use UTC, an IANA name, +HHMM or auto",
            id="bad-timezone",
        ),
        pytest.param(
            {"step": "WEEK"},
            "skywalking: step must be one of SECOND, MINUTE, HOUR, DAY or auto, got 'WEEK'",
            id="bad-step",
        ),
        pytest.param(
            {"intervall": "5m"},
            "skywalking: unknown field(s) intervall; known: address, authentication, "
            "excludeLatest, headers, insecure, interval, noData, query, step, timeoutSeconds, "
            "timezone, variables",
            id="typo",
        ),
        pytest.param(
            {"variables": {"duration": {}}},
            "skywalking: variables must not set duration: it is computed from interval",
            id="duration-variable",
        ),
        pytest.param(
            {"query": ARGO_QUERY.replace("Duration!)", "Duration!, $svc: String!)")},
            "skywalking: query requires $svc but variables does not set it",
            id="missing-variable",
        ),
        pytest.param(
            {"query": "query a { version } query b { version }"},
            "skywalking: query must contain exactly one operation, found 2",
            id="two-operations",
        ),
        pytest.param(
            {"query": "mutation m { version }"},
            "skywalking: only query operations are allowed, got mutation",
            id="mutation",
        ),
        pytest.param(
            {"timeoutSeconds": 0},
            "skywalking: timeoutSeconds must be a positive number, got 0",
            id="timeout",
        ),
        pytest.param(
            {"excludeLatest": "yes"},
            "skywalking: excludeLatest must be true or false, got 'yes'",
            id="bool",
        ),
        pytest.param(
            {"authentication": {"oauth2": {}}},
            "skywalking: authentication must set one of basicAuth, bearer (got oauth2)",
            id="unsupported-auth",
        ),
    ],
)
def test_config_errors(http: httpx.AsyncClient, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SkyWalkingProvider(
            {"address": "http://oap:12800", "query": ARGO_QUERY, "interval": "5m", **fields},
            http=http,
        )
    assert str(caught.value) == message
    assert caught.value.provider == "skywalking"


# ------------------------------------------------------------------------- lifecycle


async def test_check(fake_oap: FakeOAP, http: httpx.AsyncClient) -> None:
    p = provider(http, fake_oap.url)
    assert isinstance(p, Provider)
    assert p.kind == "skywalking"
    await p.check()
    assert "getTimeInfo" in fake_oap.requests[-1].payload["query"]
    fake_oap.set_fault(Fault(status=502))
    with pytest.raises(UnavailableError):
        await p.check()
    with pytest.raises(UnavailableError):
        await provider(http, f"http://127.0.0.1:{_closed_port()}").check()


async def test_aclose_leaves_the_injected_client_open(
    fake_oap: FakeOAP, http: httpx.AsyncClient
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    p = provider(http, fake_oap.url)
    await p.aclose()
    assert not http.is_closed
    insecure = provider(http, fake_oap.url, insecure=True)
    await measure(insecure)
    await insecure.aclose()
    assert not http.is_closed


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return certificate_for(tmp_path_factory.mktemp("tls"), "127.0.0.1")


@pytest.mark.parametrize(
    ("insecure", "error"),
    [pytest.param(False, UnavailableError, id="verified"), pytest.param(True, None, id="insecure")],
)
async def test_tls_verification(
    http: httpx.AsyncClient,
    self_signed: tuple[Path, Path],
    insecure: bool,
    error: type[ProviderError] | None,
) -> None:
    with FakeOAP(tls=self_signed) as fake:
        fake.set_series(CANARY, "service_apdex", 9950)
        p = provider(http, fake.url, insecure=insecure)
        try:
            if error is None:
                measured = await measure(p)
                assert all_at_least(measured.result["service_apdex"]["values"]["values"], 9900)
            else:
                with pytest.raises(error, match="CERTIFICATE_VERIFY_FAILED"):
                    await measure(p)
        finally:
            await p.aclose()


def test_parsed_query_is_cached(http: httpx.AsyncClient) -> None:
    first = provider(http, "http://oap:12800")
    second = provider(http, "http://oap:12800")
    assert first._config.document is second._config.document


# ------------------------------------------------------------------------- Argo's vectors


def _argo_cases() -> list[Any]:
    cases = json.loads(VECTORS.read_text())["skywalking"]
    return [
        pytest.param(case, id=case["source"].split(":")[1])
        for case in cases
        if "fact" not in case and "resolve" not in case.get("query_error", "")
    ]


# The vectors' conditions, translated by hand (the expression engine lives in app/expr).
CONDITIONS: dict[str, Callable[[Any], bool]] = {
    "result.count == 10": lambda r: r["count"] == 10,
    "result.count != 10": lambda r: r["count"] != 10,
    "result[0].count == 10": lambda r: r[0]["count"] == 10,
    "result[2].count < 20": lambda r: r[2]["count"] < 20,
}


@pytest.mark.parametrize("case", _argo_cases())
async def test_argo_vectors(case: dict[str, Any]) -> None:
    def answer(_: httpx.Request) -> httpx.Response:
        if "query_error" in case:
            return httpx.Response(200, json={"data": None})
        return httpx.Response(200, json={"data": case["query_result_data"]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        p = provider(client, "http://oap:12800")
        if case["expected_phase"] == "Error":
            with pytest.raises(ProviderError) as caught:
                await measure(p)
            assert str(caught.value) == case["expected_message"]
            return
        measured = await measure(p)
    assert measured.value == case["expected_value"]
    success = CONDITIONS[case["successCondition"]](measured.result)
    failure = CONDITIONS[case["failureCondition"]](measured.result)
    phase = "Failed" if failure else "Successful" if success else "Inconclusive"
    assert phase == case["expected_phase"]


def test_argo_vectors_are_all_used() -> None:
    assert len(_argo_cases()) == 4
