"""The ASGI application: `create_app()` wires settings, store and metrics into one app.

Everything is built here and hung on `app.state`; nothing is global, so tests build as many
independent apps as they like.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from app import __version__
from app.api import health, problems
from app.logs import AccessLog, Redactor
from app.metrics import Metrics
from app.settings import Settings
from app.store.db import open_engine
from app.store.lifecycle import SchemaGate
from app.store.sql import SqlStore

__all__ = ["create_app"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    redactor: Redactor | None = None,
) -> FastAPI:
    settings = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = open_engine(settings.store_url)
        app.state.store_engine = engine
        app.state.store = SqlStore(engine, clock=clock)
        app.state.schema = SchemaGate(engine)
        app.state.schema.start()
        try:
            yield
        finally:
            await app.state.schema.stop()
            await engine.dispose()

    app = FastAPI(
        title="augur",
        version=__version__,
        summary="Canary analysis as a service for Argo Rollouts and Flagger.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.redactor = redactor if redactor is not None else Redactor()
    app.state.metrics = Metrics(version=__version__)
    problems.install(app)
    app.include_router(health.router)
    app.add_middleware(AccessLog)
    return app
