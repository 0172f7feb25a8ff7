"""What every query module of the store shares: the engine, the injected clock, the write
transaction (SQLite's writers queued in this process), and the JSON and UTC conversions."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["StoreBase", "dump", "utc", "when"]


def dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def utc(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; everything augur writes is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def when(value: datetime) -> datetime:
    converted = utc(value)
    assert converted is not None
    return converted


class StoreBase:
    """The engine and the clock; `clock` is injected so tests control time."""

    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self._clock = clock
        self._serialise = engine.dialect.name == "sqlite"
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction. SQLite takes one writer at a time and makes the others retry
        after sleeps that grow to 100 ms, so this process queues its own writers instead: the
        same order of writes, without the sleeping."""
        if not self._serialise:
            async with self.engine.begin() as conn:
                yield conn
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock, self.engine.begin() as conn:
            yield conn
