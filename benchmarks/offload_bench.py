"""How long the event loop waits while costly conditions are judged: in place vs off the loop.

    python -m benchmarks.offload_bench            # 8 judgements of a 1-million-step condition
    python -m benchmarks.offload_bench --quick    # 2 judgements: smoke run
    python -m benchmarks.offload_bench --json

A ticker task on the loop sleeps 1 ms at a time and records how late each wake-up is, while the
same costly condition (`filter(result, {# in result})` over 2,000 strings, stopped by its step
budget after about 100 ms of work) is judged several times, concurrently:

    in place    on the loop, as a deadline on the loop would leave it (option b of the issue)
    offload     `app.engine.offload.Offload`: 1 ms in place, then the worker thread, which shares
                the GIL with the loop (CPython hands it over every `sys.getswitchinterval()`)

Reported: the wall time of the judgements, the loop's worst and p99 lateness while they ran, and
its ticks per second relative to an idle loop (the loop's speed while the worker holds the GIL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from app.engine.conditions import compile_conditions, evaluate_result
from app.engine.offload import Offload, inline

CONDITION = "len(filter(result, {# in result})) > 0"
RESULT = [f"item-{i}" for i in range(2_000)]
TICK = 0.001


async def _ticking(work: Callable[[], Awaitable[Any]]) -> tuple[float, list[float]]:
    """Run `work` while a ticker measures the loop; (seconds `work` took, lateness of ticks)."""
    late: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            late.append(time.perf_counter() - before - TICK)

    running = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    late.clear()
    started = time.perf_counter()
    await work()
    took = time.perf_counter() - started
    done.set()
    await running
    return took, late


async def scenario(name: str, judgements: int) -> dict[str, Any]:
    conditions = compile_conditions(success=CONDITION)
    offload = Offload()
    judging = offload if name == "offload" else inline

    async def work() -> None:
        tasks = [judging(lambda: evaluate_result(RESULT, conditions)) for _ in range(judgements)]
        verdicts = await asyncio.gather(*tasks)
        assert all(v.message.endswith("at in (1:23)") for v in verdicts), verdicts[0]

    try:
        idle_took, idle = await _ticking(lambda: asyncio.sleep(0.3))
        took, late = await _ticking(work)
    finally:
        offload.close()
    cuts = statistics.quantiles(late, n=100, method="inclusive") if len(late) > 1 else late * 99
    return {
        "scenario": name,
        "judgements": judgements,
        "seconds": took,
        "ticks": len(late),
        "late_max_ms": max(late, default=0.0) * 1000,
        "late_p99_ms": cuts[98] * 1000 if cuts else 0.0,
        "loop_speed": (len(late) / took) / (len(idle) / idle_took) if late and idle else 0.0,
        "moved": offload.moved,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--judgements", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="2 judgements; smoke only")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    options = parser.parse_args(argv)
    count = 2 if options.quick else options.judgements
    rows = [asyncio.run(scenario(name, count)) for name in ("in place", "offload")]
    if options.json:
        print(json.dumps({"switch_interval_s": sys.getswitchinterval(), "rows": rows}, indent=2))
        return 0
    print(f"{count} judgements of {CONDITION!r} over {len(RESULT):,} strings, at once")
    print("| judged | took s | loop late max ms | loop late p99 ms | loop speed | moved |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['scenario']} | {r['seconds']:.2f} | {r['late_max_ms']:.1f} | "
            f"{r['late_p99_ms']:.1f} | {r['loop_speed']:.0%} | {r['moved']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
