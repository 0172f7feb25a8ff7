"""Errors a provider raises instead of returning a measurement.

The engine turns every one of them into an ``Error`` measurement whose message is ``str(err)``;
none of them stops the measurement loop. The tree::

    ProviderError                 anything a provider could not turn into a result
     ├── ConfigError              the provider block is wrong: fix the template, retrying won't help
     ├── UnavailableError         upstream unreachable, timed out or 5xx: retryable
     ├── QueryError               upstream answered, but with an error or an unreadable body
     └── NoDataError              upstream answered without data to judge (never a silent 0)

Each error carries data, not just text: ``provider`` (the provider key, e.g. ``skywalking``),
``status`` (the upstream HTTP status, when there was one) and ``upstream_message`` (what the
upstream said, verbatim but bounded). Messages never contain secrets: providers build them from
the query, the endpoint and the upstream's answer, never from headers or credentials. An error
may carry ``metadata`` for its Error measurement, where Argo keeps some (Wavefront's
``warnings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ConfigError",
    "NoDataError",
    "ProviderError",
    "QueryError",
    "UnavailableError",
    "reject_unknown_fields",
    "string_field",
    "transport_reason",
]

_MAX_UPSTREAM_CHARS = 500


def clip(text: str, limit: int = _MAX_UPSTREAM_CHARS) -> str:
    """Bound upstream text so a huge error page cannot flood a stored measurement."""
    return text if len(text) <= limit else text[:limit] + "…"


def transport_reason(exc: BaseException) -> str:
    """``Type: reason`` of a transport failure, the reason taken from the first exception in
    the cause chain that has one: httpx's ``ReadError`` on a reset connection is empty, the
    ``ConnectionResetError`` under it says what happened."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if str(cause):
            return f"{type(exc).__name__}: {cause}"
        cause = cause.__cause__ or cause.__context__
    return type(exc).__name__


class ProviderError(Exception):
    """Base class: ``str(err)`` is the measurement message."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        upstream_message: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status = status
        self.upstream_message = None if upstream_message is None else clip(upstream_message)
        self.metadata: dict[str, str] = dict(metadata or {})

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, provider={self.provider!r}, "
            f"status={self.status!r})"
        )


class ConfigError(ProviderError):
    """The provider block is invalid (missing field, bad duration, unknown provider...)."""


class UnavailableError(ProviderError):
    """Connection error, timeout or 5xx: the same request may well succeed later."""

    retryable = True


class QueryError(ProviderError):
    """The upstream rejected the query or answered something that cannot be read."""


class NoDataError(ProviderError):
    """The upstream answered, but there is nothing to judge (empty series, null data)."""


def reject_unknown_fields(config: object, known: frozenset[str], *, provider: str) -> None:
    """A misspelt optional field (`timeoutSecond`) would silently fall back to a default: refuse
    it, naming the known ones, as the template model refuses unknown fields."""
    if not isinstance(config, dict):
        return
    unknown = sorted(set(config) - known)
    if unknown:
        raise ConfigError(
            f"{provider}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
            provider=provider,
        )


def string_field(config: Mapping[str, Any], key: str, *, provider: str) -> str:
    """A provider block's text field: "" when absent, a `ConfigError` naming it when it is not
    text."""
    value = config.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(
            f"{provider}: {key} must be a string, got {type(value).__name__}", provider=provider
        )
    return value
