"""The ``provider.graphite`` block: Argo's two fields, checked once when the provider is built.

``address`` must be an ``http``/``https`` URL with a host (Argo's message for one that is not:
``Graphite address <address> is not a valid URL``; Go's ``url.Parse`` accepts more, such as
``graphite:8080``, which then fails on every request); ``query`` is the render API's query
string (``target=...&from=-5min``), whose URL is built here, so a query Go cannot parse is
refused with Go's ``url.Error`` text before any run depends on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from providers.errors import ConfigError, reject_unknown_fields
from providers.graphite.query import RenderQueryError, render_path, render_query
from providers.transport import redact_url

__all__ = ["PROVIDER", "TIMEOUT_SECONDS", "GraphiteConfig", "parse_config"]

PROVIDER = "graphite"
#: Argo's graphite client: ``http.Client{Timeout: 10 * time.Second}``.
TIMEOUT_SECONDS = 10.0
_FIELDS = frozenset({"address", "query"})


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphiteConfig:
    address: str
    query: str
    #: The render URL every measurement asks for (it does not depend on the time).
    url: str


def _address(config: Mapping[str, Any]) -> httpx.URL:
    address = config.get("address")
    text = address if isinstance(address, str) else ""
    problem = ConfigError(
        f"Graphite address {redact_url(text)} is not a valid URL", provider=PROVIDER
    )
    if not text or "://" not in text:
        raise problem
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        raise problem from None
    if url.scheme not in ("http", "https") or not url.host:
        raise problem
    return url


def parse_config(config: Mapping[str, Any]) -> GraphiteConfig:
    reject_unknown_fields(dict(config), _FIELDS, provider=PROVIDER)
    base = _address(config)
    query = config.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ConfigError(
            "graphite: query is required (the render API's query string, "
            "e.g. target=sumSeries(app.http.*.count)&from=-5min)",
            provider=PROVIDER,
        )
    try:
        raw_query = render_query(query)
    except RenderQueryError as exc:
        raise ConfigError(str(exc), provider=PROVIDER) from None
    url = base.copy_with(
        path=render_path(base.path), query=raw_query.encode("ascii"), fragment=None
    )
    return GraphiteConfig(address=str(config["address"]), query=query, url=str(url))
