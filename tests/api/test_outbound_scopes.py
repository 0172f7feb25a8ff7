"""Routes that make augur reach an address the caller names take no anonymous caller, even with
anonymous reads on: an ad-hoc check and Argo's evaluate gate need a write token, `/validate` a
token of any scope. A refused caller costs no outbound request (the scripted upstream records
every one)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import PROBLEM, Serve, template
from tests.fakes.scripted import Reply, ScriptedServer

READ = "read-token-0123456789"
WRITE = "write-token-0123456789"
TOKENS = f"read:{READ},write:{WRITE}"


def web_metric(url: str) -> dict[str, Any]:
    return {"name": "up", "successCondition": "true", "provider": {"web": {"url": url}}}


def check(url: str) -> tuple[str, str, dict[str, Any]]:
    return "GET", "/api/v1/check/web", {"params": {"url": url}}


def validate(url: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", "/api/v1/validate", {"json": template(web_metric(url))}


def evaluate(url: str) -> tuple[str, str, dict[str, Any]]:
    body = {"spec": {"metrics": [web_metric(url)]}}
    return "POST", "/api/v1/gates/argo/evaluate", {"json": body}


@pytest.mark.parametrize(
    ("route", "token", "status", "detail"),
    [
        pytest.param(
            check, None, 401, "this endpoint needs a token: send an Authorization: Bearer header",
            id="check-anonymous",
        ),
        pytest.param(
            check, READ, 403, "the token has read scope; this needs write", id="check-read-token"
        ),
        pytest.param(
            validate, None, 401,
            "this endpoint needs a token: send an Authorization: Bearer header",
            id="validate-anonymous",
        ),
        pytest.param(
            evaluate, None, 401,
            "this endpoint needs a token: send an Authorization: Bearer header or ?token=",
            id="argo-evaluate-anonymous",
        ),
        pytest.param(
            evaluate, READ, 403, "the token has read scope; this needs write",
            id="argo-evaluate-read-token",
        ),
    ],
)  # fmt: skip
async def test_refused_callers_cost_no_outbound_request(
    serve: Serve, scripted: ScriptedServer, route: Any, token: str | None, status: int, detail: str
) -> None:
    url = scripted.reply("/internal", Reply(body=b'{"secret": 1}'))
    method, path, options = route(url)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with serve(tokens=TOKENS, anonymous_reads=True) as client:
        reply = await client.request(method, path, headers=headers, **options)
        assert (await client.get("/api/v1/analysisruns")).status_code == 200  # reads stay open
    assert reply.status_code == status
    assert reply.headers["content-type"] == PROBLEM
    assert reply.json()["detail"] == detail
    assert scripted.requests == []


@pytest.mark.parametrize(
    ("route", "token", "answer", "requests"),
    [
        pytest.param(check, WRITE, ("value", '{"secret":1}'), ["/internal"], id="check-write"),
        pytest.param(evaluate, WRITE, ("phase", "Successful"), ["/internal"], id="evaluate-write"),
        # /validate resolves the names it checks, and never sends them a request.
        pytest.param(validate, READ, ("valid", True), [], id="validate-read"),
    ],
)
async def test_a_caller_with_the_scope_is_served(
    serve: Serve,
    scripted: ScriptedServer,
    route: Any,
    token: str,
    answer: tuple[str, Any],
    requests: list[str],
) -> None:
    url = scripted.reply("/internal", Reply(body=b'{"secret": 1}'))
    method, path, options = route(url)
    async with serve(tokens=TOKENS, anonymous_reads=True) as client:
        reply = await client.request(
            method, path, headers={"Authorization": f"Bearer {token}"}, **options
        )
    assert reply.status_code == 200, reply.text
    assert reply.json()[answer[0]] == answer[1]
    assert [r.path for r in scripted.requests] == requests
