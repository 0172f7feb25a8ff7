"""Operational endpoints every service has: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from app.core.errors import Unavailable
from app.core.metrics import Metrics
from app.store.db import ping

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])

NOT_READY = "the store cannot be reached or is not migrated yet; check AUGUR_STORE_URL"


class Health(BaseModel):
    status: str


@router.get("/healthz", summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="The store answers",
    responses={503: {"description": "The store cannot be reached"}},
)
async def readyz(request: Request) -> Health:
    if not request.app.state.schema.ready.is_set():
        raise Unavailable(NOT_READY)
    try:
        await ping(request.app.state.store_engine)
    except Exception as exc:
        # The driver's message can hold the URL; log the type only, answer with a fixed text.
        log.warning("readiness check failed: store unreachable (%s)", type(exc).__name__)
        raise Unavailable(NOT_READY) from None
    return Health(status="ready")


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics(request: Request) -> Response:
    registry_owner: Metrics = request.app.state.metrics
    return Response(generate_latest(registry_owner.registry), media_type=CONTENT_TYPE_LATEST)
