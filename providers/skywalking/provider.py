"""SkyWalking: one GraphQL POST to the OAP per measurement, answered as Argo would answer it.

Plain ``httpx`` rather than gql: the request is a single fixed POST and Argo's exact error
texts (``graphql: …``, ``decoding response: …``) are easier to keep without a client layer.
The query is parsed with graphql-core once per text (cached) to fail early on syntax, validated
against augur's SDL of the protocol when it stays within it (``schema.graphqls``), and sent with
``isEmptyValue`` (MQE: ``value``, ``id``, ``type``, ``error``) added to every selection that can
carry it, under ``_augur_*`` aliases.

**No data is never a silent zero.** The OAP answers an empty point as ``0`` (``isEmptyValue:
true``) or an MQE ``null``; Argo hands those zeros to the conditions, so a mistyped service name
fails the canary with no reason given. augur leaves empty points out of what the conditions see
(a minute not yet aggregated cannot fail an ``all(...)``) and makes a series with no data at all
an Error measurement naming the service, the metric, the window and the empty points, so
``consecutiveErrorLimit``, not ``failureLimit``, decides. ``noData: argo`` restores Argo's zeros.
The fields augur added are removed before ``result`` and the stored value are made, and each kept
point's time goes to ``Measured.point_times``. See :mod:`providers.skywalking.answer`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

import httpx

from providers.base import MeasureContext, Measured, insecure_client
from providers.errors import NoDataError, QueryError, UnavailableError, clip, transport_reason
from providers.golang import GoJSONError, decode_json, marshal
from providers.skywalking.answer import read_answer
from providers.skywalking.config import PROVIDER, parse_config
from providers.skywalking.window import STEP_LENGTH, Window, compute_window, parse_timezone
from providers.transport import redact_url

__all__ = ["SkyWalkingProvider"]

_ARGO_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Accept": "application/json; charset=utf-8",
}
_CHECK_QUERY = "query augurCheck { getTimeInfo { timezone currentTimestamp } }"
NO_RESULTS = "no results returned from SkyWalking query"


def _field(payload: Mapping[str, Any], name: str) -> Any:
    """Go's decoder matches struct keys case-insensitively (``data``/``Data``/``DATA``)."""
    if name in payload:
        return payload[name]
    return next((v for k, v in payload.items() if k.lower() == name), None)


