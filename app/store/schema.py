"""The store's tables, in SQLAlchemy Core: plain tables a person can query with `sqlite3`/`psql`.

- `templates`: AnalysisTemplates and ClusterAnalysisTemplates as submitted (JSON text).
- `runs`: one row per AnalysisRun: its spec as submitted (secret values are never stored: args
  keep their `valueFrom` and are resolved at measurement time), its status in Argo's shape, and
  the scheduling columns the runner leases by.
- `run_labels`: a run's labels, one row each, for label selectors.
- `measurements`: append-only, one row per provider call, unique per (run, metric, seq), with the
  raw value the provider returned. A run's status is written in the same transaction as the
  measurement it follows from, so a crash never leaves one without the other.
- `events`: what the event streams serve, one row per measurement, phase change and run created
  or deleted, written in the transaction that makes it true. Its id orders every event of every
  run (SQLite's AUTOINCREMENT never reuses one; PostgreSQL's writers take an advisory lock
  before they insert, so ids become visible in their order).
- `notifications`: the outbox of notifications to deliver, written with the phase change they
  announce and delivered by a worker (one replica each, by lease), retried until delivered or
  given up.
- `canary_configs`: Kayenta canary configs as given, by (namespace, name), each with the id
  Kayenta's API knows it by (stable across replacements).
- `judgements`: one row per canary judgement (a Kayenta execution, or a `judge` metric's
  measurement): the config and request it ran with, its status, the claim of the replica running
  it, and when done the full report (every metric's result and both series).

The Alembic migrations in `app/store/migrations/` create exactly these tables; a test compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "canary_configs",
    "events",
    "judgements",
    "measurements",
    "metadata",
    "notifications",
    "run_labels",
    "runs",
    "templates",
]

metadata = MetaData()

# Identifier lengths follow Kubernetes: names and namespaces are DNS labels/subdomains (<= 253).
NAME = 253
# 64-bit ids on PostgreSQL; SQLite only autoincrements a column declared INTEGER.
ROW_ID = BigInteger().with_variant(Integer, "sqlite")

templates = Table(
    "templates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("namespace", String(NAME), nullable=False),  # "" for ClusterAnalysisTemplates
    Column("name", String(NAME), nullable=False),
    Column("body", Text, nullable=False),
    Column("resource_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "namespace", "name", name="uq_templates_kind_namespace_name"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(36), primary_key=True),  # the run's uid
    Column("namespace", String(NAME), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("labels", Text, nullable=False),  # JSON object
    Column("annotations", Text, nullable=False, server_default="{}"),  # JSON object
    Column("spec", Text, nullable=False),  # AnalysisRun spec JSON, as submitted
    Column("status", Text, nullable=False),  # AnalysisRun status JSON, Argo's shape
    Column("phase", String(16), nullable=False),
    Column("idempotency_key", String(255), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("next_reconcile_at", DateTime(timezone=True), nullable=True),  # null: nothing to do
    Column("lease_owner", String(255), nullable=True),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("namespace", "name", name="uq_runs_namespace_name"),
)
Index("ix_runs_due", runs.c.next_reconcile_at)
Index("ix_runs_listing", runs.c.created_at, runs.c.id)
Index("ix_runs_phase", runs.c.phase)

# One row per label, so label selectors are answered by the database, not by loading every run.
run_labels = Table(
    "run_labels",
    metadata,
    Column("run_id", String(36), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(NAME), primary_key=True),
    Column("value", String(NAME), nullable=False),
)
Index("ix_run_labels_key_value", run_labels.c.key, run_labels.c.value)

measurements = Table(
    "measurements",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("run_id", String(36), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("metric", String(NAME), nullable=False),
    Column("seq", Integer, nullable=False),  # 1, 2, 3... per (run, metric)
    Column("phase", String(16), nullable=False),
    Column("value", Text, nullable=False),  # the raw value the provider returned, as stored by Argo
    Column("message", Text, nullable=False),
    Column("metadata", Text, nullable=False),  # JSON object of strings
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("run_id", "metric", "seq", name="uq_measurements_run_metric_seq"),
)

events = Table(
    "events",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    # No foreign key: a run's deletion is itself an event, kept after the run is gone.
    Column("run_id", String(36), nullable=False),
    Column("namespace", String(NAME), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("kind", String(16), nullable=False),  # measurement | phase | run
    Column("data", Text, nullable=False),  # the JSON the stream sends, "at" included
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_events_run", events.c.run_id, events.c.id)
Index("ix_events_created", events.c.created_at)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),  # the idempotency key, the same on every attempt
    Column("receiver", String(NAME), nullable=False),
    Column("kind", String(32), nullable=False),  # phase | judgement
    Column("payload", Text, nullable=False),  # JSON: what the receiver's format is made from
    Column("state", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("lease_owner", String(255), nullable=True),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("key", name="uq_notifications_key"),
)
Index(
    "ix_notifications_due",
    notifications.c.receiver,
    notifications.c.state,
    notifications.c.next_attempt_at,
)
Index("ix_notifications_created", notifications.c.created_at)

# Kayenta's ids are strings of its own choosing (UUIDs); a config copied from Kayenta keeps its.
CANARY_ID = 64

canary_configs = Table(
    "canary_configs",
    metadata,
    Column("id", String(CANARY_ID), primary_key=True),
    Column("namespace", String(NAME), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("body", Text, nullable=False),  # Kayenta's CanaryConfig JSON, as given
    Column("resource_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("namespace", "name", name="uq_canary_configs_namespace_name"),
)

judgements = Table(
    "judgements",
    metadata,
    Column("id", String(CANARY_ID), primary_key=True),  # Kayenta's canaryExecutionId
    Column("namespace", String(NAME), nullable=False),
    Column("origin", String(16), nullable=False),  # kayenta | metric
    Column("config_id", String(CANARY_ID), nullable=True),
    Column("config_name", String(NAME), nullable=True),
    Column("config", Text, nullable=False),  # the CanaryConfig JSON it ran with
    Column("request", Text, nullable=False),  # the CanaryExecutionRequest JSON
    Column("params", Text, nullable=False),  # application, account names, run and metric
    Column("status", String(16), nullable=False),  # running | succeeded | terminal
    Column("score", Float, nullable=True),
    Column("classification", String(16), nullable=True),
    Column("report", Text, nullable=True),  # judgeResult and metricSetPairs, once done
    Column("error", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("claim_owner", String(255), nullable=True),
    Column("claim_expires_at", DateTime(timezone=True), nullable=True),
)
Index("ix_judgements_listing", judgements.c.namespace, judgements.c.created_at)
Index("ix_judgements_status", judgements.c.status)
