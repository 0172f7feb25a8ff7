"""Judgement queries: keep a judgement, read and list them, and the claims that let exactly one
replica run a pending one.

A Kayenta execution is stored `running` when it is accepted, before anything is fetched, so one
accepted just before a crash is still there after it. A replica claims pending judgements for a
while (`claim_due`; SKIP LOCKED on PostgreSQL, so two replicas never take the same one), renews
the claim while it works, and writes the result only while it still holds the claim, in the
same statement that ends it: a judgement is finished once, by its claimant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import RowMapping

from app.store.base import StoreBase, claim, dump, load, utc, when
from app.store.outbox import insert_notifications
from app.store.records import JudgementRecord, NewJudgement, NewNotification
from app.store.schema import judgements

__all__ = ["RUNNING", "JudgementQueries"]

RUNNING = "running"
#: Columns a listing reads: everything but the report, which can be large.
_SUMMARY = [c for c in judgements.c if c.name != "report"]


def _judgement(row: RowMapping) -> JudgementRecord:
    what = f"judgement {row['id']}"
    report = row.get("report")
    return JudgementRecord(
        id=row["id"],
        namespace=row["namespace"],
        origin=row["origin"],
        config_id=row["config_id"],
        config_name=row["config_name"],
        config=load(row["config"], what=what),
        request=load(row["request"], what=what),
        params=load(row["params"], what=what),
        status=row["status"],
        score=row["score"],
        classification=row["classification"],
        report=load(report, what=what) if report is not None else None,
        error=row["error"],
        attempts=row["attempts"],
        created_at=when(row["created_at"]),
        completed_at=utc(row["completed_at"]),
    )


class JudgementQueries(StoreBase):
    async def add_judgement(self, new: NewJudgement) -> JudgementRecord:
        now = self._clock()
        done = new.status != RUNNING
        values: dict[str, Any] = {
            "id": new.id,
            "namespace": new.namespace,
            "origin": new.origin,
            "config_id": new.config_id,
            "config_name": new.config_name,
            "config": dump(new.config, what="a canary config"),
            "request": dump(new.request, what="a canary execution request"),
            "params": dump(new.params),
            "status": new.status,
            "score": new.score,
            "classification": new.classification,
            "report": dump(new.report, what="a judgement") if new.report is not None else None,
            "error": new.error,
            "attempts": 1 if done else 0,
            "created_at": now,
            "completed_at": now if done else None,
        }
        async with self._begin() as conn:
            await conn.execute(insert(judgements).values(**values))
        given = {f.name: getattr(new, f.name) for f in fields(NewJudgement)}
        return JudgementRecord(
            **given,
            attempts=values["attempts"],
            created_at=now,
            completed_at=values["completed_at"],
        )

    async def get_judgement(self, judgement_id: str) -> JudgementRecord | None:
        query = select(judgements).where(judgements.c.id == judgement_id)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _judgement(row)

    async def list_judgements(
        self, *, namespace: str, limit: int, before: datetime | None = None
    ) -> list[JudgementRecord]:
        """The newest first, without their reports; `before` pages on."""
        query = select(*_SUMMARY).where(judgements.c.namespace == namespace)
        if before is not None:
            query = query.where(judgements.c.created_at < before)
        query = query.order_by(judgements.c.created_at.desc(), judgements.c.id).limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_judgement(row) for row in rows]

    async def claim_due(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[JudgementRecord]:
        """Take up to `limit` running judgements no live replica holds, counting an attempt."""
        free = or_(judgements.c.claim_owner.is_(None), judgements.c.claim_expires_at < now)
        pick = (
            select(judgements.c.id)
            .where(and_(judgements.c.status == RUNNING, free))
            .order_by(judgements.c.created_at)
            .limit(limit)
        )
        async with self._begin() as conn:
            ids = await claim(
                conn,
                judgements,
                pick,
                claim_owner=owner,
                claim_expires_at=now + lease,
                attempts=judgements.c.attempts + 1,
            )
            if not ids:
                return []
            query = select(judgements).where(judgements.c.id.in_(ids))
            rows = (await conn.execute(query)).mappings().all()
        return [_judgement(row) for row in rows]

    async def renew_claim(self, judgement_id: str, *, owner: str, until: datetime) -> bool:
        """Hold on while working; False when the claim was lost (another replica has it)."""
        async with self._begin() as conn:
            changed = await conn.execute(
                update(judgements)
                .where(judgements.c.id == judgement_id, judgements.c.claim_owner == owner)
                .where(judgements.c.status == RUNNING)
                .values(claim_expires_at=until)
            )
        return changed.rowcount > 0

    async def finish_judgement(
        self,
        judgement_id: str,
        *,
        owner: str,
        status: str,
        report: Mapping[str, Any] | None,
        error: str | None,
        score: float | None = None,
        classification: str | None = None,
        outbox: Sequence[NewNotification] = (),
    ) -> bool:
        """Write the outcome and end the claim, only while `owner` holds it; False otherwise.
        `outbox`: the notifications of the outcome, queued in the same transaction."""
        async with self._begin() as conn:
            changed = await conn.execute(
                update(judgements)
                .where(judgements.c.id == judgement_id, judgements.c.claim_owner == owner)
                .where(judgements.c.status == RUNNING)
                .values(
                    status=status,
                    report=dump(report, what="a judgement") if report is not None else None,
                    error=error,
                    score=score,
                    classification=classification,
                    completed_at=self._clock(),
                    claim_owner=None,
                    claim_expires_at=None,
                )
            )
            if changed.rowcount > 0:
                await insert_notifications(conn, outbox, now=self._clock())
        if outbox and changed.rowcount > 0:
            self._signal("outbox")
        return changed.rowcount > 0

    async def release_claims(self, *, owner: str | None) -> None:
        """Hand claims back (`None`: every claim, right only for a SQLite store at start-up,
        where a claim found was left by a process that died)."""
        query = update(judgements).where(judgements.c.claim_owner.is_not(None))
        if owner is not None:
            query = query.where(judgements.c.claim_owner == owner)
        async with self._begin() as conn:
            await conn.execute(query.values(claim_owner=None, claim_expires_at=None))
