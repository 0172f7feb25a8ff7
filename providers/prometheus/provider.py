"""The Prometheus provider itself: one PromQL query per measurement, sent as client_golang sends it.

``POST {address}/api/v1/query`` (form-encoded ``query`` and ``time`` = the measurement's
``now``), falling back to ``GET`` on 405; ``/api/v1/query_range`` with ``start``/``end``/``step``
for a range query. Configured headers and basic or bearer credentials go on every request, an
OAuth2 token when one is configured; redirects are followed as Go's ``http.Client`` follows them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from providers.auth import RequestHeaders
from providers.base import MeasureContext, Measured, insecure_client
from providers.golang import GoJSONError, decode_json, format_float_f
from providers.prometheus.config import PROVIDER, parse_config
from providers.prometheus.response import measured, upstream_error
from providers.transport import go_transport_error

__all__ = ["PrometheusProvider"]


class PrometheusProvider:
    """``provider.prometheus``: see :mod:`providers.prometheus.config` for the fields."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config = cfg = parse_config(config)
        self._own = insecure_client(http) if cfg.insecure else None
        self._http = self._own or http
        self._headers = RequestHeaders(cfg.headers, oauth2=cfg.oauth2)

    async def measure(self, ctx: MeasureContext) -> Measured:
        cfg = self._config
        params = {"query": cfg.query}
        if cfg.range_query is None:
            endpoint = "query"
            params["time"] = format_float_f(ctx.now.timestamp())
        else:
            endpoint = "query_range"
            params["start"] = format_float_f(cfg.range_query.start(ctx.now).timestamp())
            params["end"] = format_float_f(cfg.range_query.end(ctx.now).timestamp())
            params["step"] = format_float_f(cfg.range_query.step.total_seconds())
        started = time.perf_counter()
        data, warnings, status = await self._call(endpoint, params)
        latency = time.perf_counter() - started
        return measured(data, warnings, query=cfg.query, status=status, latency=latency)

    async def query_range(
        self, *, start: datetime, end: datetime, step: timedelta
    ) -> Mapping[str, Any]:
        """``/api/v1/query_range`` of the query between two instants, the answer's ``data`` as
        it came: what a canary judgement's series reads."""
        params = {
            "query": self._config.query,
            "start": format_float_f(start.timestamp()),
            "end": format_float_f(end.timestamp()),
            "step": format_float_f(step.total_seconds()),
        }
        data, _, _ = await self._call("query_range", params)
        return data

    async def check(self) -> None:
        """Prometheus (or a compatible API) answers an instant query."""
        await self._call("query", {"query": "1"})

    async def aclose(self) -> None:
        if self._own is not None:
            await self._own.aclose()

    async def _call(
        self, endpoint: str, params: dict[str, str]
    ) -> tuple[Mapping[str, Any], list[str], int]:
        cfg = self._config
        url = f"{cfg.address}/api/v1/{endpoint}"
        # Go's http.Client follows redirects whatever the shared client is set to do.
        options: dict[str, Any] = {"timeout": cfg.timeout_seconds, "follow_redirects": True}
        method = "POST"
        headers = await self._headers.for_request(
            self._http, method=method, url=url, timeout_seconds=cfg.timeout_seconds
        )
        try:
            response = await self._http.post(url, data=params, headers=headers, **options)
            if response.status_code == 405:  # client_golang's DoGetFallback
                method = "GET"
                response = await self._http.get(url, params=params, headers=headers, **options)
        except httpx.HTTPError as exc:
            raise go_transport_error(
                method, url, exc, timeout=cfg.timeout_seconds, provider=PROVIDER
            ) from exc
        try:
            payload: Any = decode_json(response.content)
        except GoJSONError as exc:
            payload = exc
        error = upstream_error(response, payload)
        if error is not None:
            raise error
        warnings = payload.get("warnings") or []
        return payload["data"], [str(w) for w in warnings], response.status_code
