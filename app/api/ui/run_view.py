"""A stored run as its page shows it: per metric a chart, the measurements as a table, the
thresholds of its conditions; and the run's phase history and spec.

A measurement's value is the text the provider's result marshals to (`[9950,9940]`,
`{"service_apdex":{"values":{"values":[{"value":9950}]}}}`), often several numbers. The chart
has one point per measurement: when every threshold is a floor, the lowest of its numbers (the
one a condition like `all(..., {asFloat(.value) >= 9900})` fails on), when every one is a
ceiling the highest, else the last; a vertical stroke shows the spread of the others. An
Error (or any measurement without a number) is a cross on the x axis.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from markupsafe import Markup

from app.api.ui.charts import Mark, Rule, Track, chart
from app.api.ui.history import Moment, history
from app.api.ui.thresholds import Threshold, bound_of, thresholds
from app.service.documents import phase_of
from app.spec.models import AnalysisRun
from app.spec.status import format_time
from app.store.records import MeasurementRecord

__all__ = ["MetricView", "Row", "RunView", "as_yaml", "numbers", "run_view", "when"]

#: A measurement's marker class, short: a page draws a thousand of them.
MARKERS = {"Successful": "ok", "Failed": "fail", "Inconclusive": "inc", "Error": "err"}
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
MAX_SHOWN = 80


def _number(item: Any, into: list[float]) -> None:
    if isinstance(item, bool):
        return
    try:
        number = float(item)
    except (TypeError, ValueError):
        return
    if math.isfinite(number):
        into.append(number)


def _walk(node: Any, into: list[float]) -> None:
    """Numbers of list items and `value` fields, depth first (recursive: a thousand values a
    page, and json.loads bounded their depth already)."""
    if isinstance(node, dict):
        if node.get("isEmptyValue") is True:
            return
        for key, item in node.items():
            if isinstance(item, dict | list):
                _walk(item, into)
            elif key == "value":
                _number(item, into)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict | list):
                _walk(item, into)
            else:
                _number(item, into)
    else:
        _number(node, into)


def _text_numbers(value: str) -> list[float]:
    found = (float(text) for text in _NUMBER.findall(value))
    return [number for number in found if math.isfinite(number)]


def numbers(value: str) -> list[float]:
    """The measured numbers in a value, in order: list items and `value` fields (MQE writes
    them as strings); ids, labels, flags and empty points are left out."""
    try:
        decoded = json.loads(value)
    except (ValueError, RecursionError):
        return _text_numbers(value)
    found: list[float] = []
    try:
        _walk(decoded, found)
    except RecursionError:
        return _text_numbers(value)
    return found


def when(moment: datetime | None) -> str:
    """A time as the pages write it: UTC, to the second (`2026-12-05 10:04:05`)."""
    return "" if moment is None else format_time(moment)[:19].replace("T", " ")


@dataclass(frozen=True, slots=True)
class Row:
    seq: int
    phase: str
    shown: str
    message: str
    finished: str


@dataclass(frozen=True)
class MetricView:
    ident: str
    name: str
    phase: str
    message: str
    success: str
    failure: str
    lines: list[Threshold]
    plotted: str
    chart: Markup
    rows: list[Row]
    counts: dict[str, int]


@dataclass(frozen=True)
class RunView:
    namespace: str
    name: str
    phase: str
    message: str
    created: str
    started: str
    completed: str
    done: bool
    terminating: bool
    labels: dict[str, str]
    metrics: list[MetricView]
    history: list[Moment]
    spec_yaml: str
    total: int


def _pick(found: list[float], bound: str) -> float | None:
    if not found:
        return None
    if bound == "lowest":
        return min(found)
    return max(found) if bound == "highest" else found[-1]


def _shown(found: list[float], value: str) -> str:
    text = " ".join(f"{n:g}" for n in found) if found else value
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _metric(
    name: str, run: AnalysisRun, records: Sequence[MeasurementRecord], ident: str
) -> MetricView:
    spec = next((m for m in run.spec.metrics if m.name == name), None)
    success = spec.success_condition if spec else ""
    failure = spec.failure_condition if spec else ""
    lines = thresholds(success, "success") + thresholds(failure, "failure")
    bound = bound_of(lines)
    times = all(r.finished_at or r.started_at for r in records)
    marks, rows, several = [], [], False
    for index, record in enumerate(records):
        found = numbers(record.value)
        several = several or len(found) > 1
        moment = record.finished_at or record.started_at
        x = moment.timestamp() if times and moment else float(index + 1)
        low, high = (min(found), max(found)) if len(found) > 1 else (None, None)
        css = MARKERS.get(record.phase, "err")
        marks.append(Mark(x, _pick(found, bound), css, low, high))
        rows.append(
            Row(record.seq, record.phase, _shown(found, record.value), record.message, when(moment))
        )
    rules = [Rule(line.value, line.label, line.condition) for line in lines]
    plotted = {"lowest": "the lowest", "highest": "the highest", "last": "the last"}[bound]
    result = run.status.result(name) if run.status else None
    counts = {
        "measurements": len(records),
        "successful": sum(r.phase == "Successful" for r in records),
        "failed": sum(r.phase == "Failed" for r in records),
        "inconclusive": sum(r.phase == "Inconclusive" for r in records),
        "error": sum(r.phase == "Error" for r in records),
    }
    return MetricView(
        ident=ident,
        name=name,
        phase=result.phase.value if result else "Pending",
        message=result.message if result else "",
        success=success,
        failure=failure,
        lines=lines,
        plotted=f"each point is {plotted} of the measurement's numbers" if several else "",
        chart=chart(
            [Track("value", marks)],
            rules=rules,
            times=times,
            title=f"{name}: the measured values over time",
            described_by=f"{ident}-table",
            ident=ident,
        ),
        rows=rows,
        counts=counts,
    )


class _Dumper(yaml.SafeDumper):
    """Multi-line text (a GraphQL query, a PromQL expression) as a `|` block, as people write
    it, instead of one quoted line of `\\n`s."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text)


def as_yaml(document: Any) -> str:
    """A document as the pages show it: YAML in the order it was written."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _spec_yaml(run: AnalysisRun) -> str:
    return as_yaml(run.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True))


def run_view(
    run: AnalysisRun, records: Sequence[MeasurementRecord], *, created: datetime
) -> RunView:
    """The page of `run`, created at `created`, with its stored measurements (ordered by
    metric, then seq)."""
    by_metric: dict[str, list[MeasurementRecord]] = {m.name: [] for m in run.spec.metrics}
    for record in records:
        by_metric.setdefault(record.metric, []).append(record)
    status = run.status
    phase = phase_of(status)
    metrics = [
        _metric(name, run, found, f"m{index}")
        for index, (name, found) in enumerate(by_metric.items())
    ]
    return RunView(
        namespace=run.metadata.namespace,
        name=run.metadata.name,
        phase=phase,
        message=status.message if status else "",
        created=when(created),
        started=when(status.started_at if status else None),
        completed=when(status.completed_at if status else None),
        done=bool(status and status.phase and status.phase.completed),
        terminating=bool(run.spec.terminate),
        labels=dict(run.metadata.labels),
        metrics=metrics,
        history=history(run, records, created=created),
        spec_yaml=_spec_yaml(run),
        total=len(records),
    )
