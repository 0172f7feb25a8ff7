"""augur's caps on a submitted template or run (`app.core.limits`), checked at submission.

Argo leaves these to the Kubernetes API server (object size) or to nothing at all; a service
taking documents from any caller needs them so one request costs little and cannot store a run
that would never end or never fit. Each problem names the field and the cap. They are checked
when a run or template is submitted, never when a stored one is read, so a run stored before a
cap existed still reads and runs as it did.

The integer fields follow Argo's CRD: Kubernetes `IntOrString` (an int32, or a string the
controller reads with Go's `strconv.Atoi`), `measurementRetention[].limit` and `ttlStrategy`
int32. A string limit that is not a whole number, which Argo's controller silently reads as 0, is
refused: it is always a mistake (`count: "abc"`, `count: "5 "`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from app.core import limits
from app.spec.args import TEMP_FOR_SECRET
from app.spec.errors import SpecIssue
from app.spec.models import AnalysisRunSpec, AnalysisTemplateSpec, Metric, ObjectMeta
from providers.goduration import DurationError, parse_timedelta

__all__ = [
    "INT_FIELDS",
    "count_issue",
    "meta_issues",
    "metric_bounds",
    "size_issues",
    "spec_issues",
    "value_issues",
]

#: The IntOrString fields of a metric, by JSON name.
INT_FIELDS = (
    ("count", "count"),
    ("failureLimit", "failure_limit"),
    ("inconclusiveLimit", "inconclusive_limit"),
    ("consecutiveErrorLimit", "consecutive_error_limit"),
    ("consecutiveSuccessLimit", "consecutive_success_limit"),
)
_ATOI = re.compile(r"[+-]?[0-9]+")
_INT32 = f"{limits.INT32_MIN} to {limits.INT32_MAX}"


def count_issue(
    path: str, items: Sequence[Any] | Mapping[str, Any] | None, cap: int, what: str
) -> SpecIssue | None:
    """One issue when ``items`` holds more than ``cap`` entries: ``20000 args; at most 1000``."""
    if items is None or len(items) <= cap:
        return None
    return SpecIssue(path, f"{len(items)} {what}; at most {cap} are allowed")


def _shown(number: int) -> str:
    text = str(number)
    return text if len(text) <= 20 else f"{text[:12]}... ({len(text)} digits)"


def _int_issue(path: str, field: str, value: int | str | None) -> SpecIssue | None:
    if value is None or value == TEMP_FOR_SECRET:  # a secret's stand-in: read when measured
        return None
    if isinstance(value, str):
        if not _ATOI.fullmatch(value):
            return SpecIssue(
                path,
                f"{field} {value[:40]!r} is not a whole number (Argo would read it as 0)",
                'write a number such as 5, or a string such as "5"',
            )
        value = int(value)
    if not limits.INT32_MIN <= value <= limits.INT32_MAX:
        return SpecIssue(
            path,
            f"{field} {_shown(value)} is out of range: Argo's IntOrString holds a 32-bit "
            f"integer ({_INT32})",
        )
    if field == "count" and value < 0:
        return SpecIssue(
            path,
            "count must be >= 0",
            "0 or no count: one measurement, or with an interval, until a limit is reached",
        )
    return None


def _duration_issue(path: str, field: str, text: str) -> SpecIssue | None:
    """Bounds on a duration Argo's rules have already parsed (a bad one is named by them)."""
    if not text or TEMP_FOR_SECRET in text:
        return None
    try:
        value = parse_timedelta(text)
    except DurationError:
        return None
    low = limits.MIN_INTERVAL if field == "interval" else timedelta(0)
    high = limits.MAX_INTERVAL if field == "interval" else limits.MAX_DELAY
    if value < low:
        shortest = "1s" if field == "interval" else "0s"
        return SpecIssue(
            path,
            f"{field} {text!r} is shorter than {shortest}",
            "augur measures a metric at most once a second"
            if field == "interval"
            else "a delay cannot be negative",
        )
    if value > high:
        return SpecIssue(path, f"{field} {text!r} is longer than 24h", "at most 24h")
    return None


def metric_bounds(metric: Metric, *, index: int, prefix: str = "spec") -> list[SpecIssue]:
    """The caps on one arg-resolved metric: its integers and durations."""
    here = f"{prefix}.metrics[{index}]"
    found = [
        _int_issue(f"{here}.{name}", name, getattr(metric, attribute))
        for name, attribute in INT_FIELDS
    ]
    found.append(_duration_issue(f"{here}.interval", "interval", metric.interval))
    found.append(_duration_issue(f"{here}.initialDelay", "initialDelay", metric.initial_delay))
    return [issue for issue in found if issue is not None]


