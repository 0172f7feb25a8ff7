"""Run status and the gates answer from `app.api.served`: built once per stored version of a
run, rebuilt when the row holds another, the same bytes the routes wrote before."""

from __future__ import annotations

from typing import Any

import pytest

from app.api.served import Served, json_bytes
from app.service.documents import run_from_record
from app.spec.document import run_document
from app.store.records import RunRecord
from app.store.runs import StoredRun
from tests.api.conftest import NS, Client, replay_metric
from tests.support.waiting import wait_for_async


def stored(run_id: str, *version: str) -> StoredRun:
    return StoredRun(id=run_id, version=version, row={})


class Builds:
    def __init__(self, size: int = 10) -> None:
        self.size = size
        self.count = 0

    def __call__(self, _record: RunRecord) -> tuple[int, bytes]:
        self.count += 1
        return self.count, b"x" * self.size


@pytest.mark.parametrize(
    ("reads", "builds"),
    [
        ([("r1", "v1"), ("r1", "v1"), ("r1", "v1")], 1),
        ([("r1", "v1"), ("r1", "v2"), ("r1", "v2")], 2),
        ([("r1", "v1"), ("r1", "v2"), ("r1", "v1")], 3),
        ([("r1", "v1"), ("r2", "v1"), ("r1", "v1")], 2),
    ],
    ids=["one version", "a new version", "back to an old version", "two runs"],
)
def test_an_answer_is_built_once_per_version_of_a_run(
    reads: list[tuple[str, str]], builds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StoredRun, "record", lambda self: None)
    build, kept = Builds(), Served[int]()
    answered: dict[str, tuple[str, int]] = {}  # per run: the version last built, its answer
    for run_id, version in reads:
        value, body = kept.get("run", stored(run_id, version), build)
        assert body == b"x" * 10
        last = answered.get(run_id)
        # The answer of the version read: kept while the run holds it, else built now.
        assert value == (last[1] if last is not None and last[0] == version else build.count)
        answered[run_id] = (version, value)
    assert build.count == builds


def test_answers_are_bounded_by_size_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StoredRun, "record", lambda self: None)
    build, kept = Builds(size=40), Served[int](max_bytes=100)  # 40 bytes + 2 of version each
    for run_id in ("a", "b", "c"):
        kept.get("run", stored(run_id, "v1"), build)
    assert kept.size == 84
    kept.get("run", stored("a", "v1"), build)  # dropped for c: built again
    kept.get("run", stored("c", "v1"), build)  # kept
    assert build.count == 4
    huge = Builds(size=500)
    assert kept.get("run", stored("d", "v1"), huge)[1] == b"x" * 500  # answered, not kept
    assert kept.size == 84


async def test_run_status_is_the_run_document_of_each_stored_version(client: Client) -> None:
    body = {
        "name": "slow",
        "spec": {"metrics": [replay_metric(0.995, 0.996, interval="1s", count=2)]},
    }
    assert (await client.post(f"{NS}/analysisruns", json=body)).status_code == 201
    seen: list[dict[str, Any]] = []

    async def read() -> bool:
        reply = await client.get(f"{NS}/analysisruns/slow")
        record = await client.app.state.store.get_run(namespace="default", name="slow")
        assert reply.headers["content-type"] == "application/json"
        document = run_document(run_from_record(record))
        # Unequal only when the row moved between the two reads: then the next poll compares.
        if reply.content == json_bytes(document) and (not seen or seen[-1] != document):
            seen.append(document)
        return document.get("status", {}).get("phase") == "Successful"

    await wait_for_async(read, lambda done: done, timeout=20, describe=lambda _: f"{seen}")
    counts = [d.get("status", {}).get("metricResults", [{}])[0].get("count", 0) for d in seen]
    assert counts == sorted(counts)
    assert seen[-1]["status"]["phase"] == "Successful"
    assert len(seen) >= 2  # the answer moved with the row
