"""Delivering the outbox: one task per receiver posts its notifications, one at a time.

A receiver's task claims its next due notification (a lease, so one replica delivers each),
posts it through the shared guarded client (the address policy holds) with the receiver's
headers and `Idempotency-Key`, and records the attempt: delivered on a 2xx; on a timeout, a
transport error, a 408/409/425/429 or a 5xx, due again after a backoff that doubles
(`AUGUR_NOTIFY_BACKOFF_SECONDS`, 8 s: 8, 16, 32, 64, about two minutes for five attempts);
given up after `AUGUR_NOTIFY_ATTEMPTS` or on any other 4xx, which no retry mends.

Each attempt has a deadline (`AUGUR_NOTIFY_TIMEOUT_SECONDS`), and each receiver its own task,
so a receiver that hangs delays nobody else's notifications, and the measurement loop, on its
own thread and loop, never waits for any of them. Undelivered notifications stay in the store:
after a restart (or on another replica, once the lease expires) they are delivered then. A
delivery can still happen twice (a crash after the receiver answered, before the attempt was
recorded): the key is the same every time, so receivers can drop the second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from app.core.metrics import Metrics
from app.service.bells import Bells
from app.service.notify_config import Receiver, SecretRef
from app.service.notify_formats import encode
from app.spec.errors import ArgError
from app.spec.secrets import SecretSource
from app.store.records import NotificationRecord
from app.store.sql import SqlStore

__all__ = ["DeliverySettings", "NotificationWorker"]

log = logging.getLogger(__name__)
#: 4xx answers that a later attempt may not get: everything else in 4xx is given up at once.
_RETRIED_4XX = frozenset({408, 409, 425, 429})


@dataclass(frozen=True)
class DeliverySettings:
    owner: str
    timeout: float = 10.0
    attempts: int = 5
    backoff: float = 8.0
    poll: float = 1.0


class _Failed(Exception):
    """An attempt that did not deliver; `final` when no retry can help."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final


