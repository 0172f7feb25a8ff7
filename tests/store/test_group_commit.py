"""`record_many`, the scheduler's group commit, against SQLite and PostgreSQL: several passes in
one transaction, each answered as `record` would answer it alone, and only the pass at fault
refused (a lost lease, a measurement stored already)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.store.base import utc
from app.store.errors import DuplicateMeasurement, LeaseLost
from app.store.measurements import PassWrite
from app.store.records import NewEvent, NewMeasurement
from app.store.schema import runs
from app.store.sql import SqlStore
from tests.store.test_sql import T0, new_run

LEASE = timedelta(seconds=30)


def write(run_id: str, seq: int, *, owner: str = "a", release: bool = True) -> PassWrite:
    return PassWrite(
        run_id,
        new=[NewMeasurement(metric="apdex", seq=seq, phase="Successful", value=f"[{seq}]")],
        status={"phase": "Running", "runSummary": {"count": seq}},
        phase="Running",
        next_reconcile_at=T0 + timedelta(seconds=10),
        completed_at=None,
        lease_owner=owner,
        release=release,
        events=[NewEvent(kind="measurement", metric="apdex", phase="Successful")],
    )


async def lease_of(store: SqlStore, run_id: str) -> tuple[str | None, object]:
    query = select(runs.c.lease_owner, runs.c.lease_expires_at).where(runs.c.id == run_id)
    async with store.engine.connect() as conn:
        owner, expires = (await conn.execute(query)).one()
    return owner, utc(expires)


@dataclass(frozen=True)
class Case:
    #: run index -> the owner its lease is given to before the write (None: not leased)
    leased_by: tuple[str | None, str | None]
    #: run index -> a measurement seq stored before the group (0: none)
    stored_before: tuple[int, int]
    #: what each pass is answered: None (written) or the error's text
    answers: tuple[str | None, str | None]


CASES = {
    "both held: both written": Case(("a", "a"), (0, 0), (None, None)),
    "the second's lease taken by another: only the first": Case(
        ("a", "b"), (0, 0), (None, "run {1} is no longer held by a")
    ),
    "never leased: refused": Case((None, "a"), (0, 0), ("run {0} is no longer held by a", None)),
    "the first's measurement stored already: only the second": Case(
        ("a", "a"),
        (1, 0),
        ("run {0} already has a measurement with one of these sequence numbers", None),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_a_group_answers_each_pass_as_alone(store: SqlStore, case: Case) -> None:
    ids = []
    for index, owner in enumerate(case.leased_by):
        run, _ = await store.create_run(new_run(f"apdex-{index}"))
        ids.append(run.id)
        if case.stored_before[index]:
            await store.record(
                run.id,
                new=[NewMeasurement(metric="apdex", seq=1, phase="Successful", value="[old]")],
                status={"phase": "Running"},
                phase="Running",
                next_reconcile_at=T0,
            )
        if owner is not None:
            taken = await store.lease_due(owner=owner, now=T0, lease=LEASE, limit=1, skip=ids[:-1])
            assert [r.id for r in taken] == [run.id]
    answers = await store.record_many([write(ids[0], 1), write(ids[1], 1)])
    texts = [None if a is None else str(a) for a in answers]
    assert texts == [None if t is None else t.format(*ids) for t in case.answers]
    for run_id, answer in zip(ids, answers, strict=True):
        stored = await store.get_run_by_id(run_id)
        assert stored is not None
        values = [m.value for m in await store.measurements(run_id)]
        if answer is None:
            assert stored.status == write(run_id, 1).status
            assert await lease_of(store, run_id) == (None, None)
            assert values == ["[1]"]
        else:
            assert isinstance(answer, LeaseLost | DuplicateMeasurement)
            assert stored.status == {"phase": "Running" if values else "Pending"}
            assert values == (["[old]"] if values else [])
    written = [e.run_id for e in await store.events_after(0) if e.kind == "measurement"]
    assert written == [i for i, a in zip(ids, answers, strict=True) if a is None]


async def test_a_pass_that_keeps_its_lease_keeps_it_unchanged(store: SqlStore) -> None:
    run, _ = await store.create_run(new_run())
    await store.lease_due(owner="a", now=T0, lease=LEASE, limit=1)
    assert await store.record_many([write(run.id, 1, release=False)]) == [None]
    assert await lease_of(store, run.id) == ("a", T0 + LEASE)
    assert await store.record_many([]) == []
