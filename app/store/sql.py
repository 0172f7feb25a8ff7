"""The run store over SQLAlchemy Core: one code path for SQLite and PostgreSQL.

Writes that belong together share a transaction: a run's status moves on only in the transaction
that stores the measurements it follows from, and a measurement row is unique per
(run, metric, seq) in the database itself, so a retried write can never duplicate one.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.store.errors import DuplicateMeasurement, LeaseLost, NameTaken
from app.store.records import (
    MeasurementRecord,
    NewMeasurement,
    NewRun,
    RunRecord,
    TemplateRecord,
)
from app.store.schema import measurements, run_labels, runs, templates

__all__ = ["LabelRequirement", "SqlStore"]

#: (key, operator, values): operators `=`, `!=`, `in`, `notin`, `exists`, `!` as in Kubernetes.
LabelRequirement = tuple[str, str, tuple[str, ...]]


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; everything augur writes is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _when(value: datetime) -> datetime:
    converted = _utc(value)
    assert converted is not None
    return converted


def _template(row: RowMapping) -> TemplateRecord:
    return TemplateRecord(
        kind=row["kind"],
        namespace=row["namespace"],
        name=row["name"],
        body=json.loads(row["body"]),
        resource_version=row["resource_version"],
        created_at=_when(row["created_at"]),
        updated_at=_when(row["updated_at"]),
    )


def _run(row: RowMapping) -> RunRecord:
    return RunRecord(
        id=row["id"],
        namespace=row["namespace"],
        name=row["name"],
        labels=json.loads(row["labels"]),
        spec=json.loads(row["spec"]),
        status=json.loads(row["status"]),
        phase=row["phase"],
        idempotency_key=row["idempotency_key"],
        created_at=_when(row["created_at"]),
        updated_at=_when(row["updated_at"]),
        completed_at=_utc(row["completed_at"]),
        next_reconcile_at=_utc(row["next_reconcile_at"]),
    )


def _measurement(row: RowMapping) -> MeasurementRecord:
    return MeasurementRecord(
        run_id=row["run_id"],
        metric=row["metric"],
        seq=row["seq"],
        phase=row["phase"],
        value=row["value"],
        message=row["message"],
        metadata=json.loads(row["metadata"]),
        started_at=_utc(row["started_at"]),
        finished_at=_utc(row["finished_at"]),
    )


class SqlStore:
    """Templates, runs and measurements. `clock` is injected so tests control time."""

    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self._clock = clock
        self._serialise = engine.dialect.name == "sqlite"
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction. SQLite takes one writer at a time and makes the others retry
        after sleeps that grow to 100 ms, so this process queues its own writers instead: the
        same order of writes, without the sleeping."""
        if not self._serialise:
            async with self.engine.begin() as conn:
                yield conn
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock, self.engine.begin() as conn:
            yield conn

    # -- templates -------------------------------------------------------------------------

    async def put_template(
        self, *, kind: str, namespace: str, name: str, body: Mapping[str, Any]
    ) -> tuple[TemplateRecord, bool]:
        """Create or replace; returns the record and whether it was created."""
        now = self._clock()
        key = and_(templates.c.kind == kind, templates.c.namespace == namespace)
        key = and_(key, templates.c.name == name)
        async with self._begin() as conn:
            current = (
                await conn.execute(select(templates.c.resource_version).where(key))
            ).scalar_one_or_none()
            if current is None:
                values = {"kind": kind, "namespace": namespace, "name": name}
                await conn.execute(
                    insert(templates).values(
                        **values,
                        body=_dump(body),
                        resource_version=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                await conn.execute(
                    update(templates)
                    .where(key)
                    .values(body=_dump(body), resource_version=current + 1, updated_at=now)
                )
            row = (await conn.execute(select(templates).where(key))).mappings().one()
        return _template(row), current is None

    async def get_template(self, *, kind: str, namespace: str, name: str) -> TemplateRecord | None:
        query = select(templates).where(
            templates.c.kind == kind, templates.c.namespace == namespace, templates.c.name == name
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _template(row)

    async def list_templates(self, *, kind: str, namespace: str | None) -> list[TemplateRecord]:
        query = select(templates).where(templates.c.kind == kind)
        if namespace is not None:
            query = query.where(templates.c.namespace == namespace)
        query = query.order_by(templates.c.namespace, templates.c.name)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_template(row) for row in rows]

    async def delete_template(self, *, kind: str, namespace: str, name: str) -> bool:
        query = delete(templates).where(
            templates.c.kind == kind, templates.c.namespace == namespace, templates.c.name == name
        )
        async with self._begin() as conn:
            return (await conn.execute(query)).rowcount > 0

    # -- runs ------------------------------------------------------------------------------

    async def create_run(
        self, run: NewRun, *, idempotency_key: str | None = None
    ) -> tuple[RunRecord, bool]:
        """Insert a run; with a key seen before, return that run instead (created = False)."""
        if idempotency_key is not None:
            existing = await self._run_where(runs.c.idempotency_key == idempotency_key)
            if existing is not None:
                return existing, False
        now = self._clock()
        try:
            async with self._begin() as conn:
                await conn.execute(
                    insert(runs).values(
                        id=run.id,
                        namespace=run.namespace,
                        name=run.name,
                        labels=_dump(dict(run.labels)),
                        spec=_dump(run.spec),
                        status=_dump(run.status),
                        phase=run.phase,
                        idempotency_key=idempotency_key,
                        created_at=now,
                        updated_at=now,
                        next_reconcile_at=run.next_reconcile_at,
                    )
                )
                if run.labels:
                    await conn.execute(
                        insert(run_labels),
                        [{"run_id": run.id, "key": k, "value": v} for k, v in run.labels.items()],
                    )
        except IntegrityError:
            if idempotency_key is not None:  # a concurrent retry with the same key won the race
                existing = await self._run_where(runs.c.idempotency_key == idempotency_key)
                if existing is not None:
                    return existing, False
            raise NameTaken(
                f"analysisrun {run.namespace}/{run.name} exists already; choose another "
                "metadata.name or use metadata.generateName"
            ) from None
        created = await self._run_where(runs.c.id == run.id)
        assert created is not None
        return created, True

    async def _run_where(self, condition: Any) -> RunRecord | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(runs).where(condition))).mappings().one_or_none()
        return None if row is None else _run(row)

    async def get_run(self, *, namespace: str, name: str) -> RunRecord | None:
        return await self._run_where(and_(runs.c.namespace == namespace, runs.c.name == name))

    async def run_by_key(self, idempotency_key: str) -> RunRecord | None:
        return await self._run_where(runs.c.idempotency_key == idempotency_key)

    async def get_run_by_id(self, run_id: str) -> RunRecord | None:
        return await self._run_where(runs.c.id == run_id)

    async def list_runs(
        self,
        *,
        namespace: str | None = None,
        phase: str | None = None,
        selector: Sequence[LabelRequirement] = (),
        limit: int = 100,
        after: tuple[datetime, str] | None = None,
    ) -> list[RunRecord]:
        """Oldest first; `after` is the (created_at, id) of the last run of the previous page."""
        query = select(runs)
        if namespace is not None:
            query = query.where(runs.c.namespace == namespace)
        if phase is not None:
            query = query.where(runs.c.phase == phase)
        for requirement in selector:
            query = query.where(_label_clause(*requirement))
        if after is not None:
            created, run_id = after
            query = query.where(
                or_(
                    runs.c.created_at > created,
                    and_(runs.c.created_at == created, runs.c.id > run_id),
                )
            )
        query = query.order_by(runs.c.created_at, runs.c.id).limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_run(row) for row in rows]

    async def update_spec(
        self, run_id: str, *, spec: Mapping[str, Any], next_reconcile_at: datetime | None
    ) -> None:
        """Change a run's spec (terminate) and bring its next pass forward."""
        async with self._begin() as conn:
            await conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    spec=_dump(spec), next_reconcile_at=next_reconcile_at, updated_at=self._clock()
                )
            )

    async def count_by_phase(self) -> dict[str, int]:
        query = select(runs.c.phase, func.count()).group_by(runs.c.phase)
        async with self.engine.connect() as conn:
            return {phase: int(count) for phase, count in (await conn.execute(query)).all()}

    async def next_due(self, *, skip: Sequence[str] = ()) -> datetime | None:
        """The earliest wake-up of any run (leased or not) but those in `skip`, to know how
        long to sleep."""
        query = select(func.min(runs.c.next_reconcile_at))
        if skip:
            query = query.where(runs.c.id.not_in(list(skip)))
        async with self.engine.connect() as conn:
            return _utc((await conn.execute(query)).scalar())

    async def delete_run(self, *, namespace: str, name: str) -> bool:
        async with self._begin() as conn:
            run_id = (
                await conn.execute(
                    select(runs.c.id).where(runs.c.namespace == namespace, runs.c.name == name)
                )
            ).scalar_one_or_none()
            if run_id is None:
                return False
            # Explicit, not only ON DELETE CASCADE: SQLite enforces that only with a pragma.
            await conn.execute(delete(measurements).where(measurements.c.run_id == run_id))
            await conn.execute(delete(run_labels).where(run_labels.c.run_id == run_id))
            await conn.execute(delete(runs).where(runs.c.id == run_id))
        return True

    # -- measurements and status ---------------------------------------------------------

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
    ) -> None:
        """Store measurements and the status that follows from them, in one transaction.

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
                        status=_dump(status),
                        phase=phase,
                        updated_at=now,
                        next_reconcile_at=next_reconcile_at,
                        completed_at=completed_at,
                        **({"lease_owner": None, "lease_expires_at": None} if release else {}),
                    )
                )
                if changed.rowcount != 1:
                    raise LeaseLost(f"run {run_id} is no longer held by {lease_owner}")
                if new:
                    await conn.execute(insert(measurements), [_row(run_id, m) for m in new])
        except IntegrityError:
            raise DuplicateMeasurement(
                f"run {run_id} already has a measurement with one of these sequence numbers"
            ) from None

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

    # -- leases ------------------------------------------------------------------------------

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
            if conn.dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            ids = list((await conn.execute(pick)).scalars())
            if not ids:
                return []
            await conn.execute(
                update(runs)
                .where(runs.c.id.in_(ids))
                .values(lease_owner=owner, lease_expires_at=now + lease)
            )
            rows = (await conn.execute(select(runs).where(runs.c.id.in_(ids)))).mappings().all()
        return [_run(row) for row in rows]

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


def _row(run_id: str, m: NewMeasurement) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "metric": m.metric,
        "seq": m.seq,
        "phase": m.phase,
        "value": m.value,
        "message": m.message,
        "metadata": _dump(dict(m.metadata)),
        "started_at": m.started_at,
        "finished_at": m.finished_at,
    }


def _label_clause(key: str, operator: str, values: tuple[str, ...]) -> Any:
    has = select(run_labels.c.run_id).where(
        run_labels.c.run_id == runs.c.id, run_labels.c.key == key
    )
    if operator in ("=", "=="):
        return exists(has.where(run_labels.c.value == values[0]))
    if operator == "in":
        return exists(has.where(run_labels.c.value.in_(values)))
    if operator == "!=":
        return ~exists(has.where(run_labels.c.value == values[0]))
    if operator == "notin":
        return ~exists(has.where(run_labels.c.value.in_(values)))
    if operator == "exists":
        return exists(has)
    if operator == "!":
        return ~exists(has)
    raise ValueError(f"unknown label selector operator {operator!r}")
