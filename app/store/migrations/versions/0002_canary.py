"""canary configs and judgements

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAME = 253
CANARY_ID = 64
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "canary_configs",
        sa.Column("id", sa.String(CANARY_ID), primary_key=True),
        sa.Column("namespace", sa.String(NAME), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("resource_version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("namespace", "name", name="uq_canary_configs_namespace_name"),
    )
    op.create_table(
        "judgements",
        sa.Column("id", sa.String(CANARY_ID), primary_key=True),
        sa.Column("namespace", sa.String(NAME), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("config_id", sa.String(CANARY_ID), nullable=True),
        sa.Column("config_name", sa.String(NAME), nullable=True),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("classification", sa.String(16), nullable=True),
        sa.Column("report", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        sa.Column("claim_owner", sa.String(255), nullable=True),
        sa.Column("claim_expires_at", TS, nullable=True),
    )
    op.create_index("ix_judgements_listing", "judgements", ["namespace", "created_at"])
    op.create_index("ix_judgements_status", "judgements", ["status"])


def downgrade() -> None:
    op.drop_index("ix_judgements_status", "judgements")
    op.drop_index("ix_judgements_listing", "judgements")
    op.drop_table("judgements")
    op.drop_table("canary_configs")
