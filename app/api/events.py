"""Live events of runs as server-sent events (`text/event-stream`).

    GET /api/v1/namespaces/{namespace}/analysisruns/{name}/events   one run, ends with it
    GET /api/v1/events[?namespace=]                                  every run (of a namespace)

Each event is `id:` (an integer, increasing across every run, stable across restarts and
replicas), `event:` (`measurement`, `phase` or `run`) and `data:` (one line of JSON, described
in `EVENT_DESCRIPTION`). A client resumes after the last id it saw with `Last-Event-ID` (what
`EventSource` sends by itself) or `?lastEventId=`. The browser's `EventSource` cannot send an
`Authorization` header, so these routes also take the token as `?token=` (never logged).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.api.deps import Runs, visible_namespaces
from app.api.session import StreamReader
from app.api.templates import Name, Namespace
from app.api.validate import problem_responses
from app.core.errors import FieldProblem, InvalidInput
from app.service.event_stream import EventStreams

__all__ = ["EVENT_DESCRIPTION", "router"]

router = APIRouter(prefix="/api/v1", tags=["events"])

EVENT_DESCRIPTION = """\
Server-sent events. Each event:

    id: 42
    event: measurement          (or phase, or run)
    data: {"namespace": "bookinfo", "name": "reviews-canary", "uid": "...",
           "metric": "apdex", "phase": "Failed", "message": "...",
           "measurement": {"seq": 3, "phase": "Failed", "value": "[9512]", "message": "...",
                           "startedAt": "...", "finishedAt": "...", "metadata": {}},
           "metricResult": {"name": "apdex", "phase": "Running", "message": "", "count": 3,
                            "successful": 2, "failed": 1, "inconclusive": 0, "error": 0,
                            "consecutiveError": 0, "dryRun": false},
           "status": {"phase": "Running", "message": "", "count": 3, "successful": 2,
                      "failed": 1, "inconclusive": 0, "error": 0},
           "at": "2026-05-01T10:00:03.120Z"}

`measurement`: one per stored measurement (`measurement` set). `phase`: a metric's phase changed
(`metric` set, `metricResult` its counters) or the run's (`metric` null); `previousPhase` says
from what. `run`: the run was created or deleted (`action`). `status` is the run's status as
stored with the event; texts are the stored ones, secrets already replaced by `*****`. `at` is
when the event was stored (RFC 3339, milliseconds).

A `retry:` line opens the stream and `: keepalive` comments keep it open when nothing happens.
The stream of one run starts with its first event (or after `Last-Event-ID`/`?lastEventId=`) and
ends after its final phase event or its deletion; asked again once the client has seen that
event, it answers 204, which tells `EventSource` to stop reconnecting.
"""


class EventMeasurement(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    seq: int = Field(description="Position among the metric's measurements, from 1")
    phase: str
    value: str
    message: str
    started_at: str | None = Field(alias="startedAt")
    finished_at: str | None = Field(alias="finishedAt")
    metadata: dict[str, str]


class EventStatus(BaseModel):
    """The run's status as stored with the event; the counters are Argo's `runSummary`
    (metrics by phase)."""

    phase: str
    message: str
    count: int
    successful: int
    failed: int
    inconclusive: int
    error: int


class EventMetricResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str
    phase: str
    message: str
    count: int
    successful: int
    failed: int
    inconclusive: int
    error: int
    consecutive_error: int = Field(alias="consecutiveError")
    dry_run: bool = Field(alias="dryRun")


class EventData(BaseModel):
    """The JSON of an event's `data:` line (documentation: the stream writes it as stored)."""

    model_config = ConfigDict(populate_by_name=True)

    namespace: str
    name: str
    uid: str = Field(description="The run's uid (a later run of the same name has another)")
    metric: str | None = Field(description="The metric, or null for the run's own events")
    phase: str = Field(
        description="The measurement's phase, the new phase, or (run events) the run's phase"
    )
    message: str
    measurement: EventMeasurement | None
    metric_result: EventMetricResult | None = Field(
        default=None, alias="metricResult", description="Metric events: the metric's counters"
    )
    status: EventStatus
    previous_phase: str | None = Field(
        default=None, alias="previousPhase", description="Phase events: the phase before"
    )
    action: str | None = Field(default=None, description="Run events: created or deleted")
    at: str = Field(description="When the event was stored: RFC 3339, UTC, milliseconds")


_ID = re.compile(r"[0-9]{1,19}")
INT64_MAX = 2**63 - 1


