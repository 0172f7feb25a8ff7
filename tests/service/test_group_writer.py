"""The scheduler's group commit: a lone pass is written at once, passes that come while a group
commits share the next transaction, and each pass is answered only with its own outcome, once
its transaction has ended."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from app.service.scheduler_writes import MAX_GROUP, GroupWriter
from app.store.errors import LeaseLost, StoreUnavailable
from app.store.measurements import PassWrite
from app.store.sql import SqlStore


def write(run_id: str) -> PassWrite:
    return PassWrite(
        run_id,
        new=[],
        status={},
        phase="Running",
        next_reconcile_at=datetime(2026, 12, 1, tzinfo=UTC),
        completed_at=None,
        lease_owner="me",
    )


class Store:
    """Records each group; holds the first commit until `release` is set; answers LeaseLost for
    runs named `lost-*` and fails whole groups while `down`."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.release = asyncio.Event()
        self.down = False

    async def record_many(self, batch: Sequence[PassWrite]) -> list[Exception | None]:
        self.groups.append([item.run_id for item in batch])
        await self.release.wait()
        if self.down:
            raise StoreUnavailable("the store is unreachable")
        return [LeaseLost(f"{i.run_id} lost") if "lost" in i.run_id else None for i in batch]


async def outcomes(writer: GroupWriter, names: Sequence[str]) -> list[Any]:
    done = await asyncio.gather(
        *(writer.write(write(name)) for name in names), return_exceptions=True
    )
    return [None if d is None else str(d) for d in done]


async def test_passes_that_come_during_a_commit_share_the_next_one() -> None:
    store = Store()
    writer = GroupWriter(lambda: cast(SqlStore, store))
    first = asyncio.create_task(writer.write(write("a")))
    while not store.groups:  # the first group (a alone) starts committing, and is held
        await asyncio.sleep(0)
    assert store.groups == [["a"]]
    rest = asyncio.create_task(outcomes(writer, ["b", "lost-c", "d"]))
    await asyncio.sleep(0)
    assert not first.done()  # not answered before its commit
    store.release.set()
    assert await rest == [None, "lost-c lost", None]
    await first
    assert store.groups == [["a"], ["b", "lost-c", "d"]]


@pytest.mark.parametrize(
    ("count", "groups"),
    [
        pytest.param(1, [1], id="one pass, one group"),
        pytest.param(MAX_GROUP + 1, [MAX_GROUP, 1], id="past the largest group, two"),
    ],
)
async def test_groups_are_bounded(count: int, groups: list[int]) -> None:
    store = Store()
    store.release.set()
    writer = GroupWriter(lambda: cast(SqlStore, store))
    assert await outcomes(writer, [f"r{n}" for n in range(count)]) == [None] * count
    assert [len(g) for g in store.groups] == groups


async def test_a_group_that_fails_whole_fails_each_of_its_passes() -> None:
    store = Store()
    store.release.set()
    store.down = True
    writer = GroupWriter(lambda: cast(SqlStore, store))
    said = await outcomes(writer, ["a", "b"])
    assert said == ["the store is unreachable"] * 2
    store.down = False
    assert await outcomes(writer, ["c"]) == [None]  # the writer goes on after a failure
