"""Do gate answers and the scheduler starve each other? Measurement lateness with and without load.

    python -m benchmarks.gate_load_bench              # 20 runs every 1 s; 20 s per phase (~90 s)
    python -m benchmarks.gate_load_bench --quick      # 5 runs, 3 s per phase, wrk -c4: smoke run
    python -m benchmarks.gate_load_bench --json

One `augur serve` (a child process, SQLite store, logging as it does by default) measures N runs
of one metric every second (`interval: 1s`, the `web` provider against `benchmarks.loopback`, a
success condition), through three phases of the same length:

    idle          nothing else happens
    gate load     wrk -t2 -c32 POSTs Argo's web-provider body to `/api/v1/gates/argo/{key}`
                  (a finished run: every call answers its stored verdict), as a rollout
                  controller polling hard would
    costly checks four clients in a loop ask `GET /api/v1/check/web` with a condition that
                  spends its whole step budget (`filter(x, {# in x})` over 2,000 items), the
                  stall the budgets and the off-loop evaluation are there to prevent

Lateness of a measurement = `started_at - (previous finished_at + interval)`, read from the
store afterwards, for the measurements started within the phase (the first of each run is not
counted: it has no previous one). Also per phase: the gate's requests/s and p99 from wrk, and
the slowest `/healthz` of a probe asking every 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks import http_bench
from benchmarks.scheduler_bench import spec

NAMESPACE, KEY = "bench", "load-key"
COSTLY = "len(filter(result, {# in result})) >= 0"  # 2,000 strings: 4 million steps


def lateness(
    rows: Sequence[tuple[str, int, datetime, datetime]], interval: float
) -> list[tuple[datetime, float]]:
    """(started_at, lateness in s) of every measurement after a run's first, in seq order."""
    found: list[tuple[datetime, float]] = []
    previous: dict[str, datetime] = {}
    for run_id, _seq, started, finished in sorted(rows, key=lambda r: (r[0], r[1])):
        before = previous.get(run_id)
        if before is not None:
            due = before + timedelta(seconds=interval)
            found.append((started, (started - due).total_seconds()))
        previous[run_id] = finished
    return found


def quantiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else []
    return {
        "p50": cuts[49] if cuts else values[0],
        "p99": cuts[98] if cuts else values[0],
        "max": max(values),
    }


def _stored(database: Path) -> list[tuple[str, int, datetime, datetime]]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT run_id, seq, started_at, finished_at FROM measurements "
            "WHERE started_at IS NOT NULL AND finished_at IS NOT NULL"
        ).fetchall()
    return [(r, s, _time(a), _time(b)) for r, s, a, b in rows]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=None)


@contextmanager
def _probe(base: str) -> Iterator[list[float]]:
    """Ask `/healthz` every 100 ms in a thread; yields the latencies, in seconds."""
    found: list[float] = []
    stop = threading.Event()

    def loop() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                started = time.monotonic()
                client.get(f"{base}/healthz")
                found.append(time.monotonic() - started)
                stop.wait(0.1)

    thread = threading.Thread(target=loop, name="healthz-probe")
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()


