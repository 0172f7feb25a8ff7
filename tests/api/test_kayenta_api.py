"""Kayenta's REST API on augur: the shapes and quirks its clients read, its errors, its auth.

Argo's provider reads a JSON array with integer `updatedTimestamp`s, a 200 (exactly) with
`canaryExecutionId`, and `complete` on every poll; thresholds come as integers or doubles,
`location` may be empty, and a bad request is a Kayenta error (`{"message": ...}`, 400), never
problem+json.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Client, Serve
from tests.fakes.fake_oap import FakeOAP, Fault
from tests.support.canary import canary_config, execution_request, seed

END = datetime.now(UTC).replace(second=0, microsecond=0)
START = END - timedelta(minutes=30)


async def store(client: Client, namespace: str, name: str, config: dict[str, Any]) -> str:
    reply = await client.put(f"/api/v1/namespaces/{namespace}/canaryconfigs/{name}", json=config)
    assert reply.status_code in (200, 201), reply.text
    config_id: str = reply.json()["id"]
    return config_id


async def judged(client: Client, execution: str, **headers: str) -> dict[str, Any]:
    for _ in range(600):
        status: dict[str, Any] = (await client.get(f"/canary/{execution}", headers=headers)).json()
        assert "complete" in status
        if status["complete"]:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"not complete: {status}")


async def test_config_lookup_as_argo_reads_it(client: Client, fake_oap: FakeOAP) -> None:
    first = await store(
        client, "team-a", "reviews", canary_config(fake_oap.url, applications=["rv"])
    )
    await store(client, "team-a", "ratings", canary_config(fake_oap.url))
    await store(client, "team-b", "reviews", canary_config(fake_oap.url, applications=["rv", "x"]))
    everything = (await client.get("/canaryConfig")).json()
    assert [(c["name"], c["applications"]) for c in everything] == [
        ("ratings", ["team-a"]),
        ("reviews", ["rv"]),
        ("reviews", ["rv", "x"]),
    ]
    reply = await client.get("/canaryConfig?application=rv&configurationAccountName=whatever")
    assert reply.status_code == 200
    listed = reply.json()
    assert [c["name"] for c in listed] == ["reviews", "reviews"]
    assert listed[0]["id"] == first
    assert isinstance(listed[0]["updatedTimestamp"], int)
    assert set(listed[0]) == {
        "id",
        "name",
        "updatedTimestamp",
        "updatedTimestampIso",
        "applications",
    }
    by_namespace = (await client.get("/canaryConfig?application=team-a")).json()
    assert [c["name"] for c in by_namespace] == ["ratings"]  # it names no application of its own
    one = await client.get(f"/canaryConfig/{first}")
    assert one.json()["metrics"][0]["name"] == "apdex"


async def test_an_execution_from_start_to_report(client: Client, fake_oap: FakeOAP) -> None:
    seed(fake_oap, degraded=("service_resp_time",))
    config_id = await store(client, "bookinfo", "reviews", canary_config(fake_oap.url))
    request = execution_request(START, END, thresholds=(90.5, 40))
    request["metadata"] = [{"name": "build", "value": "42"}]  # kept by Kayenta, ignored here
    reply = await client.post(
        f"/canary/{config_id}?application=reviews&metricsAccountName=sw"
        "&configurationAccountName=default&storageAccountName=default",
        json=request,
    )
    assert reply.status_code == 200
    execution = reply.json()["canaryExecutionId"]
    assert set(reply.json()) == {"canaryExecutionId"}
    status = await judged(client, execution)
    assert (status["status"], status["pipelineId"], status["application"]) == (
        "succeeded",
        execution,
        "reviews",
    )
    assert status["result"]["judgeResult"]["score"] == {
        "score": 50.0,
        "classification": "Marginal",
        "classificationReason": "",
    }
    assert status["result"]["canaryDuration"] == "PT30M"
    assert status["canaryConfigId"] == config_id
    assert status["metricsAccountName"] == "sw"
    assert status["stageStatus"] == {
        "setupContext": "succeeded",
        "fetchControl0": "succeeded",
        "fetchExperiment0": "succeeded",
        "fetchControl1": "succeeded",
        "fetchExperiment1": "succeeded",
        "mixMetrics": "succeeded",
        "judge": "succeeded",
    }
    assert status["canaryExecutionRequest"]["thresholds"] == {"pass": 90.5, "marginal": 40}
    report = (await client.get(f"/api/v1/namespaces/bookinfo/judgements/{execution}")).json()
    assert report["origin"] == "kayenta"
    assert report["score"] == 50.0
    latency = report["judgeResult"]["results"][1]
    assert latency["classification"] == "High"
    assert latency["statistics"]["pValue"] < 0.005
    pair = report["metricSetPairs"][1]
    assert pair["scopes"]["control"]["stepMillis"] == 60_000
    assert pair["times"]["control"][0] == START.strftime("%Y-%m-%dT%H:%M:%SZ")
    other = await client.get(f"/api/v1/namespaces/elsewhere/judgements/{execution}")
    assert other.status_code == 404


async def test_ad_hoc_execution(client: Client, fake_oap: FakeOAP) -> None:
    seed(fake_oap)
    body = {
        "canaryConfig": canary_config(fake_oap.url, judge="NetflixACAJudge-v1.0"),
        "executionRequest": execution_request(START, END),
    }
    reply = await client.post("/canary?namespace=bookinfo", json=body)
    assert reply.status_code == 200, reply.text
    status = await judged(client, reply.json()["canaryExecutionId"])
    assert status["application"] == "ad-hoc"
    assert status["result"]["judgeResult"]["judgeName"] == "NetflixACAJudge-v1.0"
    assert status["result"]["judgeResult"]["score"]["score"] == 100.0


async def test_a_judgement_that_cannot_be_made_is_terminal(
    client: Client, fake_oap: FakeOAP
) -> None:
    config_id = await store(client, "bookinfo", "reviews", canary_config(fake_oap.url))
    with fake_oap.fault(Fault(status=503, body="down for maintenance")):
        reply = await client.post(f"/canary/{config_id}", json=execution_request(START, END))
        status = await judged(client, reply.json()["canaryExecutionId"])
    assert status["status"] == "terminal"
    assert "result" not in status  # Argo: Missing Score, an Error it retries
    [error] = status["exception"]["details"]["errors"]
    assert error.startswith('metric "apdex", control scope "reviews|bookinfo|cp-cluster-1|-": ')
    assert "503" in error


def scope(**changes: Any) -> dict[str, Any]:
    request = execution_request(START, END)
    request["scopes"]["default"]["controlScope"].update(changes)
    return request


BAD_REQUESTS = [
    (
        "no-thresholds",
        {k: v for k, v in execution_request(START, END).items() if k != "thresholds"},
        [("thresholds", "is required: {pass, marginal}, scores from 0 to 100")],
    ),
    (
        "marginal-above-pass",
        execution_request(START, END, thresholds=(70, 80)),
        [("thresholds.marginal", "must not be above thresholds.pass (70)")],
    ),
    (
        "naive-time",
        scope(start="2026-12-05T10:00:00"),
        [
            (
                "scopes.default.controlScope.start",
                "must carry its zone (Z or +01:00), got '2026-12-05T10:00:00'",
            )
        ],
    ),
    (
        "empty-window",
        scope(end=START.strftime("%Y-%m-%dT%H:%M:%SZ")),
        [("scopes.default.controlScope.end", "must be at least one step (60s) after start")],
    ),
    (
        "oap-cannot-step",
        scope(step=300),
        [
            (
                "metrics[0].query",
                "skywalking: step 300s: the OAP answers steps of 1 (SECOND), 60 (MINUTE), "
                "3600 (HOUR), 86400 (DAY) seconds",
            ),
            (
                "metrics[1].query",
                "skywalking: step 300s: the OAP answers steps of 1 (SECOND), 60 (MINUTE), "
                "3600 (HOUR), 86400 (DAY) seconds",
            ),
        ],
    ),
    (
        "no-scope-for-a-metric",
        {**execution_request(START, END), "scopes": {"other": scope()["scopes"]["default"]}},
        [
            ("metrics[0].scopeName", 'the request has no scope "default" for it'),
            ("metrics[1].scopeName", 'the request has no scope "default" for it'),
        ],
    ),
]


@pytest.mark.parametrize(
    ("request_body", "problems"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
async def test_a_bad_request_is_a_kayenta_error(
    client: Client, request_body: dict[str, Any], problems: list[tuple[str, str]]
) -> None:
    config_id = await store(client, "bookinfo", "reviews", canary_config("http://127.0.0.1:9"))
    reply = await client.post(f"/canary/{config_id}", json=request_body)
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert (body["status"], body["error"]) == (400, "Bad Request")
    assert [(e["field"], e["message"]) for e in body["errors"]] == problems
    assert body["message"] == "the execution request is invalid: " + "; ".join(
        f"{field}: {message}" for field, message in problems
    )
    listed = (await client.get("/api/v1/namespaces/bookinfo/judgements")).json()
    assert listed["items"] == []


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("GET", "/canary/nope", None, 404, "Canary execution 'nope' not found"),
        ("POST", "/canary/nope", {}, 404, "Canary config with id 'nope' not found"),
        ("GET", "/canaryConfig/nope", None, 404, "Canary config with id 'nope' not found"),
        (
            "POST",
            "/canary",
            {"executionRequest": {}},
            400,
            "the ad-hoc execution request is incomplete: canaryConfig: is required",
        ),
        (
            "POST",
            "/canary",
            {"canaryConfig": {"metrics": []}, "executionRequest": {}},
            400,
            "the canary config is invalid: canaryConfig.metrics: must list at least one metric",
        ),
        (
            "POST",
            "/canary?namespace=Not_A_Namespace",
            {},
            400,
            "namespace is not a Kubernetes namespace name: namespace: Not_A_Namespace",
        ),
    ],
    ids=[
        "no-execution",
        "no-config",
        "no-config-read",
        "ad-hoc-incomplete",
        "ad-hoc-config",
        "bad-namespace",
    ],
)
async def test_kayenta_errors(
    client: Client, method: str, path: str, body: Any, status: int, message: str
) -> None:
    reply = await client.request(method, path, json=body)
    assert reply.status_code == status
    assert reply.json()["message"] == message


async def test_namespace_limited_tokens(serve: Serve, fake_oap: FakeOAP) -> None:
    admin, team_a = "a" * 20, "t" * 20
    async with serve(tokens=f"write:{admin},write@team-a:{team_a}") as client:
        bearer = {"Authorization": f"Bearer {admin}"}
        config = canary_config(fake_oap.url, applications=["rv"])
        for namespace in ("team-a", "team-b"):
            put = await client.put(
                f"/api/v1/namespaces/{namespace}/canaryconfigs/reviews", json=config, headers=bearer
            )
            assert put.status_code == 201
        seen = (await client.get(f"/canaryConfig?application=rv&token={team_a}")).json()
        assert len(seen) == 1
        everything = (await client.get("/canaryConfig?application=rv", headers=bearer)).json()
        theirs = next(c["id"] for c in everything if c["id"] != seen[0]["id"])
        refused = await client.post(
            f"/canary/{theirs}?token={team_a}", json=execution_request(START, END)
        )
        assert refused.status_code == 403
        assert refused.json()["message"].startswith(
            'the token is limited to namespaces team-a; namespace "team-b" is not one of them'
        )
        unknown = await client.get("/canaryConfig?token=not-a-token-at-all")
        assert (unknown.status_code, unknown.json()["message"]) == (401, "the token is not valid")
