"""Forgetting old events and notifications: at start-up and then every hour, whatever was
written more than `AUGUR_EVENTS_RETENTION_DAYS` ago goes (a deleted run's events go with the
run; its deletion event stays until it is that old). Every replica may prune: deleting what is
already gone does nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.store.sql import SqlStore

__all__ = ["Retention"]

log = logging.getLogger(__name__)


@dataclass
class Retention:
    store: SqlStore
    clock: Callable[[], datetime]
    keep: timedelta
    every: float = 3600.0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def prune(self) -> tuple[int, int]:
        """Delete what is older than `keep`; how many events and notifications went."""
        before = self.clock() - self.keep
        events = await self.store.prune_events(before=before)
        notices = await self.store.prune_notifications(before=before)
        if events or notices:
            log.info("pruned %d events and %d notifications older than %s", events, notices, before)
        return events, notices

    async def run_until_stopped(self) -> None:
        """Prune now and every `every` seconds until `stop`. A prune under way is finished,
        never cancelled half-way through its transaction."""
        while not self._stop.is_set():
            try:
                await self.prune()
            except Exception:
                log.exception("pruning old events failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.every)

    def stop(self) -> None:
        self._stop.set()
