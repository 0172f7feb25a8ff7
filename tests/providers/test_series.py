"""A canary config's query as one series a side (`providers.series`), against the schema-checking
fake OAP, a scripted Prometheus and a real one.

Each source answers one value per step of the window, NaN where the backend has no point, each
with the time it stands for; what it cannot answer (several series, an MQE error, a step the
OAP does not have) is an error naming the query.
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

from providers import registry
from providers.base import MeasureContext, Measured
from providers.errors import ConfigError, ProviderError, QueryError
from providers.series import Series, SeriesWindow, build_series
from tests.fakes.exporter import exporter
from tests.fakes.fake_oap import FakeOAP
from tests.fakes.scripted import Reply, ScriptedServer
from tests.support.prometheus import Prometheus, prometheus_server

START = datetime(2026, 12, 5, 10, 0, 30, tzinfo=UTC)  # mid-minute: the OAP's bucket is 10:00
SERVICE = "canary|reviews|bookinfo|cp-cluster-1|-"


def window(minutes: int = 10, *, step: int = 60, scope: str = SERVICE) -> SeriesWindow:
    return SeriesWindow(
        scope=scope,
        location="us-east-1",
        start=START,
        end=START + timedelta(minutes=minutes),
        step=timedelta(seconds=step),
    )


def values(series: Series) -> list[float | None]:
    return [None if math.isnan(v) else v for v in series.values]


async def fetch(query: Mapping[str, Any], http: httpx.AsyncClient, **kw: Any) -> Series:
    return await build_series(query, http=http).series(window(**kw))


async def test_a_skywalking_metric_with_gaps(fake_oap: FakeOAP, http: httpx.AsyncClient) -> None:
    fake_oap.set_series(SERVICE, "service_apdex", lambda t: None if t.minute % 5 == 0 else t.minute)
    query = {"type": "skywalking", "metricName": "service_apdex", "address": fake_oap.url}
    series = await fetch(query, http)
    assert values(series) == [None, 1, 2, 3, 4, None, 6, 7, 8, 9]
    assert series.times[0] == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert series.times[-1] == datetime(2026, 12, 5, 10, 9, tzinfo=UTC)
    assert series.query == f'readMetricsValues service_apdex of service "{SERVICE}"'
    sent = fake_oap.requests[-1].variables
    assert sent["condition"] == {
        "name": "service_apdex",
        "entity": {"serviceName": SERVICE, "normal": True},
    }
    assert sent["duration"] == {
        "start": "2026-12-05 1000",
        "end": "2026-12-05 1010",
        "step": "MINUTE",
    }


async def test_an_mqe_expression(fake_oap: FakeOAP, http: httpx.AsyncClient) -> None:
    fake_oap.set_series(SERVICE, "service_resp_time", lambda t: None if t.minute == 3 else 100)
    query = {"type": "skywalking", "expression": "service_resp_time * 2", "address": fake_oap.url}
    series = await fetch(query, http, minutes=5)
    assert values(series) == [200, 200, 200, None, 200]
    assert series.query == f'execExpression "service_resp_time * 2" of service "{SERVICE}"'


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            {"type": "UNKNOWN", "results": [], "error": "Metric: [x] dose not exist."},
            'skywalking: execExpression "x" of service "{s}" failed: Metric: [x] dose not exist.',
        ),
        (
            {
                "type": "TIME_SERIES_VALUES",
                "results": [
                    {"metric": {"labels": [{"key": "p", "value": v}]}, "values": []}
                    for v in ("50", "99")
                ],
            },
            'skywalking: execExpression "x" of service "{s}" answered 2 series (one per label '
            "set); a judgement compares one series a side: aggregate them in the expression",
        ),
    ],
    ids=["mqe-error", "several-series"],
)
async def test_mqe_answers_a_judgement_cannot_use(
    fake_oap: FakeOAP, http: httpx.AsyncClient, answer: dict[str, Any], message: str
) -> None:
    fake_oap.set_mqe_result("x", answer)
    query = {"type": "skywalking", "expression": "x", "address": fake_oap.url}
    with pytest.raises(QueryError) as caught:
        await fetch(query, http)
    assert str(caught.value) == message.format(s=SERVICE)


async def test_the_oaps_steps_only(fake_oap: FakeOAP, http: httpx.AsyncClient) -> None:
    source = build_series(
        {"type": "skywalking", "metricName": "service_sla", "address": fake_oap.url}, http=http
    )
    with pytest.raises(ConfigError) as caught:
        source.check_window(window(step=300))
    assert str(caught.value) == (
        "skywalking: step 300s: the OAP answers steps of 1 (SECOND), 60 (MINUTE), 3600 (HOUR), "
        "86400 (DAY) seconds"
    )
    fake_oap.set_series(SERVICE, "service_sla", 10000)
    hourly = await source.series(window(minutes=180, step=3600))
    assert values(hourly) == [10000, 10000, 10000]
    assert hourly.times[0] == datetime(2026, 12, 5, 10, tzinfo=UTC)


class Secrets:
    def __init__(self, found: dict[tuple[str, str, str | None], str]) -> None:
        self.found = found

    def secret(self, name: str, key: str, *, namespace: str | None = None) -> str | None:
        return self.found.get((name, key, namespace))

    def env(self, name: str) -> str | None:
        return None


async def test_a_bearer_token_from_a_secret(fake_oap: FakeOAP, http: httpx.AsyncClient) -> None:
    fake_oap.set_series(SERVICE, "service_sla", 10000)
    query = {
        "type": "skywalking",
        "metricName": "service_sla",
        "address": fake_oap.url,
        "bearerTokenSecret": {"name": "oap", "key": "token"},
    }
    credentials = Secrets({("oap", "token", "bookinfo"): "s3cret\n"})
    source = build_series(query, http=http, credentials=credentials, namespace="bookinfo")
    await source.series(window())
    assert fake_oap.requests[-1].headers["authorization"] == "Bearer s3cret"
    with pytest.raises(ConfigError) as caught:
        build_series(query, http=http, credentials=Secrets({}), namespace="other")
    assert str(caught.value) == "bearerTokenSecret: no key 'token' in Secret 'oap'"
    build_series(query, http=http)  # checking a config reads no secret


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (None, "query is required: {type: skywalking|prometheus, ...}"),
        ({"type": "datadog"}, "type: must be one of prometheus, skywalking, got 'datadog'"),
        (
            {"type": "prometheus", "query": "up"},
            "address: required: the query names no address and no default is set for "
            "prometheus (AUGUR_PROMETHEUS_ADDRESS)",
        ),
        (
            {"type": "skywalking", "metricName": "", "address": "http://oap:12800"},
            "skywalking: metricName must be a non-empty string",
        ),
        (
            {"type": "skywalking", "metricName": "a", "address": "oap:12800"},
            "skywalking: address must start with http:// or https://, got 'oap:12800'",
        ),
        (
            {"type": "skywalking", "metricName": "a", "address": "http://o", "timezone": "Mars"},
            "skywalking: unknown timezone 'Mars': use UTC, an IANA name, +HHMM or auto",
        ),
        (
            {"type": "prometheus", "address": "http://p:9090", "bearerTokenSecret": "tok"},
            "bearerTokenSecret must be {name, key}: the Secret holding the token",
        ),
        (
            {"type": "prometheus", "address": "http://p:9090"},
            "prometheus: set one of query or customInlineTemplate (PromQL with ${scope})",
        ),
    ],
    ids=[
        "none",
        "unknown-type",
        "no-address",
        "empty-metric",
        "bad-address",
        "bad-timezone",
        "secret-shape",
        "no-promql",
    ],
)
def test_query_problems(query: Any, message: str, http: httpx.AsyncClient) -> None:
    with pytest.raises(ConfigError) as caught:
        build_series(query, http=http)
    assert str(caught.value) == message


def test_a_default_address(http: httpx.AsyncClient) -> None:
    query = {"type": "prometheus", "query": "up"}
    build_series(query, http=http, addresses={"prometheus": "http://prometheus:9090"})


def matrix(*series: list[tuple[float, str]]) -> str:
    result = [{"metric": {"i": str(i)}, "values": list(s)} for i, s in enumerate(series)]
    return json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}})


async def test_prometheus_range_query(scripted: ScriptedServer, http: httpx.AsyncClient) -> None:
    first = START.timestamp()
    answer = matrix([(first, "1"), (first + 120, "NaN"), (first + 180, "4"), (first + 900, "9")])
    scripted.reply("/api/v1/query_range", Reply(body=answer))
    query = {
        "type": "prometheus",
        "customInlineTemplate": 'PromQL:avg(rate(errors{app="${scope}",zone="${location}"}[1m]))',
        "address": scripted.base_url,
    }
    series = await fetch(query, http, minutes=5, scope="reviews")
    assert values(series) == [1, None, None, 4, None]
    assert series.times[1] == START + timedelta(minutes=1)
    sent = parse_qs(scripted.last("/api/v1/query_range").body.decode())
    assert sent == {
        "query": ['avg(rate(errors{app="reviews",zone="us-east-1"}[1m]))'],
        "start": [f"{first:.0f}"],
        "end": [f"{first + 240:.0f}"],
        "step": ["60"],
    }
    assert series.query == sent["query"][0]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (matrix(), [None] * 5),
        (matrix([], []), "answered 2 series"),
        (
            json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}),
            "prometheus: a range query answered 'vector', not a matrix",
        ),
    ],
    ids=["no-series", "several-series", "not-a-matrix"],
)
async def test_prometheus_answers(
    scripted: ScriptedServer, http: httpx.AsyncClient, body: str, expected: Any
) -> None:
    scripted.reply("/api/v1/query_range", Reply(body=body))
    query = {"type": "prometheus", "query": "up", "address": scripted.base_url}
    if isinstance(expected, list):
        assert values(await fetch(query, http, minutes=5)) == expected
        return
    with pytest.raises(QueryError) as caught:
        await fetch(query, http, minutes=5)
    assert expected in str(caught.value)


@pytest.fixture(scope="module")
def prometheus() -> Iterator[Prometheus]:
    with (
        exporter() as app,
        prometheus_server(target=app.base_url.removeprefix("http://")) as server,
    ):
        yield server


async def test_a_real_prometheus(prometheus: Prometheus, http: httpx.AsyncClient) -> None:
    query = {
        "type": "prometheus",
        "query": 'sum(http_requests_total{code="${scope}"})',
        "address": prometheus.base_url,
    }
    start = datetime.now(UTC)  # the first scrape is just in: ask from now on
    span = SeriesWindow(
        scope="500", start=start, end=start + timedelta(seconds=4), step=timedelta(seconds=1)
    )
    series = await build_series(query, http=http).series(span)
    assert values(series) == [100.0] * 4


class Judged:
    kind = "judge"

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self.config, self.http = config, http

    async def measure(self, ctx: MeasureContext) -> Measured:
        raise ProviderError("not here")

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def test_the_hosts_providers_come_in_through_extra(http: httpx.AsyncClient) -> None:
    built = registry.build({"judge": {"x": 1}}, http=http, extra={"judge": Judged})
    assert isinstance(built, Judged)
    assert (built.config, built.http) == ({"x": 1}, http)
    assert "judge" in registry.known_providers({}, {"judge": Judged})
    with pytest.raises(ConfigError) as caught:
        registry.build({"judge": {}}, http=http, plugins={})
    assert str(caught.value).startswith("unknown provider 'judge'; known providers: ")
