"""A provider's measurement judged as a run judges it: the engine's `judge`, with the Go type
the provider named and the value kept where Argo keeps it."""

from __future__ import annotations

from datetime import UTC, datetime

from app.engine.conditions import compile_conditions, typed_result
from app.engine.reconcile import judge
from app.spec.status import Measurement
from providers.base import Measured

__all__ = ["judged"]


def judged(
    measured: Measured, success: str, failure: str = "", *, now: datetime | None = None
) -> Measurement:
    at = now or datetime.now(UTC)
    return judge(
        typed_result(measured.result, measured.go_type),
        measured.value,
        compile_conditions(success, failure),
        started_at=at,
        finished_at=at,
        keep_value=measured.keep_value_on_error,
    )