def _cursor(header: str | None, query: str | None) -> int | None:
    """The id to resume after: `Last-Event-ID` (a reconnecting EventSource sends it) wins over
    `?lastEventId=` (the URL it was first opened with)."""
    for field, text in (("Last-Event-ID", header), ("lastEventId", query)):
        if text is None or not text.strip():
            continue
        if not _ID.fullmatch(text.strip()) or int(text) > INT64_MAX:
            shown = text if len(text) <= 40 else text[:40] + "..."
            raise InvalidInput(
                f"{field}: {shown!r} is not an event id",
                [FieldProblem(field, "the id: of the last event received, a whole number")],
            )
        return int(text)
    return None


class EventStreamResponse(StreamingResponse):
    """A stream that ends quietly when the client goes (a disconnect is no error) and gives its
    slot back however it ends, even before its first byte."""

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes], *, on_close: Callable[[], None]) -> None:
        super().__init__(content, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self._content = content
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:

                async def stream() -> None:
                    # OSError: the client is gone (uvicorn's ClientDisconnected).
                    with contextlib.suppress(OSError):
                        await self.stream_response(send)
                    group.cancel_scope.cancel()

                group.start_soon(stream)
                await self.listen_for_disconnect(receive)
                group.cancel_scope.cancel()
        finally:
            self._on_close()
            aclose = getattr(self._content, "aclose", None)
            if aclose is not None:
                await aclose()


def _streams(request: Request) -> EventStreams:
    streams: EventStreams = request.app.state.events
    return streams


LastEventHeader = Annotated[
    str | None,
    Header(alias="Last-Event-ID", max_length=40, description="Resume after this event id"),
]
LastEventQuery = Annotated[
    str | None,
    Query(
        alias="lastEventId",
        max_length=40,
        description="Resume after this event id (for clients that cannot send headers)",
    ),
]
_PROBLEMS = problem_responses(404, 422)
STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": EVENT_DESCRIPTION,
        "content": {
            "text/event-stream": {
                "example": 'retry: 3000\n\nid: 42\nevent: phase\ndata: {"namespace": ...}\n\n',
                # OpenAPI 3.2's way of saying what each event of a stream holds.
                "itemSchema": {
                    "type": "object",
                    "required": ["id", "event", "data"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^[0-9]+$"},
                        "event": {"type": "string", "enum": ["measurement", "phase", "run"]},
                        "data": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "contentSchema": EventData.model_json_schema(by_alias=True),
                        },
                        "retry": {"type": "integer", "minimum": 0},
                    },
                },
            }
        },
    },
    **{code: answer for code, answer in _PROBLEMS.items() if code != 404},
    503: {
        "description": "As many streams are open as AUGUR_EVENTS_MAX_STREAMS allows",
        "content": _PROBLEMS[422]["content"],
    },
}


@router.get(
    "/namespaces/{namespace}/analysisruns/{name}/events",
    summary="Follow one run: its events as they are stored, until it completes",
    dependencies=[StreamReader],
    response_class=Response,
    responses={
        **STREAM,
        204: {"description": "The run is complete and the client has seen its final event"},
        404: _PROBLEMS[404],
    },
)
async def run_events(
    namespace: Namespace,
    name: Name,
    request: Request,
    runs: Runs,
    last_event_id: LastEventHeader = None,
    last_event_query: LastEventQuery = None,
) -> Response:
    after = _cursor(last_event_id, last_event_query)
    record = await runs.record(namespace, name)
    streams = _streams(request)
    give_back = streams.take_slot()
    try:
        content = await streams.run_stream(record, after)
    except BaseException:
        give_back()
        raise
    if content is None:
        give_back()
        return Response(status_code=204)
    return EventStreamResponse(content, on_close=give_back)


@router.get(
    "/events",
    summary="Follow every run (or one namespace's): their events as they are stored",
    dependencies=[StreamReader],
    response_class=Response,
    responses=STREAM,
)
async def all_events(
    request: Request,
    namespace: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
            description="Only this namespace's runs (a namespace-limited token: one of its own)",
        ),
    ] = None,
    last_event_id: LastEventHeader = None,
    last_event_query: LastEventQuery = None,
) -> Response:
    after = _cursor(last_event_id, last_event_query)
    namespaces = {namespace} if namespace is not None else visible_namespaces(request)
    streams = _streams(request)
    give_back = streams.take_slot()
    try:
        content = await streams.all_stream(namespaces, after)
    except BaseException:
        give_back()
        raise
    return EventStreamResponse(content, on_close=give_back)
