"""The slice of MQE (SkyWalking's Metrics Query Expression) the fake OAP understands.

``metric``, ``avg|sum|max|min|latest(metric)`` and either of those followed by ``+ - * /`` a
number. Results are shaped like the OAP's ``ExpressionResult``: time-series ids are bucket start
times in epoch milliseconds, values are formatted like Java's ``DecimalFormat`` (at most three
decimals, half-even, no grouping) or ``null`` when the point is empty.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

__all__ = ["DEFAULT_METRICS", "MQEError", "evaluate_mqe", "format_value"]

DEFAULT_METRICS = frozenset(
    {
        "service_apdex",
        "service_sla",
        "service_cpm",
        "service_resp_time",
        "service_instance_sla",
        "service_instance_cpm",
        "service_instance_resp_time",
        "endpoint_sla",
        "endpoint_cpm",
        "endpoint_resp_time",
    }
)
_GRAMMAR = re.compile(
    r"^\s*(?:(?P<agg>avg|sum|max|min|latest)\s*\(\s*(?P<inner>[A-Za-z_]\w*)\s*\)"
    r"|(?P<metric>[A-Za-z_]\w*))"
    r"\s*(?:(?P<op>[-+*/])\s*(?P<number>\d+(?:\.\d+)?))?\s*$"
)
_OPS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}
_AGGREGATES: dict[str, Callable[[list[float]], float]] = {
    "avg": lambda xs: sum(xs) / len(xs),
    "sum": sum,
    "max": max,
    "min": min,
    "latest": lambda xs: xs[-1],
}


class MQEError(Exception):
    """The expression cannot be resolved; the OAP answers ``type: UNKNOWN`` with this text."""


def format_value(value: float | None) -> str | None:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    text = format(rounded.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _mqe_value(ident: str | None, value: float | None) -> dict[str, Any]:
    return {"id": ident, "owner": None, "value": format_value(value), "traceID": None}


def evaluate_mqe(
    expression: str,
    fetch: Callable[[str], Sequence[int | None]],
    *,
    timestamps: Sequence[int],
    known_metrics: Iterable[str] = (),
) -> dict[str, Any]:
    match = _GRAMMAR.match(expression)
    if match is None:
        position = next(
            (i for i in range(len(expression), 0, -1) if _GRAMMAR.match(expression[:i])), 0
        )
        raise MQEError(f"line 1:{position} mismatched input '{expression[position:]}'")
    metric = match.group("inner") or match.group("metric")
    if metric not in DEFAULT_METRICS | set(known_metrics):
        raise MQEError(f"Metric: [{metric}] does not exist.")
    values: list[float | None] = [None if v is None else float(v) for v in fetch(metric)]
    if op := match.group("op"):
        number = float(match.group("number"))
        if op == "/" and number == 0:
            values = [None for _ in values]
        else:
            values = [None if v is None else _OPS[op](v, number) for v in values]
    if agg := match.group("agg"):
        present = [v for v in values if v is not None]
        single = _AGGREGATES[agg](present) if present else None
        return {
            "type": "SINGLE_VALUE",
            "results": [{"metric": {"labels": []}, "values": [_mqe_value(None, single)]}],
            "error": None,
        }
    series = [_mqe_value(str(ts), v) for ts, v in zip(timestamps, values, strict=True)]
    return {
        "type": "TIME_SERIES_VALUES",
        "results": [{"metric": {"labels": []}, "values": series}],
        "error": None,
    }
