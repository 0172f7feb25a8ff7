"""A fake Kayenta that plays recorded exchanges and refuses what Kayenta would refuse.

Argo's kayenta provider talks to three endpoints of Kayenta's REST API
(`CanaryConfigController` and `CanaryController` of spinnaker/kayenta):
`GET /canaryConfig?application=&configurationAccountName=`, `POST /canary/{configId}?...` with a
`CanaryExecutionRequest`, `GET /canary/{executionId}`. Each request is checked as Kayenta checks
it (only the query parameters its controllers declare; a JSON body with `scopes`, each pair with a
`controlScope` and an `experimentScope` whose `start`/`end` are ISO-8601 instants and `step` a
number; `thresholds` with numeric `pass` and `marginal`) and must be the next exchange the test
scripted, method and URL exactly; the scripted answer is then sent. Anything else is answered
400 (Kayenta's refusal) or 500 (off script) and kept in `problems`, which a test asserts empty.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.scripted import Recorded, read_request, threaded

__all__ = ["Exchange", "FakeKayenta", "fake_kayenta"]

#: The query parameters each of Kayenta's endpoints declares.
_PARAMS = {
    "GET /canaryConfig": {"application", "configurationAccountName"},
    "POST /canary": {
        "application",
        "parentPipelineExecutionId",
        "metricsAccountName",
        "configurationAccountName",
        "storageAccountName",
    },
    "GET /canary": set(),
}


@dataclass(frozen=True)
class Exchange:
    """One request the test expects (`target` is path plus query, as sent) and its answer."""

    method: str
    target: str
    status: int
    body: str = ""


def _instant(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    try:
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return [f"{where}: {value!r} is not an ISO-8601 instant"]
    return []


def execution_request_problems(body: bytes, content_type: str) -> list[str]:
    """What Kayenta's `CanaryExecutionRequest` binding would refuse in a POST body."""
    if not content_type.startswith("application/json"):
        return [f"Content-Type {content_type!r} is not application/json"]
    try:
        request = json.loads(body)
    except ValueError as exc:
        return [f"body is not JSON: {exc}"]
    problems: list[str] = []
    scopes = request.get("scopes") if isinstance(request, dict) else None
    if not isinstance(scopes, dict) or not scopes:
        return ["scopes: a non-empty object is required"]
    for name, pair in scopes.items():
        for side in ("controlScope", "experimentScope"):
            scope = pair.get(side) if isinstance(pair, dict) else None
            where = f"scopes.{name}.{side}"
            if not isinstance(scope, dict):
                problems.append(f"{where}: required")
                continue
            if not isinstance(scope.get("scope"), str):
                problems.append(f"{where}.scope: a string is required")
            if not isinstance(scope.get("step"), int):
                problems.append(f"{where}.step: a number is required")
            problems += _instant(scope.get("start"), f"{where}.start")
            problems += _instant(scope.get("end"), f"{where}.end")
    thresholds = request.get("thresholds")
    if not isinstance(thresholds, dict) or not all(
        isinstance(thresholds.get(k), int | float) for k in ("pass", "marginal")
    ):
        problems.append("thresholds: pass and marginal numbers are required")
    return problems


@dataclass
class FakeKayenta:
    base_url: str = ""
    script: list[Exchange] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def play(self, *exchanges: Exchange) -> None:
        with self._lock:
            self.script = list(exchanges)
            self.requests.clear()
            self.problems.clear()

    def _check(self, recorded: Recorded) -> tuple[int, str, str]:
        """(status, body, the problem found or "")."""
        route = f"{recorded.method} /{recorded.path.strip('/').split('/')[0]}"
        declared = _PARAMS.get(route)
        if declared is None:
            return 404, "", f"no route {route}"
        refused = [
            f"unknown query parameter {k!r}"
            for k, _ in parse_qsl(recorded.query, keep_blank_values=True)
            if k not in declared
        ]
        if route == "POST /canary":
            content_type = recorded.headers.get("content-type", "")
            refused += execution_request_problems(recorded.body, content_type)
        if refused:
            return 400, "", "; ".join(refused)
        target = recorded.path + (f"?{recorded.query}" if recorded.query else "")
        if not self.script:
            return 500, "", f"off script: {recorded.method} {target}"
        expected = self.script.pop(0)
        if (expected.method, expected.target) != (recorded.method, target):
            got = f"{recorded.method} {target}"
            return 500, "", f"expected {expected.method} {expected.target}, got {got}"
        return expected.status, expected.body, ""

    def answer(self, recorded: Recorded) -> tuple[int, str]:
        with self._lock:
            self.requests.append(recorded)
            status, body, problem = self._check(recorded)
            if problem:
                self.problems.append(problem)
                body = json.dumps({"error": problem})
            return status, body


def _handler(state: FakeKayenta) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            status, body = state.answer(read_request(self))
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def fake_kayenta() -> Iterator[FakeKayenta]:
    state = FakeKayenta()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    with threaded(server):
        yield state
