"""Reading Argo objects from YAML/JSON data, and Argo's pre-flight checks of a run spec.

:func:`prepare_run_spec` is what Argo does at the top of every reconcile (and what submission
should do to answer 422 instead of failing ten minutes into a rollout): resolve args with secrets
replaced by ``temp-for-secret``, validate, then build the dry-run and retention maps.

:func:`salvage` is for submission, which reports every problem at once: a document with a
misspelt field is reported, and what is left of it is still checked (its conditions, its args).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.spec.args import resolve_metrics
from app.spec.errors import SpecError, SpecIssue
from app.spec.hints import did_you_mean
from app.spec.models import (
    AnalysisRun,
    AnalysisRunSpec,
    AnalysisTemplate,
    ClusterAnalysisTemplate,
    Metric,
)
from app.spec.validate import dry_run_metrics, retention_limits, validate_metrics

__all__ = [
    "PreparedSpec",
    "parse",
    "parse_run",
    "parse_template",
    "parse_yaml",
    "prepare_run_spec",
    "salvage",
    "template_model",
]

_M = TypeVar("_M", bound=BaseModel)
_ROUNDS = 3  # dropping a wrong field rarely uncovers another; never loop on one that does


def parse(model: type[_M], data: Any, *, prefix: str = "") -> _M:
    """Validate ``data`` into ``model``; errors become a located :class:`SpecError`."""
    if not isinstance(data, Mapping):
        raise SpecError.single(prefix, "expected a mapping (an object)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError.from_pydantic(exc, prefix=prefix, model=model) from None


def salvage(model: type[_M], data: Any, *, prefix: str = "") -> tuple[_M | None, list[SpecIssue]]:
    """Every problem of ``data`` as ``model``, and the model with the wrong fields left out, so
    that the rest can still be checked; ``None`` when leaving fields out cannot make it valid
    (a required field is missing, a list item is not an object)."""
    if not isinstance(data, Mapping):
        return None, [SpecIssue(prefix, "expected a mapping (an object)")]
    issues: list[SpecIssue] = []
    current: Any = data
    for _ in range(_ROUNDS):
        try:
            return model.model_validate(current), issues
        except ValidationError as exc:
            found = SpecError.from_pydantic(exc, prefix=prefix, model=model).issues
            issues += [issue for issue in found if issue not in issues]
            current = copy.deepcopy(current) if current is data else current
            if not _drop(current, exc.errors()):
                return None, issues
    return None, issues


def _drop(data: Any, errors: Sequence[Mapping[str, Any]]) -> bool:
    """Delete the field each error is about (all found before any is deleted); ``False`` when
    one cannot be left out: it is missing, a list item, or the document itself."""
    targets: dict[tuple[int, int | str], dict[Any, Any]] = {}
    for error in errors:
        if error["type"] == "missing":
            return False
        parent: Any = None
        key: int | str = ""
        node = data
        for part in error["loc"]:
            if not _holds(node, part):
                break  # the rest is a union member's tag, not data
            parent, key, node = node, part, node[part]
        if not isinstance(parent, dict):
            return False
        targets[(id(parent), key)] = parent
    for (_, key), parent in targets.items():
        del parent[key]
    return True


def _holds(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def template_model(data: Any) -> type[AnalysisTemplate] | type[ClusterAnalysisTemplate]:
    """The model ``kind`` names; :class:`SpecError` for a kind that is not a template."""
    kind = data.get("kind", "AnalysisTemplate") if isinstance(data, Mapping) else None
    if kind == "ClusterAnalysisTemplate":
        return ClusterAnalysisTemplate
    if kind not in ("AnalysisTemplate", None):
        known = ("AnalysisTemplate", "ClusterAnalysisTemplate")
        hint = did_you_mean(str(kind), known) or " or ".join(known)
        raise SpecError.single("kind", f'unsupported kind "{kind}"', hint)
    return AnalysisTemplate


def parse_template(data: Any) -> AnalysisTemplate | ClusterAnalysisTemplate:
    """An AnalysisTemplate, or a ClusterAnalysisTemplate when ``kind`` says so."""
    return parse(template_model(data), data)


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
