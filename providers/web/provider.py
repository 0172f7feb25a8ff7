"""The web provider itself: one HTTP request per measurement, sent as Argo's Go client sends it.

Headers are applied in order (a later key replaces an earlier one), ``Content-Type:
application/json`` is added for ``jsonBody``, an OAuth2 token (when configured) goes in
``Authorization``; redirects are followed whatever the shared client is set to do, and
``insecure: true`` gets a client of the provider's own.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from providers.auth import RequestHeaders
from providers.base import MeasureContext, Measured, insecure_client
from providers.transport import go_transport_error
from providers.web.config import PROVIDER, parse_config
from providers.web.response import measured

__all__ = ["WebProvider"]


class WebProvider:
    """``provider.web``: see :mod:`providers.web.config` for the fields."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config = cfg = parse_config(config)
        self._own = insecure_client(http) if cfg.insecure else None
        self._http = self._own or http
        json_type = [("Content-Type", "application/json")] if cfg.json_body else []
        self._headers = RequestHeaders([*cfg.headers, *json_type], oauth2=cfg.oauth2)

    async def measure(self, ctx: MeasureContext) -> Measured:
        cfg = self._config
        headers = await self._headers.for_request(
            self._http, method=cfg.method, url=cfg.url, timeout_seconds=cfg.timeout_seconds
        )
        started = time.perf_counter()
        response = await self._send(cfg.method, headers)
        return measured(response, cfg.template, latency=time.perf_counter() - started)

    async def check(self) -> None:
        """The URL's server answers HTTP at all (``HEAD``, any status): no side effects."""
        await self._send("HEAD", self._headers.fixed, body=False)

    async def aclose(self) -> None:
        if self._own is not None:
            await self._own.aclose()

    async def _send(
        self, method: str, headers: httpx.Headers, *, body: bool = True
    ) -> httpx.Response:
        cfg = self._config
        try:
            return await self._http.request(
                method,
                cfg.url,
                content=cfg.body if body else None,
                headers=headers,
                timeout=cfg.timeout_seconds,
                follow_redirects=True,  # as Go's http.Client does, whatever the shared client says
            )
        except httpx.HTTPError as exc:
            raise go_transport_error(
                method, cfg.url, exc, timeout=cfg.timeout_seconds, provider=PROVIDER
            ) from exc
