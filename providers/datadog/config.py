"""The ``provider.datadog`` block, read as Kubernetes stores it and checked as Argo checks it.

Fields, as Argo names them: ``query`` (one metric query) or ``queries`` (name -> query, API v2
only) with a ``formula`` over them, ``apiVersion`` (``v1`` or ``v2``), ``interval`` (the window
that ends now, not the polling interval), ``aggregator`` (v2; ``last`` when unset),
``secretRef {name, namespaced}`` (where the keys are: :mod:`providers.datadog.credentials`) and
``requestTimeout``. There is no ``address`` field: the address comes with the keys.

Argo's CRD gives three defaults that its code relies on (``apiVersion: v1``, ``interval: 5m``,
``requestTimeout: 10s``); Kubernetes writes them into a template that leaves them out, so they
are applied here for a block read outside Kubernetes. The CRD's enums and types are checked as
the API server would, then Argo's ``validateIncomingProps`` in its order and with its words, then
the interval as Argo parses it when it measures. All of them are ``ConfigError``: a run whose
block fails them is refused when submitted, and a run that gets past that (a stored one) gets the
same text as an Error measurement, as under Argo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from providers.errors import ConfigError, reject_unknown_fields
from providers.goduration import DurationError, parse_duration
from providers.golang import go_quote

__all__ = [
    "AGGREGATORS",
    "API_VERSIONS",
    "CRD_DEFAULTS",
    "DEFAULT_AGGREGATOR",
    "PROVIDER",
    "DatadogConfig",
    "SecretRef",
    "parse_config",
]

PROVIDER = "datadog"
API_VERSIONS = ("v1", "v2")
AGGREGATORS = ("avg", "min", "max", "sum", "last", "percentile", "mean", "l2norm", "area")
#: What Argo's CRD writes into a block that leaves these fields out.
CRD_DEFAULTS: Mapping[str, str] = {"apiVersion": "v1", "interval": "5m", "requestTimeout": "10s"}
#: What Argo sends when ``aggregator`` is unset: Datadog refuses a query without one.
DEFAULT_AGGREGATOR = "last"
#: Argo's own default when ``requestTimeout`` is set but empty.
_CODE_TIMEOUT_NS = 10 * 10**9
_SECOND_NS = 10**9
_FIELDS = frozenset(
    {"interval", "query", "queries", "formula", "apiVersion", "aggregator", "secretRef"}
    | {"requestTimeout"}
)
_REVIEW = "Please review the Analysis Template."


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretRef:
    name: str = ""
    namespaced: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DatadogConfig:
    api_version: str
    query: str
    queries: tuple[tuple[str, str], ...]
    formula: str
    aggregator: str
    #: The window in whole seconds, truncated as Argo truncates it.
    interval_seconds: int
    timeout_seconds: float
    secret_ref: SecretRef

    @property
    def named_queries(self) -> tuple[tuple[str, str], ...]:
        """What v2 sends: ``queries``, or the single ``query`` under the name ``query``."""
        return (("query", self.query),) if self.query else self.queries


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider=PROVIDER)


def _string(config: Mapping[str, Any], key: str, default: str = "") -> str:
    value = config.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _fail(f"datadog: {key} must be a string, got {type(value).__name__}")
    return value


def _enum(config: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    """The CRD's enum, refused in the API server's words."""
    value = _string(config, key, default)
    if value not in allowed and not (value == "" and default == ""):
        supported = ", ".join(go_quote(v) for v in allowed)
        raise _fail(
            f"datadog: {key}: Unsupported value: {go_quote(value)}: supported values: {supported}"
        )
    return value


def _queries(config: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = config.get("queries")
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise _fail(f"datadog: queries must be a map of name to query, got {type(raw).__name__}")
    for name, query in raw.items():
        if not isinstance(query, str):
            raise _fail(f"datadog: queries.{name} must be a string, got {type(query).__name__}")
    return tuple((str(name), query) for name, query in raw.items())


def _secret_ref(config: Mapping[str, Any]) -> SecretRef:
    raw = config.get("secretRef")
    if raw is None:
        return SecretRef()
    if not isinstance(raw, Mapping):
        raise _fail(f"datadog: secretRef must be an object, got {type(raw).__name__}")
    reject_unknown_fields(dict(raw), frozenset({"name", "namespaced"}), provider=PROVIDER)
    namespaced = raw.get("namespaced", False)
    if namespaced is None:
        namespaced = False
    if not isinstance(namespaced, bool):
        raise _fail(f"datadog: secretRef.namespaced must be true or false, got {namespaced!r}")
    return SecretRef(name=_string(raw, "name"), namespaced=namespaced)


def _validate(config: DatadogConfig) -> None:
    """Argo's ``validateIncomingProps``, rule for rule and in its order."""
    queries = config.queries
    if not config.query and not queries:
        raise _fail(f"Must have either a query or queries. {_REVIEW}")
    if config.query and queries:
        raise _fail(f"Cannot have both a query and queries. {_REVIEW}")
    if config.api_version == "v1" and not config.query:
        raise _fail(
            "Query is empty. API Version v1 only supports using the query parameter in your "
            "Analysis Template."
        )
    if config.formula and not queries:
        raise _fail(f"Formula are only valid when queries are set. {_REVIEW}")
    if not config.formula and len(queries) > 1:
        raise _fail("When multiple queries are provided you must include a formula.")
    if config.api_version == "v1" and config.aggregator:
        raise _fail(f"Aggregator is not supported in v1. {_REVIEW}")


def _timeout_ns(text: str) -> int:
    if text == "":
        return _CODE_TIMEOUT_NS
    try:
        timeout = parse_duration(text)
    except DurationError as exc:
        raise _fail(f"Could not parse the request timeout: {exc}. {_REVIEW}") from None
    if timeout <= 0:
        raise _fail(f"Request timeout must be a positive duration (e.g. 30s). {_REVIEW}")
    return timeout


def _interval_seconds(text: str) -> int:
    """``int64(d.Seconds())``: whole seconds, truncated toward zero."""
    try:
        nanoseconds = parse_duration(text)
    except DurationError as exc:
        raise _fail(str(exc)) from None
    whole = abs(nanoseconds) // _SECOND_NS
    return whole if nanoseconds >= 0 else -whole


def parse_config(config: Mapping[str, Any]) -> DatadogConfig:
    """The block with the CRD's defaults applied, checked as the API server and Argo check it."""
    reject_unknown_fields(dict(config), _FIELDS, provider=PROVIDER)
    api_version = _enum(config, "apiVersion", API_VERSIONS, CRD_DEFAULTS["apiVersion"])
    aggregator = _enum(config, "aggregator", AGGREGATORS, "")
    timeout_text = _string(config, "requestTimeout", CRD_DEFAULTS["requestTimeout"])
    interval_text = _string(config, "interval", CRD_DEFAULTS["interval"])
    parsed = DatadogConfig(
        api_version=api_version,
        query=_string(config, "query"),
        queries=_queries(config),
        formula=_string(config, "formula"),
        aggregator=aggregator,
        interval_seconds=0,
        timeout_seconds=0.0,
        secret_ref=_secret_ref(config),
    )
    _validate(parsed)
    timeout = _timeout_ns(timeout_text)
    return replace(
        parsed,
        interval_seconds=_interval_seconds(interval_text),
        timeout_seconds=timeout / _SECOND_NS,
    )
