"""The gates rollout controllers call, fed exactly what Argo Rollouts and Flagger send.

Argo's web provider POSTs the template's `jsonBody` with `Content-Type: application/json` and
reads `{$.phase}` from a `200`; Flagger POSTs its `CanaryWebhookPayload` and passes a hook when
the status is `<= 202`. Analyses use the replay provider, so no network is needed; the app's own
scheduler drives them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.api.gates import Verdict, verdict_of
from app.core.settings import Settings
from app.main import create_app
from app.service.documents import run_from_record
from tests.support.waiting import wait_for_async, wait_ready_async

PROBLEM = "application/problem+json"
SERVICE = "canary|reviews|bookinfo|cp-cluster-1|-"
SEED = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
#: Why apdex-fail's one measurement failed, as the measurement's message says it.
WHY_9000 = (
    f"successCondition {SEED} is false: "
    "the only point fails asFloat(.value) >= 9900: 9000 at index 0"
)
WRITE = "w" * 20
READ = "r" * 20


def apdex(value: float) -> dict[str, Any]:
    return {"value": {"service_apdex": {"values": {"values": [{"value": value}]}}}}


def template(
    results: list[dict[str, Any]], *, metric_name: str = "apdex", **metric: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "spec": {
            "args": [{"name": "service-name"}],
            "metrics": [
                {
                    "name": metric_name,
                    "successCondition": SEED,
                    "provider": {"replay": {"results": results}},
                    **metric,
                }
            ],
        },
    }


#: template name -> (template, the phase the scheduler settles it in)
TEMPLATES: dict[str, tuple[dict[str, Any], str]] = {
    "apdex-pass": (template([apdex(9950)]), "Successful"),
    "apdex-fail": (template([apdex(9000)]), "Failed"),
    "apdex-slow": (template([apdex(9950), apdex(9950)], count=2, interval="1h"), "Running"),
    "apdex-error": (
        template([{"error": "connection refused"}], consecutiveErrorLimit=0),
        "Error",
    ),
}
#: stored too, for runs made of two templates
LATENCY = template([apdex(9950)], metric_name="latency")
VALUE_9950 = '{"service_apdex":{"values":{"values":[{"value":9950}]}}}'
VALUE_9000 = '{"service_apdex":{"values":{"values":[{"value":9000}]}}}'


@dataclass
class Gate:
    app: FastAPI
    client: httpx.AsyncClient

    async def argo(self, path: str, body: Any, **headers: str) -> httpx.Response:
        """Argo's web provider: `method: POST` with a `jsonBody`."""
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **headers}
        return await self.client.post(f"/api/v1/gates/argo/{path}", content=content, headers=sent)

    async def flagger(self, hook: str, payload: Any, *, token: str | None = None) -> httpx.Response:
        """Flagger's webhook call: a JSON POST, no way to add headers."""
        params = {"token": token} if token is not None else None
        return await self.client.post(
            f"/api/v1/gates/flagger/{hook}",
            content=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            params=params,
        )

    async def settled(self, key: str, phase: str, *, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the run keyed `key` reaches `phase` with a measurement taken."""

        async def verdict() -> Verdict | None:
            record = await self.app.state.store.run_by_key(key)
            return None if record is None else verdict_of(run_from_record(record))

        def reached(seen: Verdict | None) -> bool:
            if seen is None:
                return False
            taken = sum(m.count + m.error for m in seen.metrics.values())
            return seen.phase == phase and taken > 0

        settled = await wait_for_async(
            verdict,
            reached,
            timeout=timeout,
            describe=lambda seen: f"{key} did not reach {phase}; last verdict: {seen}",
        )
        assert settled is not None
        return settled.model_dump(by_alias=True)

    def calls(self, controller: str, hook: str, answer: str) -> float:
        labels = {"controller": controller, "hook": hook, "answer": answer}
        value = self.app.state.metrics.registry.get_sample_value("augur_gate_calls_total", labels)
        return value or 0.0


async def _gate(tmp_path: Path, **settings: Any) -> AsyncIterator[Gate]:
    app = create_app(Settings(store_url=f"sqlite+aiosqlite:///{tmp_path}/augur.db", **settings))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            await wait_ready_async(client)
            for name, (body, _) in TEMPLATES.items():
                for namespace in ("bookinfo", "test"):
                    await app.state.runs.put_template(
                        kind="AnalysisTemplate", namespace=namespace, name=name, document=body
                    )
            await app.state.runs.put_template(
                kind="AnalysisTemplate", namespace="test", name="latency", document=LATENCY
            )
            await app.state.runs.put_template(
                kind="ClusterAnalysisTemplate",
                namespace="",
                name="apdex-pass",
                document=TEMPLATES["apdex-pass"][0],
            )
            yield Gate(app, client)


@pytest.fixture
async def gate(tmp_path: Path) -> AsyncIterator[Gate]:
    async for served in _gate(tmp_path):
        yield served


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[Gate]:
    async for served in _gate(tmp_path, tokens=f"write:{WRITE},read:{READ}"):
        yield served


def argo_body(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "namespace": "bookinfo",
        "templates": [{"templateName": name}],
        "args": [{"name": "service-name", "value": SERVICE}],
        **extra,
    }


def metric(phase: str, value: str = "", **counts: int) -> dict[str, Any]:
    numbers = {"count": 0, "successful": 0, "failed": 0, "inconclusive": 0, "error": 0}
    return {"phase": phase, "lastValue": value, **numbers, **counts}


def without_messages(body: dict[str, Any]) -> dict[str, Any]:
    metrics = {
        name: {k: v for k, v in m.items() if k != "message"} for name, m in body["metrics"].items()
    }
    return {**body, "metrics": metrics}


# -- Argo: the keyed gate -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TEMPLATES), ids=list(TEMPLATES))
async def test_argo_first_call_starts_the_run_and_answers_pending(gate: Gate, name: str) -> None:
    reply = await gate.argo("reviews-6d4f8b9c7", argo_body(name))
    assert reply.status_code == 200
    body = reply.json()
    assert body["phase"] == "Pending"
    assert body["message"] == ""
    assert without_messages(body)["metrics"] == {"apdex": metric("Pending")}
    assert body["run"].startswith(f"bookinfo/{name}-")


ARGO_VERDICTS = [
    pytest.param(
        "apdex-pass",
        "Successful",
        "",
        metric("Successful", VALUE_9950, count=1, successful=1),
        id="passing",
    ),
    pytest.param(
        "apdex-fail",
        "Failed",
        'Metric "apdex" assessed Failed due to failed (1) > failureLimit (0): '
        f'"Error Message: {WHY_9000}"',
        metric("Failed", VALUE_9000, count=1, failed=1),
        id="failing",
    ),
    pytest.param(
        "apdex-slow",
        "Running",
        "",
        metric("Running", VALUE_9950, count=1, successful=1),
        id="still-running",
    ),
    pytest.param(
        "apdex-error",
        "Error",
        'Metric "apdex" assessed Error due to consecutiveErrors (1) > consecutiveErrorLimit (0): '
        '"Error Message: connection refused"',
        metric("Error", error=1),
        id="erroring",
    ),
]


@pytest.mark.parametrize(("name", "phase", "message", "expected"), ARGO_VERDICTS)
async def test_argo_later_calls_answer_the_stored_verdict_with_200(
    gate: Gate, name: str, phase: str, message: str, expected: dict[str, Any]
) -> None:
    first = await gate.argo("reviews-6d4f8b9c7", argo_body(name))
    await gate.settled("argo:bookinfo:reviews-6d4f8b9c7", phase)
    # Argo re-sends the same request every interval; the run is not started again.
    reply = await gate.argo("reviews-6d4f8b9c7", argo_body(name))
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert without_messages(body) == {
        "phase": phase,
        "message": message,
        "metrics": {"apdex": expected},
        "run": first.json()["run"],
    }
    listed = await gate.app.state.store.list_runs(
        namespace="bookinfo", phase=None, selector=[], limit=10, after=None
    )
    assert len(listed) == 1
    assert gate.calls("argo", "run", "Pending") == 1
    assert gate.calls("argo", "run", phase) == 1


async def test_argo_keys_are_per_namespace_and_key(gate: Gate) -> None:
    one = await gate.argo("reviews-aaa", argo_body("apdex-pass"))
    two = await gate.argo("reviews-bbb", argo_body("apdex-pass"))
    three = await gate.argo("reviews-aaa", {**argo_body("apdex-pass"), "namespace": "test"})
    again = await gate.argo("reviews-aaa", argo_body("apdex-pass"))
    runs = [r.json()["run"] for r in (one, two, three, again)]
    assert len(set(runs[:3])) == 3
    assert runs[3] == runs[0]
    assert runs[2].startswith("test/")


async def test_argo_gate_takes_an_inline_spec_and_a_cluster_template(gate: Gate) -> None:
    inline = {
        "namespace": "bookinfo",
        "spec": TEMPLATES["apdex-pass"][0]["spec"],
        "args": [{"name": "service-name", "value": SERVICE}],
    }
    cluster = {
        "templates": [{"templateName": "apdex-pass", "clusterScope": True}],
        "args": [{"name": "service-name", "value": SERVICE}],
    }
    assert (await gate.argo("inline-1", inline)).json()["phase"] == "Pending"
    reply = await gate.argo("cluster-1", cluster)
    assert reply.json()["run"].startswith("default/apdex-pass-")  # namespace defaults
    await gate.settled("argo:bookinfo:inline-1", "Successful")
    await gate.settled("argo:default:cluster-1", "Successful")


async def test_argo_body_without_content_type_is_read_as_json(guarded: Gate) -> None:
    # A template that uses `body:` (text) instead of `jsonBody` sends no Content-Type. Argo calls
    # augur across the cluster, with a token; without tokens (loopback mode) such a body is
    # refused, since a web page could send it (tests/hostile/test_loopback_mode.py).
    reply = await guarded.client.post(
        "/api/v1/gates/argo/reviews-1",
        content=json.dumps(argo_body("apdex-pass")).encode(),
        headers={"Authorization": f"Bearer {WRITE}"},
    )
    assert reply.status_code == 200
    assert reply.json()["phase"] == "Pending"


ARGO_MISTAKES = [
    pytest.param("k1", b"{not json", 422, "body", id="not-json"),
    pytest.param("k1", b"[1, 2]", 422, "body", id="not-an-object"),
    pytest.param("k1", {"templates": [{"templateName": "nope"}]}, 422, "templates[0].templateName",
                 id="unknown-template"),
    pytest.param("k1", {**argo_body("apdex-pass"), "namespace": 7}, 422, "namespace",
                 id="namespace-not-a-string"),
    pytest.param("k1", {**argo_body("apdex-pass"), "namespace": "Book_Info"}, 422, "namespace",
                 id="namespace-not-kubernetes"),
    pytest.param("k1", {**argo_body("apdex-pass"), "template": "apdex"}, 422, "template",
                 id="unknown-field"),
    pytest.param("k1", {**argo_body("apdex-pass"), "spec": {"metrics": []}}, 422, "templates",
                 id="templates-and-spec"),
    pytest.param("k1", {**argo_body("apdex-pass"), "args": []}, 422, "args",
                 id="arg-missing"),
    pytest.param("bad%20key", argo_body("apdex-pass"), 422, "key", id="bad-key"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "body", "status", "field"), ARGO_MISTAKES)
async def test_argo_malformed_requests_are_problems_naming_the_field(
    gate: Gate, key: str, body: Any, status: int, field: str
) -> None:
    reply = await gate.argo(key, body)
    assert reply.status_code == status
    assert reply.headers["content-type"] == PROBLEM
    problem = reply.json()
    assert problem["status"] == status
    assert field in [e["field"] for e in problem["errors"]], problem
    assert gate.calls("argo", "run", str(status)) == 1
    assert await gate.app.state.store.run_by_key("argo:bookinfo:k1") is None


async def test_argo_wrong_media_type_is_415(guarded: Gate) -> None:
    # With tokens, as Argo calls augur; loopback mode refuses earlier, naming web pages.
    headers = {"Content-Type": "text/plain", "Authorization": f"Bearer {WRITE}"}
    reply = await guarded.argo("k1", argo_body("apdex-pass"), **headers)
    assert reply.status_code == 415
    assert reply.json()["detail"] == (
        "Content-Type 'text/plain' is not accepted; send application/json or application/yaml"
    )


# -- Argo: one measurement now ---------------------------------------------------------------

EVALUATIONS = [
    pytest.param("apdex-pass", "Successful", "", metric("Successful", VALUE_9950, count=1,
                 successful=1), id="passing"),
    pytest.param("apdex-fail", "Failed", f"apdex: Failed ({WHY_9000})", metric("Failed", VALUE_9000,
                 count=1, failed=1), id="failing"),
    # One measurement of a metric that wants two: the measurement is the verdict.
    pytest.param("apdex-slow", "Successful", "", metric("Successful", VALUE_9950, count=1,
                 successful=1), id="one-of-several"),
    pytest.param("apdex-error", "Error", "apdex: Error (connection refused)",
                 metric("Error", error=1), id="provider-error"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "phase", "message", "expected"), EVALUATIONS)
async def test_argo_evaluate_measures_once_and_stores_nothing(
    gate: Gate, name: str, phase: str, message: str, expected: dict[str, Any]
) -> None:
    reply = await gate.argo("evaluate", argo_body(name))
    assert reply.status_code == 200
    body = reply.json()
    assert without_messages(body) == {
        "phase": phase,
        "message": message,
        "metrics": {"apdex": expected},
    }
    listed = await gate.app.state.store.list_runs(
        namespace=None, phase=None, selector=[], limit=10, after=None
    )
    assert listed == []
    assert gate.calls("argo", "evaluate", phase) == 1


async def test_argo_evaluate_ignores_initial_delay_and_judges_inconclusive(gate: Gate) -> None:
    spec = {
        "metrics": [
            {
                "name": "apdex",
                "initialDelay": "1h",
                "successCondition": "result.service_apdex.values.values[0].value >= 9900",
                "failureCondition": "result.service_apdex.values.values[0].value < 9000",
                "provider": {"replay": {"results": [apdex(9500)]}},
            }
        ]
    }
    reply = await gate.argo("evaluate", {"spec": spec})
    assert reply.status_code == 200
    assert reply.json()["phase"] == "Inconclusive"
    assert reply.json()["metrics"]["apdex"]["inconclusive"] == 1


async def test_argo_evaluate_malformed_is_422(gate: Gate) -> None:
    reply = await gate.argo("evaluate", {"templates": [{"templateName": "nope"}]})
    assert reply.status_code == 422
    assert reply.json()["errors"] == [
        {
            "field": "templates[0].templateName",
            "message": "analysistemplate default/nope not found; create it first",
        }
    ]
    assert gate.calls("argo", "evaluate", "422") == 1


# -- Flagger ---------------------------------------------------------------------------------


def flagger_payload(template_name: str, **overrides: Any) -> dict[str, Any]:
    """Exactly Flagger's CanaryWebhookPayload; the webhook's metadata is strings only."""
    return {
        "name": "podinfo",
        "namespace": "test",
        "phase": "Progressing",
        "checksum": "85d557f47b",
        "metadata": {"template": template_name, "args.service-name": SERVICE},
        **overrides,
    }


FLAGGER_KEY = "flagger:test/podinfo/85d557f47b"
STATES = {"passing": "apdex-pass", "failing": "apdex-fail", "running": "apdex-slow",
          "erroring": "apdex-error"}  # fmt: skip
#: hook -> the answer for each state of the analysis
FLAGGER_TABLE = {
    "rollout": {"passing": 200, "failing": 412, "running": 200, "erroring": 412},
    "pre-rollout": {"passing": 200, "failing": 412, "running": 200, "erroring": 412},
    "confirm-rollout": {"passing": 200, "failing": 412, "running": 200, "erroring": 412},
    "confirm-traffic-increase": {"passing": 200, "failing": 412, "running": 200, "erroring": 412},
    "confirm-promotion": {"passing": 200, "failing": 412, "running": 423, "erroring": 412},
    "rollback": {"passing": 412, "failing": 200, "running": 412, "erroring": 200},
    "post-rollout": {"passing": 202, "failing": 202, "running": 202, "erroring": 202},
    "event": {"passing": 202, "failing": 202, "running": 202, "erroring": 202},
}
FLAGGER_CASES = [
    pytest.param(hook, state, answers[state], id=f"{hook}-{state}")
    for hook, answers in FLAGGER_TABLE.items()
    for state in STATES
]


@pytest.mark.parametrize(("hook", "state", "status"), FLAGGER_CASES)
async def test_flagger_hooks_answer_from_the_analysis(
    gate: Gate, hook: str, state: str, status: int
) -> None:
    name = STATES[state]
    started = await gate.flagger("rollout", flagger_payload(name))
    assert started.status_code == 200
    assert started.json()["phase"] == "Pending"
    phase = TEMPLATES[name][1]
    await gate.settled(FLAGGER_KEY, phase)
    payload = flagger_payload(name)
    if hook == "event":
        payload["metadata"] = {
            "eventMessage": "Advance podinfo.test canary weight 10",
            "eventType": "Normal",
            "timestamp": "1700000000000",
        }
    reply = await gate.flagger(hook, payload)
    assert reply.status_code == status, reply.text
    if status == 202:
        assert reply.json() == {"recorded": hook}
    elif status == 200:
        assert reply.json()["phase"] == phase
        assert reply.json()["run"].startswith("test/podinfo-")
    else:
        assert reply.headers["content-type"] == PROBLEM
        detail = reply.json()["detail"]
        assert detail.startswith("analysis test/podinfo-")
        assert f" is {phase}" in detail
    assert gate.calls("flagger", hook, str(status)) == 1 + (hook == "rollout" and status == 200)


START_CASES = [
    pytest.param("rollout", 200, id="rollout"),
    pytest.param("pre-rollout", 200, id="pre-rollout"),
    pytest.param("confirm-rollout", 200, id="confirm-rollout"),
    pytest.param("confirm-traffic-increase", 200, id="confirm-traffic-increase"),
    pytest.param("confirm-promotion", 423, id="confirm-promotion"),
]


@pytest.mark.parametrize(("hook", "status"), START_CASES)
async def test_flagger_first_hook_that_needs_the_analysis_starts_it(
    gate: Gate, hook: str, status: int
) -> None:
    reply = await gate.flagger(hook, flagger_payload("apdex-slow"))
    assert reply.status_code == status
    record = await gate.app.state.store.run_by_key(FLAGGER_KEY)
    assert record is not None
    assert record.namespace == "test"
    assert record.name.startswith("podinfo-")
    assert dict(record.labels) == {
        "augur/gate": "flagger",
        "flagger/canary": "podinfo",
        "flagger/namespace": "test",
        "flagger/checksum": "85d557f47b",
    }
    if status == 423:
        assert reply.json()["detail"].endswith(
            "is Pending; promotion waits for a Successful analysis"
        )


NO_RUN_CASES = [
    pytest.param("rollback", 412, id="rollback"),
    pytest.param("post-rollout", 202, id="post-rollout"),
    pytest.param("event", 202, id="event"),
]


@pytest.mark.parametrize(("hook", "status"), NO_RUN_CASES)
async def test_flagger_hooks_that_never_start_an_analysis(
    gate: Gate, hook: str, status: int
) -> None:
    reply = await gate.flagger(hook, flagger_payload("apdex-pass", metadata={}))
    assert reply.status_code == status
    if hook == "rollback":
        assert reply.json()["detail"] == (
            "no analysis has started for this canary revision; nothing to roll back"
        )
    assert await gate.app.state.store.run_by_key(FLAGGER_KEY) is None


async def test_flagger_later_hooks_need_no_metadata(gate: Gate) -> None:
    await gate.flagger("rollout", flagger_payload("apdex-pass"))
    await gate.settled(FLAGGER_KEY, "Successful")
    reply = await gate.flagger("confirm-promotion", flagger_payload("apdex-pass", metadata={}))
    assert reply.status_code == 200
    assert reply.json()["phase"] == "Successful"


async def test_flagger_new_checksum_is_a_new_analysis(gate: Gate) -> None:
    await gate.flagger("rollout", flagger_payload("apdex-fail"))
    await gate.settled(FLAGGER_KEY, "Failed")
    reply = await gate.flagger("rollout", flagger_payload("apdex-pass", checksum="6c8f9d7e21"))
    assert reply.status_code == 200
    assert reply.json()["phase"] == "Pending"


@pytest.mark.parametrize(
    ("metadata", "run_namespace"),
    [
        pytest.param({"template": "bookinfo/apdex-pass"}, "bookinfo", id="namespace-slash-name"),
        pytest.param({"clusterTemplate": "apdex-pass"}, "test", id="cluster-template"),
        pytest.param({"template": "apdex-pass, latency"}, "test", id="two-templates"),
        # keys meant for other webhooks of the same Canary are ignored
        pytest.param(
            {"template": "apdex-pass", "cmd": "hey -z 1m", "type": "cmd"},
            "test",
            id="other-keys-ignored",
        ),
    ],
)
async def test_flagger_metadata_names_templates(
    gate: Gate, metadata: dict[str, str], run_namespace: str
) -> None:
    payload = flagger_payload("unused")
    payload["metadata"] = {**metadata, "args.service-name": SERVICE}
    reply = await gate.flagger("pre-rollout", payload)
    assert reply.status_code == 200, reply.text
    assert reply.json()["run"].startswith(f"{run_namespace}/podinfo-")


FLAGGER_MISTAKES = [
    pytest.param({"metadata": {}}, "metadata.template",
                 "name the AnalysisTemplate to run (or clusterTemplate)", id="no-template"),
    pytest.param({"metadata": {"tempalte": "apdex-pass", "args.service-name": SERVICE}},
                 "metadata.template",
                 "name the AnalysisTemplate to run (or clusterTemplate); "
                 "metadata.tempalte: did you mean template?", id="misspelt-template-key"),
    pytest.param({"metadata": {"template": "nope", "args.service-name": SERVICE}},
                 "templates[0].templateName",
                 "analysistemplate test/nope not found; create it first", id="unknown-template"),
    pytest.param({"checksum": ""}, "checksum", "required", id="no-checksum"),
    pytest.param({"metadata": {"template": "apdex-pass", "args.service-name": 7}},
                 "metadata.args.service-name", "Input should be a valid string",
                 id="metadata-not-strings"),
    pytest.param({"name": ""}, "name", "String should have at least 1 character", id="no-name"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "message"), FLAGGER_MISTAKES)
async def test_flagger_malformed_payloads_are_422_naming_the_field(
    gate: Gate, change: dict[str, Any], field: str, message: str
) -> None:
    reply = await gate.flagger("rollout", {**flagger_payload("apdex-pass"), **change})
    assert reply.status_code == 422
    assert reply.headers["content-type"] == PROBLEM
    assert {"field": field, "message": message} in reply.json()["errors"]
    assert gate.calls("flagger", "rollout", "422") == 1


async def test_flagger_unknown_hook_is_404_listing_the_known_ones(gate: Gate) -> None:
    reply = await gate.flagger("confirm-everything", flagger_payload("apdex-pass"))
    assert reply.status_code == 404
    assert reply.headers["content-type"] == PROBLEM
    assert reply.json()["detail"] == (
        "unknown Flagger hook 'confirm-everything'; known hooks: confirm-rollout, pre-rollout, "
        "rollout, confirm-traffic-increase, confirm-promotion, post-rollout, rollback, event"
    )
    assert gate.calls("flagger", "unknown", "404") == 1


async def test_flagger_post_rollout_ends_an_analysis_still_measuring(gate: Gate) -> None:
    await gate.flagger("rollout", flagger_payload("apdex-slow"))
    await gate.settled(FLAGGER_KEY, "Running")
    payload = flagger_payload("apdex-slow", phase="Succeeded")
    assert (await gate.flagger("post-rollout", payload)).status_code == 202
    done = await gate.settled(FLAGGER_KEY, "Successful")
    assert done["metrics"]["apdex"]["count"] == 1


async def test_flagger_replies_fast_while_the_provider_hangs(gate: Gate) -> None:
    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers; returns once the provider gives up and hangs up
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    spec = {
        "args": [{"name": "service-name"}],
        "metrics": [
            {
                "name": "apdex",
                "successCondition": "result == true",
                "consecutiveErrorLimit": 0,
                "provider": {"web": {"url": f"http://127.0.0.1:{port}/", "timeoutSeconds": 1}},
            }
        ],
    }
    await gate.app.state.runs.put_template(
        kind="AnalysisTemplate", namespace="test", name="hangs", document={"spec": spec}
    )
    async with server:
        started = time.monotonic()
        first = await gate.flagger("rollout", flagger_payload("hangs"))
        await asyncio.sleep(0.2)  # the scheduler is now waiting on the provider
        second = await gate.flagger("confirm-promotion", flagger_payload("hangs"))
        elapsed = time.monotonic() - started
        assert (first.status_code, second.status_code) == (200, 423)
        assert elapsed < 1.0
        await gate.settled(FLAGGER_KEY, "Error", timeout=15)


# -- tokens ------------------------------------------------------------------------------------


TOKEN_CASES = [
    pytest.param(None, 401, "this endpoint needs a token: send an Authorization: Bearer header "
                 "or ?token=", id="no-token"),
    pytest.param("x" * 20, 401, "the token is not valid", id="unknown-token"),
    pytest.param(READ, 403, "the token has read scope; this needs write", id="read-token"),
    pytest.param(WRITE, 200, None, id="write-token"),
]  # fmt: skip


@pytest.mark.parametrize(("token", "status", "detail"), TOKEN_CASES)
async def test_flagger_url_carries_the_token_and_it_is_never_logged(
    guarded: Gate,
    caplog: pytest.LogCaptureFixture,
    token: str | None,
    status: int,
    detail: str | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    reply = await guarded.flagger("rollout", flagger_payload("apdex-pass"), token=token)
    assert reply.status_code == status
    if detail is not None:
        assert reply.json()["detail"] == detail
    await asyncio.sleep(0.05)  # the access log line follows the response
    # Everything augur logged; the test's own httpx client logs the URL it called, so not that.
    logged = [r for r in caplog.records if r.name.partition(".")[0] not in ("httpx", "httpcore")]
    assert any(r.name == "augur.access" for r in logged)
    text = "\n".join(f"{r.getMessage()} {vars(r)}" for r in logged)
    for secret in (WRITE, READ, "x" * 20):
        assert secret not in text


async def test_argo_gate_takes_a_bearer_header(guarded: Gate) -> None:
    assert (await guarded.argo("k", argo_body("apdex-pass"))).status_code == 401
    reply = await guarded.argo("k", argo_body("apdex-pass"), Authorization=f"Bearer {WRITE}")
    assert reply.status_code == 200


async def test_flagger_event_is_recorded_in_a_log_line(
    gate: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.api.gates")
    payload = flagger_payload("apdex-pass", phase="Progressing")
    payload["metadata"] = {
        "eventMessage": "Starting canary analysis for podinfo.test",
        "eventType": "Normal",
        "timestamp": "1700000000000",
    }
    reply = await gate.flagger("event", payload)
    assert reply.status_code == 202
    lines = [r.getMessage() for r in caplog.records if r.name == "app.api.gates"]
    assert lines == [
        "flagger event test/podinfo: phase Progressing {'eventType': 'Normal', "
        "'eventMessage': 'Starting canary analysis for podinfo.test'}"
    ]
    assert gate.calls("flagger", "event", "202") == 1
