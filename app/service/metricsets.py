"""Fetching what a canary judgement compares: every metric of the config, for the control and
the experiment scope of the request, as Kayenta's MetricSetPairs.

One code path for the server (Kayenta executions, the `judge` metric) and `augur judge
--control/--experiment`: each metric's query becomes a series source (`providers.series`), asked
once per side over that side's window, at most a few at a time. A gap is NaN (`"NaN"` in the
JSON, as Jackson writes it), so the judge's `nanStrategy` decides what a missing minute means.
Any metric that cannot be fetched fails the whole fetch, naming the metric and the side: a
judgement that silently left a metric out could pass a canary on the metrics that remain.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.core.settings import Settings
from app.judge import CanaryConfig, JudgeConfigError
from app.service.canary_request import ExecutionRequest
from app.spec.status import format_time
from providers.base import Credentials
from providers.errors import ConfigError, ProviderError
from providers.series import Series, SeriesSource, SeriesWindow, build_series

__all__ = ["FETCHES_AT_ONCE", "MetricSets", "default_addresses", "pair_json"]

#: Series requests in flight at once for one judgement.
FETCHES_AT_ONCE = 8


def default_addresses(settings: Settings) -> dict[str, str]:
    """Each query type's address for queries that name none (`AUGUR_<TYPE>_ADDRESS`)."""
    given = {"skywalking": settings.skywalking_address, "prometheus": settings.prometheus_address}
    return {kind: address for kind, address in given.items() if address}


def _values(series: Series) -> list[float | str]:
    return ["NaN" if math.isnan(v) else v for v in series.values]


def _scope_json(window: SeriesWindow, series: Series) -> dict[str, Any]:
    start = series.times[0] if series.times else window.start
    return {
        "scope": window.scope,
        "location": window.location,
        "startTimeIso": format_time(start),
        "startTimeMillis": int(start.timestamp() * 1000),
        "stepMillis": int(window.step.total_seconds() * 1000),
    }


def pair_json(
    name: str, index: int, windows: Mapping[str, SeriesWindow], fetched: Mapping[str, Series]
) -> dict[str, Any]:
    """Kayenta's MetricSetPair, plus each point's time (`times`) and the query as sent
    (`attributes.<side>.query`, Kayenta's place for it)."""
    sides = ("control", "experiment")
    return {
        "name": name,
        "id": str(index),
        "tags": {},
        "values": {side: _values(fetched[side]) for side in sides},
        "times": {side: [format_time(t) for t in fetched[side].times] for side in sides},
        "scopes": {side: _scope_json(windows[side], fetched[side]) for side in sides},
        "attributes": {side: {"query": fetched[side].query} for side in sides},
    }


@dataclass(frozen=True)
class MetricSets:
    """The fetching side of a judgement: the HTTP client (the shared, address-guarded one) and
    each query type's default address (`AUGUR_SKYWALKING_ADDRESS`, `AUGUR_PROMETHEUS_ADDRESS`)."""

    http: httpx.AsyncClient
    addresses: Mapping[str, str] = field(default_factory=dict)

    def sources(
        self, config: CanaryConfig, *, credentials: Credentials | None = None, namespace: str = ""
    ) -> list[SeriesSource]:
        """Each metric's source; JudgeConfigError names every query that cannot be fetched.
        Without `credentials` nothing is read: the queries are only checked."""
        found: list[SeriesSource] = []
        problems = []
        for index, metric in enumerate(config.metrics):
            try:
                found.append(
                    build_series(
                        metric.query,
                        http=self.http,
                        addresses=self.addresses,
                        credentials=credentials,
                        namespace=namespace,
                    )
                )
            except ConfigError as exc:
                problems.append((f"metrics[{index}].query", str(exc)))
        if problems:
            raise JudgeConfigError(problems)
        return found

    async def fetch(
        self,
        config: CanaryConfig,
        request: ExecutionRequest,
        *,
        credentials: Credentials,
        namespace: str,
    ) -> list[dict[str, Any]]:
        """Every metric's pair, in the config's order. Raises JudgeConfigError for a query that
        cannot be built, ProviderError (naming metric and side) for one that cannot be fetched."""
        sources = self.sources(config, credentials=credentials, namespace=namespace)
        gate = asyncio.Semaphore(FETCHES_AT_ONCE)

        async def one(index: int, side: str, window: SeriesWindow) -> Series:
            name = config.metrics[index].name
            async with gate:
                try:
                    return await sources[index].series(window)
                except ProviderError as exc:
                    raise type(exc)(
                        f'metric "{name}", {side} scope "{window.scope}": {exc}',
                        provider=exc.provider,
                        status=exc.status,
                    ) from exc

        windows = []
        for metric in config.metrics:
            pair = request.scopes[metric.scope_name or "default"]
            windows.append({"control": pair.control, "experiment": pair.experiment})
        try:
            async with asyncio.TaskGroup() as group:
                tasks = {
                    (index, side): group.create_task(one(index, side, window))
                    for index, sides in enumerate(windows)
                    for side, window in sides.items()
                }
        except ExceptionGroup as failed:  # the first failure; the others were cancelled
            raise failed.exceptions[0] from None
        return [
            pair_json(
                metric.name,
                index,
                windows[index],
                {side: tasks[(index, side)].result() for side in ("control", "experiment")},
            )
            for index, metric in enumerate(config.metrics)
        ]
