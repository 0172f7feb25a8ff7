"""Three replicas on one real PostgreSQL share 200 runs; one is SIGKILLed half-way. Every run
still ends with its verdict, every measurement is stored exactly once, and the survivors take
over the dead replica's runs within the lease time."""

from __future__ import annotations

import re
import signal
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from tests.support.postgres import Postgres, create_database
from tests.support.servers import Served, augur_server
from tests.support.waiting import COMPLETED, phase_of, wait_for

RUNS = 200
COUNT = 3
GOOD = {"value": [0.99]}
BAD = {"value": [0.5]}


def spec(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metrics": [
            {
                "name": "success-rate",
                "interval": "1s",
                "count": COUNT,
                "failureLimit": 1,
                "successCondition": "result[0] >= 0.95",
                "provider": {"replay": {"results": results}},
            }
        ]
    }


def expected(index: int) -> tuple[list[dict[str, Any]], str]:
    if index % 2:
        return [GOOD, BAD, BAD], "Failed"
    return [GOOD] * COUNT, "Successful"


def phases(client: httpx.Client) -> dict[str, str]:
    found: dict[str, str] = {}
    url: str | None = "/api/v1/namespaces/replicas/analysisruns?limit=500"
    while url:
        page = client.get(url).json()
        for item in page["items"]:
            found[item["metadata"]["name"]] = phase_of(item)
        token = page.get("metadata", {}).get("continue")
        url = (
            f"/api/v1/namespaces/replicas/analysisruns?limit=500&continue={token}"
            if token
            else None
        )
    return found


def assert_each_stored_once(client: httpx.Client, runs: int) -> None:
    """Every run's stored measurements are exactly 1..n for the n its status counts."""
    for index in range(runs):
        name = f"run-{index:03d}"
        run = client.get(f"/api/v1/namespaces/replicas/analysisruns/{name}").json()
        metric = run["status"]["metricResults"][0]
        stored = client.get(f"/api/v1/namespaces/replicas/analysisruns/{name}/measurements")
        assert [m["seq"] for m in stored.json()["items"]] == list(
            range(1, metric["count"] + metric["error"] + 1)
        ), name


def measured_by(served: Served) -> int:
    return len(
        re.findall(r'"logger": "app.service.scheduler", "message": "measured ', served.logs())
    )


def test_three_replicas_share_the_work_and_survive_a_sigkill(
    postgres: Postgres, tmp_path: Path
) -> None:
    store = create_database(postgres)
    with ExitStack() as stack:
        replicas = [
            stack.enter_context(
                augur_server(
                    store_url=store,
                    log=tmp_path / f"replica-{n}.log",
                    env={"AUGUR_REPLICA_ID": f"replica-{n}", "AUGUR_LEASE_SECONDS": "3"},
                    ready=True,
                )
            )
            for n in range(3)
        ]
        client = httpx.Client(base_url=replicas[0].base_url, timeout=30)
        for index in range(RUNS):
            results, _ = expected(index)
            reply = client.post(
                "/api/v1/namespaces/replicas/analysisruns",
                json={"name": f"run-{index:03d}", "spec": spec(results)},
            )
            assert reply.status_code == 201, reply.text
        # Kill one replica once a part of the work is done.
        deadline = time.monotonic() + 120
        wait_for(
            lambda: sum(p in COMPLETED for p in phases(client).values()),
            lambda done: done >= RUNS // 4,
            timeout=120,
            describe=lambda done: f"no progress: {done} of {RUNS} runs finished",
        )
        replicas[1].proc.send_signal(signal.SIGKILL)
        replicas[1].proc.wait()
        killed_at = measured_by(replicas[1])
        found = wait_for(
            lambda: phases(client),
            lambda seen: all(p in COMPLETED for p in seen.values()),
            timeout=deadline - time.monotonic(),  # the same two minutes as the wait above
            interval=0.3,
            describe=lambda seen: (
                f"unfinished: {[n for n, p in seen.items() if p not in COMPLETED][:5]}"
            ),
        )
        assert found == {f"run-{i:03d}": expected(i)[1] for i in range(RUNS)}
        assert_each_stored_once(client, RUNS)
        survivors = [measured_by(replicas[0]), measured_by(replicas[2])]
        client.close()
    # Every replica measured, and the survivors carried on after the kill.
    assert killed_at > 0
    assert all(count > 0 for count in survivors)
    # A measurement is logged after it is stored, so the logs account for every stored one
    # (the killed replica may have died between storing and logging its last few).
    total = killed_at + sum(survivors)
    assert RUNS * COUNT - 5 <= total <= RUNS * COUNT
