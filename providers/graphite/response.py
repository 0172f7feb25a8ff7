"""What Argo's graphite provider reads from a render answer (``format=json``).

The body decodes into ``[]{target, datapoints: []dataPoint}`` as Go's ``encoding/json`` decodes
it: a syntax error anywhere is Go's syntax error; a value of the wrong JSON type is remembered
and reported once the whole document is read (Go's ``UnmarshalTypeError``), while a data point
that Argo's ``dataPoint.UnmarshalJSON`` refuses stops decoding at once with Argo's own words
(including its quirk of printing the value where it means the timestamp). Only the first
target's points are used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from providers.gojsonerror import go_json_error
from providers.golang import GoJSONError, decode_json, go_quote, sprint

__all__ = ["DataPoint", "ResponseError", "datapoints", "parse_go_float", "parse_go_int"]

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+\Z")
_INFINITY = re.compile(r"[+-]?(?:inf|infinity)\Z", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d+\Z")
_INT64 = 2**63


class ResponseError(ValueError):
    """The answer is not what Argo's graphite provider reads; the message is Argo's."""


@dataclass(frozen=True, slots=True)
class DataPoint:
    value: float | None
    #: Unix seconds; None for a null timestamp (Go's zero time).
    timestamp: int | None

    @property
    def time(self) -> datetime | None:
        if self.timestamp is None:
            return None
        try:
            return datetime.fromtimestamp(self.timestamp, UTC)
        except (OverflowError, OSError, ValueError):
            return None


def parse_go_float(text: str) -> float:
    """Go's ``strconv.ParseFloat(text, 64)``, with its error texts."""
    if text.lower() == "nan":
        return math.nan
    if _INFINITY.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _DECIMAL.match(text) or _HEX.match(text):
        value = float.fromhex(text) if "x" in text.lower() else float(text)
        if math.isinf(value):
            raise ResponseError(f"strconv.ParseFloat: parsing {go_quote(text)}: value out of range")
        return value
    raise ResponseError(f"strconv.ParseFloat: parsing {go_quote(text)}: invalid syntax")


def parse_go_int(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 64)``, with its error texts."""
    if not _INTEGER.match(text):
        raise ResponseError(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise ResponseError(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    """How Go's decoder names a JSON value in an ``UnmarshalTypeError``."""
    if isinstance(value, bool):
        return "bool"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _point(raw: Any) -> DataPoint:
    """Argo's ``dataPoint.UnmarshalJSON``."""
    if raw is not None and not isinstance(raw, list):
        raise ResponseError(
            f"json: cannot unmarshal {_kind(raw)} into Go value of type []interface {{}}"
        )
    pair = raw or []
    if len(pair) != 2:
        raise ResponseError(f"error unmarshaling data point: {sprint(pair)}")
    first, second = pair
    value: float | None = None
    if _is_number(first):
        value = float(first)
    elif isinstance(first, str):
        value = parse_go_float(first)
    elif first is not None:
        raise ResponseError(f"error unmarshaling value: {sprint(first)}")
    timestamp: int | None = None
    if _is_number(second):
        timestamp = math.floor(abs(second) + 0.5) * (1 if second >= 0 else -1)  # Go's math.Round
    elif isinstance(second, str):
        timestamp = parse_go_int(second)
    elif second is not None:
        raise ResponseError(f"error unmarshaling timestamp: {sprint(first)}")  # sic: Argo's
    return DataPoint(value, timestamp)


def _target_points(target: Any, saved: list[str]) -> list[DataPoint]:
    """One ``graphiteTargetResp``: its ``datapoints`` (field names match case-insensitively)."""
    if target is None:
        return []
    if not isinstance(target, Mapping):
        saved.append(
            f"json: cannot unmarshal {_kind(target)} into Go value of type "
            "graphite.graphiteTargetResp"
        )
        return []
    points: list[DataPoint] = []
    for key, value in target.items():
        if key.lower() == "target" and value is not None and not isinstance(value, str):
            saved.append(
                f"json: cannot unmarshal {_kind(value)} into Go struct field "
                f"graphiteTargetResp.target of type string"
            )
        elif key.lower() == "datapoints":
            if value is None or isinstance(value, list):
                points = [_point(raw) for raw in value or []]
            else:
                saved.append(
                    f"json: cannot unmarshal {_kind(value)} into Go struct field "
                    "graphiteTargetResp.datapoints of type []graphite.dataPoint"
                )
    return points


def datapoints(body: bytes) -> list[DataPoint]:
    """The first target's points, or :class:`ResponseError` with the text Argo would record."""
    try:
        decoded = decode_json(body)
    except GoJSONError as exc:
        raise ResponseError(go_json_error(exc)) from exc
    if decoded is None:
        return []
    if not isinstance(decoded, list):
        raise ResponseError(
            f"json: cannot unmarshal {_kind(decoded)} into Go value of type "
            "graphite.graphiteResponse"
        )
    saved: list[str] = []
    targets = [_target_points(target, saved) for target in decoded]
    if saved:
        raise ResponseError(saved[0])
    return targets[0] if targets else []
