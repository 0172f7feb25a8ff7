"""Reading Argo objects from YAML/JSON data, and Argo's pre-flight checks of a run spec.

:func:`prepare_run_spec` is what Argo does at the top of every reconcile (and what submission
should do to answer 422 instead of failing ten minutes into a rollout): resolve args with secrets
replaced by ``temp-for-secret``, validate, then build the dry-run and retention maps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.spec.args import resolve_metrics
from app.spec.errors import SpecError
from app.spec.models import (
    AnalysisRun,
    AnalysisRunSpec,
    AnalysisTemplate,
    ClusterAnalysisTemplate,
    Metric,
)
from app.spec.validate import dry_run_metrics, retention_limits, validate_metrics

__all__ = ["PreparedSpec", "parse", "parse_run", "parse_template", "parse_yaml", "prepare_run_spec"]

_M = TypeVar("_M", bound=BaseModel)


def parse(model: type[_M], data: Any, *, prefix: str = "") -> _M:
    """Validate ``data`` into ``model``; errors become a located :class:`SpecError`."""
    if not isinstance(data, Mapping):
        raise SpecError.single(prefix, "expected a mapping (an object)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError.from_pydantic(exc, prefix=prefix) from None


def parse_template(data: Any) -> AnalysisTemplate | ClusterAnalysisTemplate:
    """An AnalysisTemplate, or a ClusterAnalysisTemplate when ``kind`` says so."""
    kind = data.get("kind", "AnalysisTemplate") if isinstance(data, Mapping) else None
    if kind == "ClusterAnalysisTemplate":
        return parse(ClusterAnalysisTemplate, data)
    if kind not in ("AnalysisTemplate", None):
        raise SpecError.single(
            "kind", f'unsupported kind "{kind}"', "AnalysisTemplate or ClusterAnalysisTemplate"
        )
    return parse(AnalysisTemplate, data)


def parse_run(data: Any) -> AnalysisRun:
    return parse(AnalysisRun, data)


def parse_yaml(text: str) -> Any:
    """The first YAML document (JSON is YAML too); a syntax error becomes a :class:`SpecError`."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError.single(where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None


@dataclass(frozen=True, slots=True)
class PreparedSpec:
    """Arg-resolved metrics (secrets as ``temp-for-secret``) and the rule maps."""

    metrics: list[Metric]
    dry_run: frozenset[str]
    retention: dict[str, int]


def prepare_run_spec(spec: AnalysisRunSpec) -> PreparedSpec:
    """Argo's early checks in order; raises :class:`ArgError` or :class:`SpecError`."""
    metrics = resolve_metrics(spec.metrics, spec.args).metrics
    validate_metrics(metrics)
    dry_run = dry_run_metrics(spec.dry_run, metrics)
    retention = retention_limits(spec.measurement_retention, metrics)
    return PreparedSpec(metrics, dry_run, retention)
