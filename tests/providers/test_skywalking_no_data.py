"""No data is never a silent zero: what augur adds to a SkyWalking query, what the conditions then
see, when each kept point was measured, and the queries refused at submission. Against the
schema-validating fake OAP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from graphql import parse, validate

from providers.base import MeasureContext, Measured
from providers.errors import ConfigError, NoDataError, QueryError
from providers.golang import marshal
from providers.skywalking import SkyWalkingProvider
from providers.skywalking.schema import protocol_schema
from tests.fakes.fake_oap import FakeOAP

CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
NOW = datetime(2024, 5, 1, 13, 4, 30, tzinfo=UTC)
WINDOW = {"start": "2024-05-01 1259", "end": "2024-05-01 1304", "step": "MINUTE"}
ENTITY = f'{{serviceName: "{CANARY}", normal: true}}'
CONDITION = f'condition: {{name: "service_apdex", entity: {ENTITY}}}, duration: $duration'

V2 = (
    f"query q($duration: Duration!) {{ a: readMetricsValues({CONDITION}) "
    "{ values { values { value } } } }"
)
V2_FLAGGED = V2.replace("{ value }", "{ id value isEmptyValue }")
NULLABLE = (
    f"query q($duration: Duration!) {{ n: readNullableMetricsValue({CONDITION}) {{ value }} }}"
)
LABELED = (
    "query q($duration: Duration!) { p: readLabeledMetricsValues(condition: "
    f'{{name: "service_percentile", entity: {ENTITY}}}, labels: ["P50", "P99"], '
    "duration: $duration) { label values { values { value } } } }"
)
FRAGMENT = (
    f"query q($duration: Duration!) {{ a: readMetricsValues({CONDITION}) {{ ...series }} }}\n"
    "fragment series on MetricsValues { values { values { value } } }"
)
MULTILINE = f"""query q($duration: Duration!) {{
  a: readMetricsValues({CONDITION}) {{
    values {{
      values {{
        value
      }}
    }}
  }}
}}"""


def flagged(query: str, after: str = "{ value }") -> str:
    """``query`` as augur sends it: the empty flag added after ``after``'s last field."""
    return query.replace(after, after[:-1] + "_augur_isEmptyValue: isEmptyValue }")


def mqe(expression: str, selection: str = "type error results { values { id value } }") -> str:
    return (
        f'query q($duration: Duration!) {{ m: execExpression(expression: "{expression}", '
        f"entity: {ENTITY}, duration: $duration) {{ {selection} }} }}"
    )


def provider(
    http: httpx.AsyncClient, address: str, query: str, **fields: Any
) -> SkyWalkingProvider:
    config = {"address": address, "query": query, "interval": "5m", **fields}
    return SkyWalkingProvider(config, http=http)


async def measure(p: SkyWalkingProvider) -> Measured:
    return await p.measure(MeasureContext(now=NOW, metric_name="apdex"))


def minute(hhmm: str) -> datetime:
    return datetime(2024, 5, 1, int(hhmm[:2]), int(hhmm[2:]), tzinfo=UTC)


def no_augur_keys(value: Any) -> bool:
    if isinstance(value, dict):
        return not any(k.startswith("_augur") for k in value) and all(
            no_augur_keys(v) for v in value.values()
        )
    if isinstance(value, list):
        return all(no_augur_keys(v) for v in value)
    return True


# ------------------------------------------------------------------------- what is sent


