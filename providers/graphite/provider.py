"""The graphite provider: one render request per measurement, as Argo's client sends it.

``GET <address>/render?<query>&format=json`` through the shared client (so the address policy
and the answer size limit apply), Go's 10 s timeout, redirects followed. A status of 400 or more
is ``error response: <body>`` (5xx retryable); no data points at all is ``no values found``.
``result`` is Go's ``[]float64`` of the non-null values in order (nulls dropped, so indices
shift), ``value`` their ``%f`` texts, and Argo keeps that value when a condition cannot be
evaluated.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from providers.base import MeasureContext, Measured
from providers.errors import NoDataError, QueryError, UnavailableError
from providers.golang import format_float_fixed
from providers.graphite.config import PROVIDER, TIMEOUT_SECONDS, parse_config
from providers.graphite.response import DataPoint, ResponseError, datapoints
from providers.transport import go_transport_error

__all__ = ["GraphiteProvider", "measured"]


def measured(points: list[DataPoint], *, latency: float = 0.0) -> Measured:
    """What Argo makes of the first target's points."""
    if not points:
        raise NoDataError("no values found", provider=PROVIDER)
    kept = [point for point in points if point.value is not None]
    values = [point.value for point in kept if point.value is not None]
    times = [point.time for point in kept]
    return Measured(
        result=values,
        value="[" + ",".join(format_float_fixed(v, 6) for v in values) + "]",
        go_type="[]float64",
        keep_value_on_error=True,
        point_times={(): [t for t in times if t is not None]} if None not in times else {},
        latency_seconds=latency,
    )


class GraphiteProvider:
    """``provider.graphite``: ``address`` and ``query``, see :mod:`providers.graphite.config`."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config = parse_config(config)
        self._http = http

    async def measure(self, ctx: MeasureContext) -> Measured:
        started = time.perf_counter()
        points = await self._points()
        return measured(points, latency=time.perf_counter() - started)

    async def check(self) -> None:
        """The render API answers the query with JSON Argo can read (data or not)."""
        await self._points()

    async def aclose(self) -> None:
        """Nothing of its own: the shared client is the host's."""

    async def _points(self) -> list[DataPoint]:
        url = self._config.url
        try:
            response = await self._http.get(url, timeout=TIMEOUT_SECONDS, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise go_transport_error(
                "GET", url, exc, timeout=TIMEOUT_SECONDS, provider=PROVIDER
            ) from exc
        status = response.status_code
        if status >= 400:
            body = response.content.decode("utf-8", errors="replace")
            error = UnavailableError if status >= 500 else QueryError
            raise error(
                f"error response: {body}", provider=PROVIDER, status=status, upstream_message=body
            )
        try:
            return datapoints(response.content)
        except ResponseError as exc:
            raise QueryError(str(exc), provider=PROVIDER, status=status) from exc
