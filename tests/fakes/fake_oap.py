"""A fake SkyWalking OAP: the real query protocol, validated, with data shaped like the OAP's.

No OAP can run here, so this server stands in for one. Its schema is the project's own SDL of
the part of the query protocol augur speaks (``providers/skywalking/schema.graphqls``, written
from Apache SkyWalking's ``*.graphqls``: metrics v2, MQE, ``getTimeInfo``, ``checkHealth``); it
validates every query and its variables against it with graphql-core, refusing anything else as
the OAP refuses an unknown field, and executes it with resolvers over that schema, so every
answer has exactly the schema's shape. Errors come back
the way the OAP's Armeria GraphQL service sends them: validation errors as HTTP 400, syntax and
variable errors as HTTP 200 with ``errors`` and no ``data``, resolver failures as HTTP 200 with
``errors`` and ``data: null``.

Series are configured per (service, metric); fault modes (status, slow, garbage, GraphQL
errors) are switched on per test. Run it standalone with
``python -m tests.fakes.fake_oap --port 12800 [--canary degraded]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import uvicorn
from graphql import ExecutionResult, GraphQLSyntaxError, execute, parse, validate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from providers.skywalking.schema import SCHEMA_FILE, protocol_schema
from providers.skywalking.window import parse_timezone
from tests.fakes.mqe import MQEError, evaluate_mqe
from tests.fakes.oap_model import (
    BUCKET,
    OAPError,
    SeriesSpec,
    duration_points,
    entity_id,
    series_values,
)
from tests.fakes.oap_protocol import (
    Fault,
    RecordedRequest,
    error_spec,
    result_spec,
    validation_message,
)

__all__ = [
    "SCHEMA_FILE",
    "FakeOAP",
    "Fault",
    "OAPError",
    "RecordedRequest",
    "entity_id",
    "seed_demo",
]

MAX_RECORDED = 1000  # a long demo run must not grow without bound


@dataclass
class _State:
    series: dict[tuple[str, str | None, str | None, str, str | None], SeriesSpec] = field(
        default_factory=dict
    )
    mqe_results: dict[str, dict[str, Any]] = field(default_factory=dict)
    fault: Fault | None = None
    requests: deque[RecordedRequest] = field(default_factory=lambda: deque(maxlen=MAX_RECORDED))


class FakeOAP:
    """The fake server. Configure series, then point a provider at :attr:`url`."""

    def __init__(
        self,
        *,
        timezone: tzinfo = UTC,
        clock: Callable[[], datetime] | None = None,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        """``timezone`` is the OAP's own (buckets, MQE ids, getTimeInfo); ``tls`` a
        (certificate, key) pair to serve HTTPS with."""
        self.schema = protocol_schema()
        self.tls = tls
        self.timezone = timezone
        self.clock = clock or (lambda: datetime.now(UTC))
        self._state = _State()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.host, self.port = "127.0.0.1", 0
        self.app = Starlette(routes=[Route("/graphql", self._endpoint, methods=["POST"])])

    # ---------------------------------------------------------------- configuration
    def set_series(
        self,
        service: str,
        metric: str,
        values: SeriesSpec,
        *,
        instance: str | None = None,
        endpoint: str | None = None,
        label: str | None = None,
    ) -> None:
        self._state.series[(service, instance, endpoint, metric, label)] = values

    def set_mqe_result(self, expression: str, result: Mapping[str, Any]) -> None:
        """Answer ``execExpression(expression)`` with this ExpressionResult (schema-shaped)."""
        self._state.mqe_results[expression] = dict(result)

    def set_fault(self, fault: Fault | None) -> None:
        self._state.fault = fault

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._state.requests)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    # ---------------------------------------------------------------- data
    def _values(
        self,
        entity: Mapping[str, Any],
        metric: str,
        step: str,
        points: list[datetime],
        label: str | None = None,
    ) -> list[int | None]:
        key = (
            entity.get("serviceName") or "",
            entity.get("serviceInstanceName"),
            entity.get("endpointName"),
            metric,
            label,
        )
        spec = self._state.series.get(key)
        return series_values(spec, step, points, self.timezone)

    def _metrics_values(
        self, condition: Mapping[str, Any], duration: Mapping[str, Any], label: str | None = None
    ) -> dict[str, Any]:
        step, points = duration_points(duration)
        entity = condition["entity"]
        eid = entity_id(entity)
        values = self._values(entity, condition["name"], step, points, label)
        kvs = [
            {"id": f"{p.strftime(BUCKET[step])}_{eid}", "value": v or 0, "isEmptyValue": v is None}
            for p, v in zip(points, values, strict=True)
        ]
        return {"label": label, "values": {"values": kvs}}

    def _single(self, condition: Mapping[str, Any], duration: Mapping[str, Any]) -> int | None:
        step, points = duration_points(duration)
        present = [
            v
            for v in self._values(condition["entity"], condition["name"], step, points)
            if v is not None
        ]
        return round(sum(present) / len(present)) if present else None

    def _root(self) -> dict[str, Any]:
        def read_metrics_values(_info: Any, condition: Any, duration: Any) -> Any:
            return self._metrics_values(condition, duration)

        def read_labeled(_info: Any, condition: Any, labels: Any, duration: Any) -> Any:
            return [self._metrics_values(condition, duration, label) for label in labels]

        def read_metrics_value(_info: Any, condition: Any, duration: Any) -> Any:
            return self._single(condition, duration) or 0

        def read_nullable(_info: Any, condition: Any, duration: Any) -> Any:
            value = self._single(condition, duration)
            return {"value": value or 0, "isEmptyValue": value is None}

        def exec_expression(
            _info: Any, expression: Any, entity: Any, duration: Any, **_: Any
        ) -> Any:
            if expression in self._state.mqe_results:
                return self._state.mqe_results[expression]
            step, points = duration_points(duration)
            try:
                return evaluate_mqe(
                    expression,
                    lambda metric: self._values(entity, metric, step, points),
                    timestamps=[
                        int(p.replace(tzinfo=self.timezone).timestamp() * 1000) for p in points
                    ],
                    known_metrics={key[3] for key in self._state.series},
                )
            except MQEError as exc:
                return {"type": "UNKNOWN", "results": [], "error": str(exc)}

        def time_info(_info: Any) -> Any:
            now = self.clock()
            return {
                "timezone": now.astimezone(self.timezone).strftime("%z"),
                "currentTimestamp": int(now.timestamp() * 1000),
            }

        return {
            "version": "10.4.0-fake",
            "checkHealth": {"score": 0, "details": "fake OAP"},
            "readMetricsValues": read_metrics_values,
            "readLabeledMetricsValues": read_labeled,
            "readMetricsValue": read_metrics_value,
            "readNullableMetricsValue": read_nullable,
            "execExpression": exec_expression,
            "getTimeInfo": time_info,
        }

    # ---------------------------------------------------------------- protocol
    def answer(self, body: bytes) -> tuple[int, Any]:
        """Status and JSON answer for one POST body, as the OAP would give them."""
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, "Failed to parse a JSON document"
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return 400, "Missing query"
        variables = payload.get("variables") or {}
        try:
            document = parse(payload["query"])
        except GraphQLSyntaxError as exc:
            syntax = error_spec(exc, f"Invalid Syntax : {exc.message}", "InvalidSyntax")
            return 200, {"errors": [syntax]}
        problems = validate(self.schema, document)
        if problems:
            shaped = [error_spec(e, validation_message(e), "ValidationError") for e in problems]
            return 400, {"errors": shaped}
        result = execute(
            self.schema,
            document,
            root_value=self._root(),
            variable_values=variables if isinstance(variables, dict) else None,
            operation_name=payload.get("operationName"),
        )
        assert isinstance(result, ExecutionResult)
        return 200, result_spec(result)

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        with self._lock:
            self._state.requests.append(RecordedRequest(dict(request.headers), body, payload))
            fault = self._state.fault
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._state.fault = None
        if fault is not None:
            if fault.delay > 0:  # wakes early when the server stops
                await asyncio.to_thread(self._stopping.wait, fault.delay)
            if fault.errors is not None:
                errors = [
                    {"message": m, "extensions": {"classification": "DataFetchingException"}}
                    for m in fault.errors
                ]
                return JSONResponse(
                    {"errors": errors, "data": None}, status_code=fault.status or 200
                )
            if fault.status is not None or fault.body is not None:
                content = fault.body if fault.body is not None else "upstream trouble"
                return Response(content, status_code=fault.status or 200, media_type="text/html")
        status, answer = self.answer(body)
        if isinstance(answer, str):
            return PlainTextResponse(answer, status_code=status)
        return JSONResponse(answer, status_code=status)

    # ---------------------------------------------------------------- server
    def _bind(self, host: str, port: int) -> socket.socket:
        # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on sockets that say they are TCP;
        # without it every answer waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        self.host, self.port = sock.getsockname()[:2]
        return sock

    def _make_server(self) -> uvicorn.Server:
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="h11",
            ws="none",
            timeout_graceful_shutdown=2,
            ssl_certfile=str(self.tls[0]) if self.tls else None,
            ssl_keyfile=str(self.tls[1]) if self.tls else None,
        )
        return uvicorn.Server(config)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeOAP:
        """Serve in a background thread on a free loopback port (or the one given)."""
        sock = self._bind(host, port)
        self._stopping.clear()
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-oap", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake OAP did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def serve_forever(self, host: str, port: int) -> None:
        """Serve in the calling thread until interrupted (for ``make demo``)."""
        sock = self._bind(host, port)
        self._server = self._make_server()
        self._server.run(sockets=[sock])

    def __enter__(self) -> FakeOAP:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextmanager
    def fault(self, fault: Fault) -> Iterator[FakeOAP]:
        self.set_fault(fault)
        try:
            yield self
        finally:
            self.set_fault(None)


def seed_demo(fake: FakeOAP, *, canary: str = "healthy") -> None:
    """The demo's bookinfo services: a stable baseline and a canary, healthy or degraded."""
    healthy = canary == "healthy"
    for version, good in (("stable", True), ("canary", healthy)):
        service = f"{version}|reviews|bookinfo|cp-cluster-1|-"
        fake.set_series(service, "service_apdex", 9950 if good else 9500)
        fake.set_series(service, "service_sla", 10000 if good else 9000)
        fake.set_series(service, "service_resp_time", 120 if good else 450)
        fake.set_series(service, "service_cpm", 300)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12800)
    parser.add_argument("--canary", choices=("healthy", "degraded"), default="healthy")
    parser.add_argument("--timezone", default="UTC", help="the OAP's zone: UTC, +0800, Asia/...")
    args = parser.parse_args(argv)
    fake = FakeOAP(timezone=parse_timezone(args.timezone))
    seed_demo(fake, canary=args.canary)
    print(f"fake OAP ({args.canary} canary) on http://{args.host}:{args.port}/graphql", flush=True)
    fake.serve_forever(args.host, args.port)


if __name__ == "__main__":
    main()
