"""The ``provider.prometheus`` block, validated once when the provider is built.

Fields, as Argo names them: ``address`` (required here: Argo's ``ARGO_ROLLOUTS_PROMETHEUS_ADDRESS``
fallback is not read, providers see only their block), ``query``, ``timeout`` (seconds, default
30; negative is an error; ``0`` also means 30, where Go would time out at once), ``insecure``,
``headers`` (``[{key, value}]``), ``authentication`` (``basicAuth {username, password}`` and
``oauth2 {tokenUrl, clientId, clientSecret, scopes}`` as in Argo, plus ``bearer {token}``;
``sigv4`` is not supported by augur and is a ConfigError) and ``rangeQuery {start, end, step}``.

Basic and bearer credentials become an ``Authorization`` header here; OAuth2 tokens are fetched
per request (:mod:`providers.auth`). ``rangeQuery.start``/``end`` are compiled here
(:mod:`providers.prometheus.timeexpr`), with Argo's ``failed to parse rangeQuery.start as time``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from providers.auth import OAuth2ClientCredentials
from providers.errors import ConfigError, reject_unknown_fields
from providers.golang import parse_duration
from providers.prometheus.timeexpr import TimeExpression, TimeExpressionError, compile_time
from providers.transport import parse_headers, redact_url

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "PROVIDER",
    "PrometheusConfig",
    "RangeQuery",
    "parse_config",
    "parse_time_expression",
]

PROVIDER = "prometheus"
DEFAULT_TIMEOUT_SECONDS = 30.0

_FIELDS = frozenset(
    {"address", "query", "timeout", "insecure", "headers", "authentication", "rangeQuery"}
)


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider=PROVIDER)


# ---- rangeQuery --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RangeQuery:
    start: TimeExpression
    end: TimeExpression
    step: timedelta


def parse_time_expression(text: str, *, field: str) -> TimeExpression:
    """Compile ``now() - duration("1h")``-like text; errors read like Argo's for that field."""
    try:
        return compile_time(text)
    except TimeExpressionError as exc:
        raise _fail(f"failed to parse rangeQuery.{field} as time: {exc}") from exc


def _range_query(block: Any) -> RangeQuery | None:
    if block is None:
        return None
    if not isinstance(block, Mapping):
        raise _fail("prometheus: rangeQuery must be an object with start, end and step")
    start = parse_time_expression(str(block.get("start") or ""), field="start")
    end = parse_time_expression(str(block.get("end") or ""), field="end")
    try:
        step = parse_duration(str(block.get("step") or ""))
    except ValueError as exc:
        raise _fail(f"failed to parse rangeQuery.step as duration: {exc}") from exc
    return RangeQuery(start=start, end=end, step=step)


# ---- the block ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PrometheusConfig:
    address: str
    query: str
    timeout_seconds: float
    insecure: bool
    headers: tuple[tuple[str, str], ...]
    oauth2: OAuth2ClientCredentials | None
    range_query: RangeQuery | None


def _block(auth: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    block = auth.get(key) or {}
    if not isinstance(block, Mapping):
        raise _fail(f"prometheus: authentication.{key} must be an object")
    return block


def _authorization(auth: Mapping[str, Any]) -> list[tuple[str, str]]:
    if any(_block(auth, "sigv4").values()):
        raise _fail("prometheus: authentication.sigv4 (AWS SigV4) is not supported by augur")
    chosen = [k for k in ("basicAuth", "bearer", "oauth2") if any(_block(auth, k).values())]
    if len(chosen) > 1:
        raise _fail(f"prometheus: authentication sets {' and '.join(chosen)}; choose one")
    basic = _block(auth, "basicAuth")
    if any(basic.values()):
        for name in ("username", "password"):
            if not isinstance(basic.get(name), str) or not basic[name]:
                raise _fail(f"missing mandatory parameter in metric for basic auth setup: {name}")
        pair = f"{basic['username']}:{basic['password']}".encode()
        return [("Authorization", "Basic " + base64.b64encode(pair).decode("ascii"))]
    bearer = _block(auth, "bearer")
    if any(bearer.values()):
        token = bearer.get("token")
        if not isinstance(token, str) or not token:
            raise _fail("missing mandatory parameter in metric for bearer auth setup: token")
        return [("Authorization", f"Bearer {token}")]
    return []


def _timeout(config: Mapping[str, Any]) -> float:
    value = config.get("timeout")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"prometheus: timeout must be a number of seconds, got {value!r}")
    if value < 0:
        raise _fail("prometheus timeout should not be negative")
    return float(value) or DEFAULT_TIMEOUT_SECONDS


def parse_config(config: Mapping[str, Any]) -> PrometheusConfig:
    """Validate the block once, when the provider is built."""
    reject_unknown_fields(dict(config), _FIELDS, provider=PROVIDER)
    address, query = config.get("address") or "", config.get("query") or ""
    if not isinstance(address, str) or not address:
        raise _fail("prometheus address is not configured")
    try:
        url = httpx.URL(address) if "://" in address else None
    except httpx.InvalidURL:
        url = None  # a host or port httpx cannot send to: the same mistake as no URL at all
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise _fail(f"prometheus address is not in url format: {redact_url(address)!r}")
    if not isinstance(query, str) or not query.strip():
        raise _fail("prometheus: query is required")
    auth = config.get("authentication") or {}
    if not isinstance(auth, Mapping):
        raise _fail("prometheus: authentication must be an object")
    insecure = config.get("insecure", False)
    if not isinstance(insecure, bool):
        raise _fail(f"prometheus: insecure must be true or false, got {insecure!r}")
    headers = parse_headers(config.get("headers"), prefix="prometheus", provider=PROVIDER)
    return PrometheusConfig(
        address=address.rstrip("/"),
        query=query,
        timeout_seconds=_timeout(config),
        insecure=insecure,
        headers=tuple(headers + _authorization(auth)),
        oauth2=OAuth2ClientCredentials.from_config(auth.get("oauth2"), provider=PROVIDER),
        range_query=_range_query(config.get("rangeQuery")),
    )
