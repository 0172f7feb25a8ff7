"""Lease queries: which replica's scheduler measures a run. A lease is taken on due runs, handed
back after a failed pass or at shutdown, and expires on its own when its owner dies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from app.store.base import StoreBase, claim
from app.store.records import RunRecord
from app.store.runs import run_record
from app.store.schema import runs

__all__ = ["LeaseQueries"]


class LeaseQueries(StoreBase):
    async def lease_due(
        self,
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        skip: Sequence[str] = (),
    ) -> list[RunRecord]:
        """Take up to `limit` runs that are due and not leased by a live owner.

        On PostgreSQL the candidate rows are locked with SKIP LOCKED, so replicas asking at the
        same moment get disjoint sets; SQLite serialises writers, which gives the same result.
        `skip` names runs the caller is measuring now: they would only take `limit`'s places.
        """
        free = or_(
            runs.c.lease_owner.is_(None), runs.c.lease_expires_at < now, runs.c.lease_owner == owner
        )
        due = and_(runs.c.next_reconcile_at.is_not(None), runs.c.next_reconcile_at <= now, free)
        if skip:
            due = and_(due, runs.c.id.not_in(list(skip)))
        pick = select(runs.c.id).where(due).order_by(runs.c.next_reconcile_at).limit(limit)
        async with self._begin() as conn:
            ids = await claim(conn, runs, pick, lease_owner=owner, lease_expires_at=now + lease)
            if not ids:
                return []
            rows = (await conn.execute(select(runs).where(runs.c.id.in_(ids)))).mappings().all()
        return [run_record(row) for row in rows]

    async def retry_later(self, run_id: str, *, at: datetime, owner: str) -> None:
        """After a pass that failed: hand the lease back and look again at `at`, leaving the
        status as it is stored. The failed pass's measurements were not written, so its status
        must not be either: it would count measurements that no row holds."""
        async with self._begin() as conn:
            await conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.lease_owner == owner)
                .values(next_reconcile_at=at, lease_owner=None, lease_expires_at=None)
            )

    async def release(self, *, owner: str | None, run_ids: Sequence[str] | None = None) -> None:
        """Hand leases back at once (graceful shutdown), so another replica need not wait.

        `owner=None` releases every lease: right only where one process can be the writer
        (SQLite), so any lease found at start-up was left by a process that died.
        """
        query = update(runs).where(runs.c.lease_owner.is_not(None))
        if owner is not None:
            query = query.where(runs.c.lease_owner == owner)
        if run_ids is not None:
            query = query.where(runs.c.id.in_(list(run_ids)))
        async with self._begin() as conn:
            await conn.execute(query.values(lease_owner=None, lease_expires_at=None))
