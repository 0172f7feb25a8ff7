"""Templates and runs as the API and the gates see them: validated, stored, handed to the scheduler.

`RunService` is the one object the routes and the gates call. Its template half is
`app.service.templates`, turning a request into a checked run is `app.service.requests`, and the
check every run passes before it is stored is `app.service.admission`; here are the stored runs:
created once per idempotency key, read, listed a page at a time, terminated, deleted, and their
measurements.

Every way a run is started over HTTP (the REST API, Argo's web-provider gate, Flagger's webhooks)
comes through `RunService.create_run`, so a run is checked the same way whichever door it came
in by, and every problem is reported at once as a 422 before anything is stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.addresses import AddressPolicy
from app.core.errors import NotFound
from app.expr import Limits
from app.service.documents import run_from_record
from app.service.notifications import NotificationPlan
from app.service.requests import RunRequests
from app.service.submit import ProviderCheck
from app.service.templates import Templates
from app.spec.models import AnalysisRun
from app.store.records import MeasurementRecord, NewRun, RunRecord
from app.store.runs import LabelRequirement, StoredRun
from app.store.sql import SqlStore

__all__ = ["RunService"]

log = logging.getLogger(__name__)


def _readable(record: RunRecord) -> AnalysisRun | None:
    """The stored run, or None (logged) when it no longer reads: one such run (stored by an
    older augur, or by hand) is left out of a list rather than failing the whole list."""
    try:
        return run_from_record(record)
    except ValueError as exc:  # pydantic's ValidationError among them
        log.error(
            "left run %s/%s out of a list: it no longer reads (%s)",
            record.namespace,
            record.name,
            type(exc).__name__,
        )
        return None


@dataclass
class RunService(Templates, RunRequests):
    store: SqlStore
    clock: Callable[[], datetime]
    wake: Callable[[], None]
    provider_check: ProviderCheck | None = None
    addresses: AddressPolicy = field(default_factory=AddressPolicy)
    limits: Limits | None = None
    #: The receivers a run's notification annotations may name.
    notifications: NotificationPlan = field(default_factory=NotificationPlan)

    async def create_run(
        self, namespace: str, document: Any, *, idempotency_key: str | None = None
    ) -> tuple[AnalysisRun, bool]:
        if idempotency_key is not None:
            existing = await self.store.run_by_key(idempotency_key)
            if existing is not None:
                return run_from_record(existing), False
        run = await self.build_run(namespace, document)
        whole = isinstance(document, Mapping) and document.get("kind") == "AnalysisRun"
        self.notifications.check_annotations(
            namespace,
            run.metadata.annotations,
            prefix="metadata.annotations" if whole else "annotations",
        )
        record, created = await self.store.create_run(
            NewRun(
                id=str(uuid.uuid4()),
                namespace=namespace,
                name=run.metadata.name,
                spec=run.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                status={},
                phase="Pending",
                labels=run.metadata.labels,
                annotations=run.metadata.annotations,
                next_reconcile_at=self.clock(),
            ),
            idempotency_key=idempotency_key,
        )
        if created:
            self.wake()
        return run_from_record(record), created

    async def get_run(self, namespace: str, name: str) -> AnalysisRun:
        return run_from_record(await self._record(namespace, name))

    async def stored(self, namespace: str, name: str) -> StoredRun:
        """The stored run with its JSON as text, for answers cached on it (404 when none)."""
        found = await self.store.stored_run(namespace=namespace, name=name)
        if found is None:
            raise _not_found(namespace, name)
        return found

    async def record(self, namespace: str, name: str) -> RunRecord:
        """The stored run (404 when there is none), as the store keeps it."""
        return await self._record(namespace, name)

    async def _record(self, namespace: str, name: str) -> RunRecord:
        record = await self.store.get_run(namespace=namespace, name=name)
        if record is None:
            raise _not_found(namespace, name)
        return record

    async def list_page(
        self,
        *,
        namespace: str | None,
        phase: str | None,
        selector: Sequence[LabelRequirement],
        limit: int,
        after: tuple[datetime, str] | None,
        newest_first: bool = False,
    ) -> tuple[list[AnalysisRun], tuple[datetime, str] | None]:
        """A page of runs, oldest first (or newest first), and the (created_at, id) to continue
        after when more follow. The cursor is the store's exact creation time: the whole-second
        `creationTimestamp` a run shows could skip or repeat runs created in the same second."""
        records = await self.store.list_runs(
            namespace=namespace,
            phase=phase,
            selector=selector,
            limit=limit + 1,
            after=after,
            newest_first=newest_first,
        )
        page = records[:limit]
        cursor = (page[-1].created_at, page[-1].id) if len(records) > limit else None
        return [run for record in page if (run := _readable(record)) is not None], cursor

    async def terminate(self, namespace: str, name: str) -> AnalysisRun:
        """Argo's `spec.terminate`: running metrics stop, the run ends at its next pass."""
        record = await self._record(namespace, name)
        spec = {**record.spec, "terminate": True}
        await self.store.update_spec(record.id, spec=spec, next_reconcile_at=self.clock())
        self.wake()
        return await self.get_run(namespace, name)

    async def delete_run(self, namespace: str, name: str) -> None:
        if not await self.store.delete_run(namespace=namespace, name=name):
            raise NotFound(f"analysisrun {namespace}/{name} not found")

    async def measurements(
        self,
        namespace: str,
        name: str,
        *,
        metric: str | None,
        after_seq: int,
        limit: int,
        after_metric: str | None = None,
    ) -> list[MeasurementRecord]:
        """Ordered by (metric, seq); `seq` counts per metric, so paging over every metric
        continues after (`after_metric`, `after_seq`)."""
        record = await self._record(namespace, name)
        return await self.store.measurements(
            record.id, metric=metric, after_seq=after_seq, limit=limit, after_metric=after_metric
        )


def _not_found(namespace: str, name: str) -> NotFound:
    return NotFound(f"analysisrun {namespace}/{name} not found")
