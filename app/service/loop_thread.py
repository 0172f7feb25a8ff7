"""An event loop on a thread of its own: where `augur serve` runs the scheduler.

On the server's loop, the scheduler's callbacks wait in one queue with every request's: under
gate load (wrk -c32, ~650 answers/s, one core busy) measurements due every second started
0.4-0.9 s late and a third of them did not start at all (docs/performance.md, "Gates and the
scheduler"). On a loop of its own the scheduler's work no longer queues behind requests; both
threads still share the GIL, which CPython hands over every 5 ms, so each gets its turn.

Whatever runs here must own its loop-bound resources: the scheduler gets its own store engine
(connection pool) and HTTP client, built by `app.main` and closed here by `call`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread", "set_from_any_thread"]

T = TypeVar("T")


def set_from_any_thread(event: asyncio.Event, home: asyncio.AbstractEventLoop | None) -> None:
    """Set `event` of the loop `home` from whichever thread: what waking the scheduler (or the
    execution worker) takes when the request that wakes it is served on another loop. Before
    its loop is known, set it directly; after that loop is closed, there is nothing to wake."""
    if home is None:
        event.set()
        return
    with contextlib.suppress(RuntimeError):
        home.call_soon_threadsafe(event.set)


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # what uvicorn serves with, when installed
    except ImportError:  # pragma: no cover - uvloop is a dependency of `augur serve`
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


class LoopThread:
    """A thread running an event loop until `close`; `call` runs a coroutine there."""

    def __init__(self, name: str) -> None:
        self.loop = _new_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def call(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on this thread's loop and wait for it from the caller's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self.loop))

    async def close(self) -> None:
        """Finish the loop's executor work, stop the loop and join the thread."""
        await self.call(self.loop.shutdown_default_executor())
        self.loop.call_soon_threadsafe(self.loop.stop)
        await asyncio.to_thread(self._thread.join)
        self.loop.close()
