"""AnalysisRun status in Argo's shape, so tools that read Argo's status can read ours.

Field names (camelCase on the wire), phase words and the meaning of every counter follow
``AnalysisRunStatus``/``MetricResult``/``Measurement`` in Argo's ``analysis_types.go``. Timestamps
are written as RFC 3339 with whole seconds, as Kubernetes persists them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "AnalysisRunStatus",
    "Measurement",
    "MetricResult",
    "Phase",
    "RunSummary",
    "format_time",
]


class Phase(StrEnum):
    """Argo's ``AnalysisPhase`` words."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def completed(self) -> bool:
        return self in _COMPLETED


_COMPLETED = frozenset({Phase.SUCCESSFUL, Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE})


def format_time(value: datetime) -> str:
    """RFC 3339, UTC, whole seconds (``metav1.Time`` JSON form)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


#: A timestamp; naive input is taken as UTC so that comparisons with ``now`` never mix kinds.
Time = Annotated[
    datetime,
    AfterValidator(_aware),
    PlainSerializer(format_time, return_type=str, when_used="json"),
]


class _StatusModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        validate_assignment=False,
        extra="ignore",
        serialize_by_alias=True,
    )


class Measurement(_StatusModel):
    """One provider call. ``finished_at is None`` means in flight (async providers only)."""

    phase: Phase
    message: str = ""
    started_at: Time | None = None
    finished_at: Time | None = None
    value: str = ""
    metadata: dict[str, str] | None = None
    resume_at: Time | None = None


class MetricResult(_StatusModel):
    """Cumulative counters of one metric; never reduced when old measurements are trimmed."""

    name: str
    phase: Phase
    measurements: list[Measurement] = Field(default_factory=list)
    message: str = ""
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_error: int = 0
    consecutive_success: int = 0
    dry_run: bool = False
    metadata: dict[str, str] | None = None

    @property
    def last_measurement(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None


class RunSummary(_StatusModel):
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0


def _empty_is_none(value: object) -> object:
    return None if value == "" else value


class AnalysisRunStatus(_StatusModel):
    """``phase is None`` (Argo: ``""``) until the first reconcile that gets past the early exits."""

    phase: Annotated[Phase | None, BeforeValidator(_empty_is_none)] = None
    message: str = ""
    metric_results: list[MetricResult] = Field(default_factory=list)
    started_at: Time | None = None
    completed_at: Time | None = None
    run_summary: RunSummary = Field(default_factory=RunSummary)
    dry_run_summary: RunSummary = Field(default_factory=RunSummary)

    def result(self, name: str) -> MetricResult | None:
        for result in self.metric_results:
            if result.name == name:
                return result
        return None

    def set_result(self, result: MetricResult) -> None:
        for index, existing in enumerate(self.metric_results):
            if existing.name == result.name:
                self.metric_results[index] = result
                return
        self.metric_results.append(result)