@pytest.mark.parametrize(
    ("query", "fields", "sent"),
    [
        pytest.param(
            V2,
            {},
            flagged(V2),
            id="v2-flag-added",
        ),
        pytest.param(
            V2_FLAGGED,
            {},
            flagged(V2_FLAGGED, "{ id value isEmptyValue }"),
            id="v2-own-flag-kept",
        ),
        pytest.param(
            NULLABLE,
            {},
            flagged(NULLABLE),
            id="nullable",
        ),
        pytest.param(
            FRAGMENT,
            {},
            flagged(FRAGMENT),
            id="inside-a-fragment",
        ),
        pytest.param(
            MULTILINE,
            {},
            flagged(MULTILINE, "value\n      }"),
            id="lines-kept",
        ),
        pytest.param(
            mqe("service_apdex"),
            {},
            mqe(
                "service_apdex",
                "type error results { values { id value _augur_value: value _augur_id: id } } "
                "_augur_type: type _augur_error: error",
            ),
            id="mqe",
        ),
        pytest.param(V2, {"noData": "argo"}, V2, id="argo-v2-verbatim"),
        pytest.param(
            mqe("service_apdex"),
            {"noData": "argo"},
            mqe(
                "service_apdex",
                "type error results { values { id value } } _augur_type: type _augur_error: error",
            ),
            id="argo-mqe-errors-still-read",
        ),
    ],
)
async def test_what_augur_sends(
    fake_oap: FakeOAP, http: httpx.AsyncClient, query: str, fields: dict[str, Any], sent: str
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    await measure(provider(http, fake_oap.url, query, **fields))
    assert fake_oap.requests[-1].payload["query"] == sent
    assert validate(protocol_schema(), parse(sent)) == []


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(V2, id="v2"),
        pytest.param(V2_FLAGGED, id="v2-own-flag"),
        pytest.param(NULLABLE, id="nullable"),
        pytest.param(LABELED, id="labeled"),
        pytest.param(FRAGMENT, id="fragment"),
        pytest.param(mqe("service_apdex"), id="mqe-series"),
        pytest.param(mqe("avg(service_apdex)", "results { values { value } }"), id="mqe-single"),
    ],
)
async def test_the_conditions_see_exactly_what_the_template_selected(
    fake_oap: FakeOAP, http: httpx.AsyncClient, query: str
) -> None:
    """With every point present, ``result`` and the stored value are the OAP's answer to the
    template's own query: nothing augur added is left in them."""
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    fake_oap.set_series(CANARY, "service_percentile", 120, label="P50")
    fake_oap.set_series(CANARY, "service_percentile", 480, label="P99")
    measured = await measure(provider(http, fake_oap.url, query))
    body = {"query": query, "variables": {"duration": WINDOW}}
    own = (await http.post(f"{fake_oap.url}/graphql", json=body)).json()["data"]
    assert measured.result == own
    assert measured.value == marshal(own)
    assert no_augur_keys(measured.result)
    assert measured.metadata["emptyPoints"].startswith("0/")


# ------------------------------------------------------------------------- partial windows

BUCKETS = {"202405011259": 9950, "202405011301": 9960, "202405011302": 9970, "202405011303": 9980}
KEPT_TIMES = [minute("1259"), minute("1301"), minute("1302"), minute("1303")]


@pytest.mark.parametrize(
    ("query", "series", "values", "path"),
    [
        pytest.param(
            V2,
            lambda r: r["a"]["values"]["values"],
            [9950.0, 9960.0, 9970.0, 9980.0],
            ("a", "values", "values"),
            id="v2",
        ),
        pytest.param(
            mqe("service_apdex"),
            lambda r: r["m"]["results"][0]["values"],
            ["9950", "9960", "9970", "9980"],
            ("m", "results", 0, "values"),
            id="mqe",
        ),
    ],
)
async def test_empty_points_inside_a_window_with_data_are_left_out(
    fake_oap: FakeOAP,
    http: httpx.AsyncClient,
    query: str,
    series: Any,
    values: list[Any],
    path: Any,
) -> None:
    """13:00 and 13:04 are empty: four points remain, each with the minute it was measured."""
    fake_oap.set_series(CANARY, "service_apdex", BUCKETS)
    measured = await measure(provider(http, fake_oap.url, query))
    assert [p["value"] for p in series(measured.result)] == values
    assert measured.metadata["emptyPoints"] == "2/6"
    assert dict(measured.point_times) == {path: tuple(KEPT_TIMES)}


async def test_point_times_of_each_label(fake_oap: FakeOAP, http: httpx.AsyncClient) -> None:
    fake_oap.set_series(CANARY, "service_percentile", {"202405011304": 130}, label="P50")
    fake_oap.set_series(CANARY, "service_percentile", BUCKETS, label="P99")
    measured = await measure(provider(http, fake_oap.url, LABELED))
    p50, p99 = measured.result["p"]
    assert (p50["label"], [v["value"] for v in p50["values"]["values"]]) == ("P50", [130.0])
    assert len(p99["values"]["values"]) == 4
    assert dict(measured.point_times) == {
        ("p", 0, "values", "values"): (minute("1304"),),
        ("p", 1, "values", "values"): tuple(KEPT_TIMES),
    }


