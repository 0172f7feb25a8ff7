"""Server-sent event streams of runs, read from the store's `events` table.

Every stream reads the table, never memory another part of the process fills: events written by
another replica, or before a restart, are served the same way, and a reconnecting client resumes
after the last id it saw (`Last-Event-ID`) with nothing repeated and nothing missed. A stream
reads a page of events, writes it, and reads the next only once the client took it, so a slow
client holds one page, never a growing queue. When nothing is there it waits for a ring of this
process's store (`app.service.bells`) or the poll interval (what another replica wrote), and
sends a `: keepalive` comment when it has been quiet for a while.

Limits: at most `max_streams` open at once in this process (503 past it), each for at most
`max_seconds` (the client reconnects and resumes), and all of them end when the server stops.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass, field

from app.core.errors import Unavailable
from app.service.bells import Bells
from app.service.loop_thread import set_from_any_thread
from app.store.records import EventRecord, RunRecord
from app.store.sql import SqlStore

__all__ = ["COMPLETED", "EventStreams", "StreamSettings", "frame"]

COMPLETED = frozenset({"Successful", "Failed", "Error", "Inconclusive"})
PAGE = 100


@dataclass(frozen=True)
class StreamSettings:
    poll: float = 1.0
    keepalive: float = 15.0
    max_streams: int = 100
    max_seconds: float = 3600.0
    retry_ms: int = 3000


def frame(event: EventRecord) -> bytes:
    """One event in the SSE wire format; the data is one line of JSON."""
    data = json.dumps(event.data, separators=(",", ":"), sort_keys=True)
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n".encode()


def ends_run(event: EventRecord) -> bool:
    """The last event of a run: its final phase, or its deletion."""
    if event.kind == "run":
        return event.data.get("action") == "deleted"
    return (
        event.kind == "phase"
        and event.data.get("metric") is None
        and event.data.get("phase") in COMPLETED
    )


Page = Callable[[int], Awaitable[list[EventRecord]]]


@dataclass
class EventStreams:
    store: SqlStore
    bells: Bells
    settings: StreamSettings = field(default_factory=StreamSettings)
    _open: int = 0
    _draining: asyncio.Event = field(default_factory=asyncio.Event)
    _home: asyncio.AbstractEventLoop | None = None

    @property
    def open_streams(self) -> int:
        return self._open

    def take_slot(self) -> Callable[[], None]:
        """Count a new stream, or refuse it (503) when `max_streams` are open; the callable
        returned gives the slot back (once, however often it is called)."""
        if self._open >= self.settings.max_streams:
            raise Unavailable(
                f"{self.settings.max_streams} event streams are open, the most this server "
                "serves (AUGUR_EVENTS_MAX_STREAMS); retry later"
            )
        self._home = asyncio.get_running_loop()
        self._open += 1
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if not given_back:
                given_back = True
                self._open -= 1

        return give_back

    def drain(self) -> None:
        """End every stream (the server is stopping). Safe from a signal handler."""
        set_from_any_thread(self._draining, self._home)
        self.bells.ring("events")  # the streams waiting for events look up and end

    async def run_stream(self, run: RunRecord, after: int | None) -> AsyncIterator[bytes] | None:
        """A run's events after `after` (all of them without), ending with its last; `None`
        when there is nothing left to send: the run is over and the client has seen its end."""
        cursor = after or 0

        async def page(position: int) -> list[EventRecord]:
            return await self.store.events_after(position, run_id=run.id, limit=PAGE)

        if run.phase in COMPLETED and not await page(cursor):
            return None
        return self._frames(page, cursor, ends=ends_run)

    async def all_stream(
        self, namespaces: Collection[str] | None, after: int | None
    ) -> AsyncIterator[bytes]:
        """Every run's events (of `namespaces` only, when given) after `after`; without a
        cursor, what happens from now on."""
        cursor = after if after is not None else await self.store.last_event_id()

        async def page(position: int) -> list[EventRecord]:
            return await self.store.events_after(position, namespaces=namespaces, limit=PAGE)

        return self._frames(page, cursor, ends=None)

    async def _frames(
        self, page: Page, cursor: int, *, ends: Callable[[EventRecord], bool] | None
    ) -> AsyncIterator[bytes]:
        settings = self.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.max_seconds
        yield f"retry: {settings.retry_ms}\n\n".encode()
        quiet_since = loop.time()
        while not self._draining.is_set() and loop.time() < deadline:
            seen = self.bells.generation("events")
            events = await page(cursor)
            for event in events:
                yield frame(event)
                cursor = event.id
                if ends is not None and ends(event):
                    return
            if events:
                quiet_since = loop.time()
                if len(events) == PAGE:
                    continue  # more are waiting
            if loop.time() - quiet_since >= settings.keepalive:
                yield b": keepalive\n\n"
                quiet_since = loop.time()
            wait = min(
                settings.poll,
                settings.keepalive - (loop.time() - quiet_since),
                deadline - loop.time(),
            )
            await self.bells.wait("events", seen, wait)
