"""From what a request sends to a checked AnalysisRun: a whole AnalysisRun, or a `RunRequest`
naming stored templates (looked up with the templates they nest) or an inline spec, with args
merged as Argo merges them. Nothing is stored here.

Every problem is answered at once: a wrong field is left out so the rest is still checked, and
an arg that no template declares is refused by name (Argo would drop it without a word).
"""

from __future__ import annotations

import re
import secrets as random
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from app.core.errors import FieldProblem, InvalidInput
from app.core.limits import MAX_TEMPLATES
from app.service.admission import Admission, field_problems, invalid
from app.service.submit import Problems, Submission, add_documents, build_run
from app.service.templates import CLUSTER_KIND, NAMESPACED_KIND, qualified_name
from app.spec.audit import undeclared_args
from app.spec.load import parse_template, salvage
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

#: Where a run's problem is found in a request naming templates, by where the run has it.
_REQUEST_FIELDS = {
    "spec.args": "args",
    "metadata.labels": "labels",
    "metadata.annotations": "annotations",
}
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
    annotations: dict[str, str] = Field(default_factory=dict)
    dry_run: list[DryRun] | None = None
    measurement_retention: list[MeasurementRetention] | None = None


class RunRequests(Admission):
    """The half of `RunService` that turns a request into a run."""

    store: SqlStore

    async def build_run(self, namespace: str, document: Any) -> AnalysisRun:
        """The run a request describes, fully checked; nothing is stored."""
        if isinstance(document, Mapping) and document.get("kind") == "AnalysisRun":
            parsed, issues = salvage(AnalysisRun, document)
            if parsed is None:
                raise invalid(issues, "the AnalysisRun is not valid")
            run = parsed
            run.note_problems(issues)
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
        try:
            self.check(run)
        except InvalidInput as exc:
            if field == "metadata.name":
                raise
            # The caller supplies values in the request's `args` (and labels in `labels`), so
            # those are the fields to fix; a problem both name is said once.
            moved = [
                FieldProblem(_REQUEST_FIELDS.get(p.field, p.field), p.message) for p in exc.problems
            ]
            raise InvalidInput(exc.detail, list(dict.fromkeys(moved))) from None
        return run

    def check_documents(self, documents: Sequence[Any], args: Sequence[Argument]) -> AnalysisRun:
        """What `augur validate -f` does with files, for documents sent in a body (templates,
        or one AnalysisRun, with args given as `?arg=`), checked as a run stored by this server
        would be (its providers, its address allowlist); nothing is stored."""
        try:
            submission = add_documents(Submission(), documents).usable()
            run = build_run(submission, args=args, arg_field="arg")
        except Problems as exc:
            raise invalid(exc.issues, "the documents cannot run as given") from None
        self.check(run)
        return run

    async def _run_from_request(self, namespace: str, document: Any) -> AnalysisRun:
        if not isinstance(document, Mapping):
            raise InvalidInput(
                "the body must be a JSON object", [FieldProblem("body", "an object")]
            )
        request, issues = salvage(RunRequest, document)
        if request is None:
            raise invalid(issues, "the request is not valid")
        try:
            run = await self._run_from_parsed(namespace, request)
        except InvalidInput as exc:  # the request's wrong fields first, then what stopped it
            raise InvalidInput(exc.detail, [*field_problems(issues), *exc.problems]) from None
        run.note_problems([*issues, *undeclared_args(request.args or [], run.spec.args)])
        return run

    async def _run_from_parsed(self, namespace: str, request: RunRequest) -> AnalysisRun:
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
                require_values=False,  # every arg without a value is named by the check
            )
        except ValueError as exc:  # MergeError: templates that cannot be combined
            message = getattr(exc, "message", str(exc))
            raise InvalidInput(message, [FieldProblem(_merge_field(message), message)]) from None
        name = request.name or default_name + _suffix()
        meta = ObjectMeta(
            name=name, namespace=namespace, labels=request.labels, annotations=request.annotations
        )
        return AnalysisRun(metadata=meta, spec=spec)

    async def _templates(
        self, namespace: str, refs: Sequence[TemplateRef]
    ) -> tuple[list[AnalysisTemplate], list[ClusterAnalysisTemplate]]:
        if not refs:
            raise InvalidInput(
                "templates is empty", [FieldProblem("templates", "name at least one")]
            )
        if len(refs) > MAX_TEMPLATES:  # each is a lookup in the store: counted first
            message = f"{len(refs)} templates; at most {MAX_TEMPLATES} are allowed"
            raise InvalidInput(message, [FieldProblem("templates", message)])
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


def _merge_field(message: str) -> str:
    """Where a MergeError points: the args, the rules, or the metrics the templates bring."""
    for word, field in (
        ("Argument", "args"),
        ("Dry-Run", "dryRun"),
        ("Measurement Retention", "measurementRetention"),
    ):
        if word in message:
            return field
    return "templates"


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
