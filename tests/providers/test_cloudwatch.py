"""provider.cloudWatch through aiobotocore against a loopback server that answers as AWS does.

Argo's ``cloudwatch_test.go`` mocks its API client; each case is served here as the wire answer
that parses to the mocked output (``"synthesized": true``, AWS JSON 1.0 as botocore speaks it),
and the request is checked as AWS would see it: ``POST /``, the operation in ``X-Amz-Target``,
a SigV4 signature for the ``monitoring`` service in the configured region with the configured
key, the window and the converted queries in the body. Not observable, and why: ``Type()``
(Go's internal name, shown nowhere), ``Resume``/``Terminate``/``GarbageCollect`` (nothing is
ever resumed), and the two mocked ``Query()`` errors ``bad big bug :(`` and ``failed to resolve
{{args.var}}`` (no AWS answer reads as that text; an error AWS answers reaching the message is
the ValidationError case).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.spec.secrets import ProviderCredentials
from providers.base import MeasureContext, Measured
from providers.client import Guard, GuardedClient
from providers.cloudwatch import CloudWatchProvider, convert_queries
from providers.errors import ConfigError, QueryError, UnavailableError
from tests.fakes.scripted import Recorded, Reply, ScriptedServer
from tests.providers.judging import judged
from tests.support.moto import AWS_ENV

VECTORS = (
    Path(__file__).resolve().parents[1] / "data" / "argo-providers" / "vectors-cloudwatch.jsonl"
)
ALL = [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
JSON_1_0 = "application/x-amz-json-1.0"
REQUEST_ID = "030a8061-95f5-4a39-8ef8-fd3dc2da8a82"
ERRORS = {
    "id": "errors",
    "metricStat": {
        "metric": {"namespace": "app", "metricName": "errors"},
        "period": 300,
        "stat": "Sum",
    },
}


def mocked_error(case: dict[str, Any]) -> bool:
    return case["kind"] == "mock_api" and "Query_error" in case.get("mock", {})


def vectors(kind: str) -> list[Any]:
    return [pytest.param(v, id=v["name"]) for v in ALL if v["kind"] == kind and not mocked_error(v)]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Point the AWS SDK at `endpoint`, region us-east-1, nothing else from this machine."""

    def use(endpoint: str) -> None:
        for name in ("AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL_CLOUDWATCH"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/augur-tests")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/augur-tests")
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    return use


def credentials(environ: dict[str, str] | None = None) -> ProviderCredentials:
    return ProviderCredentials(None, environ=AWS_ENV if environ is None else environ)


async def measure(
    config: dict[str, Any],
    http: httpx.AsyncClient,
    found: ProviderCredentials | None = None,
) -> Measured:
    provider = CloudWatchProvider(config, http=http)
    try:
        context = MeasureContext(now=NOW, metric_name="m", credentials=found or credentials())
        return await provider.measure(context)
    finally:
        await provider.aclose()


def serve(scripted: ScriptedServer, body: str, status: int = 200) -> None:
    headers = (("x-amzn-RequestId", REQUEST_ID),)
    scripted.reply("/", Reply(status=status, body=body, content_type=JSON_1_0, headers=headers))


def as_aws_sees_it(request: Recorded, *, key: str = AWS_ENV["AWS_ACCESS_KEY_ID"]) -> dict[str, Any]:
    """The checks AWS makes before it reads a GetMetricData call; its body."""
    assert (request.method, request.path) == ("POST", "/")
    assert request.headers["x-amz-target"] == "GraniteServiceVersion20100801.GetMetricData"
    assert request.headers["content-type"] == JSON_1_0
    scope = rf"AWS4-HMAC-SHA256 Credential={key}/\d{{8}}/us-east-1/monitoring/aws4_request, "
    assert re.match(scope, request.headers["authorization"])
    body: dict[str, Any] = json.loads(request.body)
    return body


def test_every_vector_is_run_or_named_unobservable() -> None:
    served = "AWS validation error (named TestRunWithEvaluationError)"  # from a fake: below
    unobservable = [
        v["name"]
        for v in ALL
        if v["kind"] in ("meta", "lifecycle") or (mocked_error(v) and v["name"] != served)
    ]
    assert unobservable == [
        "Type() == 'CloudWatch'",
        "query error",
        "resolve-args style error",
        "Resume returns the measurement unchanged",
        "Terminate returns the measurement unchanged",
        "GarbageCollect returns nil",
    ]


