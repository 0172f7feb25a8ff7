"""The OAP's data model as the fake needs it: time buckets, entity ids, configured series.

Mirrors ``DurationUtils`` (bucket layouts per step, the 500-step limit, its error texts) and
``IDManager`` (``base64(service).1`` ids), so answers carry the ids a real OAP would send.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "BUCKET",
    "MAX_POINTS",
    "OAPError",
    "SeriesSpec",
    "duration_points",
    "entity_id",
    "series_values",
]

MAX_POINTS = 500  # DurationUtils.MAX_TIME_RANGE
BUCKET = {"DAY": "%Y%m%d", "HOUR": "%Y%m%d%H", "MINUTE": "%Y%m%d%H%M", "SECOND": "%Y%m%d%H%M%S"}
_STEP = {
    "DAY": timedelta(days=1),
    "HOUR": timedelta(hours=1),
    "MINUTE": timedelta(minutes=1),
    "SECOND": timedelta(seconds=1),
}

#: A series: a constant, None (no data), a function of the bucket's start time, a mapping of
#: time bucket (``yyyyMMddHHmm``) to value, or a list aligned so its last item is the newest point.
SeriesSpec = (
    int
    | float
    | None
    | Callable[[datetime], int | float | None]
    | Mapping[str, int | float | None]
    | Sequence[int | float | None]
)


class OAPError(Exception):
    """Raised by resolvers; reported like graphql-java's DataFetchingException."""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def entity_id(entity: Mapping[str, Any]) -> str:
    """The OAP's IDManager ids: ``base64(service).1`` (normal) plus ``_base64(name)``."""
    service = f"{_b64(entity.get('serviceName') or '')}.{0 if entity.get('normal') is False else 1}"
    for key in ("endpointName", "serviceInstanceName", "processName"):
        if entity.get(key):
            return f"{service}_{_b64(entity[key])}"
    return service


def _parse_bucket(text: str, step: str) -> datetime:
    digits = text.replace("-", "").replace(" ", "")
    if not digits.isdigit():
        raise OAPError(f'For input string: "{digits}"')
    width = len(datetime(2000, 1, 1).strftime(BUCKET[step]))
    if len(digits) < width:
        raise OAPError(f'Invalid format: "{digits}" is too short')
    if len(digits) > width:
        raise OAPError(f'Invalid format: "{digits}" is malformed at "{digits[width:]}"')
    try:
        return datetime.strptime(digits, BUCKET[step])
    except ValueError as exc:
        raise OAPError(f'Cannot parse "{digits}": {exc}') from exc


def duration_points(duration: Mapping[str, Any]) -> tuple[str, list[datetime]]:
    """The OAP's points: every step from start to end, inclusive, at most 500 steps."""
    step = str(duration["step"])
    start, end = _parse_bucket(duration["start"], step), _parse_bucket(duration["end"], step)
    points = [start]
    while points[-1] != end:
        points.append(points[-1] + _STEP[step])
        if len(points) > MAX_POINTS + 1:
            raise OAPError(
                "Duration data error, the range between the start time and the end time "
                f"can't exceed {MAX_POINTS} {step.lower()}s"
            )
    return step, points


def series_values(spec: SeriesSpec, step: str, points: list[datetime], tz: Any) -> list[int | None]:
    """The configured values at each point (None = no data: the OAP sends 0 + isEmptyValue)."""
    values: list[int | float | None]
    if spec is None or isinstance(spec, int | float):
        values = [spec] * len(points)
    elif callable(spec):
        values = [spec(point.replace(tzinfo=tz)) for point in points]
    elif isinstance(spec, Mapping):
        values = [spec.get(point.strftime(BUCKET[step])) for point in points]
    else:
        tail: list[int | float | None] = list(spec)[-len(points) :]
        padding: list[int | float | None] = [None] * (len(points) - len(tail))
        values = padding + tail
    return [None if v is None else round(v) for v in values]
