"""Templates and runs as the API and the gates see them: validated, stored, handed to the scheduler.

Every way a run is started over HTTP (the REST API, Argo's web-provider gate, Flagger's webhooks)
comes through `RunService.create_run`, so a run is checked the same way whichever door it came
in by: templates looked up in the store, args merged as Argo merges them, then everything the
first measurement would trip over (`app.service.submit.check_run`) plus the address allowlist, all
reported at once as a 422 before anything is stored.
"""

from __future__ import annotations

import re
import secrets as random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from app.core.addresses import AddressPolicy, AddressRefused
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.service.submit import Problems, ProviderCheck, check_run
from app.spec.errors import SpecError, SpecIssue
from app.spec.load import parse_run, parse_template, prepare_run_spec
from app.spec.merge import build_run_spec, collect_templates
from app.spec.models import (
    AnalysisRun,
    AnalysisRunSpec,
    AnalysisTemplate,
    AnalysisTemplateSpec,
    Argument,
    ClusterAnalysisTemplate,
    DryRun,
    MeasurementRetention,
    ObjectMeta,
    TemplateRef,
)
from app.spec.status import AnalysisRunStatus, format_time
from app.store.records import MeasurementRecord, NewRun, RunRecord, TemplateRecord
from app.store.runs import LabelRequirement
from app.store.sql import SqlStore

__all__ = [
    "CLUSTER_KIND",
    "NAMESPACED_KIND",
    "RunRequest",
    "RunService",
    "run_from_record",
]

#: Kubernetes object names (DNS-1123 subdomains).
_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\Z")
NAMESPACED_KIND = "AnalysisTemplate"
CLUSTER_KIND = "ClusterAnalysisTemplate"
#: Where a provider block names the address augur will call.
ADDRESS_FIELDS = {"skywalking": "address", "prometheus": "address", "web": "url"}


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


def _problems(issues: Sequence[SpecIssue], detail: str) -> InvalidInput:
    found = [
        FieldProblem(i.path or "body", f"{i.message} ({i.hint})" if i.hint else i.message)
        for i in issues
    ]
    return InvalidInput(detail, found)


def run_from_record(record: RunRecord) -> AnalysisRun:
    """The stored run in Argo's AnalysisRun shape (uid and creationTimestamp from the store)."""
    meta = ObjectMeta(
        name=record.name,
        namespace=record.namespace,
        labels=dict(record.labels),
        uid=record.id,
        creationTimestamp=format_time(record.created_at),
    )
    status = AnalysisRunStatus.model_validate(record.status) if record.status else None
    return AnalysisRun(
        metadata=meta, spec=AnalysisRunSpec.model_validate(record.spec), status=status
    )


def status_document(status: AnalysisRunStatus | None) -> dict[str, Any]:
    if status is None:
        return {}
    document: dict[str, Any] = status.model_dump(mode="json", by_alias=True, exclude_none=True)
    return document


def phase_of(status: AnalysisRunStatus | None) -> str:
    return status.phase.value if status is not None and status.phase is not None else "Pending"


