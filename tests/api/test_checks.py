"""Ad-hoc checks over HTTP against a schema-validating fake OAP and a scripted web server."""

from __future__ import annotations

import pytest

from tests.api.conftest import PROBLEM, Client, Serve
from tests.fakes.fake_oap import FakeOAP
from tests.fakes.scripted import Reply, ScriptedServer

CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
SEED = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
SKYWALKING = "/api/v1/check/skywalking"
WEB = "/api/v1/check/web"


@pytest.mark.parametrize(
    ("apdex", "phase", "why"),
    [
        pytest.param(9950, "Successful", "", id="healthy"),
        # The points' times (or indexes) follow: the fake's clock decides them.
        pytest.param(9500, "Failed", f"successCondition {SEED} is false: all 6 points fail "
                     "asFloat(.value) >= 9900, worst: 9500 at ", id="degraded"),
    ],
)  # fmt: skip
async def test_skywalking_apdex_with_a_verdict(
    client: Client, fake_oap: FakeOAP, apdex: int, phase: str, why: str
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", apdex)
    reply = await client.get(
        SKYWALKING,
        params={"address": fake_oap.url, "service": CANARY, "window": "5m", "condition": SEED},
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["provider"] == "skywalking"
    assert body["phase"] == phase
    assert (body["message"] or "").startswith(why)
    assert (body["message"] is None) == (phase == "Successful")  # a pass needs no reason
    assert body["error"] is None
    assert len(body["series"]) == 6  # five minutes, both ends included
    assert {p["value"] for p in body["series"]} == {apdex}
    assert {p["apdex"] for p in body["series"]} == {apdex / 10000}
    assert body["metadata"]["durationStep"] == "MINUTE"
    # The fake validated the query against the OAP's schema; the name went as a variable.
    assert fake_oap.requests[-1].variables["service"] == CANARY


async def test_skywalking_other_metric_without_condition(client: Client, fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_sla", 10000)
    reply = await client.get(
        SKYWALKING, params={"address": fake_oap.url, "service": CANARY, "metric": "service_sla"}
    )
    body = reply.json()
    assert body["phase"] is None
    assert len(body["series"]) == 11
    assert {(p["value"], p["apdex"]) for p in body["series"]} == {(10000, None)}


async def test_skywalking_without_data_is_an_error_in_the_answer(
    client: Client, fake_oap: FakeOAP
) -> None:
    reply = await client.get(
        SKYWALKING, params={"address": fake_oap.url, "service": CANARY, "condition": SEED}
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["phase"] == "Error"
    assert CANARY in body["error"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        pytest.param(
            {"metric": "apdex){"},
            "metric",
            "metric 'apdex){' is not a metric name such as service_apdex",
            id="bad-metric",
        ),
        pytest.param(
            {"condition": "result >"},
            "condition",
            "unexpected token EOF (1:9)\n | result >\n |         ^",
            id="bad-condition",
        ),
        pytest.param({"window": "soon"}, "window", 'invalid duration "soon"', id="bad-window"),
        pytest.param({"address": "oap:12800"}, "address", "is not an http://", id="not-a-url"),
        pytest.param(
            {"address": "http://169.254.169.254/"},
            "address",
            "169.254.169.254 is a cloud metadata address and is always refused",
            id="metadata-address",
        ),
        pytest.param(
            {"address": "http://[fe80::1]:12800"},
            "address",
            "link-local address fe80::1, which is always refused",
            id="link-local",
        ),
        pytest.param({"service": None}, "service", "Field required", id="no-service"),
        pytest.param({"service": ""}, "service", "at least 1 character", id="empty-service"),
    ],
)
async def test_skywalking_refusals_name_the_parameter(
    client: Client,
    fake_oap: FakeOAP,
    params: dict[str, str | None],
    field: str,
    message: str,
) -> None:
    query = {"address": fake_oap.url, "service": CANARY, **params}
    reply = await client.get(SKYWALKING, params={k: v for k, v in query.items() if v is not None})
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == PROBLEM
    error = reply.json()["errors"][0]
    assert error["field"] == field
    assert message in error["message"]
    assert fake_oap.requests == []  # refused before anything was sent


async def test_web_check_with_json_path(client: Client, scripted: ScriptedServer) -> None:
    url = scripted.reply("/health", Reply(body='{"data": {"errorRate": 0.004}}'))
    reply = await client.get(
        WEB, params={"url": url, "jsonPath": "{$.data.errorRate}", "condition": "result < 0.01"}
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["provider"], body["value"], body["phase"]) == ("web", "0.004", "Successful")
    assert body["series"] == [{"id": "value", "value": 0.004, "apdex": None}]


async def test_web_check_that_fails_says_why(client: Client, scripted: ScriptedServer) -> None:
    url = scripted.reply("/health", Reply(body='{"data": {"errorRate": 0.04}}'))
    reply = await client.get(
        WEB, params={"url": url, "jsonPath": "{$.data.errorRate}", "condition": "result < 0.01"}
    )
    body = reply.json()
    assert (body["phase"], body["message"]) == (
        "Failed",
        "successCondition result < 0.01 is false: result is 0.04",
    )


async def test_web_check_with_a_bad_json_path(client: Client, scripted: ScriptedServer) -> None:
    url = scripted.reply("/health", Reply(body="{}"))
    reply = await client.get(WEB, params={"url": url, "jsonPath": "{$.a[}"})
    assert reply.status_code == 422
    assert reply.json()["errors"] == [
        {
            "field": "jsonPath",
            "message": "web: jsonPath '{$.a[}' does not parse: unterminated array",
        }
    ]
    assert scripted.requests == []


async def test_web_check_of_a_failing_endpoint(client: Client, scripted: ScriptedServer) -> None:
    url = scripted.reply("/down", Reply(status=503, body="busy"))
    reply = await client.get(WEB, params={"url": url})
    assert reply.status_code == 200
    assert "503" in reply.json()["error"]


async def test_prometheus_check_refuses_a_bad_condition_before_asking(
    client: Client, scripted: ScriptedServer
) -> None:
    address = scripted.url("")
    reply = await client.get(
        "/api/v1/check/prometheus",
        params={"address": address, "query": "up", "condition": "result ==="},
    )
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == "condition"
    assert scripted.requests == []


async def test_prometheus_check_of_an_unreachable_server(client: Client) -> None:
    reply = await client.get(
        "/api/v1/check/prometheus",
        params={"address": "http://127.0.0.1:9", "query": "up", "condition": "result[0] == 1"},
    )
    assert reply.status_code == 200
    assert reply.json()["phase"] == "Error"
    assert reply.json()["error"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param(SKYWALKING, {"address": "{base}", "service": CANARY}, "address", id="oap"),
        pytest.param(
            "/api/v1/check/prometheus", {"address": "{base}", "query": "up"}, "address", id="prom"
        ),
        pytest.param(WEB, {"url": "{base}/health"}, "url", id="web"),
    ],
)
async def test_the_allowlist_refuses_other_hosts(
    serve: Serve, scripted: ScriptedServer, path: str, params: dict[str, str], field: str
) -> None:
    scripted.reply("/health", Reply(body="{}"))
    query = {k: v.format(base=scripted.base_url) for k, v in params.items()}
    async with serve(allowed_addresses="*.svc.cluster.local") as client:
        reply = await client.get(path, params=query)
    assert reply.status_code == 422
    error = reply.json()["errors"][0]
    assert error["field"] == field
    assert error["message"].endswith(
        "is not allowed by AUGUR_ALLOWED_ADDRESSES (*.svc.cluster.local); "
        "add a pattern for it there"
    )
    assert scripted.requests == []
