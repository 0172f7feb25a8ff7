"""`POST /api/v1/validate`: what `augur validate` reports, as JSON, with nothing stored.

The body is either what `augur validate -f` reads — AnalysisTemplate, ClusterAnalysisTemplate or
AnalysisRun documents, in YAML (several separated by `---`) or JSON (one, or a list), with args
given as `?arg=name=value` (repeated, as `-a`) — or what `POST .../analysisruns` takes (template
references and args, or an inline spec) plus the `namespace` the references are looked up in. A
run that could not start is not an HTTP error here: the answer is 200 with every problem listed,
so a CI job can show them all. Only a request that cannot be read at all (size, media type,
syntax, an `arg` that is not name=value) is a 4xx. Provider addresses are checked against the
allowlist, which resolves their names: a token is needed even when anonymous reads are on.

This module also holds the problem+json schema the other API modules document their errors with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from app.api.body import read_documents
from app.api.deps import BodyReaderWithToken, Runs, authorize_namespace
from app.core.errors import FieldProblem, InvalidInput
from app.service.admission import invalid
from app.service.requests import RunRequest
from app.service.submit import Problems, parse_args

__all__ = [
    "FieldError",
    "Problem",
    "Validation",
    "problem_responses",
    "router",
    "run_request_body",
]

router = APIRouter(prefix="/api/v1", tags=["validation"])
NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")


class FieldError(BaseModel):
    """One wrong field and how to fix it."""

    field: str = Field(examples=["spec.metrics[0].successCondition"])
    message: str


class Problem(BaseModel):
    """An RFC 9457 `application/problem+json` answer."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class Validation(BaseModel):
    valid: bool
    problems: list[FieldError]


_DESCRIPTIONS = {
    401: "No token, or a token augur does not know",
    403: "The token's scope does not allow this",
    404: "The resource does not exist",
    409: "The resource exists in a state that forbids this",
    413: "The body is larger than AUGUR_MAX_BODY_BYTES",
    415: "The body is neither JSON nor YAML",
    422: "A field is wrong; `errors` names each one and the fix",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problem+json errors a route can answer."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # FieldError is a component already (see Validation)
    content = {"application/problem+json": {"schema": schema}}
    return {
        code: {"description": _DESCRIPTIONS[code], "content": content}
        for code in (401, 403, *codes)
    }


def run_request_body(*, namespace: bool = False) -> dict[str, Any]:
    """OpenAPI for a body that starts a run: references + args, an inline spec, or an AnalysisRun,
    in JSON or YAML (read by `read_document`, so FastAPI cannot infer it)."""
    request = RunRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    request.pop("$defs", None)
    if namespace:
        request["properties"]["namespace"] = {
            "type": "string",
            "default": "default",
            "description": "Where referenced templates are looked up",
        }
    schema: dict[str, Any] = {"oneOf": [request, {"$ref": "#/components/schemas/AnalysisRun"}]}
    if namespace:  # /validate: also what `augur validate -f` reads
        documents = [
            {"$ref": f"#/components/schemas/{kind}"}
            for kind in ("AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun")
        ]
        schema["oneOf"] += [*documents[:2], {"type": "array", "items": {"oneOf": documents}}]
    content = {media: {"schema": schema} for media in ("application/json", "application/yaml")}
    return {"requestBody": {"required": True, "content": content}}


def _namespace(document: Any) -> str | FieldError:
    """`namespace` from the body; else the AnalysisRun's own; else "default"."""
    if not isinstance(document, dict):
        return "default"
    given = document.pop("namespace", None)
    if given is None:
        metadata = document.get("metadata")
        own = metadata.get("namespace") if isinstance(metadata, Mapping) else None
        return own if isinstance(own, str) and own else "default"
    if not isinstance(given, str) or not NAMESPACE.match(given):
        return FieldError(field="namespace", message="a namespace name such as default")
    return given


ArgQuery = Annotated[
    list[str] | None,
    Query(
        description="An arg for template documents, `name=value` (repeat it, as `augur validate "
        "-a`): `?arg=service-name=reviews&arg=oap-address=http://oap:12800`. The request form "
        "(`templates`/`spec` + `args`) takes its args in the body instead.",
    ),
]


def _is_request(documents: list[Any]) -> bool:
    """One object that names no kind: the `{templates | spec, args}` form, not a document."""
    return (
        len(documents) == 1
        and isinstance(documents[0], dict)
        and not {"kind", "apiVersion"} & documents[0].keys()
    )


@router.post(
    "/validate",
    summary="Check templates and args as the first measurement would; nothing is stored",
    description=(
        "The body is either what `augur validate -f` reads (AnalysisTemplate, "
        "ClusterAnalysisTemplate or AnalysisRun documents: YAML, several separated by `---`, or "
        "JSON, one or a list), with args as `?arg=name=value` repeated; or what `POST "
        ".../analysisruns` takes (`templates` or an inline `spec`, with `args` in the body) plus "
        "`namespace`. Every problem is listed in a 200 answer; `valid` is true when there are "
        "none."
    ),
    dependencies=[BodyReaderWithToken],
    response_model=Validation,
    responses=problem_responses(413, 415, 422),
    openapi_extra=run_request_body(namespace=True),
)
async def validate(request: Request, runs: Runs, arg: ArgQuery = None) -> Validation:
    documents = await read_documents(request, limit=request.app.state.settings.max_body_bytes)
    form = _is_request(documents)
    if form and arg:
        raise InvalidInput(
            "?arg= gives args to template documents; this body names its own args",
            [FieldProblem("arg", "leave it out and put the args in the body's args")],
        )
    try:
        args = parse_args(arg or [], field="arg")
    except Problems as exc:
        raise invalid(exc.issues, "an arg is not name=value") from None
    namespace = _namespace(documents[0]) if form else "default"
    if isinstance(namespace, FieldError):
        return Validation(valid=False, problems=[namespace])
    if form:  # it reads the namespace's templates; documents are checked on their own
        authorize_namespace(request, namespace)
    try:
        if form:
            await runs.build_run(namespace, documents[0])
        else:
            runs.check_documents(documents, args)
    except InvalidInput as exc:
        found = exc.problems or [FieldProblem("body", exc.detail)]
        return Validation(
            valid=False, problems=[FieldError(field=p.field, message=p.message) for p in found]
        )
    return Validation(valid=True, problems=[])
