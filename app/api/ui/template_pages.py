"""Templates: the list, one template as YAML, and Validate.

    GET  /ui/templates[?namespace=]                      a namespace's and the cluster's templates
    GET  /ui/namespaces/{ns}/templates/{name}             one AnalysisTemplate
    GET  /ui/clustertemplates/{name}                      one ClusterAnalysisTemplate
    POST .../validate                                     the check of POST /api/v1/validate

Validate runs the stored template, with the args typed beside it (`name=value`, one a line),
through the check `POST /api/v1/validate` makes of template documents
(`RunService.check_documents`: arg resolution, Argo's rules, conditions compiled, providers and
addresses checked; nothing stored), and shows every problem on the page. It is a form, so it
works without a script and in loopback mode; like `/validate` it resolves provider names, so
with tokens configured it needs a logged-in visitor, even when anonymous reads are on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import Runs
from app.api.templates import Name, Namespace, template_body
from app.api.ui.gate import checked_namespace, refusal
from app.api.ui.render import base_url, checked_form, error_page, html_errors, page
from app.api.ui.run_view import as_yaml, when
from app.api.ui.viewer import Viewer, viewer_of
from app.core.auth import Scope
from app.core.errors import FieldProblem, InvalidInput
from app.service.admission import invalid
from app.service.runs import RunService
from app.service.submit import Problems, parse_args
from app.service.templates import CLUSTER_KIND, NAMESPACED_KIND
from app.store.records import TemplateRecord

__all__ = ["router"]

router = APIRouter(prefix="/ui", include_in_schema=False)


@dataclass(frozen=True, slots=True)
class TemplateRow:
    kind: str
    namespace: str
    name: str
    metrics: str
    version: int
    updated: str
    url: str


def _url(request: Request, record: TemplateRecord) -> str:
    if record.kind == CLUSTER_KIND:
        return f"{base_url(request)}/clustertemplates/{record.name}"
    return f"{base_url(request)}/namespaces/{record.namespace}/templates/{record.name}"


def _metric_names(body: Any) -> str:
    spec = body.get("spec") if isinstance(body, dict) else None
    metrics = spec.get("metrics") if isinstance(spec, dict) else None
    names = [str(m.get("name")) for m in metrics or [] if isinstance(m, dict)]
    return ", ".join(names)


def _row(request: Request, record: TemplateRecord) -> TemplateRow:
    return TemplateRow(
        kind=record.kind,
        namespace=record.namespace,
        name=record.name,
        metrics=_metric_names(record.body),
        version=record.resource_version,
        updated=when(record.updated_at),
        url=_url(request, record),
    )


@router.get("/templates")
@html_errors
async def templates_page(request: Request, runs: Runs, namespace: str = "") -> Response:
    viewer = viewer_of(request)
    limited = viewer.namespaces
    chosen = checked_namespace(namespace) or (min(limited) if limited else "default")
    refused = refusal(request, viewer, Scope.READ, chosen)
    if refused is not None:
        return refused
    found = await runs.list_templates(kind=NAMESPACED_KIND, namespace=chosen)
    cluster = viewer.can(Scope.READ, None)
    if cluster:
        found += await runs.list_templates(kind=CLUSTER_KIND, namespace="")
    return page(
        request,
        viewer,
        "templates.html",
        section="templates",
        namespace=chosen,
        rows=[_row(request, record) for record in found],
        cluster=cluster,
    )


async def _template(
    request: Request, runs: RunService, viewer: Viewer, kind: str, namespace: str, name: str
) -> tuple[TemplateRecord | None, Response | None]:
    refused = refusal(request, viewer, Scope.READ, namespace or None)
    if refused is not None:
        return None, refused
    return await runs.get_template(kind=kind, namespace=namespace, name=name), None


def _problems(runs: RunService, record: TemplateRecord, lines: str) -> list[FieldProblem]:
    """What `POST /api/v1/validate` answers for the template with these args."""
    pairs = [line.strip() for line in lines.splitlines() if line.strip()]
    try:
        args = parse_args(pairs, field="args")
        runs.check_documents([template_body(record)], args)
    except Problems as exc:
        return invalid(exc.issues, "an arg is not name=value").problems
    except InvalidInput as exc:
        return exc.problems or [FieldProblem("template", exc.detail)]
    return []


async def _show(
    request: Request, runs: RunService, kind: str, namespace: str, name: str, *, check: bool
) -> Response:
    viewer = viewer_of(request)
    record, refused = await _template(request, runs, viewer, kind, namespace, name)
    if refused is not None:
        return refused
    assert record is not None
    args, result = "", None
    if check:
        form = await checked_form(request, viewer)
        if viewer.tokens_configured and not viewer.logged_in:  # as /validate: a token, always
            detail = "validating resolves the provider addresses: log in first"
            return error_page(request, viewer, 403, "Forbidden", detail)
        args = form.get("args", "")
        result = _problems(runs, record, args)
    body = template_body(record)
    return page(
        request,
        viewer,
        "template.html",
        section="templates",
        record=record,
        yaml_text=as_yaml(body),
        validate_url=_url(request, record) + "/validate",
        args=args,
        result=result,
        may_validate=not viewer.tokens_configured or viewer.logged_in,
    )


@router.get("/namespaces/{namespace}/templates/{name}")
@html_errors
async def template_page(request: Request, namespace: Namespace, name: Name, runs: Runs) -> Response:
    return await _show(request, runs, NAMESPACED_KIND, namespace, name, check=False)


@router.post("/namespaces/{namespace}/templates/{name}/validate")
@html_errors
async def validate_template(
    request: Request, namespace: Namespace, name: Name, runs: Runs
) -> Response:
    return await _show(request, runs, NAMESPACED_KIND, namespace, name, check=True)


@router.get("/clustertemplates/{name}")
@html_errors
async def cluster_template_page(request: Request, name: Name, runs: Runs) -> Response:
    return await _show(request, runs, CLUSTER_KIND, "", name, check=False)


@router.post("/clustertemplates/{name}/validate")
@html_errors
async def validate_cluster_template(request: Request, name: Name, runs: Runs) -> Response:
    return await _show(request, runs, CLUSTER_KIND, "", name, check=True)
