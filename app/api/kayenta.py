"""Kayenta's REST API, so Argo Rollouts' `kayenta` provider (and any Kayenta client) can point
at augur unchanged: `provider.kayenta.address: http://augur.augur:8080`.

    GET  /canaryConfig?application=&configurationAccountName=  the configs an application sees
    GET  /canaryConfig/{id}                                      one config
    POST /canary/{configId}?application=&...AccountName=...     start: 200 {"canaryExecutionId"}
    POST /canary?namespace=                       ad hoc: {canaryConfig, executionRequest}
    GET  /canary/{executionId}                    its status, Kayenta's shape

Errors are Kayenta's (Spring's) JSON, `{"timestamp", "status", "error", "message"}`, plus
`errors: [{field, message}]`; a bad request is a 400, as Kayenta answers it.

Auth: augur's tokens, as a Bearer header or `?token=` (Argo sends no header; its query values
are not escaped, so `application: "guestbook&token=..."` carries one, and the token can come
from a Secret through an arg). Starting an execution needs `write` in the config's namespace;
reading needs `read` (or `AUGUR_ANONYMOUS_READS`). Argo polls `GET /canary/{id}` with nothing
but the id, so a poll without a token is answered with `complete`, `status` and the score only:
the id is a random UUID handed to whoever started the execution, and nothing of the config,
scopes or series goes with it. With a token, or without tokens configured, the whole status.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.body import read_document
from app.api.deps import Unauthorized, check_access, presented_access
from app.api.gates import NAMESPACE
from app.core.auth import Access, Scope
from app.core.errors import AppError, FieldProblem, InvalidInput, NotFound
from app.service.canaryconfigs import CanaryConfigs, config_json
from app.service.kayenta import ACCOUNT_PARAMS, Kayenta, config_summary, listed_for, status_document
from app.store.records import CanaryConfigRecord
from app.store.sql import SqlStore

__all__ = ["router"]

router = APIRouter(tags=["kayenta"])
KAYENTA_ERROR = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "timestamp": {"type": "integer"},
                    "status": {"type": "integer"},
                    "error": {"type": "string"},
                    "message": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object"}},
                },
            }
        }
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": HTTPStatus(code).phrase, **KAYENTA_ERROR}
    for code in (400, 401, 403, 404, 413, 415)
}


EXECUTION_REQUEST = {
    "type": "object",
    "description": "Kayenta's CanaryExecutionRequest: scopes {<name>: {controlScope, "
    "experimentScope}}, each {scope, location, start, end (ISO-8601), step (seconds)}, and "
    "thresholds {pass, marginal}",
    "example": {
        "scopes": {
            "default": {
                "controlScope": {
                    "scope": "reviews|bookinfo|cp-cluster-1|-",
                    "location": "",
                    "step": 60,
                    "start": "2026-12-05T10:00:00Z",
                    "end": "2026-12-05T10:30:00Z",
                },
                "experimentScope": {
                    "scope": "canary|reviews|bookinfo|cp-cluster-1|-",
                    "location": "",
                    "step": 60,
                    "start": "2026-12-05T10:00:00Z",
                    "end": "2026-12-05T10:30:00Z",
                },
            }
        },
        "thresholds": {"pass": 90, "marginal": 75},
    },
}


def _body_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _in_path(name: str, description: str) -> dict[str, Any]:
    """A path parameter read from `request.path_params`, so that FastAPI adds no 422 of its
    own: every error here is Kayenta's shape."""
    parameter = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
    return {"parameters": [{**parameter, "description": description}]}


def kayenta_error(exc: AppError) -> JSONResponse:
    """An augur error in Kayenta's shape; 422 becomes Kayenta's 400."""
    status = 400 if exc.status == 422 else exc.status
    message = exc.detail
    if exc.problems:
        message += ": " + "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
    body: dict[str, Any] = {
        "timestamp": int(time.time() * 1000),
        "status": status,
        "error": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "",
        "message": message,
    }
    if exc.problems:
        body["errors"] = [{"field": p.field, "message": p.message} for p in exc.problems]
    return JSONResponse(body, status_code=status)


async def _answer(work: Awaitable[dict[str, Any] | list[Any]]) -> JSONResponse:
    try:
        return JSONResponse(await work)
    except AppError as exc:
        return kayenta_error(exc)


@dataclass(frozen=True)
class Caller:
    """Who is asking: no tokens configured (`open`), or the token sent, if any."""

    open: bool
    anonymous_reads: bool
    access: Access | None

    def allows(self, scope: Scope, namespace: str) -> bool:
        if self.open or (self.access is None and scope is Scope.READ and self.anonymous_reads):
            return True
        granted = self.access.scope_in(namespace) if self.access is not None else None
        return granted is not None and granted >= scope

    def require(self, scope: Scope, namespace: str | None = None) -> None:
        """401 without a token where one is needed; with `namespace`, 403 without access."""
        if self.open or (self.access is None and scope is Scope.READ and self.anonymous_reads):
            return
        if self.access is None:
            raise Unauthorized(
                "this endpoint needs a token: send an Authorization: Bearer header or ?token="
            )
        if namespace is not None:
            check_access(self.access, scope, namespace)


def _caller(request: Request) -> Caller:
    state = request.app.state
    return Caller(
        open=not state.tokens.configured,
        anonymous_reads=state.settings.anonymous_reads,
        access=presented_access(request) if state.tokens.configured else None,
    )


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in ACCOUNT_PARAMS}


