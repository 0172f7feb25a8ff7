"""A canary config's SkyWalking query as a series: ``{type: skywalking, metricName: ...}`` or
``{type: skywalking, expression: "<MQE>"}``, fetched for one service over a window.

The scope is the service name as the OAP knows it, so TSB's ``canary|reviews|bookinfo|...`` and
``reviews|bookinfo|...`` are written as they are. The request is the provider's own
(:class:`~providers.skywalking.provider.SkyWalkingProvider`: its window formatting, time zones,
error texts and address guard), with a fixed query per kind: ``readMetricsValues`` for a metric
name, ``execExpression`` for MQE, the entity given as variables. An empty point (``isEmptyValue``,
an MQE null) is NaN; an expression that answers several series (labels) is refused, because a
judgement compares one series a side.

Fields besides ``type``, ``address`` and ``bearerTokenSecret``: ``metricName`` or
``expression`` (one of them), ``timezone`` (the provider's: UTC, an IANA name, ``+0800`` or
``auto``), ``normal`` (the entity's, default true), ``timeoutSeconds``, ``insecure``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from providers.errors import ConfigError, QueryError, reject_unknown_fields
from providers.series import COMMON_FIELDS, Series, SeriesWindow, aligned
from providers.skywalking.config import PROVIDER, parse_config
from providers.skywalking.provider import SkyWalkingProvider
from providers.skywalking.window import Window

__all__ = ["SkyWalkingSeries"]

METRIC_QUERY = """query augurSeries($condition: MetricsCondition!, $duration: Duration!) {
  readMetricsValues(condition: $condition, duration: $duration) {
    label
    values { values { id value isEmptyValue } }
  }
}"""
MQE_QUERY = """query augurSeries($expression: String!, $entity: Entity!, $duration: Duration!) {
  execExpression(expression: $expression, entity: $entity, duration: $duration) {
    type
    error
    results { metric { labels { key value } } values { id value } }
  }
}"""
#: The OAP's steps, by their length in seconds.
STEPS = {1: "SECOND", 60: "MINUTE", 3600: "HOUR", 86400: "DAY"}
_FIELDS = COMMON_FIELDS | {
    "metricName",
    "expression",
    "timezone",
    "normal",
    "timeoutSeconds",
    "insecure",
}
_PASSED = ("address", "timezone", "timeoutSeconds", "insecure")


def _fail(message: str) -> ConfigError:
    return ConfigError(f"skywalking: {message}", provider=PROVIDER)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class SkyWalkingSeries:
    """One metric (or MQE expression) of the OAP, for any service and window."""

    def __init__(
        self, query: Mapping[str, Any], *, http: httpx.AsyncClient, headers: Mapping[str, str]
    ) -> None:
        reject_unknown_fields(query, _FIELDS, provider=PROVIDER)
        metric, expression = query.get("metricName"), query.get("expression")
        if (metric is None) == (expression is None):
            raise _fail("set one of metricName (service_apdex) or expression (an MQE)")
        name = metric if metric is not None else expression
        if not isinstance(name, str) or not name.strip():
            field = "metricName" if metric is not None else "expression"
            raise _fail(f"{field} must be a non-empty string")
        normal = query.get("normal", True)
        if not isinstance(normal, bool):
            raise _fail(f"normal must be true or false, got {normal!r}")
        self._http = http
        self._metric, self._expression, self._normal = metric, expression, normal
        self._block: dict[str, Any] = {k: query[k] for k in _PASSED if k in query}
        self._block |= {"interval": "1m", "headers": dict(headers)}
        self._block["query"] = METRIC_QUERY if metric is not None else MQE_QUERY
        parse_config(self._provider_block("check", "MINUTE"))  # address, timezone, ... now

    def _provider_block(self, service: str, step: str) -> dict[str, Any]:
        entity = {"serviceName": service, "normal": self._normal}
        if self._metric is not None:
            variables: dict[str, Any] = {"condition": {"name": self._metric, "entity": entity}}
        else:
            variables = {"expression": self._expression, "entity": entity}
        return {**self._block, "step": step, "variables": variables}

    def check_window(self, window: SeriesWindow) -> None:
        seconds = window.step.total_seconds()
        if seconds not in STEPS:
            steps = ", ".join(f"{length} ({name})" for length, name in STEPS.items())
            raise _fail(f"step {seconds:g}s: the OAP answers steps of {steps} seconds")

    def describe(self, scope: str) -> str:
        if self._metric is not None:
            return f'readMetricsValues {self._metric} of service "{scope}"'
        return f'execExpression "{self._expression}" of service "{scope}"'

    async def series(self, window: SeriesWindow) -> Series:
        self.check_window(window)
        step = STEPS[int(window.step.total_seconds())]
        provider = SkyWalkingProvider(self._provider_block(window.scope, step), http=self._http)
        try:
            answered, data = await provider.answer_over(start=window.start, steps=window.points)
        finally:
            await provider.aclose()
        if self._metric is not None:
            found = self._metric_points(answered, data)
        else:
            found = self._mqe_points(answered, data, window.scope)
        origin = answered.point_time(0)
        return aligned(window, found, query=self.describe(window.scope), origin=origin)

    @staticmethod
    def _metric_points(window: Window, data: Any) -> list[tuple[datetime, float]]:
        block = data.get("readMetricsValues") if isinstance(data, Mapping) else None
        values = block.get("values") if isinstance(block, Mapping) else None
        points = values.get("values") if isinstance(values, Mapping) else None
        found = []
        for index, point in enumerate(points if isinstance(points, list) else []):
            if isinstance(point, Mapping):
                empty = point.get("isEmptyValue") is True
                value = math.nan if empty else _number(point.get("value"))
                found.append((window.point_time(index), value))
        return found

    def _mqe_points(self, window: Window, data: Any, scope: str) -> list[tuple[datetime, float]]:
        result = data.get("execExpression") if isinstance(data, Mapping) else None
        if not isinstance(result, Mapping):
            return []
        about = self.describe(scope)
        if result.get("error") or result.get("type") == "UNKNOWN":
            reason = result.get("error") or "the OAP could not resolve the expression type"
            raise QueryError(f"skywalking: {about} failed: {reason}", provider=PROVIDER)
        series = [s for s in result.get("results") or [] if isinstance(s, Mapping)]
        if len(series) > 1:
            raise QueryError(
                f"skywalking: {about} answered {len(series)} series (one per label set); a "
                "judgement compares one series a side: aggregate them in the expression",
                provider=PROVIDER,
            )
        found = []
        points = series[0].get("values") if series else None
        for index, point in enumerate(points if isinstance(points, list) else []):
            if not isinstance(point, Mapping):
                continue
            ident = str(point.get("id") or "")
            when = (
                datetime.fromtimestamp(int(ident) / 1000, UTC)
                if ident.isdigit()
                else window.point_time(index)
            )
            value = point.get("value")
            found.append((when, math.nan if value is None else _number(value)))
        return found
