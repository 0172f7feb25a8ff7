"""A failed verdict says why, wherever a person or a controller meets it, over a real
`augur serve`: Argo's `web` gate, Flagger's webhooks and the server's log.

The apdex floor comes from a mounted Secret, so the condition the reason quotes holds a secret
value: it must show as `*****` everywhere. The second template measures the server itself over
HTTP, so the log would hold httpx's per-request lines if they were on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.servers import Served, augur_server
from tests.support.waiting import wait_for, wait_run

FLOOR = "9900.5"  # planted: the SLO floor, read from a Secret
SEED = 'all(result.service_apdex.values.values, {asFloat(.value) >= asFloat("{{args.floor}}")})'
SHOWN = SEED.replace("{{args.floor}}", "*****")
WHY = (
    f"successCondition {SHOWN} is false: the only point fails "
    'asFloat(.value) >= asFloat("*****"): 9000 at index 0'
)
FLOOR_ARG = {"name": "floor", "valueFrom": {"secretKeyRef": {"name": "slo", "key": "floor"}}}
APDEX = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "spec": {
        "args": [FLOOR_ARG],
        "metrics": [
            {
                "name": "apdex",
                "successCondition": SEED,
                "provider": {
                    "replay": {
                        "results": [
                            {"value": {"service_apdex": {"values": {"values": [{"value": 9000}]}}}}
                        ]
                    }
                },
            }
        ],
    },
}
SELF = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "spec": {
        "args": [{"name": "base"}],
        "metrics": [
            {
                "name": "self",
                "successCondition": 'result == "serving"',
                "provider": {"web": {"url": "{{args.base}}/healthz", "jsonPath": "{$.status}"}},
            }
        ],
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("why")
    (tmp / "secrets" / "bookinfo" / "slo").mkdir(parents=True)  # the runs' namespace's folder
    (tmp / "secrets" / "bookinfo" / "slo" / "floor").write_text(FLOOR)
    env = {"AUGUR_SECRETS_DIR": str(tmp / "secrets")}
    store = f"sqlite+aiosqlite:///{tmp / 'augur.db'}"
    with augur_server(store_url=store, log=tmp / "server.log", env=env, ready=True) as served:
        for name, document in (("apdex-floor", APDEX), ("self", SELF)):
            put = httpx.put(
                f"{served.base_url}/api/v1/namespaces/bookinfo/analysistemplates/{name}",
                json=document,
                timeout=10,
            )
            assert put.status_code == 201, put.text
        yield served


def evaluate(server: Served, template: str, **args: str) -> dict[str, Any]:
    body = {
        "namespace": "bookinfo",
        "templates": [{"templateName": template}],
        "args": [{"name": k, "value": v} for k, v in args.items()],
    }
    reply = httpx.post(f"{server.base_url}/api/v1/gates/argo/evaluate", json=body, timeout=10)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


@pytest.mark.parametrize(
    ("template", "args", "message"),
    [
        pytest.param("apdex-floor", {}, f"apdex: Failed ({WHY})", id="secret-in-the-condition"),
        pytest.param(
            "self",
            {"base": "{base}"},
            'self: Failed (successCondition result == "serving" is false: result is "ok")',
            id="web-provider",
        ),
    ],
)
def test_the_argo_gate_answers_why(
    server: Served, template: str, args: dict[str, str], message: str
) -> None:
    answer = evaluate(
        server, template, **{k: v.format(base=server.base_url) for k, v in args.items()}
    )
    assert (answer["phase"], answer["message"]) == ("Failed", message)


def test_flagger_refuses_with_the_reason(server: Served) -> None:
    payload = {
        "name": "podinfo",
        "namespace": "bookinfo",
        "checksum": "85d557f47b",
        "metadata": {"template": "apdex-floor"},
    }
    hooks = f"{server.base_url}/api/v1/gates/flagger"
    assert httpx.post(f"{hooks}/confirm-rollout", json=payload, timeout=10).status_code == 200
    refused = wait_for(
        lambda: httpx.post(f"{hooks}/confirm-promotion", json=payload, timeout=10),
        lambda reply: reply.status_code == 412,
        timeout=20,
        describe=lambda reply: f"{reply.status_code} {reply.text}",
    )
    detail = refused.json()["detail"]
    assert detail.startswith("analysis bookinfo/podinfo-")
    assert detail.endswith(
        ' is Failed: Metric "apdex" assessed Failed due to failed (1) > failureLimit (0): '
        f'"Error Message: {WHY}"'
    )


def test_the_log_says_why_a_measurement_failed_and_keeps_quiet_about_requests(
    server: Served,
) -> None:
    start = httpx.post(
        f"{server.base_url}/api/v1/namespaces/bookinfo/analysisruns",
        json={"name": "logged", "templates": [{"templateName": "apdex-floor"}]},
        timeout=10,
    )
    assert start.status_code == 201, start.text
    wait_run(server.base_url, "logged", namespace="bookinfo", timeout=20)
    evaluate(server, "self", base=server.base_url)  # one outbound request through httpx
    logs = server.logs()
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    measured = [e["message"] for e in lines if e["message"].startswith("measured bookinfo/logged ")]
    assert measured == [f"measured bookinfo/logged apdex #1: Failed: {WHY}"]
    assert FLOOR not in logs
    assert {e["logger"] for e in lines} & {"httpx", "httpcore"} == set()
