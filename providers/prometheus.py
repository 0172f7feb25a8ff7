"""``provider.prometheus``: one PromQL query per measurement, converted exactly as Argo converts it.

Fields, as Argo names them: ``address`` (required here: Argo's ``ARGO_ROLLOUTS_PROMETHEUS_ADDRESS``
fallback is not read, providers see only their block), ``query``, ``timeout`` (seconds, default
30; negative is an error; ``0`` also means 30, where Go would time out at once), ``insecure``,
``headers`` (``[{key, value}]``), ``authentication`` (``basicAuth {username, password}`` and
``oauth2 {tokenUrl, clientId, clientSecret, scopes}`` as in Argo, plus ``bearer {token}``;
``sigv4`` is not supported by augur and is a ConfigError) and ``rangeQuery {start, end, step}``.

The request is client_golang's: ``POST {address}/api/v1/query`` (form-encoded ``query`` and
``time`` = the measurement's ``now``), falling back to ``GET`` on 405; ``/api/v1/query_range``
with ``start``/``end``/``step`` for a range query. ``rangeQuery.start``/``end`` are expr
expressions in Argo; augur evaluates the forms templates use, ``now()`` or ``date("…"[, layout[,
zone]])`` plus or minus ``duration("…")`` terms, and rejects the rest when the provider is built.

The answer, as Argo stores it: a scalar is a float (``value`` ``10``, ``NaN``, ``+Inf``); a
vector is a list of floats, labels dropped (``[0.5,1]``; an empty vector is ``[]`` and an empty
list, not an error); a matrix is every sample of every series, flattened. Numbers are written
like Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest round-trip digits, never an exponent.
Upstream errors keep client_golang's ``<errorType>: <error>`` text.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from providers.base import MeasureContext, Measured, insecure_client
from providers.errors import (
    ConfigError,
    ProviderError,
    QueryError,
    UnavailableError,
    reject_unknown_fields,
)
from providers.golang import (
    GoJSONError,
    decode_json,
    format_float_f,
    marshal,
    parse_duration,
)
from providers.web import (
    OAuth2ClientCredentials,
    OAuth2Tokens,
    go_transport_error,
    parse_headers,
    redact_url,
)

__all__ = ["PrometheusProvider", "parse_time_expression"]

PROVIDER = "prometheus"
DEFAULT_TIMEOUT_SECONDS = 30.0
NOT_SUPPORTED = "Prometheus metric type not supported"
_RETRYABLE_TYPES = frozenset({"timeout", "unavailable", "server_error", "canceled"})


_FIELDS = frozenset(
    {"address", "query", "timeout", "insecure", "headers", "authentication", "rangeQuery"}
)


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider=PROVIDER)


# ---- rangeQuery.start / end: the expr forms Argo templates use ----------------------------------

_TERM = re.compile(r"\s*(now|date|duration)\s*\(\s*((?:\"(?:[^\"\\]|\\.)*\"\s*,?\s*)*)\)\s*")
_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"")
_GO_LAYOUT = (("2006", "%Y"), ("01", "%m"), ("02", "%d"), ("15", "%H"), ("04", "%M"), ("05", "%S"))
TimeExpression = Callable[[datetime], datetime]


def _date(args: list[str]) -> datetime:
    text, layout, zone = [*args, "", "", ""][:3]
    tz = ZoneInfo(zone) if zone else UTC
    if layout:
        for go, python in _GO_LAYOUT:
            layout = layout.replace(go, python)
        parsed = datetime.strptime(text, layout)  # the zone is applied below
    else:
        parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def parse_time_expression(text: str, *, field: str) -> TimeExpression:
    """Compile ``now() - duration("1h")``-like text; errors read like Argo's for that field."""

    def fail(reason: str) -> ConfigError:
        return _fail(f"failed to parse rangeQuery.{field} as time: {reason}")

    parts: list[tuple[str, str, list[str]]] = []  # (sign, function, string arguments)
    rest, sign = text, "+"
    while True:
        match = _TERM.match(rest)
        if match is None:
            raise fail(
                f"augur evaluates now(), date(...) and duration(...) joined by + and - "
                f"here, not {text!r}"
            )
        args = [json.loads(f'"{s}"') for s in _STRING.findall(match[2])]
        parts.append((sign, match[1], args))
        rest = rest[match.end() :]
        if not rest:
            break
        sign, rest = rest[0], rest[1:]
        if sign not in "+-":
            raise fail(f"unexpected {sign!r} in {text!r}")
    fixed: list[tuple[str, datetime | timedelta | None]] = []
    for sign, function, args in parts:
        try:
            if function == "duration":
                fixed.append((sign, parse_duration(args[0] if args else "")))
            elif function == "date":
                fixed.append((sign, _date(args)))
            else:
                fixed.append((sign, None))  # now(): filled in per measurement
        except (ValueError, KeyError) as exc:
            raise fail(str(exc)) from exc
    anchors = [i for i, (_, v) in enumerate(fixed) if not isinstance(v, timedelta)]
    if not anchors:
        raise fail("expected time.Time, but got time.Duration")
    if len(anchors) > 1 or fixed[anchors[0]][0] == "-":
        raise fail(f"augur needs exactly one now() or date(...), added, in {text!r}")

    def evaluate(now: datetime) -> datetime:
        total = timedelta(0)
        anchor = now
        for sign, value in fixed:
            if isinstance(value, timedelta):
                total += value if sign == "+" else -value
            else:
                anchor = now if value is None else value
        return anchor + total

    return evaluate