@dataclass
class NotificationWorker:
    store: SqlStore
    http: httpx.AsyncClient
    receivers: Sequence[Receiver]
    bells: Bells
    metrics: Metrics
    clock: Callable[[], datetime]
    settings: DeliverySettings
    secrets: SecretSource | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _posts: set[asyncio.Task[None]] = field(default_factory=set)
    _stopping: bool = False

    async def start(self) -> None:
        if not self.receivers:
            return
        if self.store.engine.dialect.name == "sqlite":
            # One process writes a SQLite store: a lease found now was left by one that died.
            await self.store.release_notifications(owner=None)
        for receiver in self.receivers:
            self._tasks.append(
                asyncio.create_task(self._serve(receiver), name=f"augur-notify-{receiver.name}")
            )

    async def stop(self) -> None:
        """Stop delivering. A post in flight is abandoned (its lease handed back, so the
        notification is delivered after the restart, or by another replica); the store's
        writes under way finish, never cancelled half-way through a transaction."""
        self._stopping = True
        for post in self._posts:
            post.cancel()
        self.bells.ring("outbox")  # wake the idle ones
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        with contextlib.suppress(Exception):
            await self.store.release_notifications(owner=self.settings.owner)

    @property
    def _lease(self) -> timedelta:
        return timedelta(seconds=self.settings.timeout + 30)

    async def _serve(self, receiver: Receiver) -> None:
        while not self._stopping:
            seen = self.bells.generation("outbox")
            try:
                claimed = await self.store.claim_notifications(
                    receiver=receiver.name,
                    owner=self.settings.owner,
                    now=self.clock(),
                    lease=self._lease,
                )
                for notification in claimed:
                    await self._attempt(receiver, notification)
                if claimed:
                    continue
                idle = await self._idle(receiver)
            except Exception:
                log.exception("notifications to receiver %s: the store failed", receiver.name)
                idle = self.settings.poll
            await self.bells.wait("outbox", seen, idle)

    async def _idle(self, receiver: Receiver) -> float:
        due = await self.store.next_notification_due(receiver.name)
        now = self.clock()
        if due is None or due <= now:  # nothing, or held by another worker
            return self.settings.poll
        return min(self.settings.poll, (due - now).total_seconds())

    def _secret(self, ref: SecretRef) -> str:
        if self.secrets is None:
            raise _Failed("no secrets folder (AUGUR_SECRETS_DIR)")
        try:
            # A header or URL holds no line break; files written with `echo` end in one.
            return self.secrets.read(ref.secret_key_ref.name, ref.secret_key_ref.key).strip()
        except ArgError as exc:
            raise _Failed(exc.message) from None

    async def _post(self, receiver: Receiver, notification: NotificationRecord) -> None:
        headers, body = encode(receiver.kind, notification.payload)
        headers.update(receiver.headers)
        headers.update({name: self._secret(ref) for name, ref in receiver.headers_from.items()})
        headers["Idempotency-Key"] = notification.key
        url = receiver.url if receiver.url is not None else ""
        if receiver.url_from is not None:
            url = self._secret(receiver.url_from)
        timeout = self.settings.timeout
        try:
            async with asyncio.timeout(timeout):
                reply = await self.http.post(url, content=body, headers=headers, timeout=timeout)
        except TimeoutError:
            raise _Failed(f"no answer within {timeout:g}s") from None
        except httpx.ConnectError as exc:
            raise _Failed(f"cannot connect: {str(exc)[:200]}") from None
        except (httpx.HTTPError, OSError) as exc:
            raise _Failed(type(exc).__name__) from None
        if 200 <= reply.status_code < 300:
            return
        final = 400 <= reply.status_code < 500 and reply.status_code not in _RETRIED_4XX
        raise _Failed(f"HTTP {reply.status_code}", final=final)

    async def _attempt(self, receiver: Receiver, notification: NotificationRecord) -> None:
        started = time.perf_counter()
        post = asyncio.create_task(self._post(receiver, notification))
        self._posts.add(post)
        try:
            await asyncio.wait({post})
        finally:
            self._posts.discard(post)
        if post.cancelled():
            return  # stopping: the lease is handed back, a later attempt delivers it
        self.metrics.notification_latency.labels(receiver=receiver.name).observe(
            time.perf_counter() - started
        )
        error = post.exception()
        if error is not None and not isinstance(error, _Failed):
            log.error("notification %s: the attempt failed", notification.key, exc_info=error)
            error = _Failed(type(error).__name__)
        if error is None:
            await self._delivered(receiver, notification)
        else:
            await self._failed(receiver, notification, error)

    async def _delivered(self, receiver: Receiver, notification: NotificationRecord) -> None:
        self.metrics.notifications.labels(receiver=receiver.name, outcome="delivered").inc()
        await self.store.finish_attempt(notification.id, owner=self.settings.owner, delivered=True)
        log.info(
            "notified receiver %s of %s (%s)",
            receiver.name,
            _about(notification),
            notification.payload.get("phase") or notification.payload.get("result"),
            extra=_extra(receiver, notification),
        )

    async def _failed(
        self, receiver: Receiver, notification: NotificationRecord, failed: _Failed
    ) -> None:
        attempt = notification.attempts + 1
        retry = not failed.final and attempt < self.settings.attempts
        delay = self.settings.backoff * 2 ** (attempt - 1)
        outcome = "failed" if retry else "gave_up"
        self.metrics.notifications.labels(receiver=receiver.name, outcome=outcome).inc()
        await self.store.finish_attempt(
            notification.id,
            owner=self.settings.owner,
            delivered=False,
            error=failed.reason,
            retry_at=self.clock() + timedelta(seconds=delay) if retry else None,
        )
        what, extra = _about(notification), _extra(receiver, notification)
        if retry:
            log.warning(
                "notification of %s to receiver %s failed (%s); attempt %d of %d, next in %gs",
                what, receiver.name, failed.reason, attempt, self.settings.attempts, delay,
                extra=extra,
            )  # fmt: skip
        else:
            log.error(
                "notification of %s to receiver %s failed (%s) at attempt %d; given up",
                what, receiver.name, failed.reason, attempt,
                extra=extra,
            )  # fmt: skip


def _about(notification: NotificationRecord) -> str:
    return f"{notification.payload.get('namespace')}/{notification.payload.get('name')}"


def _extra(receiver: Receiver, notification: NotificationRecord) -> dict[str, object]:
    return {
        "receiver": receiver.name,
        "key": notification.key,
        "attempt": notification.attempts + 1,
    }
