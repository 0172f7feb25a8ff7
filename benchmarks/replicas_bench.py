"""What a second augur process adds on one PostgreSQL database: N schedulers sharing the runs.

    python -m benchmarks.replicas_bench                     # 10k runs, 1 and 2 processes, 30 s
    python -m benchmarks.replicas_bench --runs 10000 --processes 1,2,3 --seconds 60
    python -m benchmarks.replicas_bench --quick             # smoke run: 200 runs, 1 and 2, 4 s
    python -m benchmarks.replicas_bench --json

The same scenario as `scheduler_bench` (N runs of one `web` metric every 10 s against
`benchmarks.loopback`, the real `Scheduler` on the real `SqlStore`), but with the runs set up once
by this process and measured by P child processes at once, each a scheduler of its own with its
own lessee name, as `augur serve --workers P` or P replicas run them. The goal is that two
processes measure at least 1.8x what one does (while one alone is saturated).

Reported per P: measurements started per second in the window (all processes), lateness as in
`scheduler_bench`, CPU seconds of all the schedulers together and per measurement, the largest
peak RSS of one process, and the throughput over one process's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks import loopback
from benchmarks.scheduler_bench import REPO, collect, drive, setup
from benchmarks.scheduler_report import summary, table

GOAL_SCALE = 1.8
#: Seconds between the end of the set-up and the first due pass: the children start meanwhile.
LEAD_S = 4.0


def child(url: str, *, begin: str, seconds: float, owner: str) -> dict[str, Any]:
    driven = asyncio.run(
        drive(url, begin=datetime.fromisoformat(begin), seconds=seconds, owner=owner)
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "started": driven["started"].isoformat(),
        "stopping": driven["stopping"].isoformat(),
        "cpu": driven["cpu"],
        "peak_rss_mb": peak,
    }


def scenario(url: str, *, upstream: str, runs: int, processes: int, seconds: float) -> Any:
    due, begin = asyncio.run(setup(url, upstream=upstream, runs=runs, interval=10, lead=LEAD_S))
    command = [sys.executable, "-m", "benchmarks.replicas_bench", "--child", url]
    command += ["--begin", begin.isoformat(), "--seconds", str(seconds)]
    with tempfile.TemporaryDirectory() as logs, ExitStack() as files:
        errors = [
            files.enter_context((Path(logs) / f"{n}.log").open("w")) for n in range(processes)
        ]
        children = [
            subprocess.Popen(
                [*command, "--owner", f"bench-{n}"],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=errors[n],
                text=True,
            )
            for n in range(processes)
        ]
        outputs = [proc.communicate()[0] for proc in children]
        if any(proc.returncode for proc in children):
            tails = [(Path(logs) / f"{n}.log").read_text()[-2000:] for n in range(processes)]
            raise SystemExit(f"a scheduler process failed:\n{''.join(tails)}")
    each = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    rows, wrong = asyncio.run(collect(url))
    row = summary(
        rows,
        due=due,
        started=min(datetime.fromisoformat(e["started"]) for e in each),
        stopping=max(datetime.fromisoformat(e["stopping"]) for e in each),
        interval=10,
        runs=runs,
        cpu=sum(e["cpu"] for e in each),
        url=url,
    )
    peak = max(e["peak_rss_mb"] for e in each)
    return {
        **row,
        "runs_lost_or_duplicated": wrong,
        "processes": processes,
        "peak_rss_mb": peak,
        "rss_mb_per_1k_runs": peak / runs * 1000,
    }


def bench(*, runs: int, processes: Sequence[int], seconds: float) -> list[dict[str, Any]]:
    from tests.support.postgres import create_database, postgres_server

    rows = []
    with loopback.start() as upstream, postgres_server() as server:
        for count in processes:
            url = create_database(server)
            rows.append(
                scenario(url, upstream=upstream, runs=runs, processes=count, seconds=seconds)
            )
    one = next((r["per_s"] for r in rows if r["processes"] == 1), None)
    for row in rows:
        row["x_one"] = row["per_s"] / one if one else None
    return rows


def goal(rows: Sequence[dict[str, Any]]) -> list[str]:
    two = next((r for r in rows if r["processes"] == 2 and r["x_one"] is not None), None)
    if two is None:
        return []
    met = two["x_one"] >= GOAL_SCALE
    return [
        f"goal: two processes measure at least {GOAL_SCALE}x one; measured "
        f"{two['x_one']:.2f}x ({two['per_s']:,.0f}/s): {'met' if met else 'MISSED'}"
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--processes", default="1,2", help="comma-separated process counts")
    parser.add_argument("--seconds", type=float, default=30.0, help="wall time per scenario")
    parser.add_argument("--quick", action="store_true", help="200 runs, 1 and 2 processes, 4 s")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--child", metavar="STORE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--begin", help=argparse.SUPPRESS)
    parser.add_argument("--owner", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        done = child(
            options.child, begin=options.begin, seconds=options.seconds, owner=options.owner
        )
        print(json.dumps(done))
        return 0
    runs, seconds = options.runs, options.seconds
    processes = [int(n) for n in options.processes.split(",")]
    if options.quick:
        runs, processes, seconds = 200, [1, 2], 4.0
    rows = bench(runs=runs, processes=processes, seconds=seconds)
    if options.json:
        meta = {"python": platform.python_version(), "cores": os.cpu_count()}
        print(json.dumps({**meta, "seconds": seconds, "rows": rows}, indent=2, default=str))
        return 0
    print(f"Replicas: {runs:,} runs x 1 metric every 10 s on one PostgreSQL, {seconds:g} s each")
    print(table(rows, first=("processes", lambda r: str(r["processes"]))))
    for row in rows:
        print(
            f"{row['processes']} process(es): {row['x_one'] or 0:.2f}x one process; runs with "
            f"a measurement lost or stored twice: {row['runs_lost_or_duplicated']}"
        )
    for line in goal(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
