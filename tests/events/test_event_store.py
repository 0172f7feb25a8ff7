"""The events table and the notification outbox against a real SQLite file and a real
PostgreSQL: written in the transaction that makes them true (or not at all), read after a
cursor, claimed by one worker at a time, pruned by age."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.store.errors import LeaseLost
from app.store.records import NewEvent, NewNotification, NewRun
from app.store.sql import SqlStore
from tests.store.test_sql import T0, Clock, clock, engine, store_url

LEASE = timedelta(seconds=30)

__all__ = ["clock", "engine", "store_url"]  # the store tests' fixtures, used here too


@pytest.fixture
def rung() -> list[str]:
    return []


@pytest.fixture
def store(engine: AsyncEngine, clock: Clock, rung: list[str]) -> SqlStore:
    return SqlStore(engine, clock=clock, signal=rung.append)


async def create(store: SqlStore, name: str, namespace: str = "bookinfo") -> str:
    run_id = str(uuid.uuid4())
    await store.create_run(
        NewRun(
            id=run_id,
            namespace=namespace,
            name=name,
            spec={"metrics": []},
            status={},
            phase="Pending",
            annotations={"notifications.augur.io/on-failed": "ops"},
            next_reconcile_at=T0,
        )
    )
    return run_id


def phase(to: str) -> NewEvent:
    return NewEvent(kind="phase", metric=None, phase=to)


def notice(key: str, receiver: str = "ops") -> NewNotification:
    return NewNotification(key=key, receiver=receiver, kind="phase", payload={"phase": "Failed"})


async def test_events_are_written_with_the_pass_or_not_at_all(
    store: SqlStore, rung: list[str]
) -> None:
    run_id = await create(store, "a")
    stored = await store.get_run_by_id(run_id)
    assert stored is not None
    assert stored.annotations == {"notifications.augur.io/on-failed": "ops"}
    await store.lease_due(owner="me", now=T0, lease=LEASE, limit=1)
    with pytest.raises(LeaseLost):
        await store.record(
            run_id,
            new=[],
            status={"phase": "Running"},
            phase="Running",
            next_reconcile_at=None,
            lease_owner="someone-else",
            events=[phase("Running")],
            outbox=[notice("k1")],
        )
    assert [e.kind for e in await store.events_after(0)] == ["run"]
    assert await store.notification_states() == {}
    rung.clear()
    await store.record(
        run_id,
        new=[],
        status={"phase": "Running", "runSummary": {"count": 1}},
        phase="Running",
        next_reconcile_at=None,
        lease_owner="me",
        events=[phase("Running")],
        outbox=[notice("k1")],
    )
    assert rung == ["events", "outbox"]
    created, running = await store.events_after(0)
    assert running.id > created.id
    assert running.data == {
        "namespace": "bookinfo",
        "name": "a",
        "uid": run_id,
        "metric": None,
        "phase": "Running",
        "message": "",
        "measurement": None,
        "status": {
            "phase": "Running",
            "message": "",
            "count": 1,
            "successful": 0,
            "failed": 0,
            "inconclusive": 0,
            "error": 0,
        },
        "at": "2026-11-29T12:00:00.000Z",
    }
    assert await store.notification_states() == {"pending": 1}


async def test_reading_after_a_cursor_by_run_and_namespace(store: SqlStore) -> None:
    a = await create(store, "a", "team-a")
    await create(store, "b", "team-b")
    await create(store, "c", "team-c")
    everything = await store.events_after(0)
    assert [e.name for e in everything] == ["a", "b", "c"]
    assert await store.last_event_id() == everything[-1].id
    assert [e.name for e in await store.events_after(everything[0].id)] == ["b", "c"]
    assert [e.name for e in await store.events_after(0, run_id=a)] == ["a"]
    found = await store.events_after(0, namespaces={"team-a", "team-c"})
    assert [e.name for e in found] == ["a", "c"]
    assert [e.name for e in await store.events_after(0, limit=2)] == ["a", "b"]


async def test_a_deleted_run_leaves_one_event_with_a_new_id(store: SqlStore) -> None:
    await create(store, "a")
    last = await store.last_event_id()
    assert await store.delete_run(namespace="bookinfo", name="a")
    (deleted,) = await store.events_after(0)
    assert deleted.id > last
    assert (deleted.kind, deleted.data["action"], deleted.data["phase"]) == (
        "run",
        "deleted",
        "Pending",
    )


async def test_a_key_is_queued_once_and_claimed_by_one_worker(
    store: SqlStore, clock: Clock
) -> None:
    await store.enqueue_notifications([notice("k1"), notice("k2", receiver="other")])
    await store.enqueue_notifications([notice("k1")])
    assert await store.notification_states() == {"pending": 2}
    (mine,) = await store.claim_notifications(receiver="ops", owner="a", now=T0, lease=LEASE)
    assert (mine.key, mine.attempts) == ("k1", 0)
    assert await store.claim_notifications(receiver="ops", owner="b", now=T0, lease=LEASE) == []
    # The lease ran out (a died): b takes it, and a's late word no longer counts.
    later = T0 + LEASE + timedelta(seconds=1)
    (theirs,) = await store.claim_notifications(receiver="ops", owner="b", now=later, lease=LEASE)
    await store.finish_attempt(mine.id, owner="a", delivered=True)
    assert await store.notification_states() == {"pending": 2}
    await store.finish_attempt(
        theirs.id, owner="b", delivered=False, error="HTTP 503", retry_at=later + LEASE
    )
    assert await store.next_notification_due("ops") == later + LEASE
    assert await store.claim_notifications(receiver="ops", owner="b", now=later, lease=LEASE) == []
    (again,) = await store.claim_notifications(
        receiver="ops", owner="b", now=later + LEASE, lease=LEASE
    )
    assert again.attempts == 1
    await store.finish_attempt(again.id, owner="b", delivered=False, error="HTTP 404")
    assert await store.notification_states() == {"failed": 1, "pending": 1}
    clock.now = later
    await store.release_notifications(owner=None)


async def test_old_events_and_notifications_are_pruned(store: SqlStore, clock: Clock) -> None:
    await create(store, "old")
    await store.enqueue_notifications([notice("old")])
    clock.now = T0 + timedelta(days=8)
    await create(store, "new")
    await store.enqueue_notifications([notice("new")])
    before = T0 + timedelta(days=1)
    assert await store.prune_events(before=before) == 1
    assert await store.prune_notifications(before=before) == 1
    assert [e.name for e in await store.events_after(0)] == ["new"]
    assert await store.notification_states() == {"pending": 1}
