"""The runs list: newest first, by namespace and phase, as rows a page or its live update shows.

A token limited to namespaces sees the runs of those namespaces only (the API's list of every
namespace refuses such a token); the list is then read namespace by namespace and merged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from app.service.documents import phase_of
from app.service.runs import RunService
from app.spec.models import AnalysisRun
from app.spec.status import MetricResult

__all__ = ["LIMIT", "MetricCell", "RunRow", "list_runs", "stamp_of"]

#: The most runs a list shows; the filters narrow it down.
LIMIT = 100


@dataclass(frozen=True, slots=True)
class MetricCell:
    name: str
    phase: str
    counts: str


@dataclass(frozen=True, slots=True)
class RunRow:
    namespace: str
    name: str
    phase: str
    created: str
    message: str
    metrics: tuple[MetricCell, ...]


def _counts(result: MetricResult) -> str:
    parts = [f"{result.successful} ok"]
    for count, word in (
        (result.failed, "failed"),
        (result.inconclusive, "inconclusive"),
        (result.error, "error"),
    ):
        if count:
            parts.append(f"{count} {word}")
    return ", ".join(parts)


def _row(run: AnalysisRun) -> RunRow:
    status = run.status
    results = {r.name: r for r in status.metric_results} if status else {}
    cells = []
    for metric in run.spec.metrics:
        result = results.get(metric.name)
        if result is None:
            cells.append(MetricCell(metric.name, "Pending", ""))
            continue
        cells.append(MetricCell(metric.name, result.phase.value, _counts(result)))
    created = str((run.metadata.model_extra or {}).get("creationTimestamp", ""))
    return RunRow(
        namespace=run.metadata.namespace,
        name=run.metadata.name,
        phase=phase_of(status),
        created=created[:19].replace("T", " "),
        message=status.message if status else "",
        metrics=tuple(cells),
    )


async def list_runs(
    runs: RunService, *, namespaces: Sequence[str | None], phase: str | None
) -> list[RunRow]:
    """The newest `LIMIT` runs of `namespaces` (`[None]`: every namespace) in `phase`."""
    found: list[AnalysisRun] = []
    for namespace in namespaces:
        page, _ = await runs.list_page(
            namespace=namespace,
            phase=phase,
            selector=(),
            limit=LIMIT,
            after=None,
            newest_first=True,
        )
        found += page
    if len(namespaces) > 1:
        found.sort(key=lambda r: str((r.metadata.model_extra or {}).get("creationTimestamp")))
        found.reverse()
    return [_row(run) for run in found[:LIMIT]]


def stamp_of(html: str) -> str:
    """What a live update compares: the rendered rows, so any visible change is one."""
    return hashlib.sha256(html.encode()).hexdigest()[:16]
