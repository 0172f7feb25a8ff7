"""Kayenta canary configs in augur's store, at a Kubernetes-shaped path.

    /api/v1/namespaces/{namespace}/canaryconfigs[/{name}]

`PUT` creates (201) or replaces (200) and takes Kayenta's CanaryConfig JSON (or the same in
YAML); the path names it, so the body may leave `name` out. Every problem is a 422 naming its
field (`metrics[1].query: skywalking: set one of metricName ... or expression ...`). The answer
is the config as Kayenta answers one: with its `id` (the canaryConfigId Argo's kayenta provider
starts executions with, kept across replacements) and timestamps.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from app.api.body import read_document
from app.api.deps import Reader, Writer
from app.api.lists import ListResponse, list_answer
from app.api.templates import Namespace
from app.api.validate import problem_responses
from app.service.canaryconfigs import CONFIG_NAME, CanaryConfigs, config_json

__all__ = ["ConfigName", "router"]

router = APIRouter(prefix="/api/v1", tags=["canary configs"])

ConfigName = Annotated[
    str,
    Path(
        pattern=f"^{CONFIG_NAME.pattern}$",
        description="Kayenta's rule: letters, digits, '-' and '_'",
    ),
]
CONFIG_SCHEMA = {
    "type": "object",
    "description": "Kayenta's CanaryConfig (docs/judge.md): judge, metrics[] with query and "
    "analysisConfigurations, classifier.groupWeights, applications",
}
BODY = {
    "requestBody": {
        "required": True,
        "content": {m: {"schema": CONFIG_SCHEMA} for m in ("application/json", "application/yaml")},
    }
}
ANSWER = {"content": {"application/json": {"schema": CONFIG_SCHEMA}}}


def _configs(request: Request) -> CanaryConfigs:
    service: CanaryConfigs = request.app.state.canaryconfigs
    return service


Configs = Annotated[CanaryConfigs, Depends(_configs)]


@router.put(
    "/namespaces/{namespace}/canaryconfigs/{name}",
    summary="Create or replace a Kayenta canary config (JSON or YAML)",
    openapi_extra=BODY,
    dependencies=[Writer],
    response_model=None,
    responses={
        200: {"description": "Replaced", **ANSWER},
        201: {"description": "Created", **ANSWER},
        **problem_responses(409, 413, 415, 422),
    },
)
async def put_canary_config(
    namespace: Namespace, name: ConfigName, request: Request, response: Response, configs: Configs
) -> dict[str, Any]:
    document = await read_document(request, limit=request.app.state.settings.max_body_bytes)
    record, created = await configs.put(namespace, name, document)
    response.status_code = 201 if created else 200
    return config_json(record)


@router.get(
    "/namespaces/{namespace}/canaryconfigs/{name}",
    summary="Read a canary config",
    dependencies=[Reader],
    response_model=None,
    responses={200: ANSWER, **problem_responses(404, 422)},
)
async def get_canary_config(
    namespace: Namespace, name: ConfigName, configs: Configs
) -> dict[str, Any]:
    return config_json(await configs.get(namespace, name))


@router.get(
    "/namespaces/{namespace}/canaryconfigs",
    summary="List the canary configs of a namespace",
    dependencies=[Reader],
    response_model=None,
    responses={200: list_answer(CONFIG_SCHEMA), **problem_responses(422)},
)
async def list_canary_configs(namespace: Namespace, configs: Configs) -> ListResponse:
    return ListResponse({"items": [config_json(r) for r in await configs.list(namespace)]})


@router.delete(
    "/namespaces/{namespace}/canaryconfigs/{name}",
    summary="Delete a canary config (executions already started keep their copy)",
    dependencies=[Writer],
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 422),
)
async def delete_canary_config(namespace: Namespace, name: ConfigName, configs: Configs) -> None:
    await configs.delete(namespace, name)
