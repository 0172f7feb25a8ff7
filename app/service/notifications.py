"""Notifications: what to queue when a run changes phase or a judgement finishes.

Nothing here sends anything. A run's phase change is planned by `NotificationPlan.phase_change`,
which the scheduler calls while it writes the pass: the rows go into the outbox in the same
transaction as the status (`SqlStore.record`), so a crash never loses a notification of a phase
that was stored, and a slow receiver never delays a measurement. The worker of
`app.service.notify_worker` delivers them.

Judgements (Kayenta-style canary scores): a Kayenta execution's outcome is announced by the
execution worker, which hands `NotificationPlan.judgement`'s rows to `finish_judgement`, so they
are queued in the transaction that stores the outcome. Other code that finishes a judgement calls
`Notifications.notify_judgement`, hung on `app.state.notifications`, once the judgement is
stored::

    await request.app.state.notifications.notify_judgement(
        namespace="bookinfo", name="reviews-canary", judgement="3f2c...", result="Fail",
        score=41.5, message="latency: canary higher than baseline",
        annotations=run_annotations,  # the run's, so on-judgement annotations count
    )

It queues one notification per receiver that wants `Judgement`; calling it again for the same
`judgement` id queues nothing more (the idempotency key is derived from it).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.errors import FieldProblem, InvalidInput
from app.service.notify_config import Receiver, annotation_problems, receivers_for
from app.service.notify_formats import judgement_payload, phase_payload
from app.spec.models import AnalysisRun
from app.store.records import NewNotification
from app.store.sql import SqlStore

__all__ = ["NotificationPlan", "Notifications", "idempotency_key"]

log = logging.getLogger(__name__)
#: The phases a receiver can be told a run reached.
NOTIFIED_PHASES = frozenset({"Running", "Successful", "Failed", "Error", "Inconclusive"})
_KEYS = uuid.UUID("6f1d9a52-5d0c-4f43-9a43-6a7567757221")


def idempotency_key(*parts: str) -> str:
    """The same key for the same notice to the same receiver, on every attempt and replica."""
    return str(uuid.uuid5(_KEYS, "\x1f".join(parts)))


@dataclass(frozen=True)
class NotificationPlan:
    """The configured receivers, and which of them hear of what."""

    receivers: Sequence[Receiver] = ()

    def phase_change(
        self, run: AnalysisRun, *, uid: str, previous: str, now: datetime
    ) -> list[NewNotification]:
        """The notifications of `run` having moved from `previous` to its current phase."""
        status = run.status
        phase = status.phase.value if status is not None and status.phase is not None else ""
        if phase == previous or phase not in NOTIFIED_PHASES or not self.receivers:
            return []
        chosen = receivers_for(
            self.receivers,
            namespace=run.metadata.namespace,
            annotations=run.metadata.annotations,
            trigger=phase,
        )
        found = []
        for receiver in chosen:
            key = idempotency_key(uid, "phase", phase, receiver.name)
            payload = phase_payload(run, uid=uid, previous=previous, key=key, now=now)
            found.append(
                NewNotification(key=key, receiver=receiver.name, kind="phase", payload=payload)
            )
        return found

    def judgement(
        self,
        *,
        namespace: str,
        name: str,
        judgement: str,
        result: str,
        score: float | None,
        message: str,
        details: Mapping[str, Any],
        annotations: Mapping[str, str],
        now: datetime,
    ) -> list[NewNotification]:
        """The notifications of a finished judgement, one per receiver that wants `Judgement`."""
        chosen = receivers_for(
            self.receivers, namespace=namespace, annotations=annotations, trigger="Judgement"
        )
        found = []
        for receiver in chosen:
            key = idempotency_key(namespace, name, "judgement", judgement, receiver.name)
            payload = judgement_payload(
                namespace=namespace,
                name=name,
                judgement=judgement,
                result=result,
                score=score,
                message=message,
                details=details,
                key=key,
                now=now,
            )
            found.append(
                NewNotification(key=key, receiver=receiver.name, kind="judgement", payload=payload)
            )
        return found

    def check_annotations(
        self, namespace: str, annotations: Mapping[str, str], *, prefix: str
    ) -> None:
        """A 422 naming each notification annotation that names no usable receiver."""
        problems = annotation_problems(self.receivers, namespace=namespace, annotations=annotations)
        if problems:
            raise InvalidInput(
                "the run's notification annotations cannot be honoured",
                [FieldProblem(f'{prefix}["{key}"]', message) for key, message in problems],
            )


@dataclass
class Notifications:
    """The notifications the API's side queues: judgements."""

    plan: NotificationPlan
    store: SqlStore
    clock: Callable[[], datetime]

    async def notify_judgement(
        self,
        *,
        namespace: str,
        name: str,
        judgement: str,
        result: str,
        score: float | None = None,
        message: str = "",
        details: Mapping[str, Any] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> int:
        """Queue the notifications of a finished judgement of run `namespace/name`; how many.

        `judgement` is the judgement's own id (the same id never notifies twice), `result` its
        verdict (Pass, Marginal, Fail...), `score` 0-100 when there is one, `message` why, in
        text already free of secrets, `details` any JSON the receivers should see.
        """
        rows = self.plan.judgement(
            namespace=namespace,
            name=name,
            judgement=judgement,
            result=result,
            score=score,
            message=message,
            details=details or {},
            annotations=annotations or {},
            now=self.clock(),
        )
        await self.store.enqueue_notifications(rows)
        return len(rows)
