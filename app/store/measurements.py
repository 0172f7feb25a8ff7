"""Measurement queries: a pass's measurements written together with the status they lead to
(and only while the writer still holds the run's lease), and read back a page at a time. The
same transaction appends the pass's events and queues its notifications, so a reader of the
event stream never sees a measurement that is not stored, nor misses one that is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.core.text import scrub_text
from app.store.base import StoreBase, dump, load, utc
from app.store.errors import DuplicateMeasurement, LeaseLost
from app.store.events import append_events
from app.store.outbox import insert_notifications
from app.store.records import MeasurementRecord, NewEvent, NewMeasurement, NewNotification
from app.store.schema import measurements, runs

__all__ = ["REPLACED_TEXT", "MeasurementQueries"]


def _measurement(row: RowMapping) -> MeasurementRecord:
    return MeasurementRecord(
        run_id=row["run_id"],
        metric=row["metric"],
        seq=row["seq"],
        phase=row["phase"],
        value=scrub_text(row["value"]),
        message=scrub_text(row["message"]),
        metadata=load(row["metadata"], what=f"measurement metadata of run {row['run_id']}"),
        started_at=utc(row["started_at"]),
        finished_at=utc(row["finished_at"]),
    )


#: Metadata key set on a measurement whose text had to be replaced; its value names the fields.
REPLACED_TEXT = "augur.io/replaced-text"


def _row(run_id: str, m: NewMeasurement) -> dict[str, Any]:
    """The row of a measurement. A provider's answer can hold text no store can keep (NUL, an
    unpaired surrogate): each such character becomes U+FFFD, and the metadata says where, so a
    reader knows the value is not byte for byte what the provider sent."""
    value, message = scrub_text(m.value), scrub_text(m.message)
    metadata = dict(m.metadata)
    replaced = [
        name
        for name, old, new in (("value", m.value, value), ("message", m.message, message))
        if old != new
    ]
    if replaced:
        metadata[REPLACED_TEXT] = ",".join(replaced)
    return {
        "run_id": run_id,
        "metric": scrub_text(m.metric),
        "seq": m.seq,
        "phase": m.phase,
        "value": value,
        "message": message,
        "metadata": dump(metadata, what=f"measurement metadata of run {run_id}"),
        "started_at": m.started_at,
        "finished_at": m.finished_at,
    }


class MeasurementQueries(StoreBase):
    async def record(
        self,
        run_id: str,
        *,
        new: Sequence[NewMeasurement],
        status: Mapping[str, Any],
        phase: str,
        next_reconcile_at: datetime | None,
        completed_at: datetime | None = None,
        lease_owner: str | None = None,
        release: bool = False,
        events: Sequence[NewEvent] = (),
        outbox: Sequence[NewNotification] = (),
    ) -> None:
        """Store measurements and the status that follows from them, in one transaction, with
        the events they make and the notifications they announce.

        With `lease_owner`, the write happens only while that owner still holds the run's lease;
        otherwise `LeaseLost` is raised and nothing is written. `release` hands the lease back
        in the same write, so the next pass can be taken by any replica.
        """
        now = self._clock()
        condition = runs.c.id == run_id
        if lease_owner is not None:
            condition = and_(condition, runs.c.lease_owner == lease_owner)
        try:
            async with self._begin() as conn:
                changed = await conn.execute(
                    update(runs)
                    .where(condition)
                    .values(
                        status=dump(status, what=f"status of run {run_id}"),
                        phase=phase,
                        updated_at=now,
                        next_reconcile_at=next_reconcile_at,
                        completed_at=completed_at,
                        **({"lease_owner": None, "lease_expires_at": None} if release else {}),
                    )
                    .returning(runs.c.namespace, runs.c.name)
                )
                held = changed.one_or_none()
                if held is None:
                    raise LeaseLost(f"run {run_id} is no longer held by {lease_owner}")
                if new:
                    await conn.execute(insert(measurements), [_row(run_id, m) for m in new])
                await insert_notifications(conn, outbox, now=now)
                await append_events(
                    conn,
                    run_id=run_id,
                    namespace=held.namespace,
                    name=held.name,
                    new=events,
                    status=status,
                    now=now,
                )
        except IntegrityError:
            raise DuplicateMeasurement(
                f"run {run_id} already has a measurement with one of these sequence numbers"
            ) from None
        if events:
            self._signal("events")
        if outbox:
            self._signal("outbox")

    async def measurements(
        self,
        run_id: str,
        *,
        metric: str | None = None,
        after_seq: int = 0,
        limit: int = 100,
        after_metric: str | None = None,
    ) -> list[MeasurementRecord]:
        """Ordered by (metric, seq); with `after_metric`, those after (after_metric, after_seq)."""
        query = select(measurements).where(measurements.c.run_id == run_id)
        if metric is not None:
            query = query.where(measurements.c.metric == metric)
        if after_metric is not None:
            query = query.where(
                or_(
                    measurements.c.metric > after_metric,
                    and_(measurements.c.metric == after_metric, measurements.c.seq > after_seq),
                )
            )
        elif after_seq:
            query = query.where(measurements.c.seq > after_seq)
        query = query.order_by(measurements.c.metric, measurements.c.seq).limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_measurement(row) for row in rows]
