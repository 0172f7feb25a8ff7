"""Notification outbox queries: rows written with the phase change they announce, claimed by
one replica's worker at a time (a lease, with SKIP LOCKED on PostgreSQL), then marked delivered,
retried later or given up.

A row is unique by its idempotency key, and enqueueing a key that is there already does nothing,
so a pass written twice, or a judgement announced twice, still notifies once per receiver.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.base import StoreBase, claim, dump, load, when
from app.store.records import NewNotification, NotificationRecord
from app.store.schema import notifications

__all__ = ["NotificationQueries", "insert_notifications"]

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


async def insert_notifications(
    conn: AsyncConnection, new: Sequence[NewNotification], *, now: datetime
) -> None:
    """Queue notifications in the caller's transaction; a key queued before is left alone."""
    if not new:
        return
    rows = [
        {
            "key": n.key,
            "receiver": n.receiver,
            "kind": n.kind,
            "payload": dump(n.payload, what=f"notification {n.key}"),
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in new
    ]
    build = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(build(notifications).on_conflict_do_nothing(index_elements=["key"]), rows)


def _record(row: Any) -> NotificationRecord:
    return NotificationRecord(
        id=int(row.id),
        key=row.key,
        receiver=row.receiver,
        kind=row.kind,
        payload=load(row.payload, what=f"notification {row.key}"),
        attempts=int(row.attempts),
        created_at=when(row.created_at),
    )


class NotificationQueries(StoreBase):
    async def enqueue_notifications(self, new: Sequence[NewNotification]) -> None:
        """Queue notifications on their own (a judgement's, written after the judgement)."""
        if not new:
            return
        async with self._begin() as conn:
            await insert_notifications(conn, new, now=self._clock())
        self._signal("outbox")

    async def claim_notifications(
        self, *, receiver: str, owner: str, now: datetime, lease: timedelta, limit: int = 1
    ) -> list[NotificationRecord]:
        """Take up to `limit` due notifications of `receiver` that no live worker holds."""
        free = or_(
            notifications.c.lease_owner.is_(None),
            notifications.c.lease_expires_at < now,
            notifications.c.lease_owner == owner,
        )
        due = and_(
            notifications.c.receiver == receiver,
            notifications.c.state == PENDING,
            notifications.c.next_attempt_at <= now,
            free,
        )
        pick = (
            select(notifications.c.id)
            .where(due)
            .order_by(notifications.c.next_attempt_at, notifications.c.id)
            .limit(limit)
        )
        async with self._begin() as conn:
            ids = await claim(
                conn, notifications, pick, lease_owner=owner, lease_expires_at=now + lease
            )
            if not ids:
                return []
            query = select(notifications).where(notifications.c.id.in_(ids))
            rows = (await conn.execute(query.order_by(notifications.c.id))).all()
        return [_record(row) for row in rows]

    async def finish_attempt(
        self,
        notification_id: int,
        *,
        owner: str,
        delivered: bool,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Count an attempt and hand the lease back: delivered, due again at `retry_at`, or
        (neither) given up."""
        now = self._clock()
        values: dict[str, Any] = {
            "attempts": notifications.c.attempts + 1,
            "last_error": error,
            "lease_owner": None,
            "lease_expires_at": None,
        }
        if delivered:
            values.update(state=DELIVERED, finished_at=now)
        elif retry_at is not None:
            values.update(next_attempt_at=retry_at)
        else:
            values.update(state=FAILED, finished_at=now)
        async with self._begin() as conn:
            await conn.execute(
                update(notifications)
                .where(notifications.c.id == notification_id, notifications.c.lease_owner == owner)
                .values(**values)
            )

    async def next_notification_due(self, receiver: str) -> datetime | None:
        query = select(func.min(notifications.c.next_attempt_at)).where(
            notifications.c.receiver == receiver, notifications.c.state == PENDING
        )
        async with self.engine.connect() as conn:
            found = (await conn.execute(query)).scalar()
        return None if found is None else when(found)

    async def release_notifications(self, *, owner: str | None) -> None:
        """Hand leases back (at shutdown; `None`: every lease, for the one SQLite process)."""
        query = update(notifications).where(notifications.c.lease_owner.is_not(None))
        if owner is not None:
            query = query.where(notifications.c.lease_owner == owner)
        async with self._begin() as conn:
            await conn.execute(query.values(lease_owner=None, lease_expires_at=None))

    async def notification_states(self) -> dict[str, int]:
        """How many notifications are pending, delivered and failed."""
        query = select(notifications.c.state, func.count()).group_by(notifications.c.state)
        async with self.engine.connect() as conn:
            return {state: int(n) for state, n in (await conn.execute(query)).all()}

    async def prune_notifications(self, *, before: datetime) -> int:
        """Forget notifications queued before `before`, whatever became of them."""
        async with self._begin() as conn:
            gone = await conn.execute(
                delete(notifications).where(notifications.c.created_at < before)
            )
        return int(gone.rowcount or 0)