@dataclass
class RunService:
    store: SqlStore
    clock: Callable[[], datetime]
    wake: Callable[[], None]
    provider_check: ProviderCheck | None = None
    addresses: AddressPolicy = field(default_factory=AddressPolicy)

    # -- templates -------------------------------------------------------------------------

    async def put_template(
        self, *, kind: str, namespace: str, name: str, document: Any
    ) -> tuple[TemplateRecord, bool]:
        """Validate and store; the path names the template, the body may repeat it."""
        if isinstance(document, Mapping):
            document = {"kind": kind, **document}
        try:
            template = parse_template(document)
        except SpecError as exc:
            raise _problems(exc.issues, f"the {kind} is not valid") from None
        if template.kind != kind:
            raise InvalidInput(
                f"the body is a {template.kind}; send it to the {template.kind.lower()}s path",
                [FieldProblem("kind", f"expected {kind}")],
            )
        for path, given, wanted in (
            ("metadata.name", template.metadata.name, name),
            ("metadata.namespace", template.metadata.namespace, namespace),
        ):
            if given and given != wanted:
                raise InvalidInput(
                    f"{path} is {given!r} but the path says {wanted!r}",
                    [FieldProblem(path, f"leave it out or make it {wanted!r}")],
                )
        template.metadata.name, template.metadata.namespace = name, namespace
        self._check_template(template)
        body = template.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        body["apiVersion"], body["kind"] = template.api_version, template.kind
        return await self.store.put_template(kind=kind, namespace=namespace, name=name, body=body)

    def _check_template(self, template: AnalysisTemplate | ClusterAnalysisTemplate) -> None:
        """What can be checked before args are known: conditions without placeholders, and each
        metric without any placeholder as a run would check it (Argo's rules, provider block,
        address allowlist), so a template that could never run is not stored."""
        from app.engine.conditions import check_conditions

        plain = [
            m.model_copy(update={"success_condition": "", "failure_condition": ""})
            if "{{" in m.success_condition + m.failure_condition
            else m
            for m in template.spec.metrics
        ]
        try:
            check_conditions(plain)
        except SpecError as exc:
            raise _problems(exc.issues, "a condition does not compile") from None
        found: list[FieldProblem] = []
        for index, metric in enumerate(template.spec.metrics):
            if "{{" in metric.model_dump_json(by_alias=True):
                continue  # checked when a run supplies the args
            alone = AnalysisRun(
                metadata=ObjectMeta(name="template-check"),
                spec=AnalysisRunSpec(metrics=[metric]),
            )
            try:
                self.check(alone)
            except InvalidInput as exc:
                here = f"spec.metrics[{index}]"
                found += [
                    FieldProblem(p.field.replace("spec.metrics[0]", here, 1), p.message)
                    for p in exc.problems
                ]
        if found:
            raise InvalidInput("a metric cannot run as given", found)

    async def get_template(self, *, kind: str, namespace: str, name: str) -> TemplateRecord:
        found = await self.store.get_template(kind=kind, namespace=namespace, name=name)
        if found is None:
            raise NotFound(f"{kind.lower()} {_where(namespace, name)} not found")
        return found

    async def list_templates(self, *, kind: str, namespace: str | None) -> list[TemplateRecord]:
        return await self.store.list_templates(kind=kind, namespace=namespace)

    async def delete_template(self, *, kind: str, namespace: str, name: str) -> None:
        if not await self.store.delete_template(kind=kind, namespace=namespace, name=name):
            raise NotFound(f"{kind.lower()} {_where(namespace, name)} not found")

    # -- runs ------------------------------------------------------------------------------

    async def build_run(self, namespace: str, document: Any) -> AnalysisRun:
        """The run a request describes, fully checked; nothing is stored."""
        if isinstance(document, Mapping) and document.get("kind") == "AnalysisRun":
            try:
                run = parse_run(document)
            except SpecError as exc:
                raise _problems(exc.issues, "the AnalysisRun is not valid") from None
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
            raise _problems(
                SpecError.from_pydantic(exc).issues, "the request is not valid"
            ) from None
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
                        f"{kind.lower()} {_where(where, ref.template_name)} not found; "
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

    def check(self, run: AnalysisRun) -> None:
        """Every problem the first reconcile would meet, and addresses the allowlist refuses."""
        issues: list[SpecIssue] = []
        try:
            check_run(run, provider_check=self.provider_check)
        except Problems as problems:
            issues += problems.issues
        if not issues:
            issues += self._address_issues(run)
        if issues:
            raise _problems(issues, "the analysis cannot run as given")

    def _address_issues(self, run: AnalysisRun) -> list[SpecIssue]:
        found: list[SpecIssue] = []
        for index, metric in enumerate(prepare_run_spec(run.spec).metrics):
            key, block = metric.provider.body()
            name = ADDRESS_FIELDS.get(key)
            url = block.get(name) if name else None
            if not isinstance(url, str) or "temp-for-secret" in url:
                continue  # from a secret: checked by the provider when it is measured
            path = f"spec.metrics[{index}].provider.{key}.{name}"
            try:
                self.addresses.check_url(url, field=path)
            except AddressRefused as exc:
                found.append(SpecIssue(path, str(exc).removeprefix(f"{path}: ")))
        return found

    async def create_run(
        self, namespace: str, document: Any, *, idempotency_key: str | None = None
    ) -> tuple[AnalysisRun, bool]:
        if idempotency_key is not None:
            existing = await self.store.run_by_key(idempotency_key)
            if existing is not None:
                return run_from_record(existing), False
        run = await self.build_run(namespace, document)
        record, created = await self.store.create_run(
            NewRun(
                id=str(uuid.uuid4()),
                namespace=namespace,
                name=run.metadata.name,
                spec=run.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                status={},
                phase="Pending",
                labels=run.metadata.labels,
                next_reconcile_at=self.clock(),
            ),
            idempotency_key=idempotency_key,
        )
        if created:
            self.wake()
        return run_from_record(record), created

    async def get_run(self, namespace: str, name: str) -> AnalysisRun:
        return run_from_record(await self._record(namespace, name))

    async def _record(self, namespace: str, name: str) -> RunRecord:
        record = await self.store.get_run(namespace=namespace, name=name)
        if record is None:
            raise NotFound(f"analysisrun {namespace}/{name} not found")
        return record

    async def list_page(
        self,
        *,
        namespace: str | None,
        phase: str | None,
        selector: Sequence[LabelRequirement],
        limit: int,
        after: tuple[datetime, str] | None,
    ) -> tuple[list[AnalysisRun], tuple[datetime, str] | None]:
        """A page of runs, oldest first, and the (created_at, id) to continue after when more
        follow. The cursor is the store's exact creation time: the whole-second
        `creationTimestamp` a run shows could skip or repeat runs created in the same second."""
        records = await self.store.list_runs(
            namespace=namespace, phase=phase, selector=selector, limit=limit + 1, after=after
        )
        page = records[:limit]
        cursor = (page[-1].created_at, page[-1].id) if len(records) > limit else None
        return [run_from_record(record) for record in page], cursor

    async def terminate(self, namespace: str, name: str) -> AnalysisRun:
        """Argo's `spec.terminate`: running metrics stop, the run ends at its next pass."""
        record = await self._record(namespace, name)
        spec = {**record.spec, "terminate": True}
        await self.store.update_spec(record.id, spec=spec, next_reconcile_at=self.clock())
        self.wake()
        return await self.get_run(namespace, name)

    async def delete_run(self, namespace: str, name: str) -> None:
        if not await self.store.delete_run(namespace=namespace, name=name):
            raise NotFound(f"analysisrun {namespace}/{name} not found")

    async def measurements(
        self,
        namespace: str,
        name: str,
        *,
        metric: str | None,
        after_seq: int,
        limit: int,
        after_metric: str | None = None,
    ) -> list[MeasurementRecord]:
        """Ordered by (metric, seq); `seq` counts per metric, so paging over every metric
        continues after (`after_metric`, `after_seq`)."""
        record = await self._record(namespace, name)
        return await self.store.measurements(
            record.id, metric=metric, after_seq=after_seq, limit=limit, after_metric=after_metric
        )


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


def _where(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def _suffix() -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' generateName alphabet
    return "".join(random.choice(alphabet) for _ in range(5))
