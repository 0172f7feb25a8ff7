"""The hostile corpus (`corpus.py`) against one real `augur serve` on SQLite and one on PostgreSQL:
each request is refused with a 4xx problem+json in bounded time, and after each one that writes,
the run and template lists still answer 200 (nothing half-stored can break a later read);
afterwards nothing was stored and the server's memory stayed bounded. The seed template is
stored first so that references and args resolve."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.hostile.conftest import Hostile, start
from tests.hostile.corpus import (
    BOUNDED,
    BUDGET_OVERRUNS,
    MAX_BODY,
    NS,
    SEED,
    Attack,
    corpus,
    huge,
    inline,
    metric,
)
from tests.support.postgres import Postgres, create_database

PER_REQUEST_SECONDS = 2.0  # a bound on hostile work, not a performance target
RSS_GROWTH_BYTES = 200 * 1024 * 1024
ATTACKS = corpus()


@dataclass
class Baseline:
    server: Hostile
    stored: dict[str, Any]
    rss: int


def stored(client: httpx.Client) -> dict[str, Any]:
    """Everything a request could have left behind: templates, cluster templates, runs."""
    paths = (
        f"/api/v1/namespaces/{NS}/analysistemplates",
        "/api/v1/clusteranalysistemplates",
        "/api/v1/analysisruns",
    )
    found = {}
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, answer.text
        found[path] = answer.json()["items"]
    return found


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def baseline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Baseline]:
    tmp = tmp_path_factory.mktemp("hostile")
    store_url = None
    if request.param == "postgresql":
        postgres: Postgres = request.getfixturevalue("postgres")
        store_url = create_database(postgres)
    # The default allowlist (`*`): what is refused here is refused whatever the allowlist says.
    for server in start(tmp, env={"AUGUR_MAX_BODY_BYTES": str(MAX_BODY)}, store_url=store_url):
        seeded = server.client.put(f"/api/v1/namespaces/{NS}/analysistemplates/seed", json=SEED)
        assert seeded.status_code == 201, seeded.text
        yield Baseline(server=server, stored=stored(server.client), rss=server.rss_bytes())


def send(client: httpx.Client, attack: Attack) -> tuple[httpx.Response, float]:
    if not isinstance(attack.body, bytes | None):  # a streamed body is read once: each store
        attack = next(fresh for fresh in huge() if fresh.id == attack.id)  # gets its own
    headers = dict(attack.headers)
    if attack.content_type is not None:
        headers["Content-Type"] = attack.content_type
    request = client.build_request(
        attack.method, attack.path, content=attack.body, params=attack.params, headers=headers
    )
    if not attack.auth:
        request.headers.pop("Authorization", None)
        request.headers.update(attack.headers)
    started = time.monotonic()
    answer = client.send(request)
    return answer, time.monotonic() - started


def test_the_corpus_is_large_enough() -> None:
    assert len(ATTACKS) >= 200


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_refused(attack: Attack, baseline: Baseline) -> None:
    answer, took = send(baseline.server.client, attack)
    assert took < PER_REQUEST_SECONDS, f"{took:.2f}s"
    if attack.path == "/api/v1/validate" and answer.status_code == 200:
        assert answer.json()["valid"] is False, answer.text  # refused, by contract
        return
    assert 400 <= answer.status_code < 500, f"{answer.status_code} {answer.text[:500]}"
    if attack.status is not None:
        assert answer.status_code == attack.status, answer.text[:500]
    if answer.status_code not in (400, 431):  # uvicorn's own refusals of malformed HTTP
        assert answer.headers["content-type"] == "application/problem+json", answer.text[:200]
        assert answer.json()["status"] == answer.status_code
    if attack.method != "GET":
        lists_answer(baseline.server.client)


def lists_answer(client: httpx.Client) -> None:
    """What a refused request must never break: every list still answers (an older augur stored
    a run whose create answered 500, and every list answered 500 from then on)."""
    for path in (
        "/api/v1/analysisruns",
        f"/api/v1/namespaces/{NS}/analysisruns",
        f"/api/v1/namespaces/{NS}/analysistemplates",
        "/api/v1/clusteranalysistemplates",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"


def evaluate(baseline: Baseline, source: str, value: Any) -> dict[str, Any]:
    """The Argo evaluate gate's verdict on `source` for a replayed `value`, answered in time."""
    body = {
        "namespace": NS,
        **inline(
            metric(successCondition=source, provider={"replay": {"results": [{"value": value}]}})
        ),
    }
    started = time.monotonic()
    answer = baseline.server.client.post("/api/v1/gates/argo/evaluate", json=body)
    took = time.monotonic() - started
    assert took < PER_REQUEST_SECONDS, f"{took:.2f}s"
    assert answer.status_code == 200, answer.text[:500]
    verdict: dict[str, Any] = answer.json()
    return verdict


@pytest.mark.parametrize(("source", "value"), BOUNDED.values(), ids=BOUNDED.keys())
def test_bounded_work(source: str, value: Any, baseline: Baseline) -> None:
    verdict = evaluate(baseline, source, value)
    assert verdict["phase"] in ("Error", "Failed", "Successful"), verdict
    assert "<class" not in json.dumps(verdict), verdict


#: Either budget may run out first (the server keeps the default 100 ms time budget); either way
#: the message names the part of the condition that spent it.
OVERRUN = re.compile(
    r'could not evaluate successCondition ".*": condition exceeded its '
    r"(step budget \(1000000 steps\)|time budget 100ms) at \S+ \(\d+:\d+\)",
    re.DOTALL,
)


@pytest.mark.parametrize(("source", "value"), BUDGET_OVERRUNS.values(), ids=BUDGET_OVERRUNS.keys())
def test_a_budget_overrun_is_a_located_error(source: str, value: Any, baseline: Baseline) -> None:
    verdict = evaluate(baseline, source, value)
    assert verdict["phase"] == "Error", verdict
    assert OVERRUN.fullmatch(verdict["metrics"]["m"]["message"]), verdict


def test_nothing_stored_and_memory_bounded(baseline: Baseline) -> None:
    server = baseline.server
    assert server.served.proc.poll() is None, "the server died"
    assert stored(server.client) == baseline.stored
    growth = server.rss_bytes() - baseline.rss
    assert growth < RSS_GROWTH_BYTES, f"RSS grew by {growth / 2**20:.0f} MiB"
    assert "Traceback" not in server.served.logs()
