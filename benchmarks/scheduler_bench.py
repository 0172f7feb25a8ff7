"""How many concurrent runs one augur process keeps on time: the real Scheduler on a real store.

    python -m benchmarks.scheduler_bench                       # 1k and 10k runs, SQLite and
                                                               # PostgreSQL, 60 s each (~6 min)
    python -m benchmarks.scheduler_bench --runs 10000 --stores sqlite --seconds 60
    python -m benchmarks.scheduler_bench --quick               # smoke run: 100 runs, 4 s
    python -m benchmarks.scheduler_bench --json

Every scenario (store x number of runs) runs in a fresh child process, so its CPU time and peak
memory are its own. The child builds the same `Scheduler`, `SqlStore` (schema by the real
migrations) and shared `httpx.AsyncClient` (with the address guard) as `augur serve`, logs every
measurement as JSON as `augur serve` does (to a file), then creates N runs of one metric each
(`interval` 10 s, `count` 1,000,000, the `web` provider, `jsonPath: {$.value}`, a success
condition), whose first passes are due spread evenly over one interval. The first run goes
through `RunService.create_run` (every check the API makes); the others are copies of its row,
inserted in bulk so that setting up 50k runs does not take minutes. Then the scheduler runs for
`--seconds` of wall time and is stopped as on SIGTERM.

The upstream is `benchmarks.loopback`: a tiny HTTP server in its own process answering a
constant JSON at once. An HTTP upstream (not an in-process provider plugin) keeps the real
provider and HTTP client in the measured path; the server needs ~40 µs of CPU per request on the
other core, far from being the bottleneck at the rates measured here.

Reported per scenario, from the measurements the store holds afterwards:
    meas/s     measurements started per second of the window; `target` is runs / interval
    lateness   started_at - (previous finished_at + interval) for each measurement; the first
               measurement's against its scheduled first pass; a measurement due before the end
               but not started by then counts with its lateness so far, so a scheduler that
               falls behind cannot hide it
    CPU        user+system seconds of the augur process over the window (getrusage), also per
               1k runs and as a share of one core (the loopback server and PostgreSQL are
               other processes and not counted)
    RSS        the process's peak resident memory (ru_maxrss), total and per 1k runs
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
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.scheduler_report import goal, summary, table

REPO = Path(__file__).resolve().parents[1]


def spec(upstream: str, interval: float, count: int = 1_000_000) -> dict[str, Any]:
    return {
        "metrics": [
            {
                "name": "ok",
                "interval": f"{interval:g}s",
                "count": count,
                "successCondition": "result >= 0.99",
                "provider": {"web": {"url": f"{upstream}/ok", "jsonPath": "{$.value}"}},
            }
        ]
    }


# -- one scenario, in a child process -------------------------------------------------------


async def scenario(
    url: str, *, upstream: str, runs: int, seconds: float, interval: int
) -> dict[str, Any]:
    from app.core.logs import Redactor, configure_logging

    configure_logging("info", Redactor())
    due, begin = await setup(url, upstream=upstream, runs=runs, interval=interval)
    driven = await drive(url, begin=begin, seconds=seconds, owner="bench")
    rows, wrong = await collect(url)
    result = summary(rows, due=due, interval=interval, runs=runs, url=url, **driven)
    return {**result, "runs_lost_or_duplicated": wrong}


async def setup(
    url: str, *, upstream: str, runs: int, interval: int, lead: float = 1.0
) -> tuple[dict[str, datetime], datetime]:
    """A fresh store with `runs` runs, the first passes due from `lead` s after the inserts,
    spread over one interval; each run's first due time, and when the first is due."""
    from sqlalchemy import insert, select

    from app.core.addresses import AddressPolicy
    from app.service.runs import RunService
    from app.store.db import open_engine
    from app.store.migrate import upgrade
    from app.store.schema import runs as runs_table
    from app.store.sql import SqlStore

    engine = open_engine(url)
    await upgrade(engine)
    store = SqlStore(engine, clock=lambda: datetime.now(UTC))
    policy = AddressPolicy(local=True)  # the upstream is on loopback, as in `make run`
    service = RunService(
        store=store, clock=lambda: datetime.now(UTC), wake=lambda: None, addresses=policy
    )
    await service.create_run("bench", {"name": "bench-0", "spec": spec(upstream, interval)})
    async with engine.connect() as conn:
        row = dict((await conn.execute(select(runs_table))).mappings().one())
    begin = datetime.now(UTC) + timedelta(seconds=lead + runs / 20_000)  # after the inserts
    step = timedelta(seconds=interval) / runs
    due = {row["id"]: begin}
    batch: list[dict[str, Any]] = []
    async with engine.begin() as conn:
        await conn.execute(
            runs_table.update().where(runs_table.c.id == row["id"]).values(next_reconcile_at=begin)
        )
        for index in range(1, runs):
            run_id = str(uuid.uuid4())
            due[run_id] = begin + index * step
            batch.append(
                {**row, "id": run_id, "name": f"bench-{index}", "next_reconcile_at": due[run_id]}
            )
            if len(batch) == 2_000:
                await conn.execute(insert(runs_table), batch)
                batch = []
        if batch:
            await conn.execute(insert(runs_table), batch)
    await engine.dispose()
    return due, begin