def _services(request: Request) -> tuple[Kayenta, CanaryConfigs, SqlStore]:
    state = request.app.state
    return state.kayenta, state.canaryconfigs, state.store


async def _stored(request: Request, config_id: str, scope: Scope) -> CanaryConfigRecord:
    """The config with that id, once the caller may `scope` in its namespace (401 before the
    lookup: an id is not confirmed to a caller without a token)."""
    caller = _caller(request)
    caller.require(scope)
    _, configs, _ = _services(request)
    record = await configs.by_id(config_id)
    if record is None:
        raise NotFound(f"Canary config with id '{config_id}' not found")
    caller.require(scope, record.namespace)
    return record


async def _body(request: Request) -> Any:
    return await read_document(request, limit=request.app.state.settings.max_body_bytes)


@router.get(
    "/canaryConfig",
    summary="Kayenta: the canary configs an application sees (Argo looks its config up here)",
    responses=ERRORS,
)
async def list_canary_configs(request: Request) -> JSONResponse:
    async def work() -> list[Any]:
        caller = _caller(request)
        caller.require(Scope.READ)
        applications = [
            name
            for given in request.query_params.getlist("application")
            for name in given.split(",")
            if name
        ]
        _, configs, _ = _services(request)
        return [
            config_summary(record)
            for record in await configs.list(None)
            if caller.allows(Scope.READ, record.namespace) and listed_for(record, applications)
        ]

    return await _answer(work())


@router.get(
    "/canaryConfig/{config_id}",
    summary="Kayenta: one canary config",
    responses=ERRORS,
    openapi_extra=_in_path("config_id", "The config's id (canaryConfigId)"),
)
async def get_canary_config(request: Request) -> JSONResponse:
    config_id = request.path_params["config_id"]

    async def work() -> dict[str, Any]:
        return config_json(await _stored(request, config_id, Scope.READ))

    return await _answer(work())


@router.post(
    "/canary/{config_id}",
    summary="Kayenta: start an execution of a stored config; 200 {canaryExecutionId}",
    responses=ERRORS,
    openapi_extra={
        **_in_path("config_id", "The config's id (canaryConfigId)"),
        **_body_of(EXECUTION_REQUEST),
    },
)
async def start_execution(request: Request) -> JSONResponse:
    config_id = request.path_params["config_id"]

    async def work() -> dict[str, Any]:
        record = await _stored(request, config_id, Scope.WRITE)
        kayenta, _, _ = _services(request)
        execution = await kayenta.start(
            namespace=record.namespace,
            config=Kayenta.stored_config(record),
            request=await _body(request),
            params=_params(request),
            stored=record,
        )
        return {"canaryExecutionId": execution}

    return await _answer(work())


@router.post(
    "/canary",
    summary="Kayenta: start an ad-hoc execution, {canaryConfig, executionRequest}",
    responses=ERRORS,
    openapi_extra=_body_of(
        {
            "type": "object",
            "required": ["canaryConfig", "executionRequest"],
            "properties": {
                "canaryConfig": {"type": "object", "description": "Kayenta's CanaryConfig"},
                "executionRequest": {k: v for k, v in EXECUTION_REQUEST.items() if k != "example"},
            },
        }
    ),
)
async def start_adhoc_execution(request: Request) -> JSONResponse:
    async def work() -> dict[str, Any]:
        namespace = request.query_params.get("namespace") or "default"
        if not NAMESPACE.fullmatch(namespace):
            raise InvalidInput(
                "namespace is not a Kubernetes namespace name",
                [FieldProblem("namespace", namespace[:80])],
            )
        caller = _caller(request)
        caller.require(Scope.WRITE, namespace)
        document = await _body(request)
        missing = [
            FieldProblem(key, "is required")
            for key in ("canaryConfig", "executionRequest")
            if not isinstance(document, dict) or document.get(key) is None
        ]
        if missing:
            raise InvalidInput("the ad-hoc execution request is incomplete", missing)
        kayenta, _, _ = _services(request)
        config = kayenta.adhoc_config(document["canaryConfig"])
        execution = await kayenta.start(
            namespace=namespace,
            config=config,
            request=document["executionRequest"],
            params={"application": "ad-hoc", **_params(request)},
            prefix="executionRequest.",
        )
        return {"canaryExecutionId": execution}

    return await _answer(work())


@router.get(
    "/canary/{execution_id}",
    summary="Kayenta: an execution's status; `complete` always, the score once judged",
    responses=ERRORS,
    openapi_extra=_in_path("execution_id", "The canaryExecutionId POST /canary answered"),
)
async def execution_status(request: Request) -> JSONResponse:
    execution_id = request.path_params["execution_id"]

    async def work() -> dict[str, Any]:
        caller = _caller(request)
        _, _, store = _services(request)
        record = await store.get_judgement(execution_id)
        if record is None:
            raise NotFound(f"Canary execution '{execution_id}' not found")
        if caller.allows(Scope.READ, record.namespace):
            return status_document(record)
        if caller.access is None:  # Argo's poll: the id is the capability, the score its answer
            return status_document(record, full=False)
        check_access(caller.access, Scope.READ, record.namespace)
        return status_document(record)

    return await _answer(work())
