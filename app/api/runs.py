"""AnalysisRuns: create, read, list, page through measurements, terminate, delete.

    /api/v1/namespaces/{namespace}/analysisruns[/{name}[/measurements|/terminate]]
    /api/v1/analysisruns                      (every namespace)

A run is created from template references plus args, an inline template spec, or a whole
AnalysisRun; everything is checked before anything is stored (`RunService.create_run`). A retry
carrying the same `Idempotency-Key` gets the run the first attempt created (200, not 201). Runs
are answered in Argo's AnalysisRun shape, so tools that read Argo's can read these. Lists take
Kubernetes' `labelSelector` and page with an opaque `continue` token (the exact creation time and
id of the last run, so runs created within one second are neither skipped nor repeated).
Measurements page by `seq`, which counts per metric: a page over every metric continues after
`metric:seq`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.body import read_document
from app.api.deps import Reader, Runs, Writer
from app.api.lists import ListResponse
from app.api.selector import parse_selector
from app.api.served import json_answer, json_bytes, served
from app.api.templates import Name, Namespace
from app.api.validate import problem_responses, run_request_body
from app.core.errors import FieldProblem, InvalidInput
from app.core.limits import INT32_MAX, MAX_CONTINUE_CHARS, MAX_NAME
from app.service.documents import run_from_record
from app.service.runs import RunService
from app.spec.document import run_document
from app.spec.models import API_VERSION, AnalysisRun
from app.spec.status import Phase, format_time
from app.store.records import MeasurementRecord, RunRecord

__all__ = ["decode_continue", "encode_continue", "parse_selector", "router", "run_body"]

router = APIRouter(prefix="/api/v1", tags=["analysis runs"])


def encode_continue(cursor: tuple[datetime, str]) -> str:
    created, run_id = cursor
    raw = json.dumps({"c": created.isoformat(), "i": run_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


#: A run's id as the store writes it (a UUID), the only id a token can carry.
_RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def decode_continue(token: str) -> tuple[datetime, str]:
    """The cursor a `continue` token carries; any token this API did not hand out is a 422
    naming `continue` (too long, not base64, not the JSON inside, a time or id out of shape)."""
    try:
        if len(token) > MAX_CONTINUE_CHARS:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        created, run_id = datetime.fromisoformat(data["c"]), data["i"]
        if created.tzinfo is None or not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
            raise ValueError("incomplete")
    except (binascii.Error, ValueError, TypeError, KeyError, IndexError, RecursionError):
        raise InvalidInput(
            "continue: the token is not one this API handed out",
            [
                FieldProblem(
                    "continue", "pass metadata.continue of the previous page unchanged, or omit it"
                )
            ],
        ) from None
    return created, run_id


class ListMeta(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    continue_: str | None = Field(
        default=None,
        alias="continue",
        description="Pass as ?continue= for the next page; absent on the last page.",
    )


class AnalysisRunList(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    api_version: str = Field(default=API_VERSION, alias="apiVersion")
    kind: str = "AnalysisRunList"
    metadata: ListMeta
    items: list[AnalysisRun]


class MeasurementItem(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    metric: str
    seq: int = Field(description="Position among the metric's measurements, from 1.")
    phase: str
    value: str
    message: str
    metadata: dict[str, str]
    started_at: str | None = Field(alias="startedAt")
    finished_at: str | None = Field(alias="finishedAt")


class MeasurementList(BaseModel):
    metadata: ListMeta
    items: list[MeasurementItem]


def _measurement(record: MeasurementRecord) -> MeasurementItem:
    return MeasurementItem(
        metric=record.metric,
        seq=record.seq,
        phase=record.phase,
        value=record.value,
        message=record.message,
        metadata=dict(record.metadata),
        started_at=format_time(record.started_at) if record.started_at else None,
        finished_at=format_time(record.finished_at) if record.finished_at else None,
    )


_SEQ = re.compile(r"[0-9]{1,10}")


def _after(text: str) -> tuple[str | None, int]:
    """`after` is a seq, or `metric:seq` (the token a page over every metric hands out); a seq
    is a whole number the store can hold (32 bits), a metric a name of at most 253 characters."""
    metric, sep, seq = text.rpartition(":")
    shown = text if len(text) <= 40 else text[:40] + "..."
    if (
        not _SEQ.fullmatch(seq)
        or int(seq) > INT32_MAX
        or (sep and not metric)
        or len(metric) > MAX_NAME
    ):
        raise InvalidInput(
            f"after: {shown!r} is not a measurement position",
            [
                FieldProblem(
                    "after",
                    f"a seq from 0 to {INT32_MAX} such as 10, or metadata.continue of the "
                    "last page (metric:seq)",
                )
            ],
        )
    return (metric if sep else None), int(seq)


RUN: dict[int | str, dict[str, Any]] = {
    200: {"model": AnalysisRun, "description": "The AnalysisRun, in Argo's shape"}
}
LabelSelector = Annotated[
    str,
    Query(
        alias="labelSelector",
        description="Kubernetes syntax: a=b, a!=b, a in (x,y), a notin (x), a, !a; comma = and",
    ),
]
PhaseFilter = Annotated[Phase | None, Query(description="Only runs in this phase")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Continue = Annotated[
    str | None, Query(alias="continue", description="metadata.continue of the previous page")
]


@router.post(
    "/namespaces/{namespace}/analysisruns",
    summary="Start an analysis run (template references + args, inline spec, or AnalysisRun)",
    dependencies=[Writer],
    response_model=None,
    status_code=201,
    openapi_extra=run_request_body(),
    responses={
        201: RUN[200] | {"description": "Created"},
        200: RUN[200] | {"description": "A run with this Idempotency-Key exists; that run"},
        **problem_responses(409, 413, 415, 422),
    },
)
async def create_run(
    namespace: Namespace,
    request: Request,
    response: Response,
    runs: Runs,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=200, description="Retries get the same run"),
    ] = None,
) -> dict[str, Any]:
    document = await read_document(request, limit=request.app.state.settings.max_body_bytes)
    # Scoped to the namespace and kept apart from the gates' own keys (argo:..., flagger:...).
    key = f"api:{namespace}:{idempotency_key}" if idempotency_key is not None else None
    run, created = await runs.create_run(namespace, document, idempotency_key=key)
    response.status_code = 201 if created else 200
    meta = run.metadata
    response.headers["Location"] = f"/api/v1/namespaces/{meta.namespace}/analysisruns/{meta.name}"
    return run_document(run)


async def _list(
    runs: RunService,
    *,
    namespace: str | None,
    selector: str,
    phase: Phase | None,
    limit: int,
    token: str | None,
) -> ListResponse:
    page, cursor = await runs.list_page(
        namespace=namespace,
        phase=phase.value if phase else None,
        selector=parse_selector(selector),
        limit=limit,
        after=decode_continue(token) if token else None,
    )
    return ListResponse(
        {
            "apiVersion": API_VERSION,
            "kind": "AnalysisRunList",
            "metadata": {"continue": encode_continue(cursor)} if cursor else {},
            "items": [run_document(run) for run in page],
        }
    )


LIST: dict[int | str, dict[str, Any]] = {
    200: {"model": AnalysisRunList},
    **problem_responses(422),
}


@router.get(
    "/namespaces/{namespace}/analysisruns",
    summary="List the runs of a namespace, oldest first",
    dependencies=[Reader],
    response_model=None,
    responses=LIST,
)
async def list_runs(
    namespace: Namespace,
    runs: Runs,
    label_selector: LabelSelector = "",
    phase: PhaseFilter = None,
    limit: Limit = 100,
    token: Continue = None,
) -> ListResponse:
    return await _list(
        runs, namespace=namespace, selector=label_selector, phase=phase, limit=limit, token=token
    )


@router.get(
    "/analysisruns",
    summary="List the runs of every namespace, oldest first",
    dependencies=[Reader],
    response_model=None,
    responses=LIST,
)
async def list_all_runs(
    runs: Runs,
    label_selector: LabelSelector = "",
    phase: PhaseFilter = None,
    limit: Limit = 100,
    token: Continue = None,
) -> ListResponse:
    return await _list(
        runs, namespace=None, selector=label_selector, phase=phase, limit=limit, token=token
    )


@router.get(
    "/namespaces/{namespace}/analysisruns/{name}",
    summary="Read a run with its status",
    dependencies=[Reader],
    response_model=None,
    responses={**RUN, **problem_responses(404, 422)},
)
async def get_run(namespace: Namespace, name: Name, request: Request, runs: Runs) -> Response:
    stored = await runs.stored(namespace, name)  # answered as built once per stored version
    _, body = served(request).get("run", stored, run_body)
    return json_answer(body)


def run_body(record: RunRecord) -> tuple[None, bytes]:
    """Run status's answer for a stored run (kept by `app.api.served`)."""
    return None, json_bytes(run_document(run_from_record(record)))


