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

__all__ = ["Judgements", "judgement_document", "judgement_summary"]


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
