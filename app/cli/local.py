"""Running an analysis in this process, with no server and no store (`augur run`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.core.settings import Settings
from app.engine.runner import Clock, OnStatus, Runner, SystemClock, VirtualClock, provider_cache
from app.service.judge_provider import judge_providers
from app.service.metricsets import default_addresses
from app.service.outbound import CLI_POLICY, outbound_client
from app.spec.args import DirectorySecrets
from app.spec.models import AnalysisRun
from app.spec.secrets import ProviderCredentials, SecretsDir
from providers import registry
from providers.base import DEFAULT_POLL_INTERVAL, Provider, ProviderFactory

__all__ = ["local_providers", "provider_checker", "run_locally"]


def local_providers(*, running: bool = True) -> dict[str, ProviderFactory]:
    """augur's own providers here: `judge` with no store, so inline configs only when
    `running`; a template only checked may name a stored config, which the server will find.
    Its queries' default addresses come from `AUGUR_SKYWALKING_ADDRESS`/`..._PROMETHEUS_...`."""
    try:
        addresses = default_addresses(Settings())
    except ValidationError:  # a setting of the server's that is wrong: `augur serve` says so
        addresses = {}
    return judge_providers(store=None, addresses=addresses, stored_elsewhere=not running)


def _poll_interval() -> timedelta:
    """`AUGUR_KAYENTA_POLL_SECONDS`, as the server reads it (Argo's 15 s by default)."""
    try:
        return timedelta(seconds=Settings().kayenta_poll_seconds)
    except ValidationError:  # `augur serve` says what is wrong with the server's settings
        return DEFAULT_POLL_INTERVAL


async def run_locally(
    run: AnalysisRun,
    *,
    virtual_time: bool = False,
    secrets_dir: Path | None = None,
    namespace: str = "",
    on_status: OnStatus | None = None,
    start: datetime | None = None,
    clock: Clock | None = None,
) -> AnalysisRun:
    """Run to completion on `clock` (or a virtual clock from `start`, or the system clock).
    Secrets come from `<secrets_dir>/<namespace>/<secret>/<key>` when `namespace` (`-n`) is
    given, else from `<secrets_dir>/<secret>/<key>`: a local folder of one's own secrets."""
    if clock is None:
        clock = VirtualClock(start or datetime.now(UTC)) if virtual_time else SystemClock()
    extra = local_providers()
    async with outbound_client(CLI_POLICY) as http:

        def build(block: Mapping[str, Any]) -> Provider:
            return registry.build(block, http=http, extra=extra)

        source, built = provider_cache(build)
        runner = Runner(
            clock=clock,
            providers=source,
            secrets=DirectorySecrets(secrets_dir, namespace) if secrets_dir else None,
            credentials=local_credentials(secrets_dir, namespace),
            on_status=on_status,
            poll_interval=_poll_interval(),
        )
        try:
            return await runner.run(run)
        finally:
            for provider in built():
                await provider.aclose()


@asynccontextmanager
async def provider_checker(
    *, running: bool = False
) -> AsyncIterator[Callable[[Mapping[str, Any]], object]]:
    """A provider check for `app.service.submit.check_run`: builds each block, then discards it
    (`running`: as `augur run` will build it, else as the server will)."""
    extra = local_providers(running=running)
    async with outbound_client(CLI_POLICY) as http:

        def check(block: Mapping[str, Any]) -> object:
            return registry.build(block, http=http, extra=extra)

        yield check


def local_credentials(secrets_dir: Path | None, namespace: str = "") -> ProviderCredentials:
    """Provider credentials for a run here: `DIR/<secret>/<key>` (`DIR/<namespace>/...` with
    `-n`), as for args, and this process's environment (`DD_API_KEY`, ...)."""
    folder = SecretsDir(secrets_dir, "namespaced" if namespace else "flat") if secrets_dir else None
    return ProviderCredentials(folder, home=namespace, environ=dict(os.environ))
