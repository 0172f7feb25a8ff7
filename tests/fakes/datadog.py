"""A fake Datadog metrics API on loopback that checks every request as Datadog's API does.

It serves the two endpoints Argo's provider calls, ``GET /api/v1/query`` and ``POST
/api/v2/query/scalar``, and refuses what Datadog refuses before answering: a wrong or missing
``DD-API-KEY``/``DD-APPLICATION-KEY`` (403 ``{"errors": ["Forbidden"]}``), another method (405),
a missing or non-integer ``from``/``to`` or an empty ``query`` (v1), a v2 body that is not
``application/json`` (415) or not a ``ScalarFormulaQueryRequest`` (400: ``type`` other than
``scalar_request``, ``from``/``to`` not int64 milliseconds, no queries, a query without
``data_source: metrics``, an aggregator outside Datadog's enum, a formula that is not a string).
Each refusal is also kept in ``violations``, so a test can say no request was wrong.

What a valid request gets is scripted per path (the bodies of Argo's test vectors), with a delay
or a body cut short when a test needs Datadog to be slow or to break off.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.scripted import Recorded, Reply, threaded

__all__ = [
    "API_KEY",
    "APP_KEY",
    "V1",
    "V2",
    "FakeDatadog",
    "fake_datadog",
    "write_secret",
]

#: The keys of Argo's Datadog tests.
API_KEY = "0123456789abcdef0123456789abcdef"
APP_KEY = "0123456789abcdef0123456789abcdef01234567"
V1, V2 = "/api/v1/query", "/api/v2/query/scalar"
AGGREGATORS = {"avg", "min", "max", "sum", "last", "percentile", "mean", "l2norm", "area"}
_INT = re.compile(r"-?[0-9]+\Z")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def v1_problems(recorded: Recorded) -> list[str]:
    params = parse_qs(recorded.query, keep_blank_values=True)
    found = []
    for name in ("from", "to", "query"):
        values = params.get(name, [])
        if len(values) != 1:
            found.append(f"v1: parameter {name!r} given {len(values)} times")
        elif name != "query" and not _INT.match(values[0]):
            found.append(f"v1: parameter {name!r} is not a Unix time in seconds: {values[0]!r}")
        elif name == "query" and not values[0].strip():
            found.append("v1: parameter 'query' is empty")
    return found


def _query_problems(index: int, query: Any) -> list[str]:
    where = f"v2: data.attributes.queries[{index}]"
    if not isinstance(query, dict):
        return [f"{where} is not an object"]
    found = []
    if query.get("data_source") != "metrics":
        found.append(f"{where}.data_source is {query.get('data_source')!r}, not 'metrics'")
    if not isinstance(query.get("query"), str) or not query["query"]:
        found.append(f"{where}.query is missing or empty")
    if query.get("aggregator") not in AGGREGATORS:
        found.append(f"{where}.aggregator {query.get('aggregator')!r} is not one of Datadog's")
    if "name" in query and not isinstance(query["name"], str):
        found.append(f"{where}.name is not a string")
    return found


def v2_problems(recorded: Recorded) -> list[str]:
    try:
        body = json.loads(recorded.body)
    except ValueError:
        return ["v2: the body is not JSON"]
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
        return ["v2: no data.attributes object"]
    attributes = data["attributes"]
    found = []
    if data.get("type") != "scalar_request":
        found.append(f"v2: data.type is {data.get('type')!r}, not 'scalar_request'")
    if not (_is_int(attributes.get("from")) and _is_int(attributes.get("to"))):
        found.append("v2: data.attributes.from and .to must be int64 milliseconds")
    queries = attributes.get("queries")
    if not isinstance(queries, list) or not queries:
        found.append("v2: data.attributes.queries is missing or empty")
    else:
        for index, query in enumerate(queries):
            found += _query_problems(index, query)
    formulas = attributes.get("formulas", [])
    if not isinstance(formulas, list) or not all(
        isinstance(f, dict) and isinstance(f.get("formula"), str) for f in formulas
    ):
        found.append("v2: data.attributes.formulas must be a list of {formula: string}")
    return found


@dataclass
class FakeDatadog:
    base_url: str = ""
    api_key: str = API_KEY
    app_key: str = APP_KEY
    replies: dict[str, Reply] = field(default_factory=dict)
    #: Paths whose answer stops short of its Content-Length, then the connection closes.
    cut: set[str] = field(default_factory=set)
    requests: list[Recorded] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)

    def answer(self, path: str, reply: Reply, *, cut: bool = False) -> None:
        """Answer valid requests for ``path`` with ``reply`` from now on."""
        self.replies[path] = reply
        if cut:
            self.cut.add(path)

    def reset(self) -> None:
        self.replies.clear()
        self.cut.clear()
        self.requests.clear()
        self.violations.clear()
        self.api_key, self.app_key = API_KEY, APP_KEY

    def refusal(self, recorded: Recorded) -> tuple[int, list[str]] | None:
        """Datadog's status and reasons for refusing the request, or None when it is valid."""
        expected = {V1: "GET", V2: "POST"}.get(recorded.path)
        if expected is None:
            return 404, [f"no such endpoint: {recorded.path}"]
        if recorded.method != expected:
            return 405, [f"{recorded.path} takes {expected}, not {recorded.method}"]
        keys = (recorded.headers.get("dd-api-key"), recorded.headers.get("dd-application-key"))
        if keys != (self.api_key, self.app_key):
            return 403, ["Forbidden"]
        if recorded.path == V1:
            found = v1_problems(recorded)
        elif recorded.headers.get("content-type", "").split(";")[0] != "application/json":
            return 415, [f"v2 takes application/json, not {recorded.headers.get('content-type')}"]
        else:
            found = v2_problems(recorded)
        return (400, found) if found else None


def _handler(state: FakeDatadog) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, payload: bytes, content_type: str, *, cut: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload) + (64 if cut else 0)))
            self.end_headers()
            self.wfile.write(payload)
            if cut:
                self.wfile.flush()
                self.close_connection = True

        def _serve(self) -> None:
            # The target as sent (http.server folds a leading `//` of `self.path` into `/`).
            path, _, query = self.requestline.split(" ")[1].partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            recorded = Recorded(
                method=self.command,
                path=path,
                query=query,
                headers={k.lower(): v for k, v in self.headers.items()},
                header_list=list(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            state.requests.append(recorded)
            refused = state.refusal(recorded)
            if refused is not None:
                status, reasons = refused
                state.violations.extend(reasons)
                errors = json.dumps({"errors": reasons}).encode()
                self._answer(status, errors, "application/json", cut=False)
                return
            reply = state.replies.get(recorded.path, Reply(status=500, body=b'{"errors":[]}'))
            if reply.delay and state.closing.wait(reply.delay):
                return
            body = reply.body.encode() if isinstance(reply.body, str) else reply.body
            try:
                self._answer(reply.status, body, reply.content_type, cut=recorded.path in state.cut)
            except OSError:  # the client gave up (a timeout test): nothing to answer
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def fake_datadog() -> Iterator[FakeDatadog]:
    state = FakeDatadog()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    with threaded(server):
        try:
            yield state
        finally:
            state.closing.set()


def write_secret(root: Path, namespace: str, name: str, data: dict[str, str]) -> None:
    """A Secret as augur reads one, ``<root>/<namespace>/<name>/<key>`` (flat: no namespace)."""
    folder = root / namespace / name if namespace else root / name
    folder.mkdir(parents=True, exist_ok=True)
    for key, value in data.items():
        (folder / key).write_text(value)
