"""AnalysisTemplates and ClusterAnalysisTemplates at Kubernetes-shaped paths.

    /api/v1/namespaces/{namespace}/analysistemplates[/{name}]
    /api/v1/clusteranalysistemplates[/{name}]

`PUT` creates (201) or replaces (200) and takes the template as people write it, JSON or YAML;
the path names it, so the body may leave `metadata.name` out. What is stored comes back with the
server's `metadata.resourceVersion` (bumped on every replace) and `creationTimestamp`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.body import read_document
from app.api.deps import Reader, Runs, Writer
from app.api.lists import ListResponse
from app.api.validate import problem_responses
from app.service.runs import RunService
from app.service.templates import CLUSTER_KIND, NAMESPACED_KIND
from app.spec.models import API_VERSION, AnalysisTemplate, ClusterAnalysisTemplate
from app.spec.status import format_time
from app.store.records import TemplateRecord

__all__ = ["NAME_PATTERN", "Name", "Namespace", "router", "template_body"]

router = APIRouter(prefix="/api/v1", tags=["templates"])

#: Kubernetes object names: DNS-1123 subdomains; namespaces: DNS-1123 labels.
NAME_PATTERN = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"
Name = Annotated[
    str, Path(pattern=NAME_PATTERN, description="Lower-case letters, digits, '-' and '.'")
]
Namespace = Annotated[
    str,
    Path(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", description="A Kubernetes namespace"),
]
TEMPLATE_SCHEMA = {"$ref": "#/components/schemas/AnalysisTemplate"}
CLUSTER_SCHEMA = {"$ref": "#/components/schemas/ClusterAnalysisTemplate"}


class AnalysisTemplateList(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    api_version: str = Field(default=API_VERSION, alias="apiVersion")
    kind: str = "AnalysisTemplateList"
    items: list[AnalysisTemplate]


class ClusterAnalysisTemplateList(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    api_version: str = Field(default=API_VERSION, alias="apiVersion")
    kind: str = "ClusterAnalysisTemplateList"
    items: list[ClusterAnalysisTemplate]


def _body(schema: dict[str, str]) -> dict[str, Any]:
    """The request body as OpenAPI should show it: the template, in JSON or YAML."""
    content = {media: {"schema": schema} for media in ("application/json", "application/yaml")}
    return {"requestBody": {"required": True, "content": content}}


def template_body(record: TemplateRecord) -> dict[str, Any]:
    """The stored template with the fields the server owns filled in, as Kubernetes does."""
    body = dict(record.body)
    metadata = dict(body.get("metadata") or {})
    metadata["resourceVersion"] = str(record.resource_version)
    metadata["creationTimestamp"] = format_time(record.created_at)
    body["metadata"] = metadata
    return body


async def _put(
    runs: RunService, request: Request, response: Response, *, kind: str, namespace: str, name: str
) -> dict[str, Any]:
    document = await read_document(request, limit=request.app.state.settings.max_body_bytes)
    record, created = await runs.put_template(
        kind=kind, namespace=namespace, name=name, document=document
    )
    response.status_code = 201 if created else 200
    return template_body(record)


async def _list(runs: RunService, *, kind: str, namespace: str) -> ListResponse:
    records = await runs.list_templates(kind=kind, namespace=namespace)
    items = [template_body(record) for record in records]
    return ListResponse({"apiVersion": API_VERSION, "kind": f"{kind}List", "items": items})


def _put_responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": model, "description": "Replaced"},
        201: {"model": model, "description": "Created"},
        **problem_responses(413, 415, 422),
    }


@router.put(
    "/namespaces/{namespace}/analysistemplates/{name}",
    summary="Create or replace an AnalysisTemplate (JSON or YAML)",
    openapi_extra=_body(TEMPLATE_SCHEMA),
    dependencies=[Writer],
    response_model=None,
    responses=_put_responses(AnalysisTemplate),
)
async def put_template(
    namespace: Namespace, name: Name, request: Request, response: Response, runs: Runs
) -> dict[str, Any]:
    return await _put(runs, request, response, kind=NAMESPACED_KIND, namespace=namespace, name=name)


@router.get(
    "/namespaces/{namespace}/analysistemplates/{name}",
    summary="Read an AnalysisTemplate",
    dependencies=[Reader],
    response_model=None,
    responses={200: {"model": AnalysisTemplate}, **problem_responses(404, 422)},
)
async def get_template(namespace: Namespace, name: Name, runs: Runs) -> dict[str, Any]:
    found = await runs.get_template(kind=NAMESPACED_KIND, namespace=namespace, name=name)
    return template_body(found)


@router.get(
    "/namespaces/{namespace}/analysistemplates",
    summary="List the AnalysisTemplates of a namespace",
    dependencies=[Reader],
    response_model=None,
    responses={200: {"model": AnalysisTemplateList}, **problem_responses(422)},
)
async def list_templates(namespace: Namespace, runs: Runs) -> ListResponse:
    return await _list(runs, kind=NAMESPACED_KIND, namespace=namespace)


@router.delete(
    "/namespaces/{namespace}/analysistemplates/{name}",
    summary="Delete an AnalysisTemplate (runs already started keep their copy)",
    dependencies=[Writer],
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 422),
)
async def delete_template(namespace: Namespace, name: Name, runs: Runs) -> None:
    await runs.delete_template(kind=NAMESPACED_KIND, namespace=namespace, name=name)


@router.put(
    "/clusteranalysistemplates/{name}",
    summary="Create or replace a ClusterAnalysisTemplate (JSON or YAML)",
    openapi_extra=_body(CLUSTER_SCHEMA),
    dependencies=[Writer],
    response_model=None,
    responses=_put_responses(ClusterAnalysisTemplate),
)
async def put_cluster_template(
    name: Name, request: Request, response: Response, runs: Runs
) -> dict[str, Any]:
    return await _put(runs, request, response, kind=CLUSTER_KIND, namespace="", name=name)


@router.get(
    "/clusteranalysistemplates/{name}",
    summary="Read a ClusterAnalysisTemplate",
    dependencies=[Reader],
    response_model=None,
    responses={200: {"model": ClusterAnalysisTemplate}, **problem_responses(404, 422)},
)
async def get_cluster_template(name: Name, runs: Runs) -> dict[str, Any]:
    return template_body(await runs.get_template(kind=CLUSTER_KIND, namespace="", name=name))


@router.get(
    "/clusteranalysistemplates",
    summary="List the ClusterAnalysisTemplates",
    dependencies=[Reader],
    response_model=None,
    responses={200: {"model": ClusterAnalysisTemplateList}, **problem_responses()},
)
async def list_cluster_templates(runs: Runs) -> ListResponse:
    return await _list(runs, kind=CLUSTER_KIND, namespace="")


@router.delete(
    "/clusteranalysistemplates/{name}",
    summary="Delete a ClusterAnalysisTemplate",
    dependencies=[Writer],
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 422),
)
async def delete_cluster_template(name: Name, runs: Runs) -> None:
    await runs.delete_template(kind=CLUSTER_KIND, namespace="", name=name)
