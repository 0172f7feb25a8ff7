"""Bringing the store up with the server without making the server depend on it being up.

The process starts even when the database is down (Kubernetes restarts a crashing pod, it does
not wait for a dependency); migrations are retried in the background and `/readyz` stays 503
until they have run, so no request reaches a half-ready store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from app.store.migrate import upgrade

__all__ = ["SchemaGate"]

log = logging.getLogger(__name__)


class SchemaGate:
    """Runs the migrations until they succeed; `ready` tells whether they have."""

    def __init__(self, engine: AsyncEngine, *, first_delay: float = 0.5, max_delay: float = 15.0):
        self._engine = engine
        self._first_delay = first_delay
        self._max_delay = max_delay
        self.ready = asyncio.Event()
        #: The type of the last attempt's error, None before the first one fails.
        self.failed_with: str | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._migrate(), name="augur-migrate")

    async def _migrate(self) -> None:
        delay = self._first_delay
        while True:
            try:
                await upgrade(self._engine)
            except Exception as exc:
                self.failed_with = type(exc).__name__
                # The driver's text can carry the URL and its password: log the type only.
                log.warning(
                    "store migration failed (%s); retrying in %.1fs", type(exc).__name__, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)
            else:
                self.ready.set()
                return

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
