"""Measurement queries: a pass's measurements written together with the status they lead to
(and only while the writer still holds the run's lease), and read back a page at a time. The
same transaction appends the pass's events and queues its notifications, so a reader of the
event stream never sees a measurement that is not stored, nor misses one that is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.core.text import scrub_text
from app.store.base import StoreBase, dump, load, utc
from app.store.errors import DuplicateMeasurement, LeaseLost
from app.store.events import RunEvents, append_events, append_many
from app.store.outbox import insert_notifications
from app.store.records import MeasurementRecord, NewEvent, NewMeasurement, NewNotification
from app.store.schema import measurements, runs

__all__ = ["REPLACED_TEXT", "MeasurementQueries", "PassWrite"]


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


@dataclass(frozen=True)
class PassWrite:
    """One pass's write, as `MeasurementQueries.record` takes it: for `record_many`."""

    run_id: str
    new: Sequence[NewMeasurement]
    status: Mapping[str, Any]
    phase: str
    next_reconcile_at: datetime | None
    completed_at: datetime | None
    #: Written only while this owner holds the lease (None: no check, as `record`).
    lease_owner: str | None
    release: bool = False
    events: Sequence[NewEvent] = ()
    outbox: Sequence[NewNotification] = field(default_factory=tuple)


#: The status write of one pass in a group: an executemany, one parameter set per pass.
_UPDATE_HELD = (
    update(runs)
    .where(runs.c.id == bindparam("_id"))
    .values(
        {
            column: bindparam(f"b_{column}")
            for column in (
                "status",
                "phase",
                "updated_at",
                "next_reconcile_at",
                "completed_at",
                "lease_owner",
                "lease_expires_at",
            )
        }
    )
)


class MeasurementQueries(StoreBase):
    async def record_many(self, batch: Sequence[PassWrite]) -> list[Exception | None]:
        """Several passes' writes in one transaction (a group commit): per pass, what `record`
        with the same arguments would raise (`LeaseLost`, `DuplicateMeasurement`), or None once
        committed. Nothing is acknowledged before the commit, so a crash loses no pass that was
        answered None. The lease check reads the held rows once (locked on PostgreSQL, so no
        other replica takes them before the commit), and each kind of row goes in one statement;
        a duplicate measurement aborts the group, and then each pass is written on its own so
        only the pass at fault fails."""
        if not batch:
            return []
        now = self._clock()
        ids = [item.run_id for item in batch]
        held_query = select(
            runs.c.id, runs.c.namespace, runs.c.name, runs.c.lease_owner, runs.c.lease_expires_at
        ).where(runs.c.id.in_(ids))
        outcome: list[Exception | None] = []
        try:
            async with self._begin() as conn:
                if conn.dialect.name == "postgresql":
                    held_query = held_query.with_for_update()
                held = {row.id: row for row in (await conn.execute(held_query)).all()}
                updates: list[dict[str, Any]] = []
                rows: list[dict[str, Any]] = []
                notices: list[NewNotification] = []
                events: list[RunEvents] = []
                for item in batch:
                    row = held.get(item.run_id)
                    checked = item.lease_owner is not None
                    if row is None or (checked and row.lease_owner != item.lease_owner):
                        outcome.append(
                            LeaseLost(f"run {item.run_id} is no longer held by {item.lease_owner}")
                        )
                        continue
                    outcome.append(None)
                    keep = not item.release
                    values = {
                        "status": dump(item.status, what=f"status of run {item.run_id}"),
                        "phase": item.phase,
                        "updated_at": now,
                        "next_reconcile_at": item.next_reconcile_at,
                        "completed_at": item.completed_at,
                        "lease_owner": row.lease_owner if keep else None,
                        "lease_expires_at": row.lease_expires_at if keep else None,
                    }
                    updates.append({"_id": item.run_id} | {f"b_{k}": v for k, v in values.items()})
                    rows.extend(_row(item.run_id, m) for m in item.new)
                    notices.extend(item.outbox)
                    events.append(
                        RunEvents(item.run_id, row.namespace, row.name, item.events, item.status)
                    )
                if updates:
                    await conn.execute(_UPDATE_HELD, updates)
                if rows:
                    await conn.execute(insert(measurements), rows)
                await insert_notifications(conn, notices, now=now)
                await append_many(conn, events, now=now)
        except IntegrityError:
            return [await self._record_alone(item) for item in batch]
        if any(item.events for item in batch):
            self._signal("events")
        if notices:
            self._signal("outbox")
        return outcome

    async def _record_alone(self, item: PassWrite) -> Exception | None:
        try:
            await self.record(
                item.run_id,
                new=item.new,
                status=item.status,
                phase=item.phase,
                next_reconcile_at=item.next_reconcile_at,
                completed_at=item.completed_at,
                lease_owner=item.lease_owner,
                release=item.release,
                events=item.events,
                outbox=item.outbox,
            )
        except (LeaseLost, DuplicateMeasurement) as exc:
            return exc
        return None

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