@router.get(
    "/namespaces/{namespace}/analysisruns/{name}/measurements",
    summary="Every stored measurement of a run, by metric and seq, a page at a time",
    dependencies=[Reader],
    response_model_exclude_none=True,
    responses=problem_responses(404, 422),
)
async def list_measurements(
    namespace: Namespace,
    name: Name,
    runs: Runs,
    metric: Annotated[
        str | None, Query(max_length=MAX_NAME, description="Only this metric's measurements")
    ] = None,
    after: Annotated[
        str, Query(description="metadata.continue of the previous page (a seq, or metric:seq)")
    ] = "0",
    limit: Limit = 100,
) -> MeasurementList:
    after_metric, after_seq = _after(after)
    records = await runs.measurements(
        namespace,
        name,
        metric=metric,
        after_seq=after_seq,
        limit=limit,
        after_metric=None if metric is not None else after_metric,
    )
    token = None
    if len(records) == limit:
        last = records[-1]
        token = str(last.seq) if metric is not None else f"{last.metric}:{last.seq}"
    return MeasurementList(
        metadata=ListMeta(continue_=token), items=[_measurement(r) for r in records]
    )


@router.post(
    "/namespaces/{namespace}/analysisruns/{name}/terminate",
    summary="Stop a run (Argo's spec.terminate): running metrics stop at the next pass",
    dependencies=[Writer],
    response_model=None,
    responses={**RUN, **problem_responses(404, 422)},
)
async def terminate_run(namespace: Namespace, name: Name, runs: Runs) -> dict[str, Any]:
    return run_document(await runs.terminate(namespace, name))


@router.delete(
    "/namespaces/{namespace}/analysisruns/{name}",
    summary="Delete a run and its measurements",
    dependencies=[Writer],
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 422),
)
async def delete_run(namespace: Namespace, name: Name, runs: Runs) -> None:
    await runs.delete_run(namespace, name)
