"""From what a request sends to a checked AnalysisRun: a whole AnalysisRun, or a `RunRequest`
naming stored templates (looked up with the templates they nest) or an inline spec, with args
merged as Argo merges them. Nothing is stored here.
"""

from __future__ import annotations

import re
import secrets as random
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from app.core.errors import FieldProblem, InvalidInput
from app.service.admission import Admission, invalid
from app.service.templates import CLUSTER_KIND, NAMESPACED_KIND, qualified_name
from app.spec.errors import SpecError
from app.spec.load import parse_run, parse_template
from app.spec.merge import build_run_spec, collect_templates
from app.spec.models import (
    AnalysisRun,
    AnalysisTemplate,
    AnalysisTemplateSpec,
    Argument,
    ClusterAnalysisTemplate,
    DryRun,
    MeasurementRetention,
    ObjectMeta,
    TemplateRef,
)
from app.store.sql import SqlStore

__all__ = ["RunRequest", "RunRequests"]

#: Kubernetes object names (DNS-1123 subdomains).
_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\Z")


class RunRequest(BaseModel):
    """`POST .../analysisruns` when the body is not a whole AnalysisRun.

    Either `templates` (references to stored templates, Argo's `templateName`/`clusterScope`) or
    an inline template `spec`; `args` as Argo writes them.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    templates: list[TemplateRef] | None = None
    spec: AnalysisTemplateSpec | None = None
    args: list[Argument] | None = None
    name: str = ""
    generate_name: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    dry_run: list[DryRun] | None = None
    measurement_retention: list[MeasurementRetention] | None = None


class RunRequests(Admission):
    """The half of `RunService` that turns a request into a run."""

    store: SqlStore

    async def build_run(self, namespace: str, document: Any) -> AnalysisRun:
        """The run a request describes, fully checked; nothing is stored."""
        if isinstance(document, Mapping) and document.get("kind") == "AnalysisRun":
            try:
                run = parse_run(document)
            except SpecError as exc:
                raise invalid(exc.issues, "the AnalysisRun is not valid") from None
            if run.metadata.namespace and run.metadata.namespace != namespace:
                raise InvalidInput(
                    f"metadata.namespace is {run.metadata.namespace!r} but the path says "
                    f"{namespace!r}",
                    [FieldProblem("metadata.namespace", f"leave it out or make it {namespace!r}")],
                )
            run = run.model_copy(update={"status": None})
            generate = (run.metadata.model_extra or {}).get("generateName")
            if not run.metadata.name and isinstance(generate, str) and generate:
                run.metadata.name = generate + _suffix()
            field = "metadata.name"
        else:
            run = await self._run_from_request(namespace, document)
            field = "name"
        _check_name(run.metadata.name, field)
        run.metadata.namespace = namespace
        self.check(run)
        return run

    async def _run_from_request(self, namespace: str, document: Any) -> AnalysisRun:
        if not isinstance(document, Mapping):
            raise InvalidInput(
                "the body must be a JSON object", [FieldProblem("body", "an object")]
            )
        try:
            request = RunRequest.model_validate(document)
        except ValidationError as exc:
            raise invalid(SpecError.from_pydantic(exc).issues, "the request is not valid") from None
        if (request.templates is None) == (request.spec is None):
            raise InvalidInput(
                "name the templates to run or give an inline spec, not both and not neither",
                [FieldProblem("templates", "a list of {templateName, clusterScope}, or use spec")],
            )
        namespaced: list[AnalysisTemplate]
        cluster: list[ClusterAnalysisTemplate]
        if request.spec is not None:
            inline = AnalysisTemplate(metadata=ObjectMeta(name="inline"), spec=request.spec)
            namespaced, cluster = [inline], []
            default_name = request.generate_name or "analysis-"
        else:
            refs = request.templates or []
            namespaced, cluster = await self._templates(namespace, refs)
            default_name = request.generate_name or f"{refs[0].template_name}-"
        try:
            spec = build_run_spec(
                namespaced,
                cluster,
                args=request.args,
                dry_run=request.dry_run,
                measurement_retention=request.measurement_retention,
            )
        except ValueError as exc:  # MergeError
            message = getattr(exc, "message", str(exc))
            fix = " (give it a value in args: {name, value})" if "not resolved" in message else ""
            raise InvalidInput(message, [FieldProblem("args", message + fix)]) from None
        name = request.name or default_name + _suffix()
        meta = ObjectMeta(name=name, namespace=namespace, labels=request.labels)
        return AnalysisRun(metadata=meta, spec=spec)

    async def _templates(
        self, namespace: str, refs: Sequence[TemplateRef]
    ) -> tuple[list[AnalysisTemplate], list[ClusterAnalysisTemplate]]:
        if not refs:
            raise InvalidInput(
                "templates is empty", [FieldProblem("templates", "name at least one")]
            )
        stored: dict[tuple[str, bool], AnalysisTemplate | ClusterAnalysisTemplate] = {}
        missing: list[FieldProblem] = []

        async def load(ref: TemplateRef, index: int | None) -> None:
            kind = CLUSTER_KIND if ref.cluster_scope else NAMESPACED_KIND
            where = "" if ref.cluster_scope else namespace
            record = await self.store.get_template(
                kind=kind, namespace=where, name=ref.template_name
            )
            if record is None:
                path = f"templates[{index}].templateName" if index is not None else "templates"
                missing.append(
                    FieldProblem(
                        path,
                        f"{kind.lower()} {qualified_name(where, ref.template_name)} not found; "
                        "create it first",
                    )
                )
                return
            template = parse_template(record.body)
            stored[(ref.template_name, ref.cluster_scope)] = template
            for nested in template.spec.templates or ():
                if (nested.template_name, nested.cluster_scope) not in stored:
                    await load(nested, None)

        for index, ref in enumerate(refs):
            await load(ref, index)
        if missing:
            raise InvalidInput("referenced templates are missing", missing)
        return collect_templates(refs, lambda name, cluster: stored[(name, cluster)])


def _check_name(name: str, field: str) -> None:
    """Run names are Kubernetes object names: they appear in URLs and in Argo's tooling."""
    if not _NAME.match(name):
        raise InvalidInput(
            f"{field} {name!r} is not a valid name",
            [
                FieldProblem(
                    field,
                    "lower-case letters, digits, '-' and '.', starting and ending with a letter "
                    "or digit, at most 253 characters (or set generateName)",
                )
            ],
        )


def _suffix() -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' generateName alphabet
    return "".join(random.choice(alphabet) for _ in range(5))
