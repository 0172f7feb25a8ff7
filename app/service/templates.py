"""Stored templates as the API sees them: validated against the path that names them, checked
as far as they can be before args are known, stored, read, listed and deleted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.service.admission import Admission, field_problems, invalid
from app.spec.bounds import meta_issues, spec_issues
from app.spec.errors import SpecError
from app.spec.load import salvage, template_model
from app.spec.models import (
    AnalysisRun,
    AnalysisRunSpec,
    AnalysisTemplate,
    ClusterAnalysisTemplate,
    ObjectMeta,
)
from app.store.records import TemplateRecord
from app.store.sql import SqlStore

__all__ = ["CLUSTER_KIND", "NAMESPACED_KIND", "Templates", "qualified_name"]

NAMESPACED_KIND = "AnalysisTemplate"
CLUSTER_KIND = "ClusterAnalysisTemplate"


def qualified_name(namespace: str, name: str) -> str:
    """`namespace/name`, or the bare name of a cluster-scoped template."""
    return f"{namespace}/{name}" if namespace else name


class Templates(Admission):
    """The template half of `RunService`."""

    store: SqlStore

    async def put_template(
        self, *, kind: str, namespace: str, name: str, document: Any
    ) -> tuple[TemplateRecord, bool]:
        """Validate and store; the path names the template, the body may repeat it. Every
        problem of the template is answered at once (a wrong field is left out while the rest
        is checked)."""
        if isinstance(document, Mapping):
            document = {"kind": kind, **document}
        try:
            parsed, issues = salvage(template_model(document), document)
        except SpecError as exc:
            raise invalid(exc.issues, f"the {kind} is not valid") from None
        if parsed is None:
            raise invalid(issues, f"the {kind} is not valid")
        template = parsed
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
        capped = [*spec_issues(template.spec), *meta_issues(template.metadata)]
        if capped:  # over augur's caps: checking each metric would cost what they bound
            raise InvalidInput(f"the {kind} is not valid", field_problems([*issues, *capped]))
        found = [*field_problems(issues), *self._template_problems(template)]
        if found:
            raise InvalidInput(f"the {kind} is not valid", found)
        body = template.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        body["apiVersion"], body["kind"] = template.api_version, template.kind
        return await self.store.put_template(kind=kind, namespace=namespace, name=name, body=body)

    def _template_problems(
        self, template: AnalysisTemplate | ClusterAnalysisTemplate
    ) -> list[FieldProblem]:
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
        found: list[FieldProblem] = []
        try:
            check_conditions(plain, limits=self.limits)
        except SpecError as exc:
            found += field_problems(exc.issues)
        compiled = {p.field for p in found}
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
                moved = [
                    FieldProblem(p.field.replace("spec.metrics[0]", here, 1), p.message)
                    for p in exc.problems
                ]
                found += [p for p in moved if p.field not in compiled]  # named once
        return found

    async def get_template(self, *, kind: str, namespace: str, name: str) -> TemplateRecord:
        found = await self.store.get_template(kind=kind, namespace=namespace, name=name)
        if found is None:
            raise NotFound(f"{kind.lower()} {qualified_name(namespace, name)} not found")
        return found

    async def list_templates(self, *, kind: str, namespace: str | None) -> list[TemplateRecord]:
        return await self.store.list_templates(kind=kind, namespace=namespace)

    async def delete_template(self, *, kind: str, namespace: str, name: str) -> None:
        if not await self.store.delete_template(kind=kind, namespace=namespace, name=name):
            raise NotFound(f"{kind.lower()} {qualified_name(namespace, name)} not found")
