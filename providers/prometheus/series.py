"""A canary config's Prometheus query as a series: PromQL with ``${scope}`` and ``${location}``
placeholders, asked as one range query over the window at its step.

``{type: prometheus, query: 'avg(rate(http_errors{app="${scope}"}[1m]))'}``; Kayenta's own
``customInlineTemplate: "PromQL:..."`` reads the same. The placeholders are replaced as written
(no quoting is added: the query is the config author's). The request is the provider's own
(:class:`~providers.prometheus.provider.PrometheusProvider`: client_golang's form POST, its error
texts, redirects, the address guard). The answer must be one series: none is a window of gaps
(NaN), several are refused, since a judgement compares one series a side.

Fields besides ``type``, ``address`` and ``bearerTokenSecret``: ``query`` (or
``customInlineTemplate``), ``timeout`` (seconds) and ``insecure``, as in the provider block.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from providers.errors import ConfigError, QueryError, reject_unknown_fields
from providers.prometheus.config import PROVIDER, parse_config
from providers.prometheus.provider import PrometheusProvider
from providers.series import COMMON_FIELDS, Series, SeriesWindow, aligned

__all__ = ["PrometheusSeries"]

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
KNOWN = ("scope", "location")
_FIELDS = COMMON_FIELDS | {"query", "customInlineTemplate", "timeout", "insecure"}


def _fail(message: str) -> ConfigError:
    return ConfigError(f"prometheus: {message}", provider=PROVIDER)


class PrometheusSeries:
    """One PromQL template, for any scope and window."""

    def __init__(
        self, query: Mapping[str, Any], *, http: httpx.AsyncClient, headers: Mapping[str, str]
    ) -> None:
        reject_unknown_fields(dict(query), _FIELDS, provider=PROVIDER)
        given = [k for k in ("query", "customInlineTemplate") if query.get(k) is not None]
        if len(given) != 1:
            raise _fail("set one of query or customInlineTemplate (PromQL with ${scope})")
        text = query[given[0]]
        if not isinstance(text, str) or not text.strip():
            raise _fail(f"{given[0]} must be a non-empty string")
        text = text.removeprefix("PromQL:")
        unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in KNOWN})
        if unknown:
            names = ", ".join("${" + name + "}" for name in unknown)
            raise _fail(
                f"{given[0]}: unknown placeholder {names}; known: ${{scope}}, ${{location}}"
            )
        self._template = text
        self._http = http
        self._block: dict[str, Any] = {
            k: query[k] for k in ("address", "timeout", "insecure") if k in query
        }
        self._block["headers"] = [{"key": k, "value": v} for k, v in headers.items()]
        parse_config({**self._block, "query": text})  # address, timeout, insecure now

    def resolve(self, window: SeriesWindow) -> str:
        values = {"scope": window.scope, "location": window.location}
        return PLACEHOLDER.sub(lambda found: values[found.group(1)], self._template)

    def check_window(self, window: SeriesWindow) -> None:
        if window.step.total_seconds() <= 0:
            raise _fail("step must be positive")

    async def series(self, window: SeriesWindow) -> Series:
        self.check_window(window)
        query = self.resolve(window)
        provider = PrometheusProvider({**self._block, "query": query}, http=self._http)
        last = window.start + window.step * max(0, window.points - 1)
        try:
            data = await provider.query_range(start=window.start, end=last, step=window.step)
        finally:
            await provider.aclose()
        return aligned(window, self._points(data, query), query=query)

    @staticmethod
    def _points(data: Mapping[str, Any], query: str) -> list[tuple[datetime, float]]:
        if data.get("resultType") != "matrix":
            raise QueryError(
                f"prometheus: a range query answered {data.get('resultType')!r}, not a matrix",
                provider=PROVIDER,
            )
        series = [s for s in data.get("result") or [] if isinstance(s, Mapping)]
        if len(series) > 1:
            raise QueryError(
                f"prometheus: {query!r} answered {len(series)} series; a judgement compares one "
                "series a side: aggregate them in the query (sum, avg, ...)",
                provider=PROVIDER,
            )
        found = []
        for pair in series[0].get("values") or [] if series else []:
            if isinstance(pair, list) and len(pair) == 2:
                try:
                    value = float(pair[1])
                    when = datetime.fromtimestamp(float(pair[0]), UTC)
                except (TypeError, ValueError):
                    continue
                found.append((when, value if not math.isinf(value) else math.nan))
        return found
