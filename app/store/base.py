"""What every query module of the store shares: the engine, the injected clock, the write
transaction (SQLite's writers queued in this process), and the JSON and UTC conversions.

JSON goes in and out through `dump` and `load`, the store's seam for text: the API refuses text
no store can hold or no answer can carry (an unpaired surrogate, NUL; `app.core.text`), but a
provider's answer is kept as it came, so anything written is scrubbed (each bad character becomes
U+FFFD, with a warning), and anything read is scrubbed again with an error logged: a record
written before this check, or by hand, still reads, and never breaks a list.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.text import scrub

__all__ = ["StoreBase", "claim", "dump", "load", "utc", "when"]

log = logging.getLogger(__name__)


async def claim(conn: AsyncConnection, table: Table, pick: Select[Any], **values: Any) -> list[Any]:
    """Mark the rows `pick` selects (their ids) with `values` (an owner, an expiry), in the
    caller's transaction, and return their ids. On PostgreSQL the rows are locked with SKIP
    LOCKED, so replicas asking at the same moment get disjoint sets; SQLite serialises writers,
    which gives the same result."""
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list((await conn.execute(pick)).scalars())
    if ids:
        await conn.execute(update(table).where(table.c.id.in_(ids)).values(**values))
    return ids


def _suspect(text: str) -> bool:
    # json.dumps writes every non-ASCII character as an escape, so an unpaired surrogate or a
    # NUL can only be behind one of these (paired surrogates too: those pass the scrub as is).
    return "\\ud" in text or "\\u0000" in text


def dump(value: Any, *, what: str = "a document") -> str:
    """JSON text for a column; text no store or answer can carry is replaced with U+FFFD."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    if not _suspect(text):
        return text
    clean, changed = scrub(value)
    if not changed:
        return text
    log.warning(
        "replaced unusable text (NUL or unpaired surrogate) in %d strings of %s", changed, what
    )
    return json.dumps(clean, sort_keys=True, separators=(",", ":"))


def load(text: str, *, what: str = "a document") -> Any:
    """A JSON column's value; text that could not be sent is replaced (an error is logged)."""
    value = json.loads(text)
    if not _suspect(text):
        return value
    clean, changed = scrub(value)
    if changed:
        log.error(
            "stored %s held unusable text (NUL or unpaired surrogate) in %d strings; "
            "answered with U+FFFD in their place",
            what,
            changed,
        )
    return clean


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
    """The engine and the clock; `clock` is injected so tests control time. `signal` hears,
    after the commit, that this store wrote `"events"` or `"outbox"` rows (the streams and the
    notification worker of this process wake at once instead of at their next poll)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Callable[[], datetime],
        signal: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self._clock = clock
        self._on_commit = signal
        self._serialise = engine.dialect.name == "sqlite"
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _signal(self, topic: str) -> None:
        if self._on_commit is not None:
            self._on_commit(topic)

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
