"""Every canary judgement's report: `/api/v1/namespaces/{namespace}/judgements[/{id}]`.

One judgement is its whole report (per metric the classification, reason and `statistics`:
interval, p-value, effect; both series with the time of each point; the config and request it
ran with), whether a Kayenta execution or a `judge` metric made it; the id is the
`canaryExecutionId` Kayenta's API answered, or the `judgementId` in a measurement's metadata.
The list is newest first, without the series; `before` (the last item's `createdAt`) pages on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from app.api.deps import Reader
from app.api.lists import ListResponse, list_answer
from app.api.templates import Namespace
from app.api.validate import problem_responses
from app.service.judgements import Judgements, judgement_document, judgement_summary

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["judgements"])

JudgementId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
REPORT = {
    "type": "object",
    "description": "id, origin (kayenta | metric), status (running | succeeded | terminal), "
    "score, classification, error, request, config, judgeResult (Kayenta's CanaryJudgeResult, "
    "each result with statistics), metricSetPairs (values and times of both series)",
}


def _judgements(request: Request) -> Judgements:
    service: Judgements = request.app.state.judgements
    return service


Service = Annotated[Judgements, Depends(_judgements)]


@router.get(
    "/namespaces/{namespace}/judgements/{judgement}",
    summary="A canary judgement's full report",
    dependencies=[Reader],
    response_model=None,
    responses={
        200: {"content": {"application/json": {"schema": REPORT}}},
        **problem_responses(404, 422),
    },
)
async def get_judgement(
    namespace: Namespace, judgement: JudgementId, service: Service
) -> dict[str, Any]:
    return judgement_document(await service.get(namespace, judgement))


@router.get(
    "/namespaces/{namespace}/judgements",
    summary="The canary judgements of a namespace, newest first (no series)",
    dependencies=[Reader],
    response_model=None,
    responses={200: list_answer({"type": "object"}), **problem_responses(422)},
)
async def list_judgements(
    namespace: Namespace,
    service: Service,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 100,
    before: Annotated[
        datetime | None, Query(description="Only judgements created before this time")
    ] = None,
) -> ListResponse:
    records = await service.list(namespace, limit=limit, before=before)
    return ListResponse({"items": [judgement_summary(record) for record in records]})
