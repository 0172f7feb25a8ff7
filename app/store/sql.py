"""The run store over SQLAlchemy Core: one code path for SQLite and PostgreSQL.

`SqlStore` is the one object the service holds; its queries live by subject in
`app.store.templates`, `app.store.runs`, `app.store.measurements`, `app.store.leases`,
`app.store.canaryconfigs`, `app.store.judgements`, `app.store.events` (what the event streams
read) and `app.store.outbox` (notifications to deliver), over the engine, clock and write
transaction of `app.store.base`.

Writes that belong together share a transaction: a run's status moves on only in the transaction
that stores the measurements it follows from, and a measurement row is unique per
(run, metric, seq) in the database itself, so a retried write can never duplicate one.
"""

from __future__ import annotations

from app.store.canaryconfigs import CanaryConfigQueries
from app.store.events import EventQueries
from app.store.judgements import JudgementQueries
from app.store.leases import LeaseQueries
from app.store.measurements import MeasurementQueries
from app.store.outbox import NotificationQueries
from app.store.runs import RunQueries
from app.store.templates import TemplateQueries

__all__ = ["SqlStore"]


class SqlStore(
    TemplateQueries,
    RunQueries,
    MeasurementQueries,
    LeaseQueries,
    CanaryConfigQueries,
    JudgementQueries,
    EventQueries,
    NotificationQueries,
):
    """Templates, runs, measurements, leases, canary configs, judgements, events and
    notifications. `clock` is injected so tests control time."""
