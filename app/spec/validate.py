"""Argo's metric rules (``utils/analysis/factory.go`` ValidateMetrics), in Argo's order.

For a run, the first failing rule wins and its message is Argo's, because it becomes the run
message ``Analysis spec invalid: <message>`` (:func:`validate_metrics`). Submission wants every
problem at once instead: :func:`metric_issues` gives the first failing rule of each metric (a
metric's later rules assume its earlier ones hold), in the same order, so its first issue is
the one Argo reports. Each issue also names the field path and, as a hint, what would be
accepted. The rules run on arg-resolved metrics, as Argo runs them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import re2

from app.spec.errors import SpecError, SpecIssue
from app.spec.models import PROVIDER_KEYS, DryRun, MeasurementRetention, Metric, int_value
from providers.goduration import DurationError, parse_duration

__all__ = [
    "dry_run_metrics",
    "metric_issues",
    "regexp_matches",
    "retention_limits",
    "validate_metric",
    "validate_metrics",
]

_ONE_PROVIDER = "set exactly one of: " + ", ".join(PROVIDER_KEYS)


def validate_metrics(metrics: Sequence[Metric], *, prefix: str = "spec") -> None:
    """Raise :class:`SpecError` for the first metric rule Argo would reject."""
    issues = metric_issues(metrics, prefix=prefix)
    if issues:
        raise SpecError(issues[:1])


def metric_issues(metrics: Sequence[Metric | None], *, prefix: str = "spec") -> list[SpecIssue]:
    """The first failing rule of every metric, in Argo's order; ``None`` stands for a metric
    that could not be checked (its args did not resolve) and keeps the others' indexes."""
    if not metrics:
        return [SpecIssue(f"{prefix}.metrics", "no metrics specified", "add a metric")]
    issues: list[SpecIssue] = []
    seen: set[str] = set()
    for index, metric in enumerate(metrics):
        if metric is None:
            continue
        if metric.name in seen:
            issues.append(
                SpecIssue(
                    f"{prefix}.metrics[{index}].name",
                    f"metrics[{index}]: duplicate name '{metric.name}'",
                    "metric names must be unique",
                )
            )
        seen.add(metric.name)
        try:
            validate_metric(metric, index=index, prefix=prefix)
        except SpecError as exc:
            issues += exc.issues
    return issues


def _fail(prefix: str, index: int, field: str, message: str, hint: str = "") -> SpecError:
    path = f"{prefix}.metrics[{index}]" + (f".{field}" if field else "")
    return SpecError.single(path, f"metrics[{index}]: {message}", hint)


def validate_metric(metric: Metric, *, index: int, prefix: str = "spec") -> None:
    success_limit = int_value(metric.consecutive_success_limit)
    failure_limit = int_value(metric.failure_limit)
    inconclusive_limit = int_value(metric.inconclusive_limit)
    count = int_value(metric.count)
    if success_limit < 0:
        raise _fail(
            prefix, index, "consecutiveSuccessLimit", "consecutiveSuccessLimit must be >= 0"
        )
    if failure_limit < -1:
        raise _fail(
            prefix,
            index,
            "failureLimit",
            "failureLimit must be >= 0, or -1 to be disabled",
        )
    if success_limit == 0 and failure_limit == -1:
        raise _fail(
            prefix,
            index,
            "failureLimit",
            "failureLimit and consecutiveSuccessLimit cannot both be disabled",
            "set failureLimit >= 0 or consecutiveSuccessLimit > 0",
        )
    if inconclusive_limit < 0:
        raise _fail(prefix, index, "inconclusiveLimit", "inconclusiveLimit must be >= 0")
    if metric.consecutive_error_limit is not None and int_value(metric.consecutive_error_limit) < 0:
        raise _fail(prefix, index, "consecutiveErrorLimit", "consecutiveErrorLimit must be >= 0")
    if count > 0:
        if failure_limit >= 0 and count < failure_limit + success_limit:
            raise _fail(
                prefix,
                index,
                "count",
                f"count ({count}) must be >= failureLimit + consecutiveSuccessLimit "
                f"({failure_limit} + {success_limit}) if both >= 0",
            )
        if failure_limit == -1 and count < success_limit:
            raise _fail(prefix, index, "count", "count must be >= consecutiveSuccessLimit")
        if count < inconclusive_limit:
            raise _fail(prefix, index, "count", "count must be >= inconclusiveLimit")
    if count > 1 and metric.interval == "":
        raise _fail(
            prefix,
            index,
            "interval",
            "interval must be specified when count > 1",
            'e.g. interval: "1m"',
        )
    if metric.interval != "":
        try:
            parse_duration(metric.interval)
        except DurationError as exc:
            raise _fail(
                prefix,
                index,
                "interval",
                f"invalid interval string: {exc.message}",
                'a Go duration such as "30s", "5m" or "1h30m"',
            ) from None
    if metric.initial_delay != "":
        try:
            parse_duration(metric.initial_delay)
        except DurationError as exc:
            raise _fail(
                prefix,
                index,
                "initialDelay",
                f"invalid startDelay string: {exc.message}",
                'a Go duration such as "30s", "5m" or "1h30m"',
            ) from None
    providers = metric.provider.names()
    if not providers:
        raise _fail(prefix, index, "provider", "no provider specified", _ONE_PROVIDER)
    if len(providers) > 1:
        raise _fail(prefix, index, "provider", "multiple providers specified", _ONE_PROVIDER)


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error:
        return None


def regexp_matches(pattern: str, name: str) -> bool:
    """Go ``regexp.MatchString``: RE2, unanchored; an invalid pattern matches nothing."""
    compiled = _compile(pattern)
    return compiled is not None and compiled.search(name) is not None


def dry_run_metrics(
    rules: Sequence[DryRun] | None, metrics: Sequence[Metric], *, prefix: str = "spec"
) -> frozenset[str]:
    """Names of dry-run metrics; a rule that matches nothing is an error (as in Argo), and
    every such rule is named (the first is Argo's message)."""
    names: set[str] = set()
    unmatched: list[SpecIssue] = []
    for index, rule in enumerate(rules or ()):
        matched = [m.name for m in metrics if regexp_matches(rule.metric_name, m.name)]
        if not matched:
            unmatched.append(_unmatched(prefix, "dryRun", index))
        names.update(matched)
    if unmatched:
        raise SpecError(unmatched)
    return frozenset(names)


def _unmatched(prefix: str, what: str, index: int) -> SpecIssue:
    return SpecIssue(
        f"{prefix}.{what}[{index}].metricName",
        f"{what}[{index}]: Rule didn't match any metric name(s)",
        "an unanchored RE2 regexp such as ^success-rate$ or .*",
    )


def retention_limits(
    rules: Sequence[MeasurementRetention] | None,
    metrics: Sequence[Metric],
    *,
    prefix: str = "spec",
) -> dict[str, int]:
    """Per-metric retention limits (the last matching rule wins; ``<= 0`` means default)."""
    limits: dict[str, int] = {}
    unmatched: list[SpecIssue] = []
    for index, rule in enumerate(rules or ()):
        matched = [m.name for m in metrics if regexp_matches(rule.metric_name, m.name)]
        if not matched:
            unmatched.append(_unmatched(prefix, "measurementRetention", index))
        for name in matched:
            limits[name] = rule.limit
    if unmatched:
        raise SpecError(unmatched)
    return limits
