"""Running Kayenta executions: claim a pending judgement, fetch, judge, keep the report.

An execution is stored `running` when `POST /canary` accepts it, so nothing accepted is lost to
a crash. Each replica runs one worker (on the scheduler's event loop in `augur serve`): it claims
pending judgements for a lease (`SqlStore.claim_due`; replicas never share one), renews the
claim while it works, and writes the outcome only while it holds the claim. A replica that dies
mid-judgement leaves its claim to expire (on SQLite, where one process writes, the next start
takes every claim back at once), and the judgement is run again from the start: fetching has no
side effects, and the outcome is written once, by whoever finishes it holding the claim.

A judgement that could not be made (a series that could not be fetched, a config that no longer
fits) ends `terminal` with the reason, as Kayenta's pipeline does; one that kept its process from
finishing `MAX_ATTEMPTS` times is ended `terminal` too, rather than crashing every replica in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.judge import JudgeConfigError, parse_canary_config
from app.service.canary_request import parse_request
from app.service.judging import judge_live
from app.service.loop_thread import set_from_any_thread
from app.service.metricsets import MetricSets
from app.service.notifications import NotificationPlan
from app.store.records import JudgementRecord, NewNotification
from app.store.sql import SqlStore
from providers.base import Credentials
from providers.errors import ProviderError

__all__ = ["MAX_ATTEMPTS", "ExecutionWorker"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass
class ExecutionWorker:
    store: SqlStore
    metricsets: MetricSets
    credentials: Credentials
    clock: Callable[[], datetime]
    owner: str
    lease: timedelta = timedelta(seconds=30)
    poll: float = 1.0
    max_concurrent: int = 16
    #: Who hears of a finished judgement (queued with its outcome, `app.service.notifications`).
    notifications: NotificationPlan | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _home: asyncio.AbstractEventLoop | None = None
    _stopping: bool = False
    _loop_task: asyncio.Task[None] | None = None
    _running: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def wake(self) -> None:
        """A judgement was accepted: look now. Safe from any thread."""
        set_from_any_thread(self._wake, self._home)

    async def start(self) -> None:
        self._home = asyncio.get_running_loop()
        if self.store.engine.dialect.name == "sqlite":
            await self.store.release_claims(owner=None)  # left by a process that died
        self._loop_task = asyncio.create_task(self._loop(), name="augur-executions")

    async def stop(self) -> None:
        """Stop claiming; judgements in flight are abandoned and their claims handed back, so
        the next replica (or the next start) runs them."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.store.release_claims(owner=self.owner)

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._claim()
            except Exception:
                log.exception("executions: claiming failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)

    async def _claim(self) -> None:
        free = self.max_concurrent - len(self._running)
        if free <= 0:
            return
        claimed = await self.store.claim_due(
            owner=self.owner, now=self.clock(), lease=self.lease, limit=free
        )
        for record in claimed:
            if record.id in self._running:
                continue
            task = asyncio.create_task(self._run(record), name=f"augur-judgement-{record.id}")
            self._running[record.id] = task
            task.add_done_callback(functools.partial(self._forget, record.id))

    def _forget(self, judgement_id: str, _task: asyncio.Task[None]) -> None:
        self._running.pop(judgement_id, None)

    async def _renew(self, judgement_id: str, work: asyncio.Task[None]) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            until = self.clock() + self.lease
            if not await self.store.renew_claim(judgement_id, owner=self.owner, until=until):
                log.warning(
                    "judgement %s: the claim was lost; another replica has it", judgement_id
                )
                work.cancel()
                return

    async def _run(self, record: JudgementRecord) -> None:
        work = asyncio.create_task(self._judge(record))
        renew = asyncio.create_task(self._renew(record.id, work))
        try:
            await work
        except asyncio.CancelledError:
            if not work.cancelled():
                raise
        except Exception:  # a bug, or the store: the claim expires and it is run again
            log.exception("judgement %s: failed; it will be run again", record.id)
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renew
        self.wake()  # a place is free

    async def _judge(self, record: JudgementRecord) -> None:
        if record.attempts > MAX_ATTEMPTS:
            reason = f"gave up after {MAX_ATTEMPTS} attempts that did not finish"
            await self._finish(record, error=reason)
            return
        try:
            config = parse_canary_config(record.config)
            request = parse_request(record.request, config)
            report = await judge_live(
                config,
                request,
                metricsets=self.metricsets,
                credentials=self.credentials,
                namespace=record.namespace,
            )
        except JudgeConfigError as exc:
            await self._finish(record, error=f"the config does not fit: {exc}")
        except ProviderError as exc:
            await self._finish(record, error=str(exc))
        else:
            written = await self.store.finish_judgement(
                record.id,
                owner=self.owner,
                status="succeeded",
                report=report.document,
                error=None,
                score=report.score,
                classification=report.classification,
                outbox=self._notices(
                    record, result=report.classification, score=report.score, message=""
                ),
            )
            if written:
                log.info(
                    "judgement %s: %s, score %g", record.id, report.classification, report.score
                )

    async def _finish(self, record: JudgementRecord, *, error: str) -> None:
        log.warning("judgement %s: terminal: %s", record.id, error)
        await self.store.finish_judgement(
            record.id,
            owner=self.owner,
            status="terminal",
            report=None,
            error=error,
            outbox=self._notices(record, result="Error", score=None, message=error),
        )

    def _notices(
        self, record: JudgementRecord, *, result: str, score: float | None, message: str
    ) -> list[NewNotification]:
        """The notifications of this outcome; a fault here is logged, never fails the judgement."""
        if self.notifications is None:
            return []
        try:
            return self.notifications.judgement(
                namespace=record.namespace,
                name=record.config_name or record.config_id or record.id,
                judgement=record.id,
                result=result,
                score=score,
                message=message,
                details={"origin": record.origin, **record.params},
                annotations={},
                now=self.clock(),
            )
        except Exception:
            log.exception("judgement %s: planning its notifications failed; none sent", record.id)
            return []
