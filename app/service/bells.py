"""Wake-ups across threads and event loops: the store rings a topic after a commit, whoever
waits on it on any loop wakes at once.

`augur serve` writes from two loops (the scheduler's thread and the server's), and the readers
of what was written (event streams, the notification worker) sit on the server's. Replicas
cannot ring each other; their readers also poll, so a ring only makes this process quicker.

A reader takes the topic's `generation` before it reads and waits with it: a ring that comes
between the read and the wait is not lost, the wait returns at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict

__all__ = ["Bells"]


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Bells:
    """Topics (`events`, `outbox`) that can be rung from any thread and awaited on any loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generations: defaultdict[str, int] = defaultdict(int)
        self._waiting: dict[tuple[str, asyncio.AbstractEventLoop], asyncio.Future[None]] = {}

    def generation(self, topic: str) -> int:
        with self._lock:
            return self._generations[topic]

    def ring(self, topic: str) -> None:
        """Wake every waiter of `topic`, on whatever loop it waits. Safe from any thread."""
        with self._lock:
            self._generations[topic] += 1
            woken = [(key[1], f) for key, f in self._waiting.items() if key[0] == topic]
            for key in [key for key in self._waiting if key[0] == topic]:
                del self._waiting[key]
        for loop, future in woken:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(_wake, future)

    async def wait(self, topic: str, seen: int, seconds: float) -> None:
        """Return when `topic` is rung after generation `seen`, or after `seconds`."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._generations[topic] != seen:
                return
            future = self._waiting.get((topic, loop))
            if future is None or future.done():
                future = self._waiting[(topic, loop)] = loop.create_future()
        # Shared by every waiter on this loop: one waiter's cancellation must not cancel it.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(future), timeout=max(seconds, 0.0))
