"""SIGKILL in the middle of runs: after a restart every run ends with the verdict it would have
had, and the store holds each finished measurement exactly once."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import augur_server
from tests.support.waiting import COMPLETED, phase_of, run_path, wait_for

HEALTHY = {"value": {"p99": 120}}
SLOW = {"value": {"p99": 900}}
COUNT = 6


def spec(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metrics": [
            {
                "name": "latency",
                "interval": "1s",
                "count": COUNT,
                "failureLimit": 2,
                "successCondition": "result.p99 < 300",
                "provider": {"replay": {"results": results}},
            }
        ]
    }


# name -> (replayed answers, the verdict an uninterrupted run reaches)
RUNS = {f"healthy-{i}": ([HEALTHY] * COUNT, "Successful") for i in range(3)} | {
    f"slow-{i}": ([HEALTHY, SLOW, HEALTHY, SLOW, SLOW, HEALTHY], "Failed") for i in range(3)
}


def phases(base_url: str) -> dict[str, str]:
    found = {}
    for name in RUNS:
        reply = httpx.get(base_url + run_path("crash", name), timeout=10)
        found[name] = phase_of(reply.json())
    return found


def test_sigkill_at_several_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    store = f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"
    with augur_server(store_url=store, log=tmp_path / "first.log", ready=True) as served:
        for name, (results, _) in RUNS.items():
            reply = httpx.post(
                f"{served.base_url}/api/v1/namespaces/crash/analysisruns",
                json={"name": name, "spec": spec(results)},
                timeout=10,
            )
            assert reply.status_code == 201, reply.text
        time.sleep(1.5)
        served.proc.send_signal(signal.SIGKILL)
        served.proc.wait()
    with augur_server(store_url=store, log=tmp_path / "second.log", ready=True) as served:
        time.sleep(2.2)
        served.proc.send_signal(signal.SIGKILL)
        served.proc.wait()
    with augur_server(store_url=store, log=tmp_path / "third.log", ready=True) as served:
        found = wait_for(
            lambda: phases(served.base_url),
            lambda seen: all(p in COMPLETED for p in seen.values()),
            timeout=60,
            describe=lambda seen: f"phases: {seen}",
        )
        assert found == {name: verdict for name, (_, verdict) in RUNS.items()}
    with sqlite3.connect(tmp_path / "augur.db") as db:
        rows = db.execute(
            "SELECT r.name, m.seq, m.phase, r.status FROM measurements m "
            "JOIN runs r ON r.id = m.run_id ORDER BY r.name, m.seq"
        ).fetchall()
    by_run: dict[str, list[tuple[int, str]]] = {}
    statuses: dict[str, Any] = {}
    for name, seq, phase, status in rows:
        by_run.setdefault(name, []).append((seq, phase))
        statuses[name] = json.loads(status)
    for name, stored in by_run.items():
        metric = statuses[name]["metricResults"][0]
        taken = metric["count"] + metric["error"]
        # Every measurement the status counts is stored, numbered 1..n with no gap or repeat.
        assert [seq for seq, _ in stored] == list(range(1, taken + 1)), name
        # And stored in the phase the replay dictates for its position.
        results = RUNS[name][0]
        expected = ["Successful" if r is HEALTHY else "Failed" for r in results[:taken]]
        assert [phase for _, phase in stored] == expected, name
