"""The hot routes' common case answered before FastAPI's router: run status, the Argo gate of a
known run, a Flagger hook that passes for a known run.

Rollout controllers and dashboards ask these three over and over, and their answers come from
`app.api.served` already; what is left per request is mostly FastAPI's: trying the routes of every
router in turn, then solving the dependencies (measured in docs/performance.md). This layer, the
innermost middleware (augur's own middlewares run as for any request), matches the method and
path once and answers the plain case with the same functions the routes use: the token checked
by `app.api.deps`'s `Requirement.admit`, the row read by `stored_run`, the answer from
`app.api.served`, the gates' counters and log lines by `app.api.gates` / `app.api.flagger`.

Anything else goes to FastAPI untouched (its body replayed when it was read here): an error of
any kind (a refused token, a missing run, a body that does not parse), a first gate call (it
creates the run), a Flagger hook that refuses, HEAD, run status with a query string. So every
error and every edge case keeps its one implementation in the routes, and the answers here are
byte for byte theirs (tests/api/test_fastpath.py sends each case both ways).

`app.state.fast_path` turns it off; `app.state.fast_answers` counts what it answered.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from fastapi import Request

from app.api.argo_gate import KEY
from app.api.body import parse_document
from app.api.deps import GATE_WRITE, READ, authorize_namespace
from app.api.flagger import CHECKSUM, FLAGGER_HOOKS, hook_answer, payload_of, settle
from app.api.gates import NAMESPACE, count, verdict_answer
from app.api.runs import run_body
from app.api.served import json_answer, served
from app.api.templates import NAME_PATTERN
from app.core.errors import AppError
from app.core.logs import ASGIApp, Receive, Scope, Send
from app.service.runs import RunService

__all__ = ["FastPath"]

RUN = re.compile(r"/api/v1/namespaces/([^/]+)/analysisruns/([^/]+)")
ARGO = re.compile(r"/api/v1/gates/argo/([^/]+)")
FLAGGER = re.compile(r"/api/v1/gates/flagger/([^/]+)")
NAME = re.compile(NAME_PATTERN)
#: Flagger hooks answered here when they pass: those that read (or would start) the run.
VERDICT_HOOKS = frozenset(FLAGGER_HOOKS) - {"post-rollout", "event"}

Message = MutableMapping[str, Any]


class FastPath:
    """ASGI middleware in front of FastAPI's router for the three hot routes' plain case."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        read: list[Message] = []
        answered = await _answer(scope, receive, read) if scope["type"] == "http" else None
        if answered is None:
            await self.app(scope, _replay(read, receive) if read else receive, send)
            return
        state = scope["app"].state
        state.fast_answers = getattr(state, "fast_answers", 0) + 1
        await json_answer(answered)(scope, receive, send)


async def _answer(scope: Scope, receive: Receive, read: list[Message]) -> bytes | None:
    """The answer's body when the request is a hot route's plain case, else `None`."""
    if not getattr(scope["app"].state, "fast_path", False) or scope.get("root_path"):
        return None
    method, path = scope["method"], scope["path"]
    try:
        if method == "GET" and (found := RUN.fullmatch(path)):
            return await _run_status(scope, found[1], found[2])
        if method == "POST" and (found := ARGO.fullmatch(path)):
            return await _argo(scope, receive, read, found[1])
        if method == "POST" and (found := FLAGGER.fullmatch(path)):
            return await _flagger(scope, receive, read, found[1])
    except AppError:  # the route meets it again and answers it as it always does
        return None
    return None


def _request(scope: Scope, **path_params: str) -> Request:
    """A request over a copy of `scope`: what is set on it here never reaches the route."""
    own = dict(scope)
    own["state"] = dict(scope.get("state") or {})
    own["path_params"] = path_params
    return Request(own)


def _runs(request: Request) -> RunService | None:
    runs: RunService | None = getattr(request.app.state, "runs", None)
    return runs


async def _run_status(scope: Scope, namespace: str, name: str) -> bytes | None:
    if scope["query_string"] or not NAMESPACE.fullmatch(namespace) or not NAME.fullmatch(name):
        return None
    request = _request(scope, namespace=namespace, name=name)
    READ.admit(request)
    runs = _runs(request)
    if runs is None:
        return None
    stored = await runs.stored(namespace, name)
    _, body = served(request).get("run", stored, run_body)
    return body


async def _body(request: Request, receive: Receive, read: list[Message]) -> Any:
    """The body as JSON when the request is the plain case (JSON, or no Content-Type as Argo
    sends, with a length within the limit); `None` for the route to read. Headers are read as
    the route reads them (the first of a repeated one); what was received is kept in `read`."""
    headers = request.headers
    if headers.get("content-type", "application/json") != "application/json":
        return None
    declared = headers.get("content-length", "")
    limit: int = request.app.state.settings.max_body_bytes
    if not declared.isdigit() or int(declared) > limit or "transfer-encoding" in headers:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:  # more than declared: the route reads on and refuses it
            return None
        if not message.get("more_body", False):
            break
    return parse_document(b"".join(chunks), "application/json")


async def _gate(
    request: Request, receive: Receive, read: list[Message]
) -> tuple[Request, RunService, dict[str, Any]] | None:
    """What both gates start with: the token as `GateWriter` checks it, the body as an object."""
    GATE_WRITE.admit(request)
    document = await _body(request, receive, read)
    runs = _runs(request)
    if not isinstance(document, dict) or runs is None:
        return None
    return request, runs, document


async def _argo(scope: Scope, receive: Receive, read: list[Message], key: str) -> bytes | None:
    if key == "evaluate" or not KEY.fullmatch(key):
        return None
    found = await _gate(_request(scope, key=key), receive, read)
    if found is None:
        return None
    request, runs, document = found
    namespace = document.get("namespace", "default")
    if not isinstance(namespace, str) or not NAMESPACE.fullmatch(namespace):
        return None
    authorize_namespace(request, namespace)
    stored = await runs.store.stored_run(idempotency_key=f"argo:{namespace}:{key}")
    if stored is None:  # the first call: the route creates the run
        return None
    verdict, body = served(request).get("verdict", stored, verdict_answer)
    count(request.app.state.metrics, "argo", "run", verdict.phase)
    return body


async def _flagger(scope: Scope, receive: Receive, read: list[Message], hook: str) -> bytes | None:
    if hook not in VERDICT_HOOKS:
        return None
    found = await _gate(_request(scope, hook=hook), receive, read)
    if found is None:
        return None
    request, runs, document = found
    payload = payload_of(request, document)
    if not CHECKSUM.fullmatch(payload.checksum):
        return None
    key = f"flagger:{payload.namespace}/{payload.name}/{payload.checksum}"
    stored = await runs.store.stored_run(idempotency_key=key)
    if stored is None:
        return None
    verdict, body = served(request).get("verdict", stored, verdict_answer)
    if hook_answer(hook, verdict)[0] != 200:  # a refusal: the route raises it as problem+json
        return None
    settle(hook, f"{payload.namespace}/{payload.name}", verdict, request.app.state.metrics)
    return body


def _replay(read: list[Message], receive: Receive) -> Receive:
    """`receive` that first hands out again what the fast path already received."""
    pending = list(read)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return again
