"""Run queries: create (once per idempotency key), read by name, id or key, list a page by
namespace, phase and label selector, change the spec, delete, and the counts and next wake-up
the scheduler and the metrics read.

`stored_run` is the read of the request path (run status, the gates): one row by a unique key,
its JSON columns left as the text stored, so what is built from it can be cached on exactly that
text; it reads through `app.store.hotread` (SQLite on the caller's thread, PostgreSQL in one
round trip), and through the engine when that cannot read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.exc import IntegrityError

from app.core.text import scrub_text
from app.store.base import StoreBase, dump, load, utc, when
from app.store.errors import NameTaken
from app.store.events import append_events
from app.store.hotread import UNREADABLE, PgReader, SqliteReader, reader_for
from app.store.records import NewEvent, NewRun, RunRecord
from app.store.schema import events, measurements, run_labels, runs

__all__ = ["LabelRequirement", "RunQueries", "StoredRun", "run_record"]

#: (key, operator, values): operators `=`, `!=`, `in`, `notin`, `exists`, `!` as in Kubernetes.
LabelRequirement = tuple[str, str, tuple[str, ...]]


def run_record(row: Mapping[Any, Any]) -> RunRecord:
    return RunRecord(
        id=row["id"],
        namespace=row["namespace"],
        name=row["name"],
        labels=load(row["labels"], what=f"labels of run {row['id']}"),
        annotations=load(row["annotations"], what=f"annotations of run {row['id']}"),
        spec=load(row["spec"], what=f"spec of run {row['id']}"),
        status=load(row["status"], what=f"status of run {row['id']}"),
        phase=row["phase"],
        idempotency_key=row["idempotency_key"],
        created_at=when(row["created_at"]),
        updated_at=when(row["updated_at"]),
        completed_at=utc(row["completed_at"]),
        next_reconcile_at=utc(row["next_reconcile_at"]),
    )


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A run's row as stored. `version` is the text every document of the run is built from
    (namespace, name, labels, annotations, spec, status, creation time): equal versions make
    equal documents, on any replica, so a cache keyed on it is never stale."""

    id: str
    version: tuple[str, ...]
    row: Mapping[Any, Any]

    def record(self) -> RunRecord:
        return run_record(self.row)


_VERSION = ("namespace", "name", "labels", "annotations", "spec", "status", "created_at")
_TIMES = ("created_at", "updated_at", "completed_at", "next_reconcile_at")


def _sql(*where: Any) -> dict[str, str]:
    """The SELECT of a run's row as SQLite's and asyncpg's text, parameters in order."""
    query = select(runs).where(*where)
    dialects = {"sqlite": sqlite.dialect(), "postgresql": asyncpg.dialect()}  # type: ignore[no-untyped-call]
    return {name: str(query.compile(dialect=dialect)) for name, dialect in dialects.items()}


_BY_NAME = _sql(runs.c.namespace == bindparam("ns"), runs.c.name == bindparam("name"))
_BY_KEY = _sql(runs.c.idempotency_key == bindparam("key"))


def _stored(row: Mapping[Any, Any]) -> StoredRun:
    return StoredRun(id=row["id"], version=tuple(str(row[c]) for c in _VERSION), row=row)


