"""The ``provider.cloudWatch`` block, and Argo's ``convertType`` of its queries.

Fields, as Argo names them: ``interval`` (how far back ``GetMetricData`` looks, a Go duration,
default ``5m``) and ``metricDataQueries``, each with ``id``, ``expression``, ``label``,
``metricStat {metric {namespace, metricName, dimensions [{name, value}]}, period, stat,
unit}``, ``period`` and ``returnData``. There is no region, endpoint or credential field: those
come from the environment (see :mod:`providers.cloudwatch.client`).

The conversion is Argo's, field for field: ``Id`` always sent (even empty); with
``metricStat``, ``MetricName``, ``Stat`` and ``Period`` always sent, ``Unit`` unless empty,
``Namespace`` and ``Dimensions`` only when given; ``Expression``, ``Label``, ``Period`` and
``ReturnData`` only when given. A period is Kubernetes' int-or-string read as Go's
``int32(IntValue())``; a string that is not a whole number (which Argo silently sends as 0)
is refused here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from providers.errors import ConfigError, reject_unknown_fields
from providers.golang import parse_duration

__all__ = ["DEFAULT_INTERVAL", "PROVIDER", "CloudWatchConfig", "convert_queries", "parse_config"]

PROVIDER = "cloudWatch"
DEFAULT_INTERVAL = timedelta(minutes=5)
_FIELDS = frozenset({"interval", "metricDataQueries"})
_QUERY_FIELDS = frozenset({"id", "expression", "label", "metricStat", "period", "returnData"})
_STAT_FIELDS = frozenset({"metric", "period", "stat", "unit"})
_METRIC_FIELDS = frozenset({"namespace", "metricName", "dimensions"})
_WHOLE = re.compile(r"[+-]?\d+\Z")
_INT64 = 2**63


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider=PROVIDER)


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudWatchConfig:
    interval: timedelta
    #: ``MetricDataQueries`` as the SDK takes them (botocore's member names).
    queries: list[dict[str, Any]]


def _mapping(value: Any, path: str, known: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"{path} must be an object")
    unknown = sorted(str(key) for key in set(value) - known)
    if unknown:
        raise _fail(
            f"{path}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return value


def _text(block: Mapping[str, Any], key: str, path: str) -> str | None:
    value = block.get(key)
    if value is not None and not isinstance(value, str):
        raise _fail(f"{path}.{key} must be a string, got {value!r}")
    return value


def _int32(value: Any, path: str) -> int:
    """Kubernetes' ``IntOrString.IntValue()`` (Go's ``Atoi`` for a string) as an ``int32``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _fail(f"{path} must be a whole number of seconds, got {value!r}")
    number = value if isinstance(value, int) else 0
    if isinstance(value, str):
        if not _WHOLE.match(value):
            raise _fail(f"{path} {value!r} is not a whole number (Argo would send 0)")
        number = max(-_INT64, min(_INT64 - 1, int(value)))  # Atoi saturates
    return (number + 2**31) % 2**32 - 2**31  # Go's int32() conversion wraps


def _metric_stat(block: Any, path: str) -> dict[str, Any]:
    stat = _mapping(block, path, _STAT_FIELDS)
    metric = _mapping(stat.get("metric") or {}, f"{path}.metric", _METRIC_FIELDS)
    converted: dict[str, Any] = {"MetricName": _text(metric, "metricName", f"{path}.metric") or ""}
    namespace = _text(metric, "namespace", f"{path}.metric")
    if namespace is not None:
        converted["Namespace"] = namespace
    dimensions = metric.get("dimensions")
    if dimensions is not None:
        if not isinstance(dimensions, list):
            raise _fail(f"{path}.metric.dimensions must be a list of {{name, value}}")
        converted["Dimensions"] = [
            {
                "Name": _text(pair, "name", where) or "",
                "Value": _text(pair, "value", where) or "",
            }
            for index, item in enumerate(dimensions)
            for where in [f"{path}.metric.dimensions[{index}]"]
            for pair in [_mapping(item, where, frozenset({"name", "value"}))]
        ]
    out: dict[str, Any] = {
        "Metric": converted,
        "Period": _int32(stat.get("period", 0), f"{path}.period"),
        "Stat": _text(stat, "stat", path) or "",
    }
    unit = _text(stat, "unit", path)
    if unit:
        out["Unit"] = unit
    return out


def convert_queries(
    queries: Any, path: str = "cloudWatch.metricDataQueries"
) -> list[dict[str, Any]]:
    """Argo's ``convertType``: the template's queries as ``GetMetricData`` takes them."""
    if not isinstance(queries, list):
        raise _fail(f"{path} is required: a list of metric data queries")
    converted = []
    for index, item in enumerate(queries):
        where = f"{path}[{index}]"
        query = _mapping(item, where, _QUERY_FIELDS)
        out: dict[str, Any] = {"Id": _text(query, "id", where) or ""}
        for field, name in (("expression", "Expression"), ("label", "Label")):
            text = _text(query, field, where)
            if text is not None:
                out[name] = text
        if query.get("metricStat") is not None:
            out["MetricStat"] = _metric_stat(query["metricStat"], f"{where}.metricStat")
        if query.get("period") is not None:
            out["Period"] = _int32(query["period"], f"{where}.period")
        if query.get("returnData") is not None:
            if not isinstance(query["returnData"], bool):
                raise _fail(f"{where}.returnData must be true or false")
            out["ReturnData"] = query["returnData"]
        converted.append(out)
    return converted


def parse_config(config: Mapping[str, Any]) -> CloudWatchConfig:
    """Validate the block once, when the provider is built."""
    reject_unknown_fields(dict(config), _FIELDS, provider=PROVIDER)
    interval = DEFAULT_INTERVAL
    raw = config.get("interval")
    if raw not in (None, ""):
        try:
            interval = parse_duration(str(raw))
        except ValueError as exc:
            raise _fail(f"cloudWatch interval: {exc}") from None
    return CloudWatchConfig(
        interval=interval, queries=convert_queries(config.get("metricDataQueries"))
    )
