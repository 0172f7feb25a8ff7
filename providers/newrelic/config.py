"""The ``provider.newRelic`` block, validated once when the provider is built.

Argo's fields: ``query`` (NRQL, required by the CRD, sent verbatim), ``profile`` (the Secret the
credentials are in, ``newrelic`` by default) and ``timeout`` (the NRQL timeout in whole seconds,
5 by default, a GraphQL variable rather than an HTTP timeout; 0 is allowed). A negative timeout,
which Argo reports on every measurement (``timeout value needs to be a positive value``), is
refused here with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers.errors import ConfigError, reject_unknown_fields, string_field

__all__ = ["DEFAULT_PROFILE", "DEFAULT_TIMEOUT", "PROVIDER", "NewRelicConfig", "parse_config"]

PROVIDER = "newRelic"
DEFAULT_PROFILE = "newrelic"
DEFAULT_TIMEOUT = 5
NEGATIVE_TIMEOUT = "timeout value needs to be a positive value"
_FIELDS = frozenset({"profile", "query", "timeout"})
_INT64 = 1 << 63


@dataclass(frozen=True, slots=True)
class NewRelicConfig:
    query: str
    profile: str
    timeout: int


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider=PROVIDER)


def _timeout(value: Any) -> int:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, int) or not -_INT64 <= value < _INT64:
        raise _fail(f"newRelic: timeout must be a whole number of seconds, got {value!r}")
    if value < 0:
        raise _fail(NEGATIVE_TIMEOUT)
    return int(value)


def parse_config(config: Mapping[str, Any]) -> NewRelicConfig:
    reject_unknown_fields(dict(config), _FIELDS, provider=PROVIDER)
    if config.get("query") is None:
        raise _fail("newRelic: query is required (the NRQL to run)")
    return NewRelicConfig(
        query=string_field(config, "query", provider=PROVIDER),
        profile=string_field(config, "profile", provider=PROVIDER) or DEFAULT_PROFILE,
        timeout=_timeout(config.get("timeout")),
    )