@pytest.mark.parametrize("case", vectors("mock_api"))
async def test_run_vectors(
    case: dict[str, Any],
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    aws: Callable[[str], None],
) -> None:
    aws(scripted.base_url)
    serve(scripted, case["response"]["body_awsjson1_0"])
    measured = await measure(case["provider_config"], http)
    success, failure = case["condition"]["success"], case["condition"]["failure"]
    measurement = judged(measured, success, failure, now=NOW)
    assert (measurement.phase, measurement.value) == (
        case["expected"]["phase"],
        case["expected"]["value"],
    )
    (request,) = scripted.requests
    body = as_aws_sees_it(request)
    window = (NOW - timedelta(minutes=5)).timestamp(), NOW.timestamp()  # interval default 5m
    assert (body["StartTime"], body["EndTime"], body["MetricDataQueries"]) == (*window, [])


async def test_an_error_aws_answers_reads_as_the_go_sdk_s(
    scripted: ScriptedServer, http: httpx.AsyncClient, aws: Callable[[str], None]
) -> None:
    """Argo's TestRunWithEvaluationError: the SDK's ValidationError, verbatim."""
    (case,) = [v for v in ALL if v["name"].startswith("AWS validation error")]
    reason = (
        "1 validation error detected: Value null at 'metricDataQueries' failed to satisfy "
        "constraint: Member must not be null"
    )
    aws(scripted.base_url)
    body = {"__type": "com.amazonaws.monitoring#ValidationError", "message": reason}
    serve(scripted, json.dumps(body), status=400)
    with pytest.raises(QueryError) as caught:
        await measure({"metricDataQueries": [ERRORS]}, http)
    # The Go test's string was YAML-folded (quotes doubled, lines broken): the same text.
    expected = case["expected"]["message"].strip("'").replace("\n", " ").replace("''", "'")
    assert str(caught.value) == expected


@pytest.mark.parametrize("case", vectors("credentials"))
async def test_credential_vectors(
    case: dict[str, Any],
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    aws: Callable[[str], None],
) -> None:
    aws(scripted.base_url)
    serve(scripted, '{"MetricDataResults": []}')
    found = credentials({**case["env"]})
    measured = await measure({"metricDataQueries": [ERRORS]}, http, found)
    assert measured.value == "[]"
    (request,) = scripted.requests
    as_aws_sees_it(request, key=case["expected"]["AccessKeyID"])
    assert case["expected"]["SecretAccessKey"] not in request.headers["authorization"]
    assert found.seen == {case["expected"]["AccessKeyID"], case["expected"]["SecretAccessKey"]}


@pytest.mark.parametrize("case", vectors("unit"))
async def test_convert_type_vectors(
    case: dict[str, Any],
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    aws: Callable[[str], None],
) -> None:
    assert convert_queries(case["input"]) == case["expected"]
    aws(scripted.base_url)
    serve(scripted, '{"MetricDataResults": []}')
    await measure({"metricDataQueries": case["input"]}, http)
    (request,) = scripted.requests
    assert as_aws_sees_it(request)["MetricDataQueries"] == case["expected"]


# ---- beyond Argo's tests -------------------------------------------------------------------------

ANSWER = {
    "MetricDataResults": [
        {
            "Id": "errors",
            "Label": "errors",
            "Timestamps": [NOW.timestamp() - 60, NOW.timestamp() - 120],
            "Values": [1000000.0, 0.00001],
            "StatusCode": "Complete",
        },
        {"Id": "empty", "StatusCode": "PartialData", "Messages": [{"Code": "c", "Value": "v"}]},
    ],
    "Messages": [{"Code": "MaxQueryTimeRangeExceed", "Value": "too long"}],
}