def spec_issues(
    spec: AnalysisRunSpec | AnalysisTemplateSpec, *, prefix: str = "spec"
) -> list[SpecIssue]:
    """The caps on a whole spec: how many args, metrics and rules (when one is over its cap,
    that alone is answered: looking at each part would cost what the caps bound), then names'
    lengths, the retention limits and `ttlStrategy`."""
    return size_issues(spec, prefix=prefix) or value_issues(spec, prefix=prefix)


def size_issues(
    spec: AnalysisRunSpec | AnalysisTemplateSpec, *, prefix: str = "spec"
) -> list[SpecIssue]:
    """How many args, metrics, rules and template references: counted, nothing resolved."""
    found = [
        count_issue(f"{prefix}.args", spec.args, limits.MAX_ARGS, "args"),
        count_issue(f"{prefix}.metrics", spec.metrics, limits.MAX_METRICS, "metrics"),
        count_issue(f"{prefix}.dryRun", spec.dry_run, limits.MAX_RULES, "dryRun rules"),
        count_issue(
            f"{prefix}.measurementRetention",
            spec.measurement_retention,
            limits.MAX_RULES,
            "measurementRetention rules",
        ),
    ]
    if isinstance(spec, AnalysisTemplateSpec):
        found.append(
            count_issue(f"{prefix}.templates", spec.templates, limits.MAX_TEMPLATES, "templates")
        )
    return [issue for issue in found if issue is not None]


def value_issues(
    spec: AnalysisRunSpec | AnalysisTemplateSpec, *, prefix: str = "spec"
) -> list[SpecIssue]:
    """Names' lengths, the retention limits and `ttlStrategy` of a spec within its size caps."""
    issues: list[SpecIssue] = []
    for what, names in (
        ("metrics", [metric.name for metric in spec.metrics]),
        ("args", [arg.name for arg in spec.args or ()]),
    ):
        issues += [
            SpecIssue(
                f"{prefix}.{what}[{index}].name",
                f"a name of {len(name)} characters; at most {limits.MAX_NAME} are allowed",
            )
            for index, name in enumerate(names)
            if len(name) > limits.MAX_NAME
        ]
    for index, rule in enumerate(spec.measurement_retention or ()):
        if not 0 <= rule.limit <= limits.MAX_RETAINED:
            issues.append(
                SpecIssue(
                    f"{prefix}.measurementRetention[{index}].limit",
                    f"limit {_shown(rule.limit)} is out of range: 0 (Argo's default, 10) to "
                    f"{limits.MAX_RETAINED} measurements",
                )
            )
    ttl = spec.ttl_strategy if isinstance(spec, AnalysisRunSpec) else None
    for name, seconds in (
        ("secondsAfterCompletion", ttl.seconds_after_completion if ttl else None),
        ("secondsAfterFailure", ttl.seconds_after_failure if ttl else None),
        ("secondsAfterSuccess", ttl.seconds_after_success if ttl else None),
    ):
        if seconds is not None and not 0 <= seconds <= limits.INT32_MAX:
            issues.append(
                SpecIssue(
                    f"{prefix}.ttlStrategy.{name}",
                    f"{_shown(seconds)} is out of range: 0 to {limits.INT32_MAX} seconds",
                )
            )
    return issues


def meta_issues(meta: ObjectMeta, *, prefix: str = "metadata") -> list[SpecIssue]:
    """The caps on labels and annotations: how many, and (labels) the store's column width."""
    found = [
        count_issue(f"{prefix}.labels", meta.labels, limits.MAX_LABELS, "labels"),
        count_issue(
            f"{prefix}.annotations", meta.annotations, limits.MAX_ANNOTATIONS, "annotations"
        ),
    ]
    issues = [issue for issue in found if issue is not None]
    if issues:
        return issues
    most = limits.MAX_LABEL_TEXT
    for key, value in meta.labels.items():
        if not key:
            issues.append(SpecIssue(f"{prefix}.labels", "a label key is empty", "name the label"))
        for what, text in (("key", key), ("value", value)):
            if len(text) > most:
                issues.append(
                    SpecIssue(
                        f"{prefix}.labels",
                        f"a label {what} of {len(text)} characters ({text[:16]!r}...); at most "
                        f"{most} are allowed",
                    )
                )
    size = sum(len(k.encode()) + len(v.encode()) for k, v in meta.annotations.items())
    if size > limits.MAX_ANNOTATION_BYTES:
        issues.append(
            SpecIssue(
                f"{prefix}.annotations",
                f"{size} bytes of annotations; at most {limits.MAX_ANNOTATION_BYTES} are allowed",
            )
        )
    return issues
