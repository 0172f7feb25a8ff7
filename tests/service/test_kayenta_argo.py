"""Argo Rollouts' `kayenta` provider pointed at a real `augur serve`.

First the test client is held to Argo's own test cases (`kayenta_test.go`, as HTTP exchanges in
tests/data/argo-providers/vectors-kayenta.jsonl): the URLs it builds, the bodies it sends and the
phases it makes of each answer. Then that client does to augur what Argo would: Argo's recorded
requests are answered by augur's Kayenta API, and whole judgements run end to end against the
fake OAP's baseline and canary series, from the config lookup to the phase Argo would record.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.fake_oap import FakeOAP
from tests.fakes.scripted import Reply, ScriptedServer
from tests.support.argo_kayenta import RESUME_DELAY, ArgoKayenta, Measurement
from tests.support.canary import CANARY, STABLE, canary_config, seed
from tests.support.servers import REPO, Served, augur_server
from tests.support.waiting import wait_for

VECTORS = [
    json.loads(line)
    for line in (REPO / "tests/data/argo-providers/vectors-kayenta.jsonl").read_text().splitlines()
]
#: The vectors' windows end here; the client's clock reads it, so Argo's "now" is theirs.
NOW = datetime(2019, 3, 29, 1, 38, 34, tzinfo=UTC)
HOST = "https://kayenta.example.oom"


def _path(url: str) -> str:
    return url.removeprefix(HOST)


def run_vector(client: ArgoKayenta, vector: dict[str, Any], address: str) -> Measurement:
    metric = {**vector["provider_config"], "address": address}
    if vector["method_called"] == "Run":
        return client.run(
            metric,
            now=NOW,
            interval=vector.get("metric_interval") or "",
            started_at=vector.get("run_status_startedAt") or "",
        )
    given = Measurement(phase="Running", metadata=dict(vector["measurement_in"]["metadata"]))
    return client.resume(metric, given, now=NOW)


def check_body(body: bytes, expect: dict[str, Any]) -> None:
    if "regexp" in expect:
        for pattern in expect["regexp"]:
            assert re.search(pattern, body.decode()), (pattern, body)
    else:
        assert json.loads(body) == expect


def check_measurement(got: Measurement, expected: dict[str, Any]) -> None:
    assert got.phase == expected["phase"]
    if expected.get("message") is None:
        assert got.message == ""
    elif expected.get("message_match") == "contains":
        assert expected["message"] in got.message
    else:
        assert got.message == expected["message"]
    assert got.value == (expected.get("value") or "")
    if "metadata" in expected:
        assert got.metadata == expected["metadata"]
    if expected.get("resumeAt") == "now+15s":
        assert got.resume_at == NOW + RESUME_DELAY
    if "finishedAt" in expected:
        assert (got.finished_at is not None) == (expected["finishedAt"] == "set")


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_client_does_what_argos_provider_does(
    vector: dict[str, Any], scripted: ScriptedServer
) -> None:
    for exchange in vector["exchanges"]:
        answer = exchange["response"]
        path = _path(exchange["url"]).partition("?")[0]
        scripted.reply(path, Reply(status=answer["status"], body=answer["body"] or b""))
    with ArgoKayenta() as client:
        measurement = run_vector(client, vector, scripted.base_url)
    sent = [(r.method, r.path + (f"?{r.query}" if r.query else "")) for r in scripted.requests]
    assert sent == [(e["method"], _path(e["url"])) for e in vector["request_expect"]]
    for request, expect in zip(scripted.requests, vector["request_expect"], strict=True):
        if "json_body_expect" in expect:
            assert request.headers["content-type"] == "application/json"
            check_body(request.body, expect["json_body_expect"])
    check_measurement(measurement, vector["expected"])


# ------------------------------------------------------------------------------ against augur


def argo_metric(address: str, application: str, *, marginal: int = 75) -> dict[str, Any]:
    """`provider.kayenta` of an AnalysisTemplate judging `reviews` with a stored config."""
    side = {"region": "", "step": 60}
    return {
        "address": address,
        "application": application,
        "canaryConfigName": "reviews",
        "metricsAccountName": "skywalking",
        "configurationAccountName": "default",
        "storageAccountName": "default",
        "threshold": {"pass": 90, "marginal": marginal},
        "scopes": [
            {
                "name": "default",
                "controlScope": {**side, "scope": STABLE},
                "experimentScope": {**side, "scope": CANARY},
            }
        ],
    }


def put_config(augur: Served, namespace: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
    reply = httpx.put(
        f"{augur.base_url}/api/v1/namespaces/{namespace}/canaryconfigs/{name}",
        json=config,
        timeout=10,
    )
    assert reply.status_code in (200, 201), reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def until_judged(
    client: ArgoKayenta, metric: dict[str, Any], measurement: Measurement
) -> Measurement:
    """Resume as Argo's controller does (every 15 s there; at once here) until not Running."""

    def poll() -> Measurement:
        nonlocal measurement
        measurement = client.resume(metric, measurement, now=datetime.now(UTC))
        return measurement

    return wait_for(poll, lambda m: m.phase != "Running", timeout=60, describe=repr, interval=0.1)


