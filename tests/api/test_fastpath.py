"""The hot routes' fast path (`app.api.fastpath`) answers exactly what the routes answer.

Each request is sent twice to one app, with the fast path on and off, and the two answers must
be equal in status, headers and body, and in the gates' log lines; each case also says whether
the fast path answers it or hands it to FastAPI (an error, a first call, anything unusual), so a
case cannot pass merely because nothing was answered fast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.conftest import Client, Serve, replay_metric, template
from tests.support.waiting import wait_for_async

ADMIN = "admin-write-token-0123456789"
A_WRITE = "team-a-write-token-0123456789"
A_READ = "team-a-read-token-0123456789"
TOKENS = f"write:{ADMIN},write@team-a:{A_WRITE},read@team-a:{A_READ}"
A = "/api/v1/namespaces/team-a/analysisruns"
ARGO = "/api/v1/gates/argo"
FLAGGER = "/api/v1/gates/flagger"
JSON = {"content-type": "application/json"}


def argo(namespace: str = "team-a") -> dict[str, Any]:
    return {"namespace": namespace, "templates": [{"templateName": "t"}]}


def flagger(name: str = "podinfo", checksum: str = "c1", template: str = "t") -> dict[str, Any]:
    return {
        "name": name,
        "namespace": "team-a",
        "phase": "Progressing",
        "checksum": checksum,
        "metadata": {"template": template},
    }


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    fast: bool  # answered by the fast path (else handed to the route)
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


#: (settings, token to set up with, cases)
OPEN: dict[str, Case] = {
    "status of a finished run": Case("GET", f"{A}/done", True),
    "status of a running run": Case("GET", f"{A}/slow", True),
    "status of a missing run": Case("GET", f"{A}/missing", False),
    "status, a name the route refuses": Case("GET", f"{A}/Done", False),
    "status with a query string": Case("GET", f"{A}/done?pretty=1", False),
    "status asked with HEAD": Case("HEAD", f"{A}/done", False),
    "argo gate, known run": Case("POST", f"{ARGO}/k1", True, json=argo()),
    "argo gate, no content-type: loopback mode refuses it first": Case(
        "POST", f"{ARGO}/k1", False, content=b'{"namespace":"team-a"}'
    ),
    "argo gate, default namespace, no run": Case("POST", f"{ARGO}/k1", False, json={}),
    "argo gate, a key the route refuses": Case("POST", f"{ARGO}/-k1", False, json=argo()),
    "argo gate, text/plain": Case(
        "POST", f"{ARGO}/k1", False, content=b"{}", headers={"content-type": "text/plain"}
    ),
    "argo gate, not JSON": Case("POST", f"{ARGO}/k1", False, content=b"{", headers=JSON),
    "argo gate, a list": Case("POST", f"{ARGO}/k1", False, json=[1]),
    "argo gate, a bad namespace": Case("POST", f"{ARGO}/k1", False, json={"namespace": "A"}),
    "argo evaluate is never fast": Case("POST", f"{ARGO}/evaluate", False, json=[1]),
    "flagger confirm-promotion, Successful": Case(
        "POST", f"{FLAGGER}/confirm-promotion", True, json=flagger()
    ),
    "flagger confirm-rollout, known run": Case(
        "POST", f"{FLAGGER}/confirm-rollout", True, json=flagger()
    ),
    "flagger confirm-promotion, Running (423)": Case(
        "POST", f"{FLAGGER}/confirm-promotion", False, json=flagger("slowpod", "c2", "slow-t")
    ),
    "flagger rollback, Successful (412)": Case(
        "POST", f"{FLAGGER}/rollback", False, json=flagger()
    ),
    "flagger rollback, no run (412)": Case(
        "POST", f"{FLAGGER}/rollback", False, json=flagger(checksum="c9")
    ),
    "flagger event is recorded by the route": Case(
        "POST", f"{FLAGGER}/event", False, json=flagger()
    ),
    "flagger, an unknown hook": Case("POST", f"{FLAGGER}/confirm", False, json=flagger()),
    "flagger, no checksum": Case(
        "POST", f"{FLAGGER}/confirm-rollout", False, json=flagger(checksum="")
    ),
    "flagger, not Flagger's payload": Case(
        "POST", f"{FLAGGER}/confirm-rollout", False, json={"name": 1}
    ),
}
TOKENED: dict[str, Case] = {
    "status, read token of its namespace": Case("GET", f"{A}/done", True, headers=bearer(A_READ)),
    "status, write token of every namespace": Case("GET", f"{A}/done", True, headers=bearer(ADMIN)),
    "status, read token outside its namespace": Case(
        "GET", "/api/v1/namespaces/team-b/analysisruns/done", False, headers=bearer(A_READ)
    ),
    "status, no token": Case("GET", f"{A}/done", False),
    "status, unknown token": Case("GET", f"{A}/done", False, headers=bearer("x" * 24)),
    "status, missing run with a good token": Case(
        "GET", f"{A}/missing", False, headers=bearer(A_READ)
    ),
    "argo gate, write token of its namespace": Case(
        "POST", f"{ARGO}/k1", True, json=argo(), headers=bearer(A_WRITE)
    ),
    "argo gate, no content-type as Argo sends": Case(
        "POST", f"{ARGO}/k1", True, content=b'{"namespace":"team-a"}', headers=bearer(A_WRITE)
    ),
    "argo gate, JSON with a charset goes to the route": Case(
        "POST",
        f"{ARGO}/k1",
        False,
        content=b'{"namespace":"team-a"}',
        headers={**bearer(A_WRITE), "content-type": "application/json; charset=utf-8"},
    ),
    "argo gate, two Content-Types, the first one counts": Case(
        "POST",
        f"{ARGO}/k1",
        False,
        content=b'{"namespace":"team-a"}',
        headers=[
            ("authorization", f"Bearer {A_WRITE}"),
            ("content-type", "text/plain"),
            ("content-type", "application/json"),
        ],
    ),
    "argo gate, ?token=": Case("POST", f"{ARGO}/k1?token={A_WRITE}", True, json=argo()),
    "argo gate, write token outside its namespace": Case(
        "POST", f"{ARGO}/k1", False, json=argo(namespace="team-b"), headers=bearer(A_WRITE)
    ),
    "argo gate, read token": Case("POST", f"{ARGO}/k1", False, json=argo(), headers=bearer(A_READ)),
    "argo gate, no token": Case("POST", f"{ARGO}/k1", False, json=argo()),
    "flagger, ?token= of every namespace": Case(
        "POST", f"{FLAGGER}/confirm-promotion?token={ADMIN}", True, json=flagger()
    ),
    "flagger, read token": Case(
        "POST", f"{FLAGGER}/confirm-promotion", False, json=flagger(), headers=bearer(A_READ)
    ),
}
ANONYMOUS: dict[str, Case] = {
    "status, anonymous read": Case("GET", f"{A}/done", True),
    "status, a token is not looked at when anonymous reads are on": Case(
        "GET", f"{A}/done", True, headers=bearer("x" * 24)
    ),
    "argo gate, anonymous": Case("POST", f"{ARGO}/k1", False, json=argo()),
    "argo gate, write token": Case("POST", f"{ARGO}/k1", True, json=argo(), headers=bearer(ADMIN)),
}
CASES = [
    pytest.param(settings, case, id=f"{where}: {name}")
    for where, settings, table in [
        ("open", {}, OPEN),
        ("tokens", {"tokens": TOKENS}, TOKENED),
        ("anonymous reads", {"tokens": TOKENS, "anonymous_reads": True}, ANONYMOUS),
    ]
    for name, case in table.items()
]


async def _phase(client: Client, path: str, body: Any, phase: str) -> None:
    async def ask() -> Any:
        reply = await client.post(path, json=body) if body else await client.get(path)
        return reply.json()

    await wait_for_async(
        ask,
        lambda answer: answer.get("phase", answer.get("status", {}).get("phase")) == phase,
        timeout=30,
        describe=repr,
    )


async def _seed(client: Client) -> None:
    """Two runs by name, one by each gate's first call, and one slow Flagger run, settled."""
    for name, metric in [
        ("t", replay_metric(1.0)),
        ("slow-t", replay_metric(1.0, 1.0, count=2, interval="1h")),
    ]:
        put = await client.put(
            f"/api/v1/namespaces/team-a/analysistemplates/{name}", json=template(metric)
        )
        assert put.status_code in (200, 201), put.text
    for name, metric in [
        ("done", replay_metric(1.0)),
        ("slow", replay_metric(1.0, 1.0, count=2, interval="1h")),
    ]:
        made = await client.post(A, json={"name": name, "spec": {"metrics": [metric]}})
        assert made.status_code == 201, made.text
    await _phase(client, f"{A}/done", None, "Successful")
    await _phase(client, f"{A}/slow", None, "Running")
    await _phase(client, f"{ARGO}/k1", argo(), "Successful")
    await _phase(client, f"{FLAGGER}/confirm-rollout", flagger(), "Successful")
    await _phase(client, f"{FLAGGER}/pre-rollout", flagger("slowpod", "c2", "slow-t"), "Running")


