"""One metric as a series over a window: what a canary judgement compares.

A canary config's metric names a query (``{type: skywalking, metricName: service_apdex}``,
``{type: prometheus, query: "...${scope}..."}``); a judgement fetches it once for the baseline's
scope and once for the canary's, over the same window. This is that contract, provider side:
:func:`build_series` turns a query into a :class:`SeriesSource`, whose ``series`` answers one
value per step of the window, NaN where the backend has no point, so the judge sees a gap as a
gap (never a zero). Built-in sources are in :data:`SERIES`; a provider that can answer a series
adds its line there.

Queries live in a store, so they never hold a credential: a bearer token comes from a Secret
named by ``bearerTokenSecret: {name, key}``, read through the host's
:class:`~providers.base.Credentials` at fetch time.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import httpx

from providers.base import Credentials
from providers.errors import ConfigError

__all__ = [
    "SERIES",
    "Series",
    "SeriesFactory",
    "SeriesSource",
    "SeriesWindow",
    "aligned",
    "build_series",
    "series_types",
]

#: query type -> "module:attribute" of its source (a class taking ``(query, *, http, headers)``).
SERIES: Mapping[str, str] = {
    "prometheus": "providers.prometheus.series:PrometheusSeries",
    "skywalking": "providers.skywalking.series:SkyWalkingSeries",
}
#: Fields every query may have, whatever its type; the rest is the source's to check.
COMMON_FIELDS = frozenset({"type", "address", "bearerTokenSecret"})
#: A judgement over more points than this is refused: the OAP's own limit is 500 steps.
MAX_POINTS = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesWindow:
    """One side of a judgement: the scope (a service, a label value), its location, and the
    window ``[start, end)`` cut in steps."""

    scope: str
    location: str = ""
    start: datetime
    end: datetime
    step: timedelta

    @property
    def points(self) -> int:
        """Steps in the window (a partial last step is left out)."""
        return int((self.end - self.start) / self.step)

    def times(self) -> list[datetime]:
        return [self.start + self.step * index for index in range(self.points)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """What came back: one value per step (NaN: no point), the time each stands for, and the
    query as sent (for the report)."""

    times: tuple[datetime, ...]
    values: tuple[float, ...]
    query: str


class SeriesSource(Protocol):
    """One metric's query, ready to fetch for any scope and window."""

    def check_window(self, window: SeriesWindow) -> None:
        """Raise ConfigError when this source cannot answer such a window (its step)."""
        ...

    async def series(self, window: SeriesWindow) -> Series:
        """Fetch; raises ``ProviderError`` (never anything else on upstream trouble)."""
        ...


class SeriesFactory(Protocol):
    def __call__(
        self, query: Mapping[str, Any], *, http: httpx.AsyncClient, headers: Mapping[str, str]
    ) -> SeriesSource: ...


def series_types() -> list[str]:
    return sorted(SERIES)


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider="series")


def _bearer(
    query: Mapping[str, Any], credentials: Credentials | None, namespace: str
) -> dict[str, str]:
    """The Authorization header, read now; with no credentials (checking a config), only the
    reference's shape is checked."""
    ref = query.get("bearerTokenSecret")
    if ref is None:
        return {}
    if not isinstance(ref, Mapping) or not all(
        isinstance(ref.get(k), str) and ref.get(k) for k in ("name", "key")
    ):
        raise _fail("bearerTokenSecret must be {name, key}: the Secret holding the token")
    if credentials is None:
        return {}
    token = credentials.secret(ref["name"], ref["key"], namespace=namespace or None)
    if token is None:
        raise _fail(f"bearerTokenSecret: no key {ref['key']!r} in Secret {ref['name']!r}")
    return {"Authorization": f"Bearer {token.strip()}"}


def build_series(
    query: Mapping[str, Any] | None,
    *,
    http: httpx.AsyncClient,
    addresses: Mapping[str, str] | None = None,
    credentials: Credentials | None = None,
    namespace: str = "",
) -> SeriesSource:
    """The source for ``query``; ``addresses`` gives each type's address when the query names
    none; ``credentials`` (of ``namespace``) give a ``bearerTokenSecret``'s token, None only
    checks the query. Raises ConfigError naming what is wrong."""
    if not isinstance(query, Mapping):
        raise _fail("query is required: {type: skywalking|prometheus, ...}")
    kind = query.get("type")
    if kind not in SERIES:
        raise _fail(f"type: must be one of {', '.join(series_types())}, got {kind!r}")
    given = dict(query)
    default = (addresses or {}).get(str(kind))
    if not given.get("address") and default:
        given["address"] = default
    if not isinstance(given.get("address"), str) or not given["address"]:
        raise _fail(
            f"address: required: the query names no address and no default is set for {kind} "
            f"(AUGUR_{str(kind).upper()}_ADDRESS)"
        )
    headers = _bearer(given, credentials, namespace)
    module_name, _, attribute = SERIES[str(kind)].partition(":")
    factory = cast(SeriesFactory, getattr(importlib.import_module(module_name), attribute))
    return factory(given, http=http, headers=headers)


def aligned(
    window: SeriesWindow,
    found: Sequence[tuple[datetime, float]],
    *,
    query: str,
    origin: datetime | None = None,
) -> Series:
    """The window's ``points`` steps from ``origin`` (the window's start, or where the backend's
    first bucket starts: the OAP's minute holding the start), each with the point found in it,
    else NaN; a point outside is dropped."""
    first = window.start if origin is None else origin
    values = [math.nan] * window.points
    for when, value in found:
        # A thousandth of a step's slack: times that crossed a float (Prometheus' seconds)
        # may land a microsecond short of their step.
        index = math.floor((when - first) / window.step + 1e-3)
        if 0 <= index < window.points and math.isnan(values[index]):
            values[index] = value
    times = tuple(first + window.step * index for index in range(window.points))
    return Series(times=times, values=tuple(values), query=query)