@pytest.mark.parametrize(
    ("fields", "buckets", "expected"),
    [
        pytest.param(
            {"timezone": "+0800"},
            {"202405012100": 1, "202405012104": 2},
            [minute("1300"), minute("1304")],
            id="oap-in-another-zone",
        ),
        pytest.param(
            {"timezone": "+0800", "step": "HOUR", "interval": "3h"},
            {"2024050119": 1, "2024050121": 2},
            [minute("1100"), minute("1300")],
            id="hours",
        ),
    ],
)
@pytest.mark.parametrize("query", [pytest.param(V2, id="v2"), pytest.param(mqe("x"), id="mqe")])
async def test_point_times_are_instants_in_the_oaps_zone(
    http: httpx.AsyncClient,
    fields: dict[str, Any],
    buckets: dict[str, int],
    expected: list[datetime],
    query: str,
) -> None:
    with FakeOAP(timezone=timezone(timedelta(hours=8))) as fake:
        fake.set_series(CANARY, "service_apdex", buckets)
        fake.set_series(CANARY, "x", buckets)
        measured = await measure(provider(http, fake.url, query, **fields))
    (times,) = measured.point_times.values()
    assert list(times) == expected
    assert {t.utcoffset() for t in times} == {timedelta(hours=8)}


async def test_a_single_mqe_value_has_no_point_time(
    fake_oap: FakeOAP, http: httpx.AsyncClient
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    measured = await measure(provider(http, fake_oap.url, mqe("avg(service_apdex)")))
    assert measured.result["m"]["results"][0]["values"] == [{"id": None, "value": "9950"}]
    assert dict(measured.point_times) == {}


async def test_argo_mode_keeps_every_point_and_its_time(
    fake_oap: FakeOAP, http: httpx.AsyncClient
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", BUCKETS)
    measured = await measure(provider(http, fake_oap.url, V2, noData="argo"))
    values = [p["value"] for p in measured.result["a"]["values"]["values"]]
    assert values == [9950.0, 0.0, 9960.0, 9970.0, 9980.0, 0.0]
    assert measured.point_times[("a", "values", "values")] == tuple(
        NOW.replace(second=0) - timedelta(minutes=5 - i) for i in range(6)
    )


# ------------------------------------------------------------------------- no data

WINDOW_TEXT = "between 2024-05-01 1259 and 2024-05-01 1304 (MINUTE, UTC)"
SUBJECT = f'metric service_apdex of service "{CANARY}" {WINDOW_TEXT}'
MQE_SUBJECT = f'expression "service_apdex" of service "{CANARY}" {WINDOW_TEXT}'


@pytest.mark.parametrize(
    ("query", "setup", "message"),
    [
        pytest.param(
            V2,
            None,
            f"no data from SkyWalking for {SUBJECT}: all 6 points are empty "
            "(field a: readMetricsValues)",
            id="argo-documented-selection",
        ),
        pytest.param(
            NULLABLE,
            None,
            f"no data from SkyWalking for {SUBJECT}: the only point is empty "
            "(field n: readNullableMetricsValue)",
            id="nullable-without-the-flag",
        ),
        pytest.param(
            mqe("service_apdex", "results { values { id } }"),
            None,
            f"no data from SkyWalking for {MQE_SUBJECT}: all 6 values are null "
            "(field m: execExpression)",
            id="mqe-without-value",
        ),
        pytest.param(
            mqe("service_apdex"),
            {"type": "TIME_SERIES_VALUES", "error": None, "results": [{"values": []}]},
            f"no data from SkyWalking for {MQE_SUBJECT}: no values (field m: execExpression)",
            id="mqe-no-values",
        ),
        pytest.param(
            mqe("service_apdex"),
            {
                "type": "TIME_SERIES_VALUES",
                "error": None,
                "results": [
                    {"metric": {"labels": []}, "values": [{"id": "1", "value": "1"}]},
                    {"metric": {"labels": []}, "values": [{"id": "1", "value": None}] * 3},
                ],
            },
            f"no data from SkyWalking for {MQE_SUBJECT}: all 3 values of result 2 of 2 are "
            "null (field m: execExpression)",
            id="mqe-one-result-of-two",
        ),
    ],
)
async def test_no_data_whatever_the_template_selects(
    fake_oap: FakeOAP, http: httpx.AsyncClient, query: str, setup: Any, message: str
) -> None:
    if setup is not None:
        fake_oap.set_mqe_result("service_apdex", setup)
    with pytest.raises(NoDataError) as caught:
        await measure(provider(http, fake_oap.url, query))
    assert str(caught.value) == message


async def test_one_label_without_data_is_no_data(
    fake_oap: FakeOAP, http: httpx.AsyncClient
) -> None:
    fake_oap.set_series(CANARY, "service_percentile", 480, label="P99")
    with pytest.raises(NoDataError) as caught:
        await measure(provider(http, fake_oap.url, LABELED))
    assert str(caught.value) == (
        f'no data from SkyWalking for metric service_percentile of service "{CANARY}" '
        f'{WINDOW_TEXT}: all 6 points of label "P50" are empty '
        "(field p: readLabeledMetricsValues)"
    )


async def test_argo_mode_still_reports_an_mqe_error(
    fake_oap: FakeOAP, http: httpx.AsyncClient
) -> None:
    """An MQE error answers ``results: []``, which ``all(...)`` would pass: never a success."""
    query = mqe("service_apdx", "results { values { value } }")
    p = provider(http, fake_oap.url, query, noData="argo")
    with pytest.raises(QueryError) as caught:
        await measure(p)
    assert str(caught.value) == (
        f'SkyWalking MQE expression "service_apdx" of service "{CANARY}" failed: '
        "Metric: [service_apdx] does not exist. (field m: execExpression)"
    )


# ------------------------------------------------------------------------- submission


@pytest.mark.parametrize(
    ("query", "fields", "message"),
    [
        pytest.param(
            MULTILINE.replace("        value", "        valeu"),
            {},
            "skywalking: query does not follow SkyWalking's query protocol: Cannot query field "
            "'valeu' on type 'KVInt'. Did you mean 'value'? (line 5, column 9)",
            id="typo-in-a-field",
        ),
        pytest.param(
            MULTILINE.replace("normal: true", "normal: true, scope: Services"),
            {},
            "skywalking: query does not follow SkyWalking's query protocol: Value 'Services' "
            "does not exist in 'Scope' enum. Did you mean the enum value 'Service'? "
            "(line 2, column 144)",
            id="typo-in-an-enum",
        ),
        pytest.param(
            MULTILINE.replace("$duration)", "$duration, top: 3)"),
            {},
            "skywalking: query does not follow SkyWalking's query protocol: Unknown argument "
            "'top' on field 'Query.readMetricsValues'. (line 2, column 160)",
            id="unknown-argument",
        ),
        pytest.param(
            MULTILINE.replace("Duration!", "String!"),
            {},
            "skywalking: query does not follow SkyWalking's query protocol: Variable "
            "'$duration' of type 'String!' used in position expecting type 'Duration!'. "
            "(line 1, column 9; line 2, column 149)",
            id="variable-type",
        ),
        pytest.param(
            V2,
            {"noData": "zero"},
            "skywalking: noData must be augur or argo, got 'zero'",
            id="no-data-mode",
        ),
        pytest.param(
            V2, {"noData": 0}, "skywalking: noData must be a string, got int", id="no-data-type"
        ),
    ],
)
def test_refused_at_submission(
    http: httpx.AsyncClient, query: str, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        provider(http, "http://oap:12800", query, **fields)
    assert str(caught.value) == message


MIXED = V2.replace("{ value }", "{ valeu }").replace(
    " } } } }", ' } } } s: listServices(layer: "GENERAL") { name } }'
)


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        pytest.param(
            '{ listServices(layer: "GENERAL") { name } }',
            '{ listServices(layer: "GENERAL") { name } }',
            id="other-protocol-parts",
        ),
        pytest.param(
            MIXED,
            flagged(MIXED, "{ valeu }"),
            id="mixed-with-other-parts",
        ),
        pytest.param(
            "{ readMetricsValuez { id } }", "{ readMetricsValuez { id } }", id="unknown-root-field"
        ),
    ],
)
def test_queries_beyond_augurs_sdl_pass_through(
    http: httpx.AsyncClient, query: str, sent: str
) -> None:
    """The OAP serves more than augur's SDL declares: such queries are the OAP's to judge (an
    unknown root field included: it may be one of a newer OAP)."""
    assert provider(http, "http://oap:12800", query)._config.sent_query == sent