async def drive(url: str, *, begin: datetime, seconds: float, owner: str) -> dict[str, Any]:
    """The real scheduler (as `augur serve` builds it) from `begin` for `seconds`, then
    stopped as on SIGTERM: its window and the CPU it took."""
    from app import __version__
    from app.core.addresses import AddressPolicy
    from app.core.metrics import Metrics
    from app.service.outbound import outbound_client
    from app.service.scheduler import Scheduler, SchedulerSettings
    from app.store.db import open_engine
    from app.store.sql import SqlStore

    engine = open_engine(url)
    http = outbound_client(AddressPolicy(local=True))
    scheduler = Scheduler(
        store=SqlStore(engine, clock=lambda: datetime.now(UTC)),
        settings=SchedulerSettings(owner=owner),
        clock=lambda: datetime.now(UTC),
        http=http,
        metrics=Metrics(version=__version__),
    )
    await asyncio.sleep(max(0.0, (begin - datetime.now(UTC)).total_seconds()))
    cpu0 = _cpu()
    started = datetime.now(UTC)
    await scheduler.start()
    await asyncio.sleep(seconds)
    stopping = datetime.now(UTC)
    await scheduler.stop()
    cpu = _cpu() - cpu0
    await http.aclose()
    await engine.dispose()
    return {"started": started, "stopping": stopping, "cpu": cpu}


async def collect(url: str) -> tuple[list[Any], int]:
    """Every stored measurement (run, seq, phase, started and finished, in order), and how many
    runs' stored measurements are not exactly 1..n for the n their status counts (a measurement
    lost, or stored twice)."""
    import json as json_

    from sqlalchemy import select

    from app.store.db import open_engine
    from app.store.schema import measurements
    from app.store.schema import runs as runs_table

    engine = open_engine(url)
    query = select(
        measurements.c.run_id,
        measurements.c.seq,
        measurements.c.phase,
        measurements.c.started_at,
        measurements.c.finished_at,
    ).order_by(measurements.c.run_id, measurements.c.seq)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        statuses = (await conn.execute(select(runs_table.c.id, runs_table.c.status))).all()
    await engine.dispose()
    seqs: dict[str, list[int]] = {}
    for row in rows:
        seqs.setdefault(row.run_id, []).append(row.seq)
    wrong = 0
    for run_id, status in statuses:
        taken = sum(
            int(r.get("count", 0)) + int(r.get("error", 0))
            for r in json_.loads(status or "{}").get("metricResults", [])
        )
        wrong += seqs.get(run_id, []) != list(range(1, taken + 1))
    return list(rows), wrong


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the parent: upstream, databases, one child per scenario --------------------------------