@dataclass(frozen=True, slots=True, kw_only=True)
class RangeQuery:
    start: TimeExpression
    end: TimeExpression
    step: timedelta


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


# ---- the answer --------------------------------------------------------------------------------


def _sample(pair: Any, status: int | None) -> float:
    if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str):
        try:
            return float(pair[1])
        except ValueError:
            pass
    raise QueryError(
        f"bad_response: unreadable sample {marshal(pair)}", provider=PROVIDER, status=status
    )


def _field(series: Any, name: str) -> Any:
    return series.get(name) if isinstance(series, Mapping) else None


def convert(result_type: Any, result: Any, *, status: int | None = None) -> tuple[Any, str]:
    """``(result, value)`` as Argo's ``processResponse`` makes them."""
    if result_type == "scalar":
        number = _sample(result, status)
        return number, format_float_f(number)
    if result_type == "vector" and isinstance(result, list):
        numbers = [_sample(_field(series, "value"), status) for series in result]
    elif result_type == "matrix" and isinstance(result, list):
        numbers = [
            _sample(pair, status) for series in result for pair in _field(series, "values") or []
        ]
    else:
        raise QueryError(NOT_SUPPORTED, provider=PROVIDER, status=status)
    return numbers, "[" + ",".join(map(format_float_f, numbers)) + "]"


def _upstream_error(response: httpx.Response, payload: Any) -> ProviderError | None:
    """client_golang's reading of a failed answer (``None`` when it succeeded)."""
    status = response.status_code
    body = response.content.decode("utf-8", errors="replace")

    def error(text: str, *, retryable: bool, upstream: str = body) -> ProviderError:
        cls = UnavailableError if retryable else QueryError
        return cls(text, provider=PROVIDER, status=status, upstream_message=upstream)

    if isinstance(payload, Mapping) and payload.get("status") == "error":
        kind, message = str(payload.get("errorType", "")), str(payload.get("error", ""))
        retryable = kind in _RETRYABLE_TYPES or status >= 500
        return error(f"{kind}: {message}", retryable=retryable, upstream=message)
    if status // 100 == 4:
        return error(f"client_error: client error: {status}", retryable=False)
    if status // 100 == 5:
        return error(f"server_error: server error: {status}", retryable=True)
    if not 200 <= status < 300:
        return error(f"bad_response: bad response code {status}", retryable=False)
    if isinstance(payload, GoJSONError):
        return error(f"bad_response: {payload}", retryable=False)
    if not isinstance(payload, Mapping) or not isinstance(payload.get("data"), Mapping):
        return error("bad_response: the answer has no data object", retryable=False)
    return None


class PrometheusProvider:
    """``provider.prometheus``: see the module docstring for the fields."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config = cfg = parse_config(config)
        self._own = insecure_client(http) if cfg.insecure else None
        self._http = self._own or http
        self._headers = httpx.Headers()
        for key, value in cfg.headers:
            self._headers[key] = value
        self._tokens = OAuth2Tokens(cfg.oauth2) if cfg.oauth2 is not None else None

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
        result, value = convert(data.get("resultType"), data.get("result"), status=status)
        metadata = {
            "resolvedQuery": cfg.query,
            "resultType": str(data.get("resultType")),
            "latencySeconds": f"{latency:.6f}",
        }
        if warnings:
            metadata["warnings"] = ", ".join(f'"{w}"' for w in warnings)  # Argo's form
        go_type = "[]float64" if isinstance(result, list) else "float64"
        return Measured(
            result=result,
            value=value,
            metadata=metadata,
            latency_seconds=latency,
            go_type=go_type,
        )

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
        headers = httpx.Headers(self._headers)
        # Go's http.Client follows redirects whatever the shared client is set to do.
        options: dict[str, Any] = {"timeout": cfg.timeout_seconds, "follow_redirects": True}
        method = "POST"
        if self._tokens is not None:
            headers["Authorization"] = await self._tokens.authorization(
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
        error = _upstream_error(response, payload)
        if error is not None:
            raise error
        warnings = payload.get("warnings") or []
        return payload["data"], [str(w) for w in warnings], response.status_code
