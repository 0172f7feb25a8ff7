"""What the store hands back: plain frozen records, independent of the API's models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "CanaryConfigRecord",
    "EventRecord",
    "JudgementRecord",
    "MeasurementRecord",
    "NewEvent",
    "NewJudgement",
    "NewMeasurement",
    "NewNotification",
    "NewRun",
    "NotificationRecord",
    "RunRecord",
    "TemplateRecord",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateRecord:
    kind: str
    namespace: str
    name: str
    body: Mapping[str, Any]
    resource_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class NewRun:
    id: str
    namespace: str
    name: str
    spec: Mapping[str, Any]
    status: Mapping[str, Any]
    phase: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    next_reconcile_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    id: str
    namespace: str
    name: str
    labels: Mapping[str, str]
    spec: Mapping[str, Any]
    status: Mapping[str, Any]
    phase: str
    idempotency_key: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    next_reconcile_at: datetime | None
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewMeasurement:
    metric: str
    seq: int
    phase: str
    value: str = ""
    message: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasurementRecord(NewMeasurement):
    run_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """An event of one run, before the store adds what it knows: the run's name, its status
    summary as written in the same transaction, and the time (`at`)."""

    kind: str  # measurement | phase | run
    metric: str | None
    phase: str
    message: str = ""
    measurement: Mapping[str, Any] | None = None
    #: The metric's result after this event (name, phase, counts), for metric events.
    metric_result: Mapping[str, Any] | None = None
    #: More keys of the event's data (`previousPhase`, `action`).
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecord:
    id: int
    run_id: str
    namespace: str
    name: str
    kind: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class NewNotification:
    key: str  # the idempotency key: one row per key, however often it is enqueued
    receiver: str
    kind: str  # phase | judgement
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationRecord(NewNotification):
    id: int
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CanaryConfigRecord:
    id: str
    namespace: str
    name: str
    body: Mapping[str, Any]
    resource_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class NewJudgement:
    """A judgement to keep: `status` running (a Kayenta execution, to be claimed and run) or
    already done (a `judge` metric's, run in place), then with its report."""

    id: str
    namespace: str
    origin: str
    config: Mapping[str, Any]
    request: Mapping[str, Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    config_id: str | None = None
    config_name: str | None = None
    status: str = "running"
    score: float | None = None
    classification: str | None = None
    report: Mapping[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JudgementRecord(NewJudgement):
    attempts: int
    created_at: datetime
    completed_at: datetime | None
