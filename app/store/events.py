"""Event queries: the rows the event streams serve, appended inside the transactions that make
them true (a pass's measurements and status, a run's creation or deletion), read back a page at
a time after a cursor, and pruned by age.

An event's id is its cursor, one sequence for every run, so one `Last-Event-ID` resumes the
stream of every run. A reader must never see id 8 before id 7 commits, or it would skip 7 for
good: SQLite has one writer at a time, so ids are handed out in commit order already; on
PostgreSQL, writers from several replicas could commit out of order, so each takes a
transaction-scoped advisory lock right before it inserts its events (the last statement of the
transaction, so the lock is held only until the commit).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.base import StoreBase, dump, load
from app.store.records import EventRecord, NewEvent
from app.store.schema import events

__all__ = [
    "EventQueries",
    "RunEvents",
    "append_events",
    "append_many",
    "event_time",
    "status_summary",
]

#: The advisory lock writers of events take on PostgreSQL (migrations take 7243110).
EVENTS_LOCK = 7243111
COUNTERS = ("count", "successful", "failed", "inconclusive", "error")


def event_time(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds: events of one second keep their order for a reader."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def status_summary(status: Mapping[str, Any]) -> dict[str, Any]:
    """The run-level part of a status document every event carries: phase, message and the
    run summary's counters (Argo's `runSummary`)."""
    summary = status.get("runSummary") or {}
    return {
        "phase": status.get("phase") or "Pending",
        "message": status.get("message") or "",
        **{name: int(summary.get(name) or 0) for name in COUNTERS},
    }


def _row(
    run_id: str,
    namespace: str,
    name: str,
    event: NewEvent,
    status: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    data = {
        "namespace": namespace,
        "name": name,
        "uid": run_id,
        "metric": event.metric,
        "phase": event.phase,
        "message": event.message,
        "measurement": dict(event.measurement) if event.measurement is not None else None,
        "status": status_summary(status),
        "at": event_time(now),
        **({"metricResult": dict(event.metric_result)} if event.metric_result else {}),
        **event.extra,
    }
    return {
        "run_id": run_id,
        "namespace": namespace,
        "name": name,
        "kind": event.kind,
        "data": dump(data, what=f"an event of run {run_id}"),
        "created_at": now,
    }


async def append_events(
    conn: AsyncConnection,
    *,
    run_id: str,
    namespace: str,
    name: str,
    new: Sequence[NewEvent],
    status: Mapping[str, Any],
    now: datetime,
) -> None:
    """Insert a run's events in the caller's transaction: call it last, just before the commit
    (on PostgreSQL it takes the events lock, held until the transaction ends)."""
    await append_many(conn, [RunEvents(run_id, namespace, name, new, status)], now=now)


@dataclass(frozen=True, slots=True)
class RunEvents:
    """One run's new events, with the status document they summarise."""

    run_id: str
    namespace: str
    name: str
    new: Sequence[NewEvent]
    status: Mapping[str, Any]


async def append_many(conn: AsyncConnection, batch: Sequence[RunEvents], *, now: datetime) -> None:
    """`append_events` for several runs at once (a group commit of several passes): the lock
    is taken once and the rows go in one statement."""
    rows = [
        _row(item.run_id, item.namespace, item.name, event, item.status, now)
        for item in batch
        for event in item.new
    ]
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({EVENTS_LOCK})")
    await conn.execute(insert(events), rows)


def _record(row: Any) -> EventRecord:
    return EventRecord(
        id=int(row.id),
        run_id=row.run_id,
        namespace=row.namespace,
        name=row.name,
        kind=row.kind,
        data=load(row.data, what=f"an event of run {row.run_id}"),
    )


class EventQueries(StoreBase):
    async def events_after(
        self,
        after: int,
        *,
        run_id: str | None = None,
        namespaces: Collection[str] | None = None,
        limit: int = 100,
    ) -> list[EventRecord]:
        """Up to `limit` events with an id above `after`, oldest first: of one run, of some
        namespaces, or of every run."""
        query = select(events).where(events.c.id > after)
        if run_id is not None:
            query = query.where(events.c.run_id == run_id)
        if namespaces is not None:
            query = query.where(events.c.namespace.in_(sorted(namespaces)))
        query = query.order_by(events.c.id).limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_record(row) for row in rows]

    async def last_event_id(self) -> int:
        """The newest event's id (0 with none): where a stream of what happens next starts."""
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.max(events.c.id)))).scalar() or 0)

    async def prune_events(self, *, before: datetime) -> int:
        """Forget events written before `before`; how many went."""
        async with self._begin() as conn:
            gone = await conn.execute(delete(events).where(events.c.created_at < before))
        return int(gone.rowcount or 0)
