"""`augur serve --workers 2` on one real PostgreSQL: two processes behind one port share the
runs through the scheduler's leases (each leases under a name of its own), every run ends with
its verdict, every measurement is stored exactly once, and SIGTERM stops both cleanly."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import httpx

from tests.service.test_replicas import COUNT, assert_each_stored_once, expected, phases, spec
from tests.support.postgres import Postgres, create_database
from tests.support.servers import augur_server
from tests.support.waiting import COMPLETED, wait_for

RUNS = 60


def workers_of(pid: int) -> list[int]:
    found = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True, check=False
    )
    return [int(line) for line in found.stdout.split()]


def test_two_workers_share_one_port_and_the_runs(postgres: Postgres, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with augur_server(
        store_url=create_database(postgres),
        log=log,
        env={"AUGUR_WORKERS": "2", "AUGUR_REPLICA_ID": "pod"},
        ready=True,
    ) as served:
        workers = workers_of(served.proc.pid)
        client = httpx.Client(base_url=served.base_url, timeout=30)
        for index in range(RUNS):
            reply = client.post(
                "/api/v1/namespaces/replicas/analysisruns",
                json={"name": f"run-{index:03d}", "spec": spec(expected(index)[0])},
            )
            assert reply.status_code == 201, reply.text
        found = wait_for(
            lambda: phases(client),
            lambda seen: len(seen) == RUNS and all(p in COMPLETED for p in seen.values()),
            timeout=120,
            interval=0.3,
            describe=lambda seen: (
                f"unfinished: {[n for n, p in seen.items() if p not in COMPLETED][:5]}"
            ),
        )
        assert found == {f"run-{i:03d}": expected(i)[1] for i in range(RUNS)}
        assert_each_stored_once(client, RUNS)
        client.close()
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=30) == 0
    text = log.read_text()
    assert len(workers) == 2, text
    # Each worker says which process it is when it stops; both served this port.
    stopped = {int(pid) for pid in re.findall(r"Finished server process \[(\d+)\]", text)}
    assert stopped == set(workers)
    # Every measurement was logged once, by the worker that stored it, and no worker ever
    # found a run it was measuring taken by the other (as one lessee name for both would).
    assert len(re.findall(r'"message": "measured ', text)) == RUNS * COUNT
    assert "another replica has it" not in text