def _costly_clients(base: str, url: str, *, clients: int, seconds: float) -> int:
    """`clients` threads asking for a check with a costly condition until `seconds` pass; each
    answer must be the verdict (an Error: the budget), not a failure to measure."""
    params = {"url": url, "condition": COSTLY}
    deadline = time.monotonic() + seconds
    answered = [0] * clients

    def loop(index: int) -> None:
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < deadline:
                answer = client.get(f"{base}/api/v1/check/web", params=params).json()
                if answer.get("error"):
                    raise RuntimeError(f"the check could not measure: {answer['error']}")
                answered[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(answered)


def _phase(
    name: str, base: str, seconds: float, load: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    with _probe(base) as healthz:
        began = datetime.now(UTC).replace(tzinfo=None)
        figures = load()
        ended = datetime.now(UTC).replace(tzinfo=None)
    return {
        "phase": name,
        "began": began,
        "ended": ended,
        "healthz_max_ms": max(healthz, default=0.0) * 1000,
        "healthz_p50_ms": quantiles(healthz)["p50"] * 1000,
        **figures,
    }


def bench(*, runs: int, seconds: int, connections: int) -> list[dict[str, Any]]:
    from benchmarks import loopback

    wrk = http_bench.ensure_wrk()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="augur-load-")))
        upstream = stack.enter_context(loopback.start())
        strings = stack.enter_context(_strings_upstream())
        port = http_bench._free_port()
        base = f"http://127.0.0.1:{port}"
        database = folder / "augur.db"
        stack.enter_context(
            http_bench._server(
                [
                    sys.executable,
                    "-m",
                    "app",
                    "serve",
                    "--port",
                    str(port),
                    "--store",
                    f"sqlite+aiosqlite:///{database}",
                ],
                ready=f"{base}/readyz",
                log=folder / "augur.log",
            )
        )
        body = json.dumps({"namespace": NAMESPACE, "spec": spec(upstream, 1, count=1)})
        gate = f"{base}/api/v1/gates/argo/{KEY}"
        as_json = {"Content-Type": "application/json"}
        _wait_for(
            lambda: httpx.post(gate, content=body, headers=as_json).json()["phase"] == "Successful"
        )
        script = folder / "post.lua"
        script.write_text(http_bench.lua_script(body))
        for index in range(runs):
            created = httpx.post(
                f"{base}/api/v1/namespaces/{NAMESPACE}/analysisruns",
                json={"name": f"load-{index}", "spec": spec(upstream, 1)},
            )
            created.raise_for_status()
        time.sleep(3)  # every run past its first measurement

        def idle() -> dict[str, Any]:
            time.sleep(seconds)
            return {}

        def gate_load() -> dict[str, Any]:
            command = http_bench.wrk_command(
                wrk, gate, threads=2, connections=connections, seconds=seconds, script=script
            )
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            figures = http_bench.parse_wrk(done.stdout)
            return {"gate_per_s": figures["per_s"], "gate_p99_ms": figures["p99_ms"]}

        def costly() -> dict[str, Any]:
            answered = _costly_clients(base, strings, clients=4, seconds=seconds)
            return {"checks_per_s": answered / seconds}

        phases = [
            _phase("idle", base, seconds, idle),
            _phase("gate load", base, seconds, gate_load),
            _phase("costly checks", base, seconds, costly),
        ]
        rows = _stored(database)
    late = lateness(rows, interval=1.0)
    for phase in phases:
        inside = [v for at, v in late if phase["began"] <= at < phase["ended"]]
        phase["measurements"] = len(inside)
        phase.update({f"late_{k}_s": v for k, v in quantiles(inside).items()})
        phase["began"], phase["ended"] = phase["began"].isoformat(), phase["ended"].isoformat()
    return phases


@contextmanager
def _strings_upstream() -> Iterator[str]:
    """A JSON endpoint answering 2,000 distinct strings, the costly checks' `result`."""
    from tests.fakes.scripted import Reply, scripted_server

    with scripted_server() as server:
        payload = json.dumps([f"item-{i}" for i in range(2_000)])
        yield server.reply("/strings", Reply(body=payload))


def _wait_for(done: Callable[[], bool], *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("the gate's run did not finish")
        time.sleep(0.2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20, help="runs measured every second")
    parser.add_argument("--seconds", type=int, default=20, help="length of each phase")
    parser.add_argument("--quick", action="store_true", help="5 runs, 3 s phases, wrk -c4")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    options = parser.parse_args(argv)
    runs, seconds, connections = options.runs, options.seconds, 32
    if options.quick:
        runs, seconds, connections = 5, 3, 4
    try:
        phases = bench(runs=runs, seconds=seconds, connections=connections)
    except http_bench.WrkMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    if options.json:
        print(json.dumps({"cores": os.cpu_count(), "runs": runs, "phases": phases}, indent=2))
        return 0
    print(f"{runs} runs measured every 1 s, {seconds} s per phase, {os.cpu_count()} cores")
    print("| phase | gate req/s | gate p99 ms | measurements | late p50 s | late p99 s | "
          "late max s | /healthz max ms |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in phases:
        rate = f"{p['gate_per_s']:,.0f}" if "gate_per_s" in p else "-"
        p99 = f"{p['gate_p99_ms']:.1f}" if "gate_p99_ms" in p else "-"
        print(
            f"| {p['phase']} | {rate} | {p99} | {p['measurements']} | {p['late_p50_s']:.3f} | "
            f"{p['late_p99_s']:.3f} | {p['late_max_s']:.3f} | {p['healthz_max_ms']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
