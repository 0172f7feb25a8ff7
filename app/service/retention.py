"""Forgetting old events and notifications: at start-up and then every hour, whatever was
written more than `AUGUR_EVENTS_RETENTION_DAYS` ago goes (a deleted run's events go with the
run; its deletion event stays until it is that old). Every replica may prune: deleting what is
already gone does nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
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

    async def prune(self) -> tuple[int, int]:
        """Delete what is older than `keep`; how many events and notifications went."""
        before = self.clock() - self.keep
        events = await self.store.prune_events(before=before)
        notices = await self.store.prune_notifications(before=before)
        if events or notices:
            log.info("pruned %d events and %d notifications older than %s", events, notices, before)
        return events, notices

    async def run_forever(self) -> None:
        while True:
            try:
                await self.prune()
            except Exception:
                log.exception("pruning old events failed; trying again later")
            await asyncio.sleep(self.every)