#: The vectors whose answers augur gives (the rest script a misbehaving Kayenta).
AUGUR_DECIDES = [
    v
    for v in VECTORS
    if v["method_called"] == "Run"
    and (v["expected"]["phase"] == "Running" or "must both be set" in v["expected"]["message"])
]


@pytest.mark.parametrize("vector", AUGUR_DECIDES, ids=[v["name"] for v in AUGUR_DECIDES])
def test_argos_requests_are_answered_by_augur(
    vector: dict[str, Any], augur: Served, fake_oap: FakeOAP
) -> None:
    metric = vector["provider_config"]
    scopes = metric["scopes"][0]
    seed(
        fake_oap, stable=scopes["controlScope"]["scope"], canary=scopes["experimentScope"]["scope"]
    )
    listed = json.loads(vector["exchanges"][0]["response"]["body"])
    for entry in listed:  # the configs Argo's recorded lookup saw, with their ids
        config = canary_config(fake_oap.url, applications=entry["applications"], id=entry["id"])
        put_config(augur, "argo", entry["name"], config)
    with ArgoKayenta() as client:
        measurement = run_vector(client, vector, augur.base_url)
        sent = [(r.method, _path(str(r.url).replace(augur.base_url, HOST))) for r in client.sent]
        assert sent == [(e["method"], _path(e["url"])) for e in vector["request_expect"]]
        for request, expect in zip(client.sent, vector["request_expect"], strict=True):
            if "json_body_expect" in expect:
                check_body(request.content, expect["json_body_expect"])
        expected = {k: v for k, v in vector["expected"].items() if k != "metadata"}
        check_measurement(measurement, expected)  # the execution id is augur's own
        if "metadata" in vector["expected"]:
            assert set(measurement.metadata) == {"canaryExecutionId"}
        if measurement.phase == "Running":  # and augur judges it: the same series both sides
            done = until_judged(client, {**metric, "address": augur.base_url}, measurement)
            assert (done.phase, done.value) == ("Successful", "100")


CASES = [
    # (id, judge, metrics worse on the canary, Argo's phase, value, the reasons kept)
    ("healthy", "augur-v1", (), "Successful", "100", {"apdex": "Pass", "latency": "Pass"}),
    (
        "slower",
        "augur-v1",
        ("service_resp_time",),
        "Inconclusive",
        "50",
        {"apdex": "Pass", "latency": "High"},
    ),
    (
        "degraded",
        "augur-v1",
        ("service_apdex", "service_resp_time"),
        "Failed",
        "0",
        {"apdex": "Low", "latency": "High"},
    ),
    ("healthy-kayenta", "NetflixACAJudge-v1.0", (), "Successful", "100", {"apdex": "Pass"}),
    (
        "degraded-kayenta",
        "NetflixACAJudge-v1.0",
        ("service_apdex", "service_resp_time"),
        "Failed",
        "0",
        {"apdex": "Low", "latency": "High"},
    ),
]


