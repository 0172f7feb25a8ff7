"""Judging a measurement without holding the event loop for more than a few milliseconds.

A condition is user input: its budgets (``app.expr.limits``) stop it after about 100 ms of work,
which is far too long for an event loop that also answers gates, `/healthz` and the scheduler.
So `Offload` first tries the judgement in place for `INLINE_SECONDS` of wall time (checked where
the budgets are charged, about every 0.4 ms of work): nearly every condition finishes in
microseconds and costs nothing more. One that does not is abandoned there (``SliceSpent``) and
judged again, from the start, on the offload's own worker thread, while the loop goes on.

Why a thread and not just a short deadline on the loop: a deadline short enough for the loop
would refuse conditions that are legitimately slow (CEL over a few hundred points). The worker
shares the GIL, which CPython takes from it only every ``sys.getswitchinterval()`` (5 ms): with
the worker busy, the loop ran at 14% of its idle speed and the scheduler's measurements fell
1.3 s behind. So the worker yields: at every check of a budget (~0.4 ms of work) it sleeps
`PAUSE_SECONDS`, which hands the GIL to whoever waits for it; the loop then runs at ~75% of its
speed and measurements stay on time (docs/performance.md has the figures). The sleep is wall
time, not CPU time: it costs a costly condition none of its time budget, only latency.

One worker: a second would only make the loop wait for the GIL behind two threads instead of
one, and a flood of costly conditions then queues on the worker instead of on the loop; cheap
ones never queue at all, since they finish in place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from app.expr import SliceSpent, inline_slice, yield_at_checks

__all__ = ["INLINE_SECONDS", "Judging", "Offload", "inline"]

T = TypeVar("T")

#: Wall time a judgement may take on the event loop before it moves to the worker.
INLINE_SECONDS = 0.001
#: What the worker sleeps at each check of a budget (every ~0.4 ms of work), handing the GIL over.
PAUSE_SECONDS = 0.0001


class Judging(Protocol):
    """Where a judgement runs: `Offload` in the server, `inline` in the CLI."""

    def __call__(self, work: Callable[[], T], /) -> Awaitable[T]: ...


class Offload:
    """Runs judgements in place while they are cheap, else on one worker thread."""

    def __init__(self, *, inline_seconds: float = INLINE_SECONDS) -> None:
        self.inline_seconds = inline_seconds
        self.moved = 0  # judgements that went to the worker
        self._pool = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="augur-conditions",
            initializer=yield_at_checks,
            initargs=(PAUSE_SECONDS,),
        )

    async def __call__(self, work: Callable[[], T]) -> T:
        try:
            with inline_slice(self.inline_seconds):
                return work()
        except SliceSpent:
            pass
        self.moved += 1
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)

    def close(self) -> None:
        """Stop the worker; a judgement on it finishes within its time budget."""
        self._pool.shutdown(wait=False, cancel_futures=True)


async def inline(work: Callable[[], T]) -> T:
    """Judge in place, however long it takes (the CLI: nothing else shares its loop)."""
    return work()