async def _send(client: Client, case: Case, caplog: pytest.LogCaptureFixture) -> tuple[Any, ...]:
    caplog.clear()
    reply = await client.request(
        case.method, case.path, json=case.json, content=case.content, headers=case.headers
    )
    lines = [r.getMessage() for r in caplog.records if r.name == "app.api.gates"]
    return reply.status_code, reply.headers.multi_items(), reply.content, lines


@pytest.mark.parametrize(("settings", "case"), CASES)
async def test_the_fast_path_answers_as_the_route_does(
    serve: Serve, settings: dict[str, Any], case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.api.gates")
    async with serve(**settings) as client:
        state = client.app.state
        state.fast_path = False
        client.headers.update(bearer(ADMIN) if settings else {})
        await _seed(client)
        client.headers.pop("authorization", None)
        routed = await _send(client, case, caplog)
        state.fast_path = True
        before = getattr(state, "fast_answers", 0)
        fast = await _send(client, case, caplog)
        assert getattr(state, "fast_answers", 0) - before == (1 if case.fast else 0)
        assert fast == routed


async def test_a_gates_first_call_goes_to_the_route_and_creates_the_run(serve: Serve) -> None:
    async with serve() as client:
        put = await client.put(
            "/api/v1/namespaces/team-a/analysistemplates/t", json=template(replay_metric(1.0))
        )
        assert put.status_code == 201
        first = await client.post(f"{ARGO}/new-key", json=argo())
        assert (first.status_code, first.json()["run"][:7]) == (200, "team-a/")
        assert getattr(client.app.state, "fast_answers", 0) == 0
        await _phase(client, f"{ARGO}/new-key", argo(), "Successful")
        assert client.app.state.fast_answers >= 1
