"""The store's tables, in SQLAlchemy Core: plain tables a person can query with `sqlite3`/`psql`.

- `templates`: AnalysisTemplates and ClusterAnalysisTemplates as submitted (JSON text).
- `runs`: one row per AnalysisRun: its spec as submitted (secret values are never stored: args
  keep their `valueFrom` and are resolved at measurement time), its status in Argo's shape, and
  the scheduling columns the runner leases by.
- `run_labels`: a run's labels, one row each, for label selectors.
- `measurements`: append-only, one row per provider call, unique per (run, metric, seq), with the
  raw value the provider returned. A run's status is written in the same transaction as the
  measurement it follows from, so a crash never leaves one without the other.

The Alembic migrations in `app/store/migrations/` create exactly these tables; a test compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["measurements", "metadata", "run_labels", "runs", "templates"]

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
