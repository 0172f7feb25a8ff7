"""``provider.skywalking`` as Argo writes it, plus optional fields that keep Argo templates valid.

Argo reads ``address``, ``query`` and ``interval``. augur adds, all optional: ``timezone``
(``UTC`` by default; an IANA name, ``+0800``/``-05:30``, or ``auto`` to ask the OAP),
``step`` (``MINUTE`` by default as in Argo; ``SECOND``/``HOUR``/``DAY`` or ``auto``),
``headers`` (``[{key, value}]`` like Argo's web provider, or a mapping),
``authentication`` (``basicAuth: {username, password}`` or ``bearer: {token}``),
``timeoutSeconds`` (default 30, Argo's overall timeout), ``insecure`` (skip TLS verification),
``excludeLatest`` (end the window one step early, dropping the newest, usually partial, bucket),
``variables`` (extra GraphQL variables; ``duration`` is always computed) and ``noData``
(``augur``, the default: empty points are left out and a series without data is an Error;
``argo``: the OAP's zeros go to the conditions, as in Argo).

The query is checked here, once: one query operation, its variables set, and, when every root
field is one augur's SDL declares (:mod:`providers.skywalking.schema`), valid against it, so a
typo'd field is refused when the template is submitted. Then the fields augur reads are added to
the text that is sent.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLSyntaxError, OperationType

from providers.errors import ConfigError
from providers.golang import parse_duration
from providers.skywalking.query import (
    RootField,
    operations,
    parse_query,
    required_variables,
    root_fields,
)
from providers.skywalking.schema import (
    ADDED,
    ADDED_FOR_ARGO,
    Shape,
    augment,
    protocol_problems,
)
from providers.skywalking.window import STEPS, parse_timezone

__all__ = ["SkyWalkingConfig", "parse_config"]

PROVIDER = "skywalking"
DEFAULT_TIMEOUT_SECONDS = 30.0
NO_DATA_MODES = ("augur", "argo")
_KNOWN_FIELDS = frozenset(
    {
        "address",
        "query",
        "interval",
        "timezone",
        "step",
        "headers",
        "authentication",
        "timeoutSeconds",
        "insecure",
        "excludeLatest",
        "variables",
        "noData",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SkyWalkingConfig:
    address: str
    query: str
    document: DocumentNode
    interval: timedelta
    timezone: str = "UTC"
    step: str = "MINUTE"
    headers: tuple[tuple[str, str], ...] = ()
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    insecure: bool = False
    exclude_latest: bool = False
    variables: Mapping[str, Any] = field(default_factory=dict)
    no_data: str = "augur"
    #: What is sent: ``query`` with the fields augur reads added (see ``schema.augment``).
    sent_query: str = ""
    shape: Shape = field(default_factory=lambda: Shape("Query"))
    roots: tuple[RootField, ...] = ()

    @property
    def endpoint(self) -> str:
        return self.address.rstrip("/") + "/graphql"


def _fail(message: str) -> ConfigError:
    return ConfigError(f"skywalking: {message}", provider=PROVIDER)


def _string(config: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = config.get(key)
    if value is None or value == "":
        if required:
            raise _fail(f"{key} is required")
        return ""
    if not isinstance(value, str):
        raise _fail(f"{key} must be a string, got {type(value).__name__}")
    return value


def _bool(config: Mapping[str, Any], key: str) -> bool:
    value = config.get(key, False)
    if not isinstance(value, bool):
        raise _fail(f"{key} must be true or false, got {value!r}")
    return value


def _headers(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    raw = config.get("headers") or []
    pairs: list[tuple[Any, Any]]
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, list) and all(isinstance(item, Mapping) for item in raw):
        pairs = [(item.get("key"), item.get("value")) for item in raw]
    else:
        raise _fail("headers must be a list of {key, value} or a mapping")
    for key, value in pairs:
        if not isinstance(key, str) or not key or not isinstance(value, str):
            # Never echo the value: headers carry credentials.
            raise _fail(
                f"headers: every header needs a non-empty string key and a string value "
                f"(bad key: {key!r})"
            )
    return [(str(key), str(value)) for key, value in pairs]


def _auth_headers(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    auth = config.get("authentication")
    if auth is None:
        return []
    if not isinstance(auth, Mapping) or len(auth) != 1:
        raise _fail("authentication must set exactly one of basicAuth, bearer")
    if basic := auth.get("basicAuth"):
        username, password = (basic or {}).get("username"), (basic or {}).get("password")
        for name, value in (("username", username), ("password", password)):
            if not isinstance(value, str) or not value:
                raise _fail(f"missing mandatory parameter for basic auth setup: {name}")
        encoded = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return [("Authorization", f"Basic {encoded}")]
    if bearer := auth.get("bearer"):
        token: Any = bearer.get("token") if isinstance(bearer, Mapping) else None
        if not isinstance(token, str) or not token:
            raise _fail("missing mandatory parameter for bearer auth setup: token")
        return [("Authorization", f"Bearer {token}")]
    raise _fail(f"authentication must set one of basicAuth, bearer (got {', '.join(auth)})")


def _timeout(config: Mapping[str, Any]) -> float:
    value = config.get("timeoutSeconds")
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _fail(f"timeoutSeconds must be a positive number, got {value!r}")
    return float(value)


def parse_config(config: Mapping[str, Any]) -> SkyWalkingConfig:
    """Validate the block once, at build time, so a bad template fails before any fetch."""
    unknown = sorted(set(config) - _KNOWN_FIELDS)
    if unknown:
        known = ", ".join(sorted(_KNOWN_FIELDS))
        raise _fail(f"unknown field(s) {', '.join(unknown)}; known: {known}")
    address = _string(config, "address", required=True)
    if not address.startswith(("http://", "https://")):
        raise _fail(f"address must start with http:// or https://, got {address!r}")
    query = _string(config, "query", required=True)
    try:
        document = parse_query(query)
    except GraphQLSyntaxError as exc:
        raise _fail(f"query is not valid GraphQL: {exc.message} at {_where(exc)}") from exc
    try:
        interval = parse_duration(_string(config, "interval"))
    except ValueError as exc:
        raise ConfigError(str(exc), provider=PROVIDER) from exc  # Argo's exact text
    if interval <= timedelta(0):
        raise _fail(f"interval must be positive, got {config.get('interval')!r}")
    timezone = _string(config, "timezone") or "UTC"
    if timezone != "auto":
        try:
            parse_timezone(timezone)
        except ValueError as exc:
            raise _fail(str(exc)) from exc
    step = (_string(config, "step") or "MINUTE").upper()
    if step != "AUTO" and step not in STEPS:
        raise _fail(f"step must be one of {', '.join(STEPS)} or auto, got {config.get('step')!r}")
    variables = config.get("variables") or {}
    if not isinstance(variables, Mapping):
        raise _fail("variables must be a mapping of GraphQL variable names to values")
    if "duration" in variables:
        raise _fail("variables must not set duration: it is computed from interval")
    _check_operation(document, variables)
    problems = _problems(query)
    if problems:
        raise _fail(f"query does not follow SkyWalking's query protocol: {'; '.join(problems)}")
    no_data = (_string(config, "noData") or "augur").lower()
    if no_data not in NO_DATA_MODES:
        raise _fail(f"noData must be augur or argo, got {config.get('noData')!r}")
    sent_query, shape, roots = _prepared(query, no_data)
    return SkyWalkingConfig(
        address=address,
        query=query,
        document=document,
        interval=interval,
        timezone=timezone,
        step=step,
        headers=tuple(_headers(config) + _auth_headers(config)),
        timeout_seconds=_timeout(config),
        insecure=_bool(config, "insecure"),
        exclude_latest=_bool(config, "excludeLatest"),
        variables=dict(variables),
        no_data=no_data,
        sent_query=sent_query,
        shape=shape,
        roots=roots,
    )


@lru_cache(maxsize=256)
def _problems(query: str) -> tuple[str, ...]:
    """Validation against the SDL costs milliseconds: once per query text, not per build."""
    return tuple(protocol_problems(parse_query(query)))


@lru_cache(maxsize=256)
def _prepared(query: str, no_data: str) -> tuple[str, Shape, tuple[RootField, ...]]:
    """The text to send, the answer's shape and the root fields, once per query text."""
    document = parse_query(query)
    sent, shape = augment(query, document, ADDED if no_data == "augur" else ADDED_FOR_ARGO)
    unique = {root.key: root for root in root_fields(document)}
    return sent, shape, tuple(unique.values())


def _check_operation(document: DocumentNode, variables: Mapping[str, Any]) -> None:
    """Argo sends no operationName and only ``$duration``: catch what the OAP would reject."""
    ops = operations(document)
    if len(ops) != 1:
        raise _fail(f"query must contain exactly one operation, found {len(ops)}")
    if ops[0].operation is not OperationType.QUERY:
        raise _fail(f"only query operations are allowed, got {ops[0].operation.value}")
    missing = sorted(set(required_variables(document)) - {"duration"} - set(variables))
    if missing:
        names = ", ".join(f"${name}" for name in missing)
        raise _fail(f"query requires {names} but variables does not set it")


def _where(exc: GraphQLSyntaxError) -> str:
    if exc.locations:
        location = exc.locations[0]
        return f"line {location.line}, column {location.column}"
    return "an unknown position"
