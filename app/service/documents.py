"""A stored run as the documents augur shows: Argo's AnalysisRun shape, its status as JSON, and
its phase (`Pending` until the first pass has stored a status)."""

from __future__ import annotations

from typing import Any

from app.spec.models import AnalysisRun, AnalysisRunSpec, ObjectMeta
from app.spec.status import AnalysisRunStatus, format_time
from app.store.records import RunRecord

__all__ = ["phase_of", "run_from_record", "status_document"]


def run_from_record(record: RunRecord) -> AnalysisRun:
    """The stored run in Argo's AnalysisRun shape (uid and creationTimestamp from the store)."""
    meta = ObjectMeta(
        name=record.name,
        namespace=record.namespace,
        labels=dict(record.labels),
        annotations=dict(record.annotations),
        uid=record.id,
        creationTimestamp=format_time(record.created_at),
    )
    status = AnalysisRunStatus.model_validate(record.status) if record.status else None
    return AnalysisRun(
        metadata=meta, spec=AnalysisRunSpec.model_validate(record.spec), status=status
    )


def status_document(status: AnalysisRunStatus | None) -> dict[str, Any]:
    if status is None:
        return {}
    document: dict[str, Any] = status.model_dump(mode="json", by_alias=True, exclude_none=True)
    return document


def phase_of(status: AnalysisRunStatus | None) -> str:
    return status.phase.value if status is not None and status.phase is not None else "Pending"