@pytest.mark.parametrize(
    ("judge", "degraded", "phase", "value", "classes"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_judgement_end_to_end_as_argo_runs_it(
    augur: Served,
    fake_oap: FakeOAP,
    judge: str,
    degraded: tuple[str, ...],
    phase: str,
    value: str,
    classes: dict[str, str],
) -> None:
    seed(fake_oap, degraded=degraded)
    put_config(augur, "bookinfo", "reviews", canary_config(fake_oap.url, judge=judge))
    # the config names no application: its namespace, bookinfo, is one
    metric = argo_metric(augur.base_url, "bookinfo", marginal=40)
    with ArgoKayenta() as client:
        started = client.run(metric, now=datetime.now(UTC), interval="30m")
        assert started.phase == "Running", started
        done = until_judged(client, metric, started)
    assert (done.phase, done.value) == (phase, value)
    execution = started.metadata["canaryExecutionId"]
    report = httpx.get(
        f"{augur.base_url}/api/v1/namespaces/bookinfo/judgements/{execution}", timeout=10
    ).json()
    results = {r["name"]: r for r in report["judgeResult"]["results"]}
    assert {name: results[name]["classification"] for name in classes} == classes
    for name, cls in classes.items():
        if cls != "Pass":
            # augur-v1: "The metric latency was classified as High by mann-whitney ...";
            # Kayenta's own words: "latency was classified as High"
            assert f"{name} was classified as {cls}" in results[name]["classificationReason"]
            assert "lower" in results[name]["statistics"]
    pairs = {p["name"]: p for p in report["metricSetPairs"]}
    assert len(pairs["apdex"]["values"]["control"]) == 30
    assert len(pairs["latency"]["times"]["experiment"]) == 30
    assert pairs["apdex"]["attributes"]["experiment"]["query"] == (
        f'readMetricsValues service_apdex of service "{CANARY}"'
    )


def test_polls_carry_only_the_score_without_a_token_when_tokens_are_on(
    tmp_path: Path, fake_oap: FakeOAP
) -> None:
    """Argo polls with nothing but the id: with tokens configured the answer is the score and
    nothing else, and the token rides in on Argo's unescaped `application` value."""
    token = "w" * 24
    seed(fake_oap)
    store = f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"
    env = {"AUGUR_TOKENS": f"write:{token}"}
    with augur_server(store_url=store, log=tmp_path / "augur.log", env=env, ready=True) as served:
        headers = {"Authorization": f"Bearer {token}"}
        reply = httpx.put(
            f"{served.base_url}/api/v1/namespaces/bookinfo/canaryconfigs/reviews",
            json=canary_config(fake_oap.url, applications=["reviews"]),
            headers=headers,
            timeout=10,
        )
        assert reply.status_code == 201, reply.text
        metric = argo_metric(served.base_url, f"reviews&token={token}")
        with ArgoKayenta() as client:
            started = client.run(metric, now=datetime.now(UTC), interval="30m")
            assert started.phase == "Running", started
            done = until_judged(client, metric, started)
            assert (done.phase, done.value) == ("Successful", "100")
            later = datetime.now(UTC) + timedelta(minutes=5)
            assert client.run(metric, now=later, interval="30m").phase == "Running"
        execution = started.metadata["canaryExecutionId"]
        bare = httpx.get(f"{served.base_url}/canary/{execution}", timeout=10).json()
        assert bare == {
            "pipelineId": execution,
            "complete": True,
            "status": "succeeded",
            "result": {
                "judgeResult": {
                    "score": {"score": 100.0, "classification": "Pass", "classificationReason": ""}
                }
            },
        }
        full = httpx.get(f"{served.base_url}/canary/{execution}", headers=headers, timeout=10)
        assert full.json()["application"] == "reviews"
        assert len(full.json()["result"]["judgeResult"]["results"]) == 2
        assert token not in served.logs()
        unauthorised = httpx.get(f"{served.base_url}/canaryConfig?application=reviews", timeout=10)
        assert unauthorised.status_code == 401
        assert unauthorised.json()["message"] == (
            "this endpoint needs a token: send an Authorization: Bearer header or ?token="
        )
