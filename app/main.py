"""The ASGI application: `create_app()` wires settings, store, scheduler and routes into one app.

Everything is built here and hung on `app.state`; nothing is global, so tests build as many
independent apps as they like.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from app import __version__
from app.api import (
    argo_gate,
    canaryconfigs,
    checks,
    docs,
    events,
    flagger,
    health,
    judgements,
    kayenta,
    problems,
    runs,
    templates,
    validate,
)
from app.api.fastpath import FastPath
from app.api.loopback import LoopbackOnly
from app.api.migrating import NotMigrated
from app.api.ui import PREFIX as UI_PREFIX
from app.api.ui import install as install_ui
from app.api.urltext import UrlText
from app.core.addresses import AddressPolicy, is_loopback_host
from app.core.auth import load_tokens
from app.core.logs import AccessLog, Redactor
from app.core.metrics import Metrics
from app.core.settings import Settings
from app.engine.offload import Offload
from app.expr import Limits, cel
from app.service.bells import Bells
from app.service.canaryconfigs import CanaryConfigs
from app.service.event_stream import EventStreams, StreamSettings
from app.service.executions import ExecutionWorker
from app.service.judge_provider import judge_providers
from app.service.judgements import Judgements
from app.service.kayenta import Kayenta
from app.service.loop_thread import LoopThread
from app.service.metricsets import MetricSets, default_addresses
from app.service.notifications import NotificationPlan, Notifications
from app.service.notify_config import load_receivers
from app.service.notify_worker import DeliverySettings, NotificationWorker
from app.service.outbound import outbound_client
from app.service.retention import Retention
from app.service.runs import RunService
from app.service.scheduler import Scheduler, SchedulerSettings
from app.spec.secrets import ProviderCredentials, SecretsDir
from app.store.db import SingleWriter, open_engine, sqlite_path
from app.store.lifecycle import SchemaGate
from app.store.sql import SqlStore
from providers import registry

__all__ = ["create_app", "run_server"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    redactor: Redactor | None = None,
    writer: SingleWriter | None = None,
    fast_path: bool = True,
) -> FastAPI:
    """The app; `writer` is the SQLite store's lock when the caller (`augur serve`) already
    holds it, so a second server is refused before anything starts. `fast_path=False` leaves
    the hot routes to FastAPI's router alone (`app.api.fastpath`; also `app.state.fast_path`)."""
    settings = settings if settings is not None else Settings()
    redactor = redactor if redactor is not None else Redactor()
    metrics = Metrics(version=__version__)
    tokens = load_tokens(settings.tokens, settings.tokens_file)
    # Without tokens `augur serve` binds to loopback whatever AUGUR_HOST says.
    on_loopback = not tokens.configured or is_loopback_host(settings.host)
    addresses = AddressPolicy.parse(settings.allowed_addresses, local=on_loopback)
    limits = Limits(
        max_steps=settings.condition_steps, max_seconds=settings.condition_milliseconds / 1000
    )
    # A bad receiver list raises NotifyConfigError here (`augur serve` says so and exits 64).
    receivers = load_receivers(
        inline=settings.notify,
        file=settings.notify_file,
        addresses=addresses,
        secrets_configured=settings.secrets_dir is not None,
    )
    plan = NotificationPlan(receivers)
    bells = Bells()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = sqlite_path(settings.store_url)
        lock = writer or (SingleWriter(database) if database is not None else None)
        engine = open_engine(settings.store_url)  # creates the SQLite file's folder
        if lock is not None:
            lock.acquire()
        store = SqlStore(engine, clock=clock, signal=bells.ring)
        http = outbound_client(addresses, max_body_bytes=settings.max_upstream_bytes)
        # Each run reads its namespace's folder; every value read is also redacted from logs.
        secrets = (
            SecretsDir(settings.secrets_dir, settings.secrets_layout, on_read=redactor.add)
            if settings.secrets_dir
            else None
        )
        credentials = ProviderCredentials(
            secrets, home=settings.namespace, environ=dict(os.environ), on_read=redactor.add
        )
        offload = Offload()
        # The scheduler runs on a loop of its own (app/service/loop_thread.py), with its own
        # connection pool and HTTP client: both are bound to the loop that uses them.
        worker = LoopThread("augur-scheduler")
        scheduler_engine = open_engine(settings.store_url)
        scheduler_http = outbound_client(addresses, max_body_bytes=settings.max_upstream_bytes)
        scheduler_store = SqlStore(scheduler_engine, clock=clock, signal=bells.ring)
        # Canary judgements: the `judge` provider (bound to each loop's store) and Kayenta's
        # executions, run by a worker on the scheduler's loop.
        series_addresses = default_addresses(settings)
        extra = judge_providers(store=store, addresses=series_addresses)
        executions = ExecutionWorker(
            store=scheduler_store,
            metricsets=MetricSets(scheduler_http, series_addresses),
            credentials=credentials,
            clock=clock,
            owner=settings.replica_id,
            lease=timedelta(seconds=settings.lease_seconds),
            notifications=plan,
        )
        scheduler = Scheduler(
            store=scheduler_store,
            settings=SchedulerSettings(
                owner=settings.replica_id,
                lease=timedelta(seconds=settings.lease_seconds),
                max_concurrent=settings.max_concurrent_measurements,
                per_address=settings.per_address_concurrency,
                poll_interval=timedelta(seconds=settings.kayenta_poll_seconds),
            ),
            clock=clock,
            http=scheduler_http,
            metrics=metrics,
            secrets=secrets,
            credentials=credentials,
            limits=limits,
            judging=offload,
            notifications=plan,
            extra=judge_providers(store=scheduler_store, addresses=series_addresses),
        )
        worker_settings = DeliverySettings(
            owner=settings.replica_id,
            timeout=settings.notify_timeout_seconds,
            attempts=settings.notify_attempts,
            backoff=settings.notify_backoff_seconds,
            poll=settings.events_poll_seconds,
        )
        notifier = NotificationWorker(
            store=store,
            http=http,
            receivers=receivers,
            bells=bells,
            metrics=metrics,
            clock=clock,
            settings=worker_settings,
            secrets=secrets.for_namespace(settings.namespace) if secrets else None,
        )
        retention = Retention(store, clock, keep=timedelta(days=settings.events_retention_days))

        def provider_check(block: Mapping[str, Any]) -> object:
            return registry.build(block, http=http, extra=extra)

        app.state.store_engine = engine
        app.state.store = store
        app.state.scheduler = scheduler
        app.state.http = http
        app.state.offload = offload
        app.state.credentials = credentials
        app.state.runs = RunService(
            store=store,
            clock=clock,
            wake=scheduler.wake,
            provider_check=provider_check,
            addresses=addresses,
            limits=limits,
            notifications=plan,
        )
        app.state.notifications = Notifications(plan=plan, store=store, clock=clock)
        streams = EventStreams(
            store=store,
            bells=bells,
            settings=StreamSettings(
                poll=settings.events_poll_seconds,
                keepalive=settings.events_keepalive_seconds,
                max_streams=settings.events_max_streams,
                max_seconds=settings.events_max_stream_seconds,
            ),
        )
        app.state.events = streams
        metrics.event_streams.set_function(lambda: streams.open_streams)
        app.state.providers_extra = extra
        metricsets = MetricSets(http, series_addresses)
        configs = CanaryConfigs(store=store, metricsets=metricsets, addresses=addresses)
        app.state.canaryconfigs = configs
        app.state.kayenta = Kayenta(
            store=store, configs=configs, metricsets=metricsets, wake=executions.wake
        )
        app.state.judgements = Judgements(store)
        app.state.judgement_reports = app.state.judgements  # the dashboard's judgement page
        app.state.schema = SchemaGate(engine)
        app.state.schema.start()
        await asyncio.to_thread(cel.warm)  # not on the loop when the first CEL condition comes

        background: list[asyncio.Task[None]] = []

        async def start_when_migrated() -> None:
            await app.state.schema.ready.wait()
            await worker.call(scheduler.start())
            await worker.call(executions.start())
            await notifier.start()
            background.append(
                asyncio.create_task(retention.run_until_stopped(), name="augur-prune")
            )

        starter = asyncio.create_task(start_when_migrated(), name="augur-start-scheduler")
        try:
            yield
        finally:
            streams.drain()
            starter.cancel()
            retention.stop()  # finishes a prune under way: no write is cancelled half-way
            with contextlib.suppress(asyncio.CancelledError):
                await starter
            await asyncio.gather(*background, return_exceptions=True)
            await notifier.stop()
            await worker.call(executions.stop())
            await worker.call(scheduler.stop())
            await worker.call(scheduler_http.aclose())
            await worker.call(scheduler_engine.dispose())
            await worker.close()
            offload.close()
            await app.state.schema.stop()
            await http.aclose()
            await engine.dispose()
            if lock is not None:
                lock.release()

    app = FastAPI(
        title="augur",
        version=__version__,
        summary="Canary analysis as a service for Argo Rollouts and Flagger.",
        lifespan=lifespan,
        docs_url=None,  # served offline by app.api.docs instead of from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.redactor = redactor
    app.state.metrics = metrics
    app.state.tokens = tokens
    app.state.addresses = addresses
    app.state.limits = limits
    problems.install(app)
    app.include_router(health.router)
    app.include_router(templates.router)
    app.include_router(runs.router)
    app.include_router(events.router)
    app.include_router(validate.router)
    app.include_router(checks.router)
    app.include_router(argo_gate.router)
    app.include_router(flagger.router)
    app.include_router(canaryconfigs.router)
    app.include_router(judgements.router)
    app.include_router(kayenta.router)
    docs.install(app)
    install_ui(app)
    app.state.fast_path = fast_path
    app.add_middleware(FastPath)  # added first: the innermost, after every middleware below
    app.add_middleware(NotMigrated)
    app.add_middleware(UrlText)
    if not tokens.configured:  # loopback mode: no other page may drive augur; its own forms may
        app.add_middleware(LoopbackOnly, forms=(UI_PREFIX,))
    app.add_middleware(AccessLog)
    return app


def run_server(
    app: FastAPI, *, host: str, port: int, sockets: list[socket.socket] | None = None
) -> None:
    """Serve `app` with uvicorn as `augur serve` does, ending its event streams as soon as the
    process is told to stop: uvicorn waits for open responses before it shuts down, and an
    event stream would otherwise never end."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            streams: EventStreams | None = getattr(app.state, "events", None)
            if streams is not None:
                streams.drain()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # keep augur's JSON lines; uvicorn's access log never sees queries
        access_log=False,
        workers=1,
    )
    server = Server(config)
    server.run(sockets=sockets)  # `augur serve --workers`: the socket the parent bound
    if not server.started:
        raise SystemExit(3)  # what uvicorn.run exits with when start-up failed
