"""A run's phase history, read back from what the store keeps: its creation, its status's start
and end, and its measurements.

The store keeps no log of phase changes yet, but the steps can be recovered: the run was Pending
from its creation and Running from `status.startedAt`; each metric's measurements say when its
verdict changed (a first Failed after Successful ones is where a rollback begins); the status
says how each metric and the run ended, and why. A termination asked for is shown with the
run's end, since its own time is not stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.spec.models import AnalysisRun
from app.spec.status import format_time
from app.store.records import MeasurementRecord

__all__ = ["Moment", "history"]


@dataclass(frozen=True, slots=True)
class Moment:
    """One step: when (UTC text; empty when unknown), the phase it led to, what and why."""

    at: str
    phase: str
    what: str
    detail: str = ""


def _text(moment: datetime | None) -> str:
    return "" if moment is None else format_time(moment)[:19].replace("T", " ")


def _measured(records: Sequence[MeasurementRecord]) -> list[tuple[datetime | None, Moment]]:
    found: list[tuple[datetime | None, Moment]] = []
    last: dict[str, MeasurementRecord] = {}
    for record in records:
        previous = last.get(record.metric)
        last[record.metric] = record
        if previous is not None and previous.phase == record.phase:
            continue
        at = record.finished_at or record.started_at
        if previous is None:
            what = f"{record.metric}: first measurement {record.phase} (#{record.seq})"
        else:
            what = f"{record.metric}: {previous.phase} → {record.phase} (#{record.seq})"
        found.append((at, Moment(_text(at), record.phase, what, record.message)))
    return found


def history(
    run: AnalysisRun, records: Sequence[MeasurementRecord], *, created: datetime
) -> list[Moment]:
    """The steps of `run` in time order (the store's measurements ordered by metric, seq)."""
    steps: list[tuple[datetime | None, Moment]] = [
        (created, Moment(_text(created), "Pending", "run created"))
    ]
    status = run.status
    if status is not None and status.started_at is not None:
        steps.append((status.started_at, Moment(_text(status.started_at), "Running", "started")))
    steps += _measured(records)
    ended = status.completed_at if status is not None else None
    last_seen: dict[str, datetime | None] = {}
    for record in records:
        last_seen[record.metric] = (
            record.finished_at or record.started_at or last_seen.get(record.metric)
        )
    if status is not None:
        for result in status.metric_results:
            if result.phase.completed:
                at = last_seen.get(result.name) or ended
                what = f"{result.name}: {result.phase.value}"
                steps.append((at, Moment(_text(at), result.phase.value, what, result.message)))
    if run.spec.terminate:
        steps.append((ended, Moment(_text(ended), "Running", "termination requested")))
    if status is not None and status.phase is not None and status.phase.completed:
        what = f"run {status.phase.value}"
        steps.append((ended, Moment(_text(ended), status.phase.value, what, status.message)))
    # By the second (the status keeps whole seconds); within one, in the order written above.
    steps.sort(key=lambda step: (step[0] is None, int((step[0] or created).timestamp())))
    return [moment for _at, moment in steps]
