"""Building one run spec from templates, as Argo's Rollout/Experiment side does
(``utils/analysis/helpers.go``: FlattenTemplates, MergeArgs, NewAnalysisRunFromTemplates).

Namespaced templates come first, then cluster templates; nested ``templates`` references are
expanded depth-first and de-duplicated by name per kind, keeping the first occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from app.spec.errors import MergeError
from app.spec.models import (
    AnalysisRunSpec,
    AnalysisTemplate,
    AnalysisTemplateSpec,
    Argument,
    ClusterAnalysisTemplate,
    DryRun,
    MeasurementRetention,
    Metric,
    TemplateRef,
    TtlStrategy,
)

__all__ = [
    "TemplateLookup",
    "build_run_spec",
    "collect_templates",
    "flatten_templates",
    "merge_args",
    "overlay_args",
]

AnyTemplate = AnalysisTemplate | ClusterAnalysisTemplate
#: ``lookup(name, cluster_scope)`` returns the template or raises (e.g. a not-found error).
TemplateLookup = Callable[[str, bool], AnyTemplate]
_Rule = TypeVar("_Rule", DryRun, MeasurementRetention)


def collect_templates(
    refs: Sequence[TemplateRef], lookup: TemplateLookup
) -> tuple[list[AnalysisTemplate], list[ClusterAnalysisTemplate]]:
    """Each referenced template, then (depth-first) its nested ones; first occurrence wins."""
    namespaced: dict[str, AnalysisTemplate] = {}
    cluster: dict[str, ClusterAnalysisTemplate] = {}

    def visit(ref: TemplateRef, trail: tuple[tuple[str, bool], ...]) -> None:
        key = (ref.template_name, ref.cluster_scope)
        if key in trail:
            return  # a reference cycle: Argo would recurse forever; stop instead
        template = lookup(ref.template_name, ref.cluster_scope)
        if isinstance(template, ClusterAnalysisTemplate):
            cluster.setdefault(template.metadata.name or ref.template_name, template)
        else:
            namespaced.setdefault(template.metadata.name or ref.template_name, template)
        for nested in template.spec.templates or ():
            visit(nested, (*trail, key))

    for ref in refs:
        visit(ref, ())
    return list(namespaced.values()), list(cluster.values())


def _specs(
    templates: Sequence[AnyTemplate], cluster_templates: Sequence[AnyTemplate]
) -> list[AnalysisTemplateSpec]:
    return [t.spec for t in templates] + [t.spec for t in cluster_templates]


def _unique_rules(rules: list[_Rule], what: str) -> list[_Rule]:
    seen: set[str] = set()
    for rule in rules:
        if rule.metric_name in seen:
            raise MergeError(f"two {what} metric rules have the same name '{rule.metric_name}'")
        seen.add(rule.metric_name)
    return rules


def _flatten_args(specs: Sequence[AnalysisTemplateSpec]) -> list[Argument] | None:
    """Args of every template in first-seen order; a later one fills a valueless earlier one.
    Argo scans the list for each arg; an index by name keeps this linear in the number of args."""
    combined: list[Argument] = []
    where: dict[str, int] = {}
    for spec in specs:
        for arg in spec.args or ():
            index = where.get(arg.name)
            if index is None:
                where[arg.name] = len(combined)
                combined.append(arg)
                continue
            previous = combined[index]
            if previous.value is not None and arg.value is not None and previous.value != arg.value:
                raise MergeError(
                    f"Argument `{arg.name}` specified multiple times with different values: "
                    f"'{previous.value}', '{arg.value}'"
                )
            if previous.value is None:
                combined[index] = arg
    return combined or None


def flatten_templates(
    templates: Sequence[AnyTemplate], cluster_templates: Sequence[AnyTemplate] = ()
) -> AnalysisTemplateSpec:
    """``FlattenTemplates``: one spec with all metrics, rules and args."""
    specs = _specs(templates, cluster_templates)
    metrics: list[Metric] = []
    names: set[str] = set()
    for spec in specs:
        for metric in spec.metrics:
            if metric.name in names:
                raise MergeError(f"two metrics have the same name '{metric.name}'")
            names.add(metric.name)
            metrics.append(metric)
    dry_run = _unique_rules([r for s in specs for r in s.dry_run or ()], "Dry-Run")
    retention = _unique_rules(
        [r for s in specs for r in s.measurement_retention or ()], "Measurement Retention"
    )
    return AnalysisTemplateSpec(
        metrics=metrics,
        args=_flatten_args(specs),
        dry_run=dry_run or None,
        measurement_retention=retention or None,
    )


def merge_args(
    incoming: Sequence[Argument] | None, template_args: Sequence[Argument] | None
) -> list[Argument] | None:
    """``MergeArgs``: only template-declared args survive; every one must end up with a value."""
    merged = overlay_args(incoming, template_args)
    for arg in merged or ():
        if arg.value is None and arg.value_from is None:
            raise MergeError(f"args.{arg.name} was not resolved")
    return merged


def overlay_args(
    incoming: Sequence[Argument] | None, template_args: Sequence[Argument] | None
) -> list[Argument] | None:
    """``MergeArgs`` without its last check: declared args that got no value stay valueless, so
    submission can name every one of them (and still check the rest of the run)."""
    if template_args is None:
        return None
    # Args are never changed in place (a new value is a copy), so the list is copied, not each arg.
    merged = list(template_args)
    where: dict[str, int] = {}
    for index, arg in enumerate(merged):
        where.setdefault(arg.name, index)  # the first of a repeated name, as Argo's scan finds
    for arg in incoming or ():
        found = where.get(arg.name)
        if found is None:
            continue
        existing = merged[found]
        if arg.value is not None:
            merged[found] = existing.model_copy(update={"value": arg.value})
        elif arg.value_from is not None:
            merged[found] = existing.model_copy(update={"value_from": arg.value_from})
    return merged


def build_run_spec(
    templates: Sequence[AnyTemplate],
    cluster_templates: Sequence[AnyTemplate] = (),
    *,
    args: Sequence[Argument] | None = None,
    dry_run: Sequence[DryRun] | None = None,
    measurement_retention: Sequence[MeasurementRetention] | None = None,
    ttl_strategy: TtlStrategy | None = None,
    require_values: bool = True,
) -> AnalysisRunSpec:
    """``NewAnalysisRunFromTemplates``: the caller's rules go first, then the templates'.

    ``require_values=False`` keeps declared args that got no value (see :func:`overlay_args`).
    """
    flat = flatten_templates(templates, cluster_templates)
    merged_dry_run = _unique_rules([*(dry_run or ()), *(flat.dry_run or ())], "Dry-Run")
    merged_retention = _unique_rules(
        [*(measurement_retention or ()), *(flat.measurement_retention or ())],
        "Measurement Retention",
    )
    return AnalysisRunSpec(
        metrics=flat.metrics,
        args=merge_args(args, flat.args) if require_values else overlay_args(args, flat.args),
        dry_run=merged_dry_run or None,
        measurement_retention=merged_retention or None,
        ttl_strategy=ttl_strategy,
    )
