"""The store's seam for text, on SQLite and PostgreSQL alike: text no store can hold or no answer
can carry (an unpaired surrogate, NUL) is replaced with U+FFFD when written (a provider's
answer is kept as it came) and again when read (a record stored before the door refused it),
so such a record can never fail a write on PostgreSQL or an answer on either store."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import text

from app.store.measurements import REPLACED_TEXT
from app.store.records import NewMeasurement, NewRun
from app.store.sql import SqlStore
from tests.store import test_sql

T0 = test_sql.T0
# The store on SQLite and on PostgreSQL, as tests/store/test_sql.py builds it.
store_url, engine, clock, store = (
    test_sql.store_url,
    test_sql.engine,
    test_sql.clock,
    test_sql.store,
)

BAD = "a\x00b\ud800c"
FIXED = "a\ufffdb\ufffdc"


def run(**fields: object) -> NewRun:
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "namespace": "bookinfo",
        "name": "apdex-1",
        "spec": {"metrics": [{"name": "apdex"}]},
        "status": {},
        "phase": "Pending",
        "next_reconcile_at": T0,
        **fields,
    }
    return NewRun(**values)  # type: ignore[arg-type]


async def test_a_provider_answer_with_unusable_text_is_kept_with_replacements(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    created, _ = await store.create_run(run())
    status = {"metricResults": [{"name": "apdex", "measurements": [{"value": BAD}]}]}
    with caplog.at_level(logging.WARNING, logger="app.store.base"):
        await store.record(
            created.id,
            new=[NewMeasurement(metric="apdex", seq=1, phase="Successful", value=BAD, message=BAD)],
            status=status,
            phase="Running",
            next_reconcile_at=None,
        )
    [row] = await store.measurements(created.id)
    assert (row.value, row.message) == (FIXED, FIXED)
    assert row.metadata == {REPLACED_TEXT: "value,message"}
    stored = await store.get_run_by_id(created.id)
    assert stored is not None
    assert stored.status["metricResults"][0]["measurements"][0]["value"] == FIXED
    assert [r.getMessage() for r in caplog.records] == [
        "replaced unusable text (NUL or unpaired surrogate) in 1 strings of "
        f"status of run {created.id}"
    ]


async def test_labels_with_unusable_text_never_fail_the_write(store: SqlStore) -> None:
    created, _ = await store.create_run(run(labels={"team": BAD}))
    assert created.labels == {"team": FIXED}
    found = await store.list_runs(selector=[("team", "=", (FIXED,))])
    assert [r.id for r in found] == [created.id]


async def test_a_record_stored_before_the_check_reads_with_replacements(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    created, _ = await store.create_run(run())
    await store.put_template(kind="AnalysisTemplate", namespace="bookinfo", name="t", body={})
    # What an older augur wrote: json.dumps escapes the surrogate, so the text is plain ASCII.
    async with store.engine.begin() as conn:
        await conn.execute(
            text("UPDATE runs SET spec = :spec WHERE id = :id"),
            {"spec": '{"metrics":[{"name":"m\\ud800"}]}', "id": created.id},
        )
        await conn.execute(text("UPDATE templates SET body = :body"), {"body": '{"k\\udc00":1}'})
    with caplog.at_level(logging.ERROR, logger="app.store.base"):
        found = await store.get_run_by_id(created.id)
        [listed] = await store.list_runs()
        [stored_template] = await store.list_templates(kind="AnalysisTemplate", namespace=None)
    assert found is not None
    assert found.spec == listed.spec == {"metrics": [{"name": "m\ufffd"}]}
    assert stored_template.body == {"k\ufffd": 1}
    assert len(caplog.records) == 3
    assert caplog.records[0].getMessage() == (
        f"stored spec of run {created.id} held unusable text (NUL or unpaired surrogate) in 1 "
        "strings; answered with U+FFFD in their place"
    )
