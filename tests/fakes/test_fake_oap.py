"""The fake OAP is only worth something if it answers like the OAP: these pin that down."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.skywalking.schema import protocol_schema
from tests.fakes.fake_oap import SCHEMA_FILE, FakeOAP, Fault, entity_id
from tests.fakes.mqe import format_value

CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
CANARY_ID = "Y2FuYXJ5fHJldmlld3N8Ym9va2luZm98Y3AtY2x1c3Rlci0xfC0=.1"
WINDOW = {"start": "2024-05-01 1259", "end": "2024-05-01 1304", "step": "MINUTE"}
ARGO_QUERY = """query queryData($duration: Duration!) {
  service_apdex: readMetricsValues(
    condition: { name: "service_apdex",
                 entity: { scope: Service, serviceName: "SERVICE", normal: true } },
    duration: $duration) {
      label values { values { id value isEmptyValue } }
  }
}""".replace("SERVICE", CANARY)
ENTITY = f'{{serviceName: "{CANARY}", normal: true}}'


def mqe_query(expression: str) -> str:
    return (
        "query q($duration: Duration!) { r: execExpression("
        f'expression: "{expression}", entity: {ENTITY}, duration: $duration) '
        "{ type error results { metric { labels { key value } } "
        "values { id value owner { scope } traceID } } } }"
    )


def post(fake: FakeOAP, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    body = {"query": query, "variables": {"duration": WINDOW} if variables is None else variables}
    return httpx.post(f"{fake.url}/graphql", json=body, timeout=5)


def test_the_schema_is_the_projects_own_sdl(fake_oap: FakeOAP) -> None:
    repo = Path(__file__).resolve().parents[2]
    assert repo / "providers" / "skywalking" / "schema.graphqls" == SCHEMA_FILE
    assert fake_oap.schema is protocol_schema()
    query = fake_oap.schema.query_type
    assert query is not None
    assert sorted(query.fields) == [
        "checkHealth",
        "execExpression",
        "getTimeInfo",
        "readLabeledMetricsValues",
        "readMetricsValue",
        "readMetricsValues",
        "readNullableMetricsValue",
        "version",
    ]


def test_argo_documented_query_gets_one_point_per_minute_inclusive(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    response = post(fake_oap, ARGO_QUERY)
    assert response.status_code == 200
    assert '"value":9950' in response.text.replace(" ", ""), "Long must be a JSON number"
    points = response.json()["data"]["service_apdex"]["values"]["values"]
    assert [p["id"] for p in points] == [f"2024050112{m}_{CANARY_ID}" for m in ("59",)] + [
        f"2024050113{m:02d}_{CANARY_ID}" for m in range(5)
    ]
    assert {(p["value"], p["isEmptyValue"]) for p in points} == {(9950, False)}
    assert response.json()["data"]["service_apdex"]["label"] is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(None, [(0, True)] * 6, id="unconfigured-is-empty"),
        pytest.param(
            [9500, None], [(0, True)] * 4 + [(9500, False), (0, True)], id="list-aligned-to-newest"
        ),
        pytest.param(
            {"202405011300": 7}, [(0, True), (7, False)] + [(0, True)] * 4, id="mapping-by-bucket"
        ),
        pytest.param(
            lambda t: None if t.minute == 4 else t.minute,
            [(59, False), (0, False), (1, False), (2, False), (3, False), (0, True)],
            id="function-of-time",
        ),
    ],
)
def test_series_specs(fake_oap: FakeOAP, spec: Any, expected: list[tuple[int, bool]]) -> None:
    fake_oap.set_series(CANARY, "service_apdex", spec)
    points = post(fake_oap, ARGO_QUERY).json()["data"]["service_apdex"]["values"]["values"]
    assert [(p["value"], p["isEmptyValue"]) for p in points] == expected


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        pytest.param({"serviceName": CANARY, "normal": True}, CANARY_ID, id="service"),
        pytest.param({"serviceName": "db", "normal": False}, "ZGI=.0", id="conjectured-service"),
        pytest.param(
            {"serviceName": "svc", "serviceInstanceName": "pod-1"}, "c3Zj.1_cG9kLTE=", id="instance"
        ),
        pytest.param(
            {"serviceName": "svc", "endpointName": "GET:/"}, "c3Zj.1_R0VUOi8=", id="endpoint"
        ),
    ],
)
def test_entity_ids_follow_the_oap(entity: dict[str, Any], expected: str) -> None:
    assert entity_id(entity) == expected


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        pytest.param("{ readMetricsValuez { id } }", "FieldUndefined", id="unknown-field"),
        pytest.param(
            'query q($duration: Duration!) { readMetricsValue(condition: {name: "x", '
            f"entity: {ENTITY}}}, duration: $duration, top: 1) }}",
            "UnknownArgument",
            id="unknown-argument",
        ),
        pytest.param(
            f'{{ readMetricsValue(condition: {{name: "x", entity: {ENTITY}}}, duration: $d) }}',
            "UndefinedVariable",
            id="undeclared-variable",
        ),
        pytest.param(
            'query q($duration: Duration!) { readMetricsValues(condition: {name: "x", '
            f"entity: {ENTITY}}}, duration: $duration) }}",
            "SubselectionRequired",
            id="missing-selection",
        ),
        pytest.param(
            'query q($duration: String!) { readMetricsValue(condition: {name: "x", '
            f"entity: {ENTITY}}}, duration: $duration) }}",
            "VariableTypeMismatch",
            id="wrong-variable-type",
        ),
        pytest.param(
            ARGO_QUERY.replace("{ id value isEmptyValue }", "{ valeu }"),
            "FieldUndefined",
            id="typo-in-a-nested-field",
        ),
        pytest.param(
            '{ listServices(layer: "GENERAL") { name } }',
            "FieldUndefined",
            id="beyond-augurs-sdl-the-fake-serves-nothing",
        ),
    ],
)
def test_invalid_queries_get_the_oap_400(fake_oap: FakeOAP, query: str, kind: str) -> None:
    response = post(fake_oap, query)
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    error = body["errors"][0]
    assert error["message"].startswith(f"Validation error ({kind}) : ")
    assert error["extensions"] == {"classification": "ValidationError"}
    assert error["locations"]


def test_syntax_errors_are_200_with_errors_and_no_data(fake_oap: FakeOAP) -> None:
    response = post(fake_oap, "query q($duration: Duration!) { readMetricsValues(")
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["message"].startswith("Invalid Syntax : Syntax Error:")
    assert body["errors"][0]["extensions"] == {"classification": "InvalidSyntax"}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param(
            {},
            "Expected a value of non-null type 'Duration!' to be provided.",
            id="missing-duration",
        ),
        pytest.param(
            {"duration": {**WINDOW, "step": "MINUTES"}},
            "Value 'MINUTES' does not exist in 'Step' enum",
            id="bad-step",
        ),
        pytest.param(
            {"duration": {"start": "2024-05-01 1259", "step": "MINUTE"}},
            "Expected value of type 'Duration' to include required field 'end'",
            id="missing-end",
        ),
    ],
)
def test_invalid_variables_are_rejected(
    fake_oap: FakeOAP, variables: dict[str, Any], message: str
) -> None:
    response = post(fake_oap, ARGO_QUERY, variables)
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert message in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        pytest.param(
            {**WINDOW, "start": "2024-05-01 12:59"},
            'For input string: "2024050112:59"',
            id="go-layout-with-colon",
        ),
        pytest.param(
            {**WINDOW, "start": "2024-05-01 12"},
            'Invalid format: "2024050112" is too short',
            id="hour-layout-for-minute-step",
        ),
        pytest.param(
            {**WINDOW, "start": "2024-05-01 125900"},
            'Invalid format: "20240501125900" is malformed at "00"',
            id="second-layout",
        ),
        pytest.param(
            {**WINDOW, "start": "2024-04-30 1259"},
            "can't exceed 500 minutes",
            id="more-than-500-points",
        ),
        pytest.param(
            {**WINDOW, "start": "2024-05-01 1305"}, "can't exceed 500 minutes", id="start-after-end"
        ),
    ],
)
def test_duration_is_parsed_like_the_oap(
    fake_oap: FakeOAP, duration: dict[str, str], message: str
) -> None:
    response = post(fake_oap, ARGO_QUERY, {"duration": duration})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    error = body["errors"][0]
    assert error["message"].startswith("Exception while fetching data (/service_apdex) : ")
    assert message in error["message"]
    assert error["path"] == ["service_apdex"]
    assert error["extensions"] == {"classification": "DataFetchingException"}


@pytest.mark.parametrize(
    ("step", "start", "end", "ids"),
    [
        pytest.param(
            "SECOND",
            "2024-05-01 130458",
            "2024-05-01 130500",
            ["20240501130458", "20240501130459", "20240501130500"],
            id="second",
        ),
        pytest.param(
            "HOUR",
            "2024-05-01 23",
            "2024-05-02 01",
            ["2024050123", "2024050200", "2024050201"],
            id="hour",
        ),
        pytest.param(
            "DAY",
            "2024-02-28",
            "2024-03-01",
            ["20240228", "20240229", "20240301"],
            id="day-leap-year",
        ),
    ],
)
def test_every_step_has_its_layout_and_buckets(
    fake_oap: FakeOAP, step: str, start: str, end: str, ids: list[str]
) -> None:
    duration = {"start": start, "end": end, "step": step}
    points = post(fake_oap, ARGO_QUERY, {"duration": duration}).json()["data"]["service_apdex"]
    assert [p["id"].split("_")[0] for p in points["values"]["values"]] == ids


@pytest.mark.parametrize(
    ("spec", "value", "empty"),
    [
        pytest.param([9900, 9950, None, 10000], 9950, False, id="average-of-present"),
        pytest.param(None, 0, True, id="no-data"),
    ],
)
def test_single_values(fake_oap: FakeOAP, spec: Any, value: int, empty: bool) -> None:
    fake_oap.set_series(CANARY, "service_apdex", spec)
    condition = f'condition: {{name: "service_apdex", entity: {ENTITY}}}, duration: $duration'
    query = (
        f"query q($duration: Duration!) {{ a: readMetricsValue({condition}) "
        f"b: readNullableMetricsValue({condition}) {{ value isEmptyValue }} }}"
    )
    data = post(fake_oap, query).json()["data"]
    assert data == {"a": value, "b": {"value": value, "isEmptyValue": empty}}


def test_labeled_values_have_one_series_per_label(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_percentile", 120, label="P99")
    query = (
        "query q($duration: Duration!) { readLabeledMetricsValues(condition: "
        f'{{name: "service_percentile", entity: {ENTITY}}}, labels: ["P99", "P50"], '
        "duration: $duration) { label values { values { value isEmptyValue } } } }"
    )
    series = post(fake_oap, query).json()["data"]["readLabeledMetricsValues"]
    assert [s["label"] for s in series] == ["P99", "P50"]
    assert {p["value"] for p in series[0]["values"]["values"]} == {120}
    assert {p["isEmptyValue"] for p in series[1]["values"]["values"]} == {True}


def test_mqe_time_series_ids_are_epoch_millis_and_values_strings(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_apdex", [9950, 9949, None])
    result = post(fake_oap, mqe_query("service_apdex")).json()["data"]["r"]
    assert result["type"] == "TIME_SERIES_VALUES"
    assert result["error"] is None
    (series,) = result["results"]
    assert series["metric"] == {"labels": []}
    start = int(datetime(2024, 5, 1, 12, 59, tzinfo=UTC).timestamp() * 1000)
    assert [v["id"] for v in series["values"]] == [str(start + i * 60_000) for i in range(6)]
    assert [v["value"] for v in series["values"]] == [None, None, None, "9950", "9949", None]
    assert {(v["owner"], v["traceID"]) for v in series["values"]} == {(None, None)}


@pytest.mark.parametrize(
    ("expression", "kind", "values"),
    [
        pytest.param("avg(service_apdex)", "SINGLE_VALUE", [None], id="avg-of-nothing"),
        pytest.param("service_sla / 100", "TIME_SERIES_VALUES", ["99.5"] * 6, id="divide"),
        pytest.param("avg(service_sla) / 3", "SINGLE_VALUE", ["3316.667"], id="three-decimals"),
        pytest.param("latest(service_sla)", "SINGLE_VALUE", ["9950"], id="latest"),
    ],
)
def test_mqe_operations(fake_oap: FakeOAP, expression: str, kind: str, values: list[Any]) -> None:
    fake_oap.set_series(CANARY, "service_sla", 9950)
    result = post(fake_oap, mqe_query(expression)).json()["data"]["r"]
    assert result["type"] == kind
    assert [v["value"] for v in result["results"][0]["values"]] == values


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        pytest.param("nope_metric", "Metric: [nope_metric] does not exist.", id="unknown-metric"),
        pytest.param("service_sla +", "line 1:12 mismatched input '+'", id="syntax"),
    ],
)
def test_mqe_errors_are_unknown_results(fake_oap: FakeOAP, expression: str, error: str) -> None:
    result = post(fake_oap, mqe_query(expression)).json()["data"]["r"]
    assert result == {"type": "UNKNOWN", "error": error, "results": []}


def test_mqe_result_override_is_still_shaped_by_the_schema(fake_oap: FakeOAP) -> None:
    fake_oap.set_mqe_result(
        "service_sla",
        {"type": "TIME_SERIES_VALUES", "results": [], "error": None, "extra": "dropped"},
    )
    result = post(fake_oap, mqe_query("service_sla")).json()["data"]["r"]
    assert result == {"type": "TIME_SERIES_VALUES", "error": None, "results": []}


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        pytest.param(UTC, "+0000", id="utc"),
        pytest.param(timezone(timedelta(hours=8)), "+0800", id="plus-eight"),
        pytest.param(timezone(timedelta(hours=-5, minutes=-30)), "-0530", id="minus-half"),
    ],
)
def test_time_info(tz: Any, expected: str) -> None:
    now = datetime(2024, 5, 1, 13, 4, 30, tzinfo=UTC)
    fake = FakeOAP(timezone=tz, clock=lambda: now)
    status, answer = fake.answer(b'{"query": "{ getTimeInfo { timezone currentTimestamp } }"}')
    assert status == 200
    assert answer == {
        "data": {"getTimeInfo": {"timezone": expected, "currentTimestamp": 1714568670000}}
    }


def test_oap_timezone_shifts_mqe_ids() -> None:
    fake = FakeOAP(timezone=timezone(timedelta(hours=8)))
    body = json.dumps({"query": mqe_query("service_sla"), "variables": {"duration": WINDOW}})
    _, answer = fake.answer(body.encode())
    first = answer["data"]["r"]["results"][0]["values"][0]["id"]
    assert first == str(int(datetime(2024, 5, 1, 4, 59, tzinfo=UTC).timestamp() * 1000))


@pytest.mark.parametrize(
    ("fault", "status", "text"),
    [
        pytest.param(
            Fault(status=503, body="<html>down</html>"), 503, "<html>down</html>", id="status"
        ),
        pytest.param(Fault(body="not json {"), 200, "not json {", id="garbage"),
        pytest.param(
            Fault(errors=["boom"]),
            200,
            '{"errors":[{"message":"boom","extensions":{"classification":'
            '"DataFetchingException"}}],"data":null}',
            id="graphql-errors",
        ),
    ],
)
def test_faults(fake_oap: FakeOAP, fault: Fault, status: int, text: str) -> None:
    fake_oap.set_fault(fault)
    response = post(fake_oap, ARGO_QUERY)
    assert (response.status_code, response.text) == (status, text)


def test_fault_times_then_recovers_and_requests_are_recorded(fake_oap: FakeOAP) -> None:
    fake_oap.set_fault(Fault(status=502, times=1))
    assert post(fake_oap, ARGO_QUERY).status_code == 502
    assert post(fake_oap, ARGO_QUERY).status_code == 200
    assert len(fake_oap.requests) == 2
    assert fake_oap.requests[0].variables == {"duration": WINDOW}


def test_slow_fault_delays_the_answer(fake_oap: FakeOAP) -> None:
    with fake_oap.fault(Fault(delay=0.3)):
        started = time.monotonic()
        assert post(fake_oap, ARGO_QUERY).status_code == 200
        assert time.monotonic() - started >= 0.3


def test_bad_request_bodies(fake_oap: FakeOAP) -> None:
    response = httpx.post(f"{fake_oap.url}/graphql", content=b"{nope", timeout=5)
    assert (response.status_code, response.text) == (400, "Failed to parse a JSON document")
    response = httpx.post(f"{fake_oap.url}/graphql", json={"variables": {}}, timeout=5)
    assert (response.status_code, response.text) == (400, "Missing query")


def test_format_value_is_java_decimal_format() -> None:
    assert [format_value(v) for v in (9950.0, 99.5, 1 / 3, 0.0005, 0.0015, -0.0, None)] == [
        "9950",
        "99.5",
        "0.333",
        "0",
        "0.002",
        "0",
        None,
    ]


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_runs_as_a_script(free_port: int) -> None:
    repo = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.fake_oap",
            "--port",
            str(free_port),
            "--canary",
            "degraded",
        ],
        cwd=repo,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "degraded canary" in process.stdout.readline()
        fake = FakeOAP()
        fake.port = free_port
        deadline = time.monotonic() + 10
        while True:
            try:
                response = post(fake, ARGO_QUERY)
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        points = response.json()["data"]["service_apdex"]["values"]["values"]
        assert {p["value"] for p in points} == {9500}
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
