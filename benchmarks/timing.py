"""Timing shared by the benchmarks: interleaved rounds, so background load hits every case alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Mapping

__all__ = ["interleaved_medians"]


async def interleaved_medians(
    cases: Mapping[str, Callable[[], Awaitable[None]]],
    *,
    rounds: int,
    per_round: int,
    warmup: int = 20,
) -> dict[str, float]:
    """Seconds per call of each case: the median over rounds of the mean within a round.

    Every case is warmed up first (connections, caches, compiled code); then the rounds take the
    cases in turn, so a burst of load on this 2-core machine lands on all of them.
    """
    for case in cases.values():
        for _ in range(warmup):
            await case()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            started = time.perf_counter()
            for _ in range(per_round):
                await case()
            samples[name].append((time.perf_counter() - started) / per_round)
    return {name: statistics.median(values) for name, values in samples.items()}
