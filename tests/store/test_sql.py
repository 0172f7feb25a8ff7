"""The store against a real SQLite file and a real PostgreSQL server, same tests for both."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from app.store.db import open_engine
from app.store.errors import DuplicateMeasurement, LeaseLost, NameTaken
from app.store.migrate import upgrade
from app.store.records import NewMeasurement, NewRun
from app.store.schema import metadata
from app.store.sql import SqlStore
from tests.support.postgres import Postgres, create_database

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"
    else:
        postgres: Postgres = request.getfixturevalue("postgres")
        yield create_database(postgres)


@pytest.fixture
async def engine(store_url: str) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(store_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(engine: AsyncEngine, clock: Clock) -> SqlStore:
    return SqlStore(engine, clock=clock)


def new_run(name: str = "apdex-1", *, labels: dict[str, str] | None = None) -> NewRun:
    return NewRun(
        id=str(uuid.uuid4()),
        namespace="bookinfo",
        name=name,
        spec={"metrics": [{"name": "apdex"}]},
        status={"phase": "Pending"},
        phase="Pending",
        labels=labels or {},
        next_reconcile_at=T0,
    )


async def test_migrations_create_exactly_the_declared_tables(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert diff == []


async def test_upgrade_twice_is_harmless(engine: AsyncEngine) -> None:
    await upgrade(engine)


async def test_templates_create_replace_list_delete(store: SqlStore, clock: Clock) -> None:
    body = {"spec": {"metrics": [{"name": "apdex"}]}}
    created, was_new = await store.put_template(
        kind="AnalysisTemplate", namespace="bookinfo", name="apdex", body=body
    )
    assert was_new
    assert created.resource_version == 1
    assert created.body == body
    clock.now = T0 + timedelta(minutes=1)
    replaced, was_new = await store.put_template(
        kind="AnalysisTemplate", namespace="bookinfo", name="apdex", body={"spec": {}}
    )
    assert not was_new
    assert (replaced.resource_version, replaced.created_at, replaced.updated_at) == (
        2,
        T0,
        T0 + timedelta(minutes=1),
    )
    await store.put_template(kind="ClusterAnalysisTemplate", namespace="", name="apdex", body={})
    listed = await store.list_templates(kind="AnalysisTemplate", namespace="bookinfo")
    assert [t.name for t in listed] == ["apdex"]
    assert await store.delete_template(kind="AnalysisTemplate", namespace="bookinfo", name="apdex")
    assert not await store.delete_template(
        kind="AnalysisTemplate", namespace="bookinfo", name="apdex"
    )
    assert await store.get_template(kind="ClusterAnalysisTemplate", namespace="", name="apdex")


async def test_idempotency_key_returns_the_same_run(store: SqlStore) -> None:
    first, created = await store.create_run(new_run(), idempotency_key="k1")
    again, created_again = await store.create_run(new_run("other"), idempotency_key="k1")
    assert created
    assert not created_again
    assert again.id == first.id
    assert again.name == "apdex-1"


async def test_a_taken_name_is_a_conflict_that_names_the_run(store: SqlStore) -> None:
    await store.create_run(new_run())
    with pytest.raises(NameTaken, match="analysisrun bookinfo/apdex-1 exists already"):
        await store.create_run(new_run())


async def test_status_and_measurements_move_together(store: SqlStore, clock: Clock) -> None:
    run, _ = await store.create_run(new_run())
    first = NewMeasurement(metric="apdex", seq=1, phase="Successful", value="[9950]")
    await store.record(
        run.id, new=[first], status={"phase": "Running"}, phase="Running", next_reconcile_at=T0
    )
    # A second writer holding the same stale status retries seq 1: refused, nothing changes.
    with pytest.raises(DuplicateMeasurement):
        await store.record(
            run.id,
            new=[first],
            status={"phase": "Failed"},
            phase="Failed",
            next_reconcile_at=None,
        )
    stored = await store.get_run_by_id(run.id)
    assert stored is not None
    assert stored.phase == "Running"
    assert stored.status == {"phase": "Running"}
    assert [m.value for m in await store.measurements(run.id)] == ["[9950]"]


async def test_measurements_page_by_sequence(store: SqlStore) -> None:
    run, _ = await store.create_run(new_run())
    batch = [NewMeasurement(metric="apdex", seq=i, phase="Successful") for i in range(1, 6)]
    await store.record(run.id, new=batch, status={}, phase="Running", next_reconcile_at=T0)
    page = await store.measurements(run.id, metric="apdex", after_seq=2, limit=2)
    assert [m.seq for m in page] == [3, 4]


async def test_list_runs_by_label_phase_and_page(store: SqlStore, clock: Clock) -> None:
    for i in range(5):
        clock.now = T0 + timedelta(seconds=i)
        labels = {"app": "reviews", "track": "canary" if i % 2 else "stable"}
        await store.create_run(new_run(f"run-{i}", labels=labels))
    canary = await store.list_runs(selector=[("track", "=", ("canary",))])
    assert [r.name for r in canary] == ["run-1", "run-3"]
    not_canary = await store.list_runs(selector=[("track", "notin", ("canary",))])
    assert [r.name for r in not_canary] == ["run-0", "run-2", "run-4"]
    first_page = await store.list_runs(namespace="bookinfo", limit=2)
    last = first_page[-1]
    second_page = await store.list_runs(limit=2, after=(last.created_at, last.id))
    assert [r.name for r in first_page + second_page] == ["run-0", "run-1", "run-2", "run-3"]
    assert await store.list_runs(phase="Running") == []


async def test_list_runs_newest_first_pages_backwards(store: SqlStore, clock: Clock) -> None:
    for i in range(5):
        clock.now = T0 + timedelta(seconds=i // 2)  # two runs a second: the id breaks the tie
        await store.create_run(new_run(f"run-{i}"))
    first_page = await store.list_runs(limit=2, newest_first=True)
    last = first_page[-1]
    rest = await store.list_runs(limit=10, after=(last.created_at, last.id), newest_first=True)
    names = [r.name for r in first_page + rest]
    assert sorted(names) == [f"run-{i}" for i in range(5)]  # none skipped, none repeated
    assert names[0] == "run-4"
    assert [r.created_at for r in first_page + rest] == sorted(
        (r.created_at for r in first_page + rest), reverse=True
    )


async def test_leases_are_exclusive_until_they_expire_or_are_released(
    store: SqlStore,
) -> None:
    run, _ = await store.create_run(new_run())
    lease = timedelta(seconds=30)
    assert [r.id for r in await store.lease_due(owner="a", now=T0, lease=lease, limit=10)] == [
        run.id
    ]
    assert await store.lease_due(owner="b", now=T0, lease=lease, limit=10) == []
    with pytest.raises(LeaseLost):
        await store.record(
            run.id, new=[], status={}, phase="Running", next_reconcile_at=T0, lease_owner="b"
        )
    later = T0 + timedelta(seconds=31)
    assert [r.id for r in await store.lease_due(owner="b", now=later, lease=lease, limit=10)] == [
        run.id
    ]
    await store.release(owner="b")
    assert len(await store.lease_due(owner="c", now=later, lease=lease, limit=10)) == 1


async def test_delete_run_takes_its_measurements(store: SqlStore) -> None:
    run, _ = await store.create_run(new_run(labels={"app": "reviews"}))
    await store.record(
        run.id,
        new=[NewMeasurement(metric="apdex", seq=1, phase="Successful")],
        status={},
        phase="Running",
        next_reconcile_at=None,
    )
    assert await store.delete_run(namespace="bookinfo", name="apdex-1")
    assert await store.measurements(run.id) == []
    assert await store.get_run(namespace="bookinfo", name="apdex-1") is None