class SkyWalkingProvider:
    """``provider.skywalking``: see :mod:`providers.skywalking.config` for the fields."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config = cfg = parse_config(config)
        # A client of our own only when TLS verification must be off: httpx sets it per client.
        self._own = insecure_client(http) if cfg.insecure else None
        self._http = self._own or http
        self._headers = httpx.Headers(_ARGO_HEADERS)
        for key, value in cfg.headers:
            self._headers[key] = value
        self._url = cfg.endpoint
        self._tz: tzinfo | None = None
        self._tz_label = cfg.timezone
        if cfg.timezone != "auto":
            self._tz = parse_timezone(cfg.timezone)

    async def measure(self, ctx: MeasureContext) -> Measured:
        cfg = self._config
        tz, tz_label = await self._timezone()
        window = compute_window(
            ctx.now,
            interval=cfg.interval,
            step=cfg.step,
            tz=tz,
            tz_label=tz_label,
            exclude_latest=cfg.exclude_latest,
        )
        variables = {"duration": window.variable(), **cfg.variables}
        data, latency = await self._query(cfg.sent_query, variables)
        span = f"between {window.start} and {window.end} ({window.step}, {window.timezone})"
        reading = read_answer(
            cfg.shape,
            data,
            roots=cfg.roots,
            variables=variables,
            window=window,
            span=span,
            judge_no_data=cfg.no_data == "augur",
        )
        if reading.error is not None:
            raise QueryError(reading.error, provider=PROVIDER)
        if reading.no_data is not None:
            raise NoDataError(reading.no_data, provider=PROVIDER)
        metadata = {
            "resolvedQuery": cfg.query,  # secrets in it are ***** once stored (see base.py)
            "durationStart": window.start,
            "durationEnd": window.end,
            "durationStep": window.step,
            "timezone": window.timezone,
            "latencySeconds": f"{latency:.6f}",
        }
        if cfg.no_data == "augur" and reading.points:
            metadata["emptyPoints"] = f"{reading.empty_points}/{reading.points}"
        return Measured(
            result=reading.result,
            value=marshal(reading.result),
            metadata=metadata,
            latency_seconds=latency,
            point_times=reading.point_times,
        )

    async def answer_over(self, *, start: datetime, steps: int) -> tuple[Window, Any]:
        """The OAP's answer over ``steps`` steps from ``start`` (and the step after: the OAP
        counts both ends), as it came: what a canary judgement's series reads, where
        ``measure`` reads the look-back ``interval`` up to now."""
        cfg = self._config
        tz, tz_label = await self._timezone()
        span = STEP_LENGTH[cfg.step] * steps
        window = compute_window(
            start + span, interval=span, step=cfg.step, tz=tz, tz_label=tz_label
        )
        data, _ = await self._query(
            cfg.sent_query, {"duration": window.variable(), **cfg.variables}
        )
        return window, data

    async def check(self) -> None:
        data, _ = await self._query(_CHECK_QUERY, {})
        info = data.get("getTimeInfo") if isinstance(data, Mapping) else None
        if not isinstance(info, Mapping):
            raise QueryError("skywalking: getTimeInfo returned nothing", provider=PROVIDER)

    async def aclose(self) -> None:
        if self._own is not None:
            await self._own.aclose()

    async def _timezone(self) -> tuple[tzinfo, str]:
        if self._tz is None:
            data, _ = await self._query(_CHECK_QUERY, {})
            info = data.get("getTimeInfo") if isinstance(data, Mapping) else None
            offset = info.get("timezone") if isinstance(info, Mapping) else None
            try:
                self._tz = parse_timezone(str(offset))
            except ValueError as exc:
                raise QueryError(
                    f"skywalking: timezone auto: the OAP reported timezone {offset!r}",
                    provider=PROVIDER,
                ) from exc
            self._tz_label = f"{offset} (auto)"
        return self._tz, self._tz_label

    async def _query(self, query: str, variables: Mapping[str, Any]) -> tuple[Any, float]:
        body = json.dumps({"query": query, "variables": variables}, separators=(",", ":"))
        started = time.perf_counter()
        try:
            response = await self._http.post(
                self._url,
                content=body.encode(),
                headers=self._headers,
                timeout=self._config.timeout_seconds,
            )
        except httpx.TimeoutException as exc:
            raise UnavailableError(
                f'Post "{redact_url(self._url)}": timed out after '
                f"{self._config.timeout_seconds:g}s ({type(exc).__name__})",
                provider=PROVIDER,
            ) from exc
        except httpx.HTTPError as exc:
            raise UnavailableError(
                f'Post "{redact_url(self._url)}": {transport_reason(exc)}', provider=PROVIDER
            ) from exc
        latency = time.perf_counter() - started
        return self._data(response), latency

    def _data(self, response: httpx.Response) -> Any:
        status, reason = response.status_code, response.reason_phrase
        text = response.content.decode("utf-8", errors="replace")
        try:
            payload = decode_json(response.content)
        except GoJSONError as exc:
            if status >= 500:
                raise self._unavailable(status, reason, text) from exc
            if not 200 <= status < 300:
                raise QueryError(
                    f"skywalking: OAP answered {status} {reason}: {clip(text, 200)}",
                    provider=PROVIDER,
                    status=status,
                    upstream_message=text,
                ) from exc
            raise QueryError(
                f"decoding response: {exc}", provider=PROVIDER, status=status, upstream_message=text
            ) from exc
        if not isinstance(payload, Mapping):
            raise QueryError(
                f"decoding response: expected a JSON object, got {clip(text, 200)}",
                provider=PROVIDER,
                status=status,
                upstream_message=text,
            )
        errors = _field(payload, "errors")
        messages = [str(e.get("message") if isinstance(e, Mapping) else e) for e in errors or []]
        if status >= 500:
            raise self._unavailable(status, reason, "; ".join(messages) or text)
        if messages:
            raise QueryError(
                f"graphql: {messages[0]}",
                provider=PROVIDER,
                status=status,
                upstream_message="; ".join(messages),
            )
        if not 200 <= status < 300:
            raise QueryError(
                f"skywalking: OAP answered {status} {reason}: {clip(text, 200)}",
                provider=PROVIDER,
                status=status,
                upstream_message=text,
            )
        data = _field(payload, "data")
        if data is None:
            raise NoDataError(NO_RESULTS, provider=PROVIDER, status=status)
        return data

    def _unavailable(self, status: int, reason: str, upstream: str) -> UnavailableError:
        return UnavailableError(
            f"skywalking: OAP answered {status} {reason}: {clip(upstream, 200)}",
            provider=PROVIDER,
            status=status,
            upstream_message=upstream,
        )
