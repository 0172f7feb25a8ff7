"""Judgements as augur's API shows them: the full report of one, and a namespace's list.

Every judgement is kept, whichever door started it (a Kayenta execution, a `judge` metric): the
config and request it ran with, and once made, Kayenta's `judgeResult` (per metric its
classification, reason and `statistics`: the interval, the p-value, the effect) and the
MetricSetPairs it judged (both series, with the time of each point). A dashboard draws from
here; the list carries no series, so it stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.errors import NotFound
from app.spec.status import format_time
from app.store.judgements import RUNNING
from app.store.records import JudgementRecord
from app.store.sql import SqlStore

__all__ = ["Judgements", "judgement_document", "judgement_summary", "page_report"]


def _time(when: datetime | None) -> str | None:
    return format_time(when) if when is not None else None


def judgement_summary(record: JudgementRecord) -> dict[str, Any]:
    """What the list shows of one judgement: who started it, how it ended, no series."""
    document: dict[str, Any] = {
        "id": record.id,
        "namespace": record.namespace,
        "origin": record.origin,
        "status": record.status,
        "complete": record.status != RUNNING,
        "canaryConfigId": record.config_id,
        "canaryConfigName": record.config_name,
        "score": record.score,
        "classification": record.classification,
        "error": record.error,
        "createdAt": _time(record.created_at),
        "completedAt": _time(record.completed_at),
        "attempts": record.attempts,
        **{k: v for k, v in record.params.items() if isinstance(v, str)},
    }
    return {k: v for k, v in document.items() if v is not None}


def judgement_document(record: JudgementRecord) -> dict[str, Any]:
    """The whole report: the summary, the request and config, the judge's result and every
    pair of series it judged."""
    document = judgement_summary(record)
    document["request"] = record.request
    document["config"] = record.config
    if record.report is not None:
        document |= dict(record.report)
    return document


def _timed(values: list[Any], times: Any, scope: Any) -> list[dict[str, Any]]:
    """A side's values with the time of each point: the pair's own times, else from its scope's
    start and step."""
    if isinstance(times, list) and len(times) == len(values):
        return [{"time": t, "value": v} for t, v in zip(times, values, strict=True)]
    start = scope.get("startTimeMillis") if isinstance(scope, dict) else None
    step = scope.get("stepMillis") if isinstance(scope, dict) else None
    if not isinstance(start, int) or not isinstance(step, int):
        return [{"value": value} for value in values]
    return [{"time": start + i * step, "value": value} for i, value in enumerate(values)]


def page_report(document: dict[str, Any]) -> dict[str, Any]:
    """The stored report as the dashboard's judgement page reads it: the judge's result, and
    each metric's two series with the time of every point (app/api/ui/judgement_view.py)."""
    series = []
    for pair in document.get("metricSetPairs") or []:
        values, scopes = pair.get("values") or {}, pair.get("scopes") or {}
        times = pair.get("times") or {}
        sides = {
            side: _timed(values.get(side) or [], times.get(side), scopes.get(side))
            for side in values
        }
        series.append({"name": pair.get("name"), **sides})
    return {**document, "result": document.get("judgeResult") or {}, "series": series}


@dataclass
class Judgements:
    store: SqlStore

    async def get(self, namespace: str, judgement_id: str) -> JudgementRecord:
        found = await self.store.get_judgement(judgement_id)
        if found is None or found.namespace != namespace:
            raise NotFound(f'judgement "{judgement_id}" not found in namespace "{namespace}"')
        return found

    async def list(
        self, namespace: str, *, limit: int, before: datetime | None = None
    ) -> list[JudgementRecord]:
        if before is not None:  # the store compares UTC
            before = before.astimezone(UTC) if before.tzinfo else before.replace(tzinfo=UTC)
        return await self.store.list_judgements(namespace=namespace, limit=limit, before=before)

    async def judgement_report(self, namespace: str, judgement_id: str) -> dict[str, Any] | None:
        """What the dashboard's judgement page draws (None: no such judgement here)."""
        try:
            record = await self.get(namespace, judgement_id)
        except NotFound:
            return None
        return page_report(judgement_document(record))
