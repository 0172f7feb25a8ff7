"""The points of one measured result, each with the time it stands for.

A check draws the series it measured. SkyWalking names a point by its time bucket in the OAP's
zone (`202612051004_<entity>`) or, from MQE, by epoch milliseconds (`1796430240000`); neither
reads as a time, so each point gets an aware `datetime` in the window's zone: from the
provider's `Measured.point_times` when it gives them, else parsed from the id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from providers.skywalking.window import parse_timezone

__all__ = ["Point", "PointTimes", "bucket_label", "points_of", "window_zone"]

_BUCKET = re.compile(r"(\d{4})(\d\d)(\d\d)(\d\d)?(\d\d)?(\d\d)?_")
_EPOCH_MS = re.compile(r"\d{12,14}\Z")

PointTimes = Mapping[tuple[str | int, ...], Sequence[datetime]]


def bucket_label(point_id: str) -> str:
    """The OAP's point id starts with its time bucket (`202611291204_<entity>`): show that."""
    found = _BUCKET.match(point_id)
    if found is None:
        return point_id
    year, month, day, hour, minute, second = found.groups()
    text = f"{year}-{month}-{day}"
    if hour:
        text += f" {hour}" + (f":{minute}" if minute else "h") + (f":{second}" if second else "")
    return text


@dataclass(frozen=True, slots=True)
class Point:
    """One point: the provider's id (or its position), its value (None: no data), when it
    was measured when that is known, and the labels of its series (MQE), if any."""

    id: str
    value: float | None
    time: datetime | None = None
    series: str = ""

    @property
    def label(self) -> str:
        return bucket_label(self.id)


def window_zone(metadata: Mapping[str, str]) -> tzinfo:
    """The zone the window was written in (`timezone` metadata: `UTC`, `+0800 (auto)`...)."""
    text = (metadata.get("timezone") or "UTC").split(" ")[0]
    try:
        return parse_timezone(text)
    except ValueError:
        return UTC


def _time_of(point_id: str, zone: tzinfo) -> datetime | None:
    if _EPOCH_MS.match(point_id):
        return datetime.fromtimestamp(int(point_id) / 1000, UTC).astimezone(zone)
    found = _BUCKET.match(point_id)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in found.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _series(
    points: Any, path: tuple[str | int, ...], times: PointTimes, zone: tzinfo, series: str = ""
) -> list[Point]:
    given = list(times.get(path, ()))
    found = []
    for index, point in enumerate(points if isinstance(points, list) else []):
        if not isinstance(point, Mapping):
            continue
        point_id = str(point.get("id") or index)
        empty = point.get("isEmptyValue") is True
        value = None if empty else _number(point.get("value"))
        when = given[index].astimezone(zone) if index < len(given) else _time_of(point_id, zone)
        found.append(Point(point_id, value, when, series))
    return found


def _labels(result: Mapping[str, Any]) -> str:
    metric = result.get("metric")
    labels = metric.get("labels") if isinstance(metric, Mapping) else None
    pairs = [f"{kv.get('key')}={kv.get('value')}" for kv in labels or [] if isinstance(kv, Mapping)]
    return ",".join(pairs)


def _skywalking(
    result: Mapping[str, Any], metric: str, times: PointTimes, zone: tzinfo
) -> list[Point]:
    field = metric if metric in result else next(iter(result), "")
    block = result.get(field)
    if not isinstance(block, Mapping):
        return []
    if isinstance(block.get("results"), list):  # MQE: one series per label set
        found = []
        for index, series in enumerate(block["results"]):
            if isinstance(series, Mapping):
                path = (field, "results", index, "values")
                found += _series(series.get("values"), path, times, zone, _labels(series))
        return found
    values = block.get("values")
    points = values.get("values") if isinstance(values, Mapping) else None
    return _series(points, (field, "values", "values"), times, zone)


def points_of(
    result: Any,
    *,
    provider: str,
    metric: str = "",
    metadata: Mapping[str, str] | None = None,
    point_times: PointTimes | None = None,
) -> list[Point]:
    """The points to draw: SkyWalking's series (readMetricsValues or MQE), a Prometheus
    vector, or one number."""
    times, zone = point_times or {}, window_zone(metadata or {})
    if provider == "skywalking" and isinstance(result, Mapping):
        return _skywalking(result, metric, times, zone)
    if isinstance(result, list):
        given = list(times.get((), ()))
        return [
            Point(str(i), float(v), given[i] if i < len(given) else None)
            for i, v in enumerate(result)
            if isinstance(v, int | float) and not isinstance(v, bool)
        ]
    if isinstance(result, int | float) and not isinstance(result, bool):
        return [Point("value", float(result))]
    return []