async def test_the_result_is_argo_s_structs_and_the_value_go_s_v(
    scripted: ScriptedServer, http: httpx.AsyncClient, aws: Callable[[str], None]
) -> None:
    aws(scripted.base_url)
    serve(scripted, json.dumps(ANSWER))
    measured = await measure({"interval": "15m", "metricDataQueries": [ERRORS]}, http)
    newest, older = NOW - timedelta(minutes=1), NOW - timedelta(minutes=2)
    assert measured.result == [
        {
            "Id": "errors",
            "Label": "errors",
            "Timestamps": [newest, older],
            "Values": [1000000.0, 0.00001],
            "StatusCode": "Complete",
            "Messages": [],
        },
        {
            "Id": "empty",
            "Label": None,
            "Timestamps": [],
            "Values": [],
            "StatusCode": "PartialData",
            "Messages": [{"Code": "c", "Value": "v"}],
        },
    ]
    assert measured.value == "[[1e+06 1e-05] []]"
    assert measured.metadata == {"messages": "[{Code:MaxQueryTimeRangeExceed Value:too long}]"}
    body = json.loads(scripted.requests[0].body)
    assert body["StartTime"] == (NOW - timedelta(minutes=15)).timestamp()


@pytest.mark.parametrize(
    ("condition", "phase"),
    [
        pytest.param("now() - result[0].Timestamps[0] > duration('1m')", "Successful", id="times"),
        pytest.param(
            "result[0].Timestamps[0] > result[0].Timestamps[1]", "Successful", id="newest-first"
        ),
        pytest.param(
            "result[0].Values[1] < 0.001 && result[1].Label == nil", "Successful", id="values"
        ),
        pytest.param("result[0].Values[5] > 0", "Error", id="error-keeps-value"),
    ],
)
async def test_conditions_see_go_s_types(
    condition: str,
    phase: str,
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    aws: Callable[[str], None],
) -> None:
    aws(scripted.base_url)
    serve(scripted, json.dumps(ANSWER))
    measured = await measure({"metricDataQueries": [ERRORS]}, http)
    measurement = judged(measured, condition, "", now=NOW)
    assert (measurement.phase, measurement.value) == (phase, "[[1e+06 1e-05] []]")


async def test_an_endpoint_the_address_policy_refuses_is_never_called(
    scripted: ScriptedServer, aws: Callable[[str], None]
) -> None:
    def refuse(host: str, port: int) -> list[str]:
        raise PermissionError(f"{host} is augur's own host, not in AUGUR_ALLOWED_ADDRESSES")

    aws(scripted.base_url)
    async with GuardedClient(Guard(resolve=refuse)) as guarded:
        with pytest.raises(UnavailableError) as caught:
            await measure({"metricDataQueries": [ERRORS]}, guarded)
    assert str(caught.value) == (
        "operation error CloudWatch: GetMetricData, request send failed, "
        f'Post "{scripted.base_url}": 127.0.0.1 is augur\'s own host, not in '
        "AUGUR_ALLOWED_ADDRESSES"
    )
    assert scripted.requests == []


async def test_without_a_region_nothing_is_sent(
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    aws: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aws(scripted.base_url)
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(UnavailableError) as caught:
        await measure({"metricDataQueries": [ERRORS]}, http)
    assert str(caught.value) == (
        "operation error CloudWatch: GetMetricData, failed to resolve service endpoint, "
        "an AWS region is required, but was not found"
    )
    assert scripted.requests == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            {},
            "cloudWatch.metricDataQueries is required: a list of metric data queries",
            id="no-queries",
        ),
        pytest.param(
            {"metricDataQueries": [], "interval": "5x"},
            'cloudWatch interval: time: unknown unit "x" in duration "5x"',
            id="interval",
        ),
        pytest.param(
            {"metricDataQueries": [{"id": "a", "metricstat": {}}]},
            "cloudWatch.metricDataQueries[0]: unknown field(s) metricstat; "
            "known: expression, id, label, metricStat, period, returnData",
            id="unknown-field",
        ),
        pytest.param(
            {"metricDataQueries": [{"id": "a", "period": "5m"}]},
            "cloudWatch.metricDataQueries[0].period '5m' is not a whole number (Argo would send 0)",
            id="period-text",
        ),
        pytest.param(
            {"metricDataQueries": [], "region": "eu-west-1"},
            "cloudWatch: unknown field(s) region; known: interval, metricDataQueries",
            id="no-region-field",
        ),
    ],
)
def test_blocks_that_can_never_work_are_refused_when_built(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        CloudWatchProvider(config, http=httpx.AsyncClient())
    assert str(caught.value) == message


def test_a_period_is_kubernetes_int_or_string_as_go_reads_it() -> None:
    queries = [{"id": "a", "period": "+60"}, {"id": "b", "period": 2**31 + 5}]
    assert [q["Period"] for q in convert_queries(queries)] == [60, -(2**31) + 5]
