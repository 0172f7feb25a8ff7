"""The New Relic provider itself: one NRQL query per measurement, read as Argo reads it.

Credentials are read for every measurement, as Argo builds its client for every measurement: a
missing Secret or key is that measurement's Error. One row makes ``result`` that row's map (an
empty map is an Error), several make it the list of maps, none is an Error; ``value`` is Go's
``json.Marshal`` of ``result`` (keys sorted, ``10`` not ``10.0``, ``<`` as ``\\u003c``). The
metric's result gets ``ResolvedNewRelicQuery`` (Argo's ``GetMetadata``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import httpx

from providers.base import MeasureContext, Measured
from providers.errors import NoDataError
from providers.golang import marshal
from providers.newrelic.account import read_account
from providers.newrelic.config import PROVIDER, parse_config
from providers.newrelic.nerdgraph import Sleep, nrql_results

__all__ = ["NO_RESULTS", "NewRelicProvider"]

NO_RESULTS = "no results returned from NRQL query"


class NewRelicProvider:
    """``provider.newRelic``: see :mod:`providers.newrelic.config` for the fields.

    `sleep` waits between retries (tests pass one that only records how long)."""

    kind = PROVIDER

    def __init__(
        self, config: Mapping[str, Any], *, http: httpx.AsyncClient, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._config = parse_config(config)
        self._http = http
        self._sleep = sleep

    def metric_metadata(self) -> dict[str, str]:
        query = self._config.query
        return {"ResolvedNewRelicQuery": query} if query else {}

    async def measure(self, ctx: MeasureContext) -> Measured:
        cfg = self._config
        account = read_account(ctx.credentials, cfg.profile)
        started = time.perf_counter()
        rows = await nrql_results(
            self._http, account, query=cfg.query, nrql_timeout=cfg.timeout, sleep=self._sleep
        )
        latency = time.perf_counter() - started
        if len(rows) == 1:
            result: Any = rows[0]
            if not result:
                raise NoDataError(NO_RESULTS, provider=PROVIDER)
        elif rows:
            result = rows
        else:
            raise NoDataError(NO_RESULTS, provider=PROVIDER)
        return Measured(result=result, value=marshal(result), latency_seconds=latency)

    async def check(self) -> None:
        """Nothing to probe without credentials: a check is a measurement (`augur check`)."""

    async def aclose(self) -> None:
        """The injected client is not the provider's to close."""
