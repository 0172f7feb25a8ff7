"""Ad-hoc checks over HTTP: "what is the canary's apdex right now, and would it pass?"

    GET /api/v1/check/skywalking?address=&service=&metric=service_apdex&window=10m&condition=
    GET /api/v1/check/prometheus?address=&query=&condition=
    GET /api/v1/check/web?url=&jsonPath=&condition=

The same provider blocks a template would hold (`app/service/checks.py`), measured once. The
address goes through the allowlist first: augur makes the request from inside the cluster, so a
caller must not be able to point it anywhere (the cloud metadata endpoint never). A wrong metric
name or condition is a 422; an upstream that fails is a 200 whose `error` says so, as a run's
Error measurement would. A check needs a `write` token (see app/api/deps.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import Writer
from app.api.validate import problem_responses
from app.core.addresses import AddressPolicy, AddressRefused
from app.core.errors import FieldProblem, InvalidInput
from app.service.checks import (
    prometheus_block,
    run_check,
    series_of,
    skywalking_block,
    web_block,
)
from providers.errors import ConfigError

__all__ = ["CheckAnswer", "Point", "router"]

#: A check makes augur send a request of the caller's choosing and shows what came back: a
#: `write` token, as for creating a run that measures, even when anonymous reads are on.
router = APIRouter(prefix="/api/v1/check", tags=["checks"], dependencies=[Writer])


class Point(BaseModel):
    id: str = Field(description="The point's time bucket (SkyWalking) or its position")
    value: float | None = Field(description="null for a point without data")
    apdex: float | None = Field(
        default=None, description="The value as 0..1, when the metric is an apdex"
    )


class CheckAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"description": "One measurement, judged"})

    provider: str
    series: list[Point]
    value: str = Field(description="The value string Argo would store")
    metadata: dict[str, str]
    error: str | None = Field(description="Why the provider could not measure")
    phase: str | None = Field(description="The verdict; null without a condition")
    message: str | None


Condition = Annotated[
    str, Query(description="A successCondition over `result` (expr-lang, or cel:...)")
]


def _refused(field: str, exc: Exception) -> InvalidInput:
    message = str(exc).removeprefix(f"{field}: ")
    return InvalidInput(f"{field}: {message}", [FieldProblem(field, message)])


async def _allowed(request: Request, url: str, *, field: str) -> None:
    policy: AddressPolicy = request.app.state.addresses
    try:
        # The policy resolves host names, which blocks: keep that off the event loop.
        await asyncio.to_thread(policy.check_url, url, field=field)
    except AddressRefused as exc:
        raise _refused(field, exc) from None


def _block(build: Callable[[], dict[str, Any]], *, field: str) -> dict[str, Any]:
    try:
        return build()
    except ConfigError as exc:
        raise _refused(field, exc) from None


async def _check(
    request: Request, block: Mapping[str, Any], *, condition: str, field: str, metric: str = ""
) -> CheckAnswer:
    """Measure; a ConfigError names `condition` when it is the condition's, else `field`."""
    state = request.app.state
    try:
        outcome = await run_check(
            block,
            condition=condition,
            http=state.http,
            now=state.runs.clock(),
            limits=state.limits,
            judging=state.offload,
            credentials=state.credentials,
        )
    except ConfigError as exc:
        wrong = "condition" if str(exc).startswith("condition: ") else field
        raise _refused(wrong, exc) from None
    apdex = "apdex" in metric
    series = [
        Point(id=label, value=value, apdex=value / 10000 if apdex and value is not None else None)
        for label, value in series_of(outcome, metric=metric)
    ]
    return CheckAnswer(
        provider=outcome.provider,
        series=series,
        value=outcome.value,
        metadata=dict(outcome.metadata),
        error=outcome.error or None,
        phase=outcome.phase.value if outcome.phase else None,
        message=outcome.message or None,
    )


ERRORS = problem_responses(422)


@router.get("/skywalking", summary="One SkyWalking service metric now", responses=ERRORS)
async def check_skywalking(
    request: Request,
    address: Annotated[str, Query(min_length=1, description="OAP address, e.g. http://oap:12800")],
    service: Annotated[
        str, Query(min_length=1, description="Service name, e.g. canary|reviews|ns|c|-")
    ],
    metric: Annotated[str, Query(description="Metric name")] = "service_apdex",
    window: Annotated[str, Query(description="How far back to look (Go duration)")] = "10m",
    condition: Condition = "",
) -> CheckAnswer:
    await _allowed(request, address, field="address")
    block = _block(
        lambda: skywalking_block(address=address, service=service, metric=metric, window=window),
        field="metric",
    )
    return await _check(request, block, condition=condition, field="window", metric=metric)


@router.get("/prometheus", summary="One PromQL instant query now", responses=ERRORS)
async def check_prometheus(
    request: Request,
    address: Annotated[
        str, Query(min_length=1, description="Prometheus address, e.g. http://prom:9090")
    ],
    query: Annotated[str, Query(min_length=1, description="PromQL instant query")],
    condition: Condition = "",
) -> CheckAnswer:
    await _allowed(request, address, field="address")
    block = prometheus_block(address=address, query=query)
    return await _check(request, block, condition=condition, field="query")


@router.get("/web", summary="One GET of a JSON endpoint, as Argo's web provider", responses=ERRORS)
async def check_web(
    request: Request,
    url: Annotated[str, Query(min_length=1, description="The JSON endpoint")],
    json_path: Annotated[
        str, Query(alias="jsonPath", description="Kubernetes JSONPath, e.g. {$.data.ok}")
    ] = "",
    condition: Condition = "",
) -> CheckAnswer:
    await _allowed(request, url, field="url")
    block = web_block(url=url, json_path=json_path)
    return await _check(request, block, condition=condition, field="jsonPath")
