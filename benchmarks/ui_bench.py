"""How long a run's page takes to render with 1,000 measurements, against the 100 ms goal.

    python -m benchmarks.ui_bench            # 1,000 measurements, 30 rounds
    python -m benchmarks.ui_bench --quick    # smoke run: 100 measurements, 3 rounds
    python -m benchmarks.ui_bench --json

The run is stored the way the scheduler stores one (a status and its measurements in one
write) in a SQLite file, each measurement a SkyWalking-shaped value of five points, one in
twenty Failed with the reason Argo's engine writes, one in fifty an Error. Two figures, each the
median over rounds:

    render     building the page's changing part from the stored run and its measurements,
               read once (view, SVG chart, table, history; Jinja2): the server's own work
    request    `GET /ui/namespaces/bench/runs/{name}` through the whole app in process
               (routing, both store reads, render), no socket

The page's size is printed too (the goal: under 300 KB beyond the cached CSS and script).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

GOAL_MS = 100.0
GOAL_BYTES = 300 * 1024
CONDITION = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
REASON = (
    f"successCondition {CONDITION} is false: 1 of 5 points fails asFloat(.value) >= 9900: "
    "9850 at index 3"
)


def measurements(count: int, *, metric: str = "apdex") -> list[Any]:
    """`count` measurements a minute apart, as the scheduler writes them."""
    from app.store.records import NewMeasurement

    start = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    found = []
    for seq in range(1, count + 1):
        at = start + timedelta(minutes=seq)
        if seq % 50 == 0:
            phase, value, message = "Error", "", "connection refused"
        else:
            low = 9850 if seq % 20 == 0 else 9900 + seq % 90
            points = [low + 40, low + 20, low + 60, low, low + 30]
            rows = [{"value": p} for p in points]
            value = json.dumps(
                {"service_apdex": {"values": {"values": rows}}}, separators=(",", ":")
            )
            phase, message = ("Failed", REASON) if seq % 20 == 0 else ("Successful", "")
        found.append(
            NewMeasurement(
                metric=metric,
                seq=seq,
                phase=phase,
                value=value,
                message=message,
                started_at=at - timedelta(seconds=2),
                finished_at=at,
            )
        )
    return found


def _status(found: Sequence[Any], metric: str) -> dict[str, Any]:
    phases = [m.phase for m in found]
    return {
        "phase": "Running",
        "startedAt": "2026-12-05T10:00:00Z",
        "metricResults": [
            {
                "name": metric,
                "phase": "Running",
                "count": len(phases) - phases.count("Error"),
                "successful": phases.count("Successful"),
                "failed": phases.count("Failed"),
                "error": phases.count("Error"),
            }
        ],
    }


async def seed_run(store: Any, *, namespace: str, name: str, count: int) -> None:
    """A stored run with `count` measurements of one metric, never due (no scheduler takes it)."""
    from app.store.records import NewRun

    metric = {
        "name": "apdex",
        "interval": "1m",
        "successCondition": CONDITION,
        "provider": {"replay": {"results": [{"value": 1}]}},
    }
    run_id = str(uuid.uuid4())
    await store.create_run(
        NewRun(
            id=run_id,
            namespace=namespace,
            name=name,
            spec={"metrics": [metric]},
            status={},
            phase="Pending",
            next_reconcile_at=None,
        )
    )
    found = measurements(count)
    await store.record(
        run_id, new=found, status=_status(found, "apdex"), phase="Running", next_reconcile_at=None
    )


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def bench(count: int, rounds: int) -> dict[str, Any]:
    import httpx

    from app.api.ui.render import render
    from app.api.ui.run_pages import PER_METRIC
    from app.api.ui.run_view import run_view
    from app.core.settings import Settings
    from app.main import create_app
    from app.service.documents import run_from_record

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'augur.db'}"
        app = create_app(Settings(store_url=url))
        async with app.router.lifespan_context(app):
            await app.state.schema.ready.wait()
            await seed_run(app.state.store, namespace="bench", name="big", count=count)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
                path = "/ui/namespaces/bench/runs/big"
                first = await http.get(path)
                if first.status_code != 200:
                    raise SystemExit(f"the page answered {first.status_code}: {first.text[:300]}")
                record = await app.state.store.get_run(namespace="bench", name="big")
                run = run_from_record(record)
                stored = await app.state.store.measurements(record.id, limit=count)
                renders, requests = [], []
                for _ in range(rounds):
                    started = time.perf_counter()
                    view = run_view(run, stored, created=record.created_at)
                    render("run_live.html", view=view, base="/ui", per_metric=PER_METRIC)
                    renders.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    await http.get(path)
                    requests.append(time.perf_counter() - started)
    return {
        "measurements": count,
        "rounds": rounds,
        "render_ms": round(_median_ms(renders), 2),
        "request_ms": round(_median_ms(requests), 2),
        "goal_ms": GOAL_MS,
        "page_bytes": len(first.content),
        "goal_bytes": GOAL_BYTES,
        "points": first.text.count('class="pt '),
        "rows": view.total,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100 measurements, 3 rounds")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--measurements", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    count, rounds = (100, 3) if args.quick else (args.measurements, args.rounds)
    row = asyncio.run(bench(count, rounds))
    if args.json:
        print(json.dumps(row, indent=2))
        return 0
    print(f"a run's page with {row['measurements']} measurements (median of {rounds} rounds)")
    print(f"  render    {row['render_ms']:8.2f} ms   goal < {GOAL_MS:.0f} ms")
    print(f"  request   {row['request_ms']:8.2f} ms   goal < {GOAL_MS:.0f} ms")
    kb, goal_kb = row["page_bytes"] / 1024, GOAL_BYTES / 1024
    print(f"  page      {kb:8.1f} KB   goal < {goal_kb:.0f} KB ({row['points']} chart points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
