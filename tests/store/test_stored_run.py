"""`stored_run`, the read of run status and the gates: the same run as the engine reads, its
version moving exactly when a document of it would change, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from app.store.hotread import PgReader, SqliteReader
from app.store.sql import SqlStore
from tests.store.test_sql import T0, new_run


@pytest.mark.parametrize("by", ["name", "key"], ids=["by namespace/name", "by idempotency key"])
async def test_the_stored_run_is_the_run_the_engine_reads(store: SqlStore, by: str) -> None:
    run, _ = await store.create_run(new_run(labels={"team": "a"}), idempotency_key="gate:k")
    if by == "name":
        stored = await store.stored_run(namespace="bookinfo", name="apdex-1")
    else:
        stored = await store.stored_run(idempotency_key="gate:k")
    assert stored is not None
    assert stored.record() == await store.get_run_by_id(run.id)
    fast = SqliteReader if store.engine.dialect.name == "sqlite" else PgReader
    assert isinstance(store._hot, fast)  # read without the engine


@pytest.mark.parametrize(
    "where",
    [{"namespace": "bookinfo", "name": "other"}, {"idempotency_key": "none"}],
    ids=["unknown name", "unknown key"],
)
async def test_an_unknown_run_is_none(store: SqlStore, where: dict[str, str]) -> None:
    await store.create_run(new_run(), idempotency_key="gate:k")
    assert await store.stored_run(**where) is None


async def test_the_version_moves_with_the_status_and_only_then(store: SqlStore) -> None:
    run, _ = await store.create_run(new_run())
    before = await store.stored_run(namespace="bookinfo", name="apdex-1")
    same = await store.stored_run(namespace="bookinfo", name="apdex-1")
    await store.record(
        run.id, new=[], status={"phase": "Running"}, phase="Running", next_reconcile_at=T0
    )
    after = await store.stored_run(namespace="bookinfo", name="apdex-1")
    assert before is not None
    assert same is not None
    assert after is not None
    assert same.version == before.version
    assert after.version != before.version
    assert after.record().status == {"phase": "Running"}


async def test_the_engine_reads_when_the_fast_reader_cannot(store: SqlStore) -> None:
    run, _ = await store.create_run(new_run())
    await store.stored_run(namespace="bookinfo", name="apdex-1")
    assert store._hot is not None
    store._hot.close()  # type: ignore[union-attr]
    stored = await store.stored_run(namespace="bookinfo", name="apdex-1")
    assert stored is not None
    assert stored.record() == await store.get_run_by_id(run.id)
