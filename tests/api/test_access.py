"""Who may call what (bearer tokens), what bodies are read, and that refusals store nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import NS, PROBLEM, Client, Serve, replay_metric, template

READ = "read-token-0123456789"
WRITE = "write-token-0123456789"
TOKENS = f"read:{READ},write:{WRITE}"
TEMPLATE_URL = f"{NS}/analysistemplates/apdex"
RUN_BODY = {"name": "r", "spec": {"metrics": [replay_metric(1.0)]}}

# (method, path, body) for every /api/v1 route, and the token it needs: "read" (none when
# anonymous reads are on), "token" (read scope, even with anonymous reads: augur resolves names
# the caller chose) or "write" (it changes state, or sends a request where the caller says).
ROUTES: list[tuple[str, str, Any, str]] = [
    ("PUT", TEMPLATE_URL, template(replay_metric(1.0)), "write"),
    ("GET", TEMPLATE_URL, None, "read"),
    ("GET", f"{NS}/analysistemplates", None, "read"),
    ("DELETE", TEMPLATE_URL, None, "write"),
    ("PUT", "/api/v1/clusteranalysistemplates/c", template(replay_metric(1.0)), "write"),
    ("GET", "/api/v1/clusteranalysistemplates/c", None, "read"),
    ("GET", "/api/v1/clusteranalysistemplates", None, "read"),
    ("DELETE", "/api/v1/clusteranalysistemplates/c", None, "write"),
    ("POST", f"{NS}/analysisruns", RUN_BODY, "write"),
    ("GET", f"{NS}/analysisruns", None, "read"),
    ("GET", "/api/v1/analysisruns", None, "read"),
    ("GET", f"{NS}/analysisruns/r", None, "read"),
    ("GET", f"{NS}/analysisruns/r/measurements", None, "read"),
    ("POST", f"{NS}/analysisruns/r/terminate", None, "write"),
    ("DELETE", f"{NS}/analysisruns/r", None, "write"),
    ("POST", "/api/v1/validate", RUN_BODY, "token"),
    ("GET", "/api/v1/check/web?url=http://127.0.0.1:9/", None, "write"),
]
ROUTE_IDS = [f"{method} {path}" for method, path, _, _ in ROUTES]


async def call(client: Client, method: str, path: str, body: Any, token: str | None) -> int:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    reply = await client.request(method, path, json=body, headers=headers)
    if reply.status_code in (401, 403):
        assert reply.headers["content-type"] == PROBLEM
    return reply.status_code


@pytest.mark.parametrize(("method", "path", "body", "needs"), ROUTES, ids=ROUTE_IDS)
async def test_tokens_and_scopes(
    serve: Serve, method: str, path: str, body: Any, needs: str
) -> None:
    async with serve(tokens=TOKENS) as client:
        assert await call(client, method, path, body, None) == 401
        assert await call(client, method, path, body, "not-a-known-token-at-all") == 401
        with_read = await call(client, method, path, body, READ)
        assert (with_read == 403) if needs == "write" else (with_read not in (401, 403))
        assert await call(client, method, path, body, WRITE) not in (401, 403)


@pytest.mark.parametrize(("method", "path", "body", "needs"), ROUTES, ids=ROUTE_IDS)
async def test_anonymous_reads(serve: Serve, method: str, path: str, body: Any, needs: str) -> None:
    async with serve(tokens=TOKENS, anonymous_reads=True) as client:
        assert (await call(client, method, path, body, None) == 401) is (needs != "read")


async def test_the_messages_say_what_to_send(serve: Serve) -> None:
    async with serve(tokens=TOKENS) as client:
        missing = await client.post(f"{NS}/analysisruns", json=RUN_BODY)
        weak = await client.post(
            f"{NS}/analysisruns", json=RUN_BODY, headers={"authorization": f"Bearer {READ}"}
        )
    assert missing.json()["detail"] == (
        "this endpoint needs a token: send an Authorization: Bearer header"
    )
    assert weak.json()["detail"] == "the token has read scope; this needs write"


@pytest.mark.parametrize(
    ("content_type", "content", "status", "detail"),
    [
        pytest.param(
            "text/plain",
            "x",
            415,
            "Content-Type 'text/plain' is not accepted; send application/json or application/yaml",
            id="text",
        ),
        pytest.param(None, "", 415, "Content-Type '(none)' is not accepted", id="none"),
        pytest.param(
            "application/json",
            json.dumps({**RUN_BODY, "padding": "x" * 2048}),
            413,
            "the body is larger than 1024 bytes; send a smaller document",
            id="too-large",
        ),
        pytest.param("application/yaml", "spec: [", 422, "the body is not valid YAML", id="yaml"),
        pytest.param("application/json", "[1]", 422, "the body must be a JSON object", id="list"),
    ],
)
async def test_bodies_that_are_not_read(
    serve: Serve, content_type: str | None, content: str, status: int, detail: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    async with serve(max_body_bytes=1024) as client:
        for path in (f"{NS}/analysisruns", TEMPLATE_URL, "/api/v1/validate"):
            method = "PUT" if path == TEMPLATE_URL else "POST"
            reply = await client.request(method, path, content=content, headers=headers)
            if path != f"{NS}/analysisruns" and detail.startswith("the body must be"):
                continue  # only a run request must be an object at this stage
            assert reply.status_code == status, (path, reply.text)
            assert reply.headers["content-type"] == PROBLEM
            assert reply.json()["detail"].startswith(detail)
        assert (await client.get("/api/v1/analysisruns")).json()["items"] == []
        assert (await client.get(TEMPLATE_URL)).status_code == 404


async def test_rejected_requests_leave_the_store_as_it_was(client: Client) -> None:
    await client.put(TEMPLATE_URL, json=template(replay_metric(1.0)))
    await client.post(f"{NS}/analysisruns", json=RUN_BODY)
    before = await snapshot(client)
    rejected = [
        await client.put(TEMPLATE_URL, json=template(replay_metric(1.0, successCondition="1 +"))),
        await client.put(TEMPLATE_URL, json={"spec": {"metrics": [{"nme": "x"}]}}),
        await client.put(TEMPLATE_URL, content="a: [", headers={"content-type": "text/yaml"}),
        await client.post(f"{NS}/analysisruns", json={"templates": [{"templateName": "none"}]}),
        await client.post(f"{NS}/analysisruns", json=RUN_BODY),  # the name is taken
        await client.post(f"{NS}/analysisruns", json={**RUN_BODY, "name": "Bad Name"}),
        await client.post(f"{NS}/analysisruns", content="x", headers={"content-type": "text/csv"}),
    ]
    assert [r.status_code for r in rejected] == [422, 422, 422, 422, 409, 422, 415]
    assert await snapshot(client) == before


async def snapshot(client: Client) -> Any:
    templates = (await client.get(f"{NS}/analysistemplates")).json()["items"]
    runs = (await client.get("/api/v1/analysisruns")).json()["items"]
    return [t["metadata"]["resourceVersion"] for t in templates], [
        (r["metadata"]["name"], r["spec"]) for r in runs
    ]
