"""One-row reads on the request path: no thread hop on SQLite, one round trip on PostgreSQL.

aiosqlite runs every statement on a thread of its connection: taking a pooled connection,
executing, fetching and handing the connection back are each a trip to that thread and back to
the event loop, and under load those trips (thread wake-ups, the interpreter lock) cost more
than the read itself, which on an indexed key takes tens of microseconds. The gates and run
status read one row by a unique key on every call, so those reads go straight to `sqlite3` on
the caller's thread, over a read-only connection of its own (one per thread: the API's loop
and the scheduler's never share one). In WAL mode a reader never waits for a writer, and the
connection is opened with no busy timeout: anything unusual (the file not migrated yet, a lock
held while the WAL is recovered) answers `UNREADABLE`, and the caller reads the usual way.

On PostgreSQL the engine's path costs four round trips for one SELECT: the pool's pre-ping
(SQLAlchemy pings asyncpg inside a transaction it opens and rolls back), BEGIN, the SELECT,
ROLLBACK; and when more requests read at once than the pool keeps, the extra connections are
opened and closed per request. The reads here go to an asyncpg pool of their own (one per event
loop, up to `PG_READERS` connections, kept), as one prepared statement, outside any
transaction: one round trip. A connection that broke is dropped by asyncpg; the read that met
it answers `UNREADABLE` and is made through the engine, which reports an unreachable store.

Nothing here writes, and nothing is kept between calls but the connections; they close when
the engine is disposed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.store.db import sqlite_path

__all__ = ["PG_READERS", "UNREADABLE", "PgReader", "SqliteReader", "reader_for"]

#: Connections each event loop keeps for reads on PostgreSQL.
PG_READERS = 8

#: The read could not be made here; read through the engine instead.
UNREADABLE: Final = object()


class SqliteReader:
    """Read-only `sqlite3` connections to one file, one per thread that reads."""

    def __init__(self, path: Path) -> None:
        self._uri = path.resolve().as_uri() + "?mode=ro"
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connection(self) -> sqlite3.Connection | None:
        found: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if found is not None or self._closed:
            return found
        connection = sqlite3.connect(
            self._uri, uri=True, timeout=0, isolation_level=None, check_same_thread=False
        )
        connection.row_factory = sqlite3.Row  # used by this thread only; closed by any
        with self._lock:
            self._opened.append(connection)
        self._local.connection = connection
        return connection

    def one(self, sql: str, parameters: Sequence[Any]) -> dict[str, Any] | object | None:
        """The first row of `sql` as a dict, None when there is none, or `UNREADABLE`."""
        try:
            connection = self._connection()
            if connection is None:
                return UNREADABLE
            row = connection.execute(sql, parameters).fetchone()
        except sqlite3.Error:
            return UNREADABLE
        return None if row is None else dict(row)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()


_PG_FAILED = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """Nothing to reset when a connection goes back to its pool: these reads open no
    transaction, cursor or listener and set nothing (asyncpg's default reset is a round trip
    of `RESET ALL`, `UNLISTEN *` and more per read)."""


class PgReader:
    """asyncpg pools of their own, one per event loop, for one-row reads."""

    def __init__(self, dsn: str, *, timeout: float = 5.0) -> None:
        self._dsn = dsn
        self._timeout = timeout
        self._pools: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Future[asyncpg.Pool]
        ] = weakref.WeakKeyDictionary()
        self._closed = False

    async def _pool(self) -> asyncpg.Pool | None:
        loop = asyncio.get_running_loop()
        made = self._pools.get(loop)
        if made is None:
            made = self._pools[loop] = asyncio.ensure_future(
                asyncpg.create_pool(
                    self._dsn,
                    min_size=1,
                    max_size=PG_READERS,
                    timeout=self._timeout,
                    reset=_keep_session,
                )
            )
        try:
            return await asyncio.shield(made)
        except Exception:
            if self._pools.get(loop) is made:
                del self._pools[loop]  # the next read tries again
            return None

    async def one(self, sql: str, parameters: Sequence[Any]) -> dict[str, Any] | object | None:
        """The first row of `sql` as a dict, None when there is none, or `UNREADABLE`."""
        if self._closed:
            return UNREADABLE
        pool = await self._pool()
        if pool is None:
            return UNREADABLE
        try:
            row = await pool.fetchrow(sql, *parameters)
        except _PG_FAILED:
            return UNREADABLE
        return None if row is None else dict(row)

    def close(self) -> None:
        self._closed = True
        for made in list(self._pools.values()):
            if made.done() and not made.cancelled() and made.exception() is None:
                made.result().terminate()
            else:
                made.cancel()
        self._pools.clear()


def reader_for(engine: AsyncEngine) -> SqliteReader | PgReader | None:
    """A reader for `engine`'s store (closed with the engine): its SQLite file, or its
    PostgreSQL database through asyncpg; None for in-memory SQLite."""
    url = engine.url
    reader: SqliteReader | PgReader
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        reader = PgReader(url.set(drivername="postgresql").render_as_string(hide_password=False))
    else:
        path = sqlite_path(url.render_as_string(hide_password=False))
        if path is None:
            return None
        reader = SqliteReader(path)
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: reader.close())
    return reader