def _sqlite_times(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite keeps times as text (SQLAlchemy writes `YYYY-MM-DD HH:MM:SS.ffffff`, UTC)."""
    for column in _TIMES:
        if isinstance(row[column], str):
            row[column] = datetime.fromisoformat(row[column])
    return row


class RunQueries(StoreBase):
    _hot: SqliteReader | PgReader | object | None = UNREADABLE

    async def stored_run(
        self,
        *,
        namespace: str = "",
        name: str = "",
        idempotency_key: str | None = None,
    ) -> StoredRun | None:
        """The run named `namespace/name`, or keyed by `idempotency_key`, as stored."""
        parameters: tuple[str, ...]
        if idempotency_key is not None:
            sql, parameters = _BY_KEY, (idempotency_key,)
        else:
            sql, parameters = _BY_NAME, (namespace, name)
        if self._hot is UNREADABLE:
            self._hot = reader_for(self.engine)
        if isinstance(self._hot, SqliteReader):
            found = self._hot.one(sql["sqlite"], parameters)
            if isinstance(found, dict):
                return _stored(_sqlite_times(found))
            if found is None:
                return None
        elif isinstance(self._hot, PgReader):
            found = await self._hot.one(sql["postgresql"], parameters)
            if isinstance(found, dict):
                return _stored(found)
            if found is None:
                return None
        if idempotency_key is not None:
            condition = runs.c.idempotency_key == idempotency_key
        else:
            condition = and_(runs.c.namespace == namespace, runs.c.name == name)
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(runs).where(condition))).mappings().one_or_none()
        return None if row is None else _stored(row)

    async def create_run(
        self, run: NewRun, *, idempotency_key: str | None = None
    ) -> tuple[RunRecord, bool]:
        """Insert a run; with a key seen before, return that run instead (created = False)."""
        if idempotency_key is not None:
            existing = await self._run_where(runs.c.idempotency_key == idempotency_key)
            if existing is not None:
                return existing, False
        now = self._clock()
        # Checked at the door; scrubbed again here because the label table is plain text.
        labels = {scrub_text(k): scrub_text(v) for k, v in run.labels.items()}
        try:
            async with self._begin() as conn:
                await conn.execute(
                    insert(runs).values(
                        id=run.id,
                        namespace=run.namespace,
                        name=run.name,
                        labels=dump(labels),
                        annotations=dump(dict(run.annotations)),
                        spec=dump(run.spec),
                        status=dump(run.status),
                        phase=run.phase,
                        idempotency_key=idempotency_key,
                        created_at=now,
                        updated_at=now,
                        next_reconcile_at=run.next_reconcile_at,
                    )
                )
                if labels:
                    await conn.execute(
                        insert(run_labels),
                        [{"run_id": run.id, "key": k, "value": v} for k, v in labels.items()],
                    )
                await append_events(
                    conn,
                    run_id=run.id,
                    namespace=run.namespace,
                    name=run.name,
                    new=[_lifecycle("created", run.phase)],
                    status=run.status,
                    now=now,
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
        self._signal("events")
        created = await self._run_where(runs.c.id == run.id)
        assert created is not None
        return created, True

    async def _run_where(self, condition: Any) -> RunRecord | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(runs).where(condition))).mappings().one_or_none()
        return None if row is None else run_record(row)

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
        newest_first: bool = False,
    ) -> list[RunRecord]:
        """Oldest first (newest first with `newest_first`, as the dashboard lists them); `after`
        is the (created_at, id) of the last run of the previous page."""
        query = select(runs)
        if namespace is not None:
            query = query.where(runs.c.namespace == namespace)
        if phase is not None:
            query = query.where(runs.c.phase == phase)
        for requirement in selector:
            query = query.where(_label_clause(*requirement))
        if after is not None:
            created, run_id = after
            if newest_first:
                later = or_(
                    runs.c.created_at < created,
                    and_(runs.c.created_at == created, runs.c.id < run_id),
                )
            else:
                later = or_(
                    runs.c.created_at > created,
                    and_(runs.c.created_at == created, runs.c.id > run_id),
                )
            query = query.where(later)
        order = (
            (runs.c.created_at.desc(), runs.c.id.desc())
            if newest_first
            else (
                runs.c.created_at,
                runs.c.id,
            )
        )
        query = query.order_by(*order).limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [run_record(row) for row in rows]

    async def update_spec(
        self, run_id: str, *, spec: Mapping[str, Any], next_reconcile_at: datetime | None
    ) -> None:
        """Change a run's spec (terminate) and bring its next pass forward."""
        async with self._begin() as conn:
            await conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    spec=dump(spec), next_reconcile_at=next_reconcile_at, updated_at=self._clock()
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
            return utc((await conn.execute(query)).scalar())

    async def delete_run(self, *, namespace: str, name: str) -> bool:
        """Delete the run with its measurements and events; one event says it was deleted."""
        async with self._begin() as conn:
            found = (
                await conn.execute(
                    select(runs.c.id, runs.c.phase, runs.c.status).where(
                        runs.c.namespace == namespace, runs.c.name == name
                    )
                )
            ).one_or_none()
            if found is None:
                return False
            run_id = found.id
            # Explicit, not only ON DELETE CASCADE: SQLite enforces that only with a pragma.
            await conn.execute(delete(measurements).where(measurements.c.run_id == run_id))
            await conn.execute(delete(run_labels).where(run_labels.c.run_id == run_id))
            await conn.execute(delete(runs).where(runs.c.id == run_id))
            await conn.execute(delete(events).where(events.c.run_id == run_id))
            await append_events(
                conn,
                run_id=run_id,
                namespace=namespace,
                name=name,
                new=[_lifecycle("deleted", found.phase)],
                status=load(found.status, what=f"status of run {run_id}"),
                now=self._clock(),
            )
        self._signal("events")
        return True


def _lifecycle(action: str, phase: str) -> NewEvent:
    return NewEvent(kind="run", metric=None, phase=phase, extra={"action": action})


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
