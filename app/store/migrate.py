"""Apply the store's Alembic migrations at start-up, so `make run` needs no separate step."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["HEAD", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "head"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, *, revision: str = HEAD) -> None:
    """Bring the database to `revision`; concurrent replicas on PostgreSQL serialise on a lock."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two replicas starting together must not both create the tables.
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7243110)")
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))
