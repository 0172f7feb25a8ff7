"""Opening the database behind the store.

SQLite is the zero-set-up default: the file's directory is created on demand and the file runs
in WAL mode, so readers (the API) never block the writer (the runner). PostgreSQL is for several
replicas. Both go through SQLAlchemy's async engine, so the rest of the store is one code path.
"""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path
from typing import IO, Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.store.errors import StoreUnavailable

__all__ = ["SingleWriter", "StoreInUse", "open_engine", "ping", "sqlite_path"]


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


STORE_UNREACHABLE = "the store cannot be reached; check AUGUR_STORE_URL and the database"
#: Raised by the driver when the database is down, restarting or dropped the connection.
_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
)


def open_engine(url: str, *, connect_timeout: float = 5.0) -> AsyncEngine:
    """Create the engine; nothing connects until first use, so a down database is not fatal here."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": connect_timeout})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    elif make_url(url).get_backend_name() == "postgresql":
        engine = create_async_engine(
            url, pool_pre_ping=True, connect_args={"timeout": connect_timeout}
        )
    else:
        engine = create_async_engine(url)
    event.listen(engine.sync_engine, "do_connect", _connect)
    event.listen(engine.sync_engine, "handle_error", _unreachable)
    return engine


def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Connect as SQLAlchemy would; a refused or timed-out connect is `StoreUnavailable` (the
    driver raises those untranslated, so `handle_error` never sees them)."""
    try:
        return dialect.connect(*cargs, **cparams)
    except _UNREACHABLE as exc:
        raise StoreUnavailable(STORE_UNREACHABLE) from exc


def _unreachable(context: ExceptionContext) -> BaseException | None:
    """A database that cannot be reached is `StoreUnavailable` (the API answers 503), not an
    unhandled driver error (500). The driver's text can hold the URL: it stays in the cause."""
    if context.is_pre_ping:
        return None  # the pool reconnects by itself
    original = context.original_exception
    wrapped = context.sqlalchemy_exception
    if (
        context.is_disconnect
        or isinstance(original, _UNREACHABLE)
        or isinstance(wrapped, OperationalError | InterfaceError)
    ):
        return StoreUnavailable(STORE_UNREACHABLE)
    return None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # The API and the scheduler write through engines of their own: on a loaded machine one may
    # wait past sqlite3's 5 s default for the other's commit, and "database is locked" would
    # answer a create with 503. A writer waits for the lock instead (reads never wait in WAL).
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database cannot answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


class StoreInUse(RuntimeError):
    """Another augur process already writes this SQLite file."""


class SingleWriter:
    """An exclusive lock beside a SQLite file: one augur process per file.

    SQLite is the single-process default; two processes on one file would both lease and measure
    the same runs. The lock is an advisory `flock` the kernel drops when the process dies (even
    by SIGKILL), so a crashed process never blocks its successor. The holder writes its pid and
    host into the lock file, so the one refused can say who holds it.
    """

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock (again: a no-op); `StoreInUse` names the file and, when the lock file
        says so, the process holding it."""
        if self._file is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")  # never truncate: the holder's pid is in there
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            who = f" ({holder})" if holder else ""
            raise StoreInUse(
                f"another augur process{who} is using the SQLite store {self.database}; a SQLite "
                "store takes one process: stop that one, or run replicas on PostgreSQL "
                "(AUGUR_STORE_URL=postgresql+asyncpg://user@host/db)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.truncate(0)
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