@contextmanager
def _stores(names: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Per store name, a function giving a fresh, empty database URL."""
    with ExitStack() as stack:
        made: dict[str, Any] = {}
        if "sqlite" in names:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="augur-bench-")))
            made["sqlite"] = lambda: f"sqlite+aiosqlite:///{folder / uuid.uuid4().hex}.db"
        if "postgresql" in names:
            from tests.support.postgres import create_database, postgres_server

            server = stack.enter_context(postgres_server())
            made["postgresql"] = lambda: create_database(server)
        yield made


def run_child(
    url: str,
    *,
    upstream: str,
    runs: int,
    seconds: float,
    interval: int,
    log: Path,
    profile: Path | None = None,
) -> dict[str, Any]:
    # With --profile, py-spy samples the child (collapsed stacks, one file per scenario).
    spy = [
        str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--format",
        "raw",
        "--rate",
        "200",
        "-o",
        str(profile),
        "--",
    ]
    command = [
        *(spy if profile is not None else []),
        sys.executable,
        "-m",
        "benchmarks.scheduler_bench",
        "--child",
        url,
        "--upstream",
        upstream,
        "--runs",
        str(runs),
        "--seconds",
        str(seconds),
        "--interval",
        str(interval),
    ]
    with log.open("w") as errors:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=REPO)
    if done.returncode != 0:
        tail = log.read_text().splitlines()[-20:]
        raise SystemExit(f"scenario {runs} runs on {url} failed:\n" + "\n".join(tail))
    # The child's one JSON line (py-spy, when profiling, prints its own lines too).
    found = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(found[-1])
    lines = log.read_text().splitlines()
    result["log_lines"] = len(lines)
    result["log_errors"] = sum(
        '"level": "ERROR"' in line or '"level":"ERROR"' in line for line in lines
    )
    return result


def bench(
    *,
    runs: Sequence[int],
    stores: Sequence[str],
    seconds: float,
    interval: int,
    profile: Path | None = None,
) -> list[dict[str, Any]]:
    from benchmarks import loopback

    results = []
    with (
        loopback.start() as upstream,
        _stores(stores) as fresh,
        tempfile.TemporaryDirectory() as logs,
    ):
        for store in stores:
            for count in runs:
                results.append(
                    run_child(
                        fresh[store](),
                        upstream=upstream,
                        runs=count,
                        seconds=seconds,
                        interval=interval,
                        log=Path(logs) / f"{store}-{count}.log",
                        profile=profile / f"{store}-{count}.txt" if profile else None,
                    )
                )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", default="1000,10000", help="comma-separated run counts")
    parser.add_argument("--stores", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument("--seconds", type=float, default=60.0, help="wall time per scenario")
    parser.add_argument("--interval", type=int, default=10, help="the metric's interval, s")
    parser.add_argument("--quick", action="store_true", help="100 runs, 4 s, SQLite; smoke only")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--profile", type=Path, help="folder for py-spy's collapsed stacks of each scenario"
    )
    parser.add_argument("--child", metavar="STORE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        result = asyncio.run(
            scenario(
                options.child,
                upstream=options.upstream,
                runs=int(options.runs),
                seconds=options.seconds,
                interval=options.interval,
            )
        )
        print(json.dumps(result))
        return 0
    runs = [int(n) for n in options.runs.split(",")]
    stores = [s.strip() for s in options.stores.split(",")]
    seconds, interval = options.seconds, options.interval
    if options.quick:
        runs, stores, seconds, interval = [100], ["sqlite"], 4.0, 1
    began = time.monotonic()
    if options.profile:
        options.profile.mkdir(parents=True, exist_ok=True)
    rows = bench(
        runs=runs, stores=stores, seconds=seconds, interval=interval, profile=options.profile
    )
    if options.json:
        meta = {"python": platform.python_version(), "cores": os.cpu_count()}
        print(json.dumps({**meta, "seconds": seconds, "rows": rows}, indent=2))
        return 0
    print(
        f"Scheduler: N runs x 1 metric every {interval}s, {seconds:g} s each, one process "
        f"({time.monotonic() - began:.0f} s in all)"
    )
    print(table(rows))
    for row in rows:
        lost = row["runs_lost_or_duplicated"]
        print(
            f"{row['store']}, {row['runs']:,} runs: runs with a measurement lost or twice: {lost}"
        )
    for line in goal(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
