"""One-row reads on the request path without a thread hop, for SQLite files.

aiosqlite runs every statement on a thread of its connection: taking a pooled connection,
executing, fetching and handing the connection back are each a trip to that thread and back to
the event loop, and under load those trips (thread wake-ups, the interpreter lock) cost more
than the read itself, which on an indexed key takes tens of microseconds. The gates and run
status read one row by a unique key on every call, so those reads go straight to `sqlite3` on
the caller's thread, over a read-only connection of its own (one per thread: the API's loop
and the scheduler's never share one). In WAL mode a reader never waits for a writer, and the
connection is opened with no busy timeout: anything unusual (the file not migrated yet, a lock
held while the WAL is recovered) answers `UNREADABLE`, and the caller reads the usual way.

Nothing here writes, and nothing is kept between calls but the connections; they close when
the engine is disposed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.store.db import sqlite_path

__all__ = ["UNREADABLE", "SqliteReader", "reader_for"]

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


def reader_for(engine: AsyncEngine) -> SqliteReader | None:
    """A reader for `engine`'s SQLite file (closed with the engine), None for other stores."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is None:
        return None
    reader = SqliteReader(path)
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: reader.close())
    return reader
