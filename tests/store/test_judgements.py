"""Canary configs and judgements in the store, on SQLite and PostgreSQL alike: a pending
judgement is claimed by one replica at a time, and its outcome written once, by its claimant."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from app.store.errors import IdTaken
from app.store.records import NewJudgement
from app.store.sql import SqlStore
from tests.store.test_sql import T0, Clock

LEASE = timedelta(seconds=30)


def pending(judgement_id: str, namespace: str = "bookinfo") -> NewJudgement:
    return NewJudgement(
        id=judgement_id,
        namespace=namespace,
        origin="kayenta",
        config={"metrics": [{"name": "apdex"}]},
        request={"scopes": {}, "thresholds": {"pass": 90, "marginal": 75}},
        params={"application": "reviews"},
        config_id="c-1",
        config_name="reviews",
    )


async def test_canary_configs_keep_their_id(store: SqlStore, clock: Clock) -> None:
    first, created = await store.put_canary_config(
        namespace="bookinfo", name="reviews", body={"metrics": []}, new_id="c-1"
    )
    assert (first.id, first.resource_version, created) == ("c-1", 1, True)
    clock.now = T0 + timedelta(minutes=1)
    again, created = await store.put_canary_config(
        namespace="bookinfo", name="reviews", body={"metrics": [1]}, new_id="unused"
    )
    assert (again.id, again.resource_version, created, again.body) == (
        "c-1",
        2,
        False,
        {"metrics": [1]},
    )
    assert again.updated_at == T0 + timedelta(minutes=1)
    with pytest.raises(IdTaken):
        await store.put_canary_config(namespace="other", name="x", body={}, new_id="c-1")
    found = await store.canary_config_by_id("c-1")
    assert found is not None
    assert (found.namespace, found.name) == ("bookinfo", "reviews")
    assert [c.name for c in await store.list_canary_configs(namespace=None)] == ["reviews"]
    assert await store.delete_canary_config(namespace="bookinfo", name="reviews")
    assert await store.canary_config_by_id("c-1") is None


async def test_one_claimant_at_a_time(store: SqlStore) -> None:
    for index in range(4):
        await store.add_judgement(pending(f"j-{index}"))
    first, second = await asyncio.gather(
        store.claim_due(owner="a", now=T0, lease=LEASE, limit=3),
        store.claim_due(owner="b", now=T0, lease=LEASE, limit=3),
    )
    mine, theirs = {j.id for j in first}, {j.id for j in second}
    assert not mine & theirs
    assert mine | theirs == {"j-0", "j-1", "j-2", "j-3"}
    assert all(j.attempts == 1 for j in [*first, *second])
    assert await store.claim_due(owner="c", now=T0 + LEASE / 2, lease=LEASE, limit=9) == []


async def test_the_outcome_is_written_once_by_its_claimant(store: SqlStore, clock: Clock) -> None:
    await store.add_judgement(pending("j"))
    [claimed] = await store.claim_due(owner="a", now=T0, lease=LEASE, limit=1)
    assert not await store.renew_claim("j", owner="b", until=T0 + LEASE)
    assert await store.renew_claim("j", owner="a", until=T0 + 2 * LEASE)
    assert (
        await store.claim_due(
            owner="b", now=T0 + LEASE + timedelta(seconds=1), lease=LEASE, limit=1
        )
        == []
    )
    assert not await store.finish_judgement(
        "j", owner="b", status="succeeded", report={}, error=None
    )
    clock.now = T0 + timedelta(minutes=1)
    report = {"judgeResult": {"score": {"score": 100.0}}}
    assert await store.finish_judgement(
        "j",
        owner="a",
        status="succeeded",
        report=report,
        error=None,
        score=100.0,
        classification="Pass",
    )
    assert not await store.finish_judgement(
        "j", owner="a", status="terminal", report=None, error="again"
    )
    done = await store.get_judgement("j")
    assert done is not None
    assert (done.status, done.score, done.report, done.completed_at, done.attempts) == (
        "succeeded",
        100.0,
        report,
        T0 + timedelta(minutes=1),
        claimed.attempts,
    )
    assert await store.claim_due(owner="a", now=T0 + timedelta(hours=1), lease=LEASE, limit=1) == []


async def test_a_dead_claimants_judgements_are_taken_back(store: SqlStore) -> None:
    await store.add_judgement(pending("j"))
    await store.claim_due(owner="dead", now=T0, lease=LEASE, limit=1)
    expired = await store.claim_due(
        owner="b", now=T0 + LEASE + timedelta(seconds=1), lease=LEASE, limit=1
    )
    assert [(j.id, j.attempts) for j in expired] == [("j", 2)]
    await store.release_claims(owner=None)
    again = await store.claim_due(owner="c", now=T0, lease=LEASE, limit=1)
    assert [(j.id, j.attempts) for j in again] == [("j", 3)]


async def test_listing_is_newest_first_without_reports(store: SqlStore, clock: Clock) -> None:
    for index in range(3):
        clock.now = T0 + timedelta(minutes=index)
        done = replace(pending(f"j-{index}"), status="succeeded", report={"judgeResult": {}})
        await store.add_judgement(done)
    await store.add_judgement(pending("elsewhere", namespace="other"))
    listed = await store.list_judgements(namespace="bookinfo", limit=2)
    assert [(j.id, j.report, j.status) for j in listed] == [
        ("j-2", None, "succeeded"),
        ("j-1", None, "succeeded"),
    ]
    older = await store.list_judgements(namespace="bookinfo", limit=2, before=listed[-1].created_at)
    assert [j.id for j in older] == ["j-0"]
