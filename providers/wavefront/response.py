"""Wavefront's chart API answer, read as go-wavefront v1.8.1 decodes it and Argo reads it.

``{"timeseries": [{"data": [[ts_seconds, value], ...]}, ...], "warnings": "..."}``. For each
series the point closest to the measurement's start is taken (a strictly smaller distance
wins, so a tie keeps the earlier point; a series without points gives 0, its time 0 and a drift
of Go's ``int64(+Inf)`` on amd64). One series: ``result`` is that float and ``value`` its
``%.2f``; several: the list and ``[a,b]``. ``metadata`` has the chosen ``timestamps`` and their
``drift`` from the start (seconds, ``[x,y]`` for several) and Wavefront's ``warnings``, which are
kept when there is no series at all (``No TimeSeries found in response from Wavefront``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from providers.base import Measured
from providers.errors import NoDataError, QueryError
from providers.golang import GoJSONError, decode_json, format_float_fixed, go_json_error, marshal

__all__ = ["NO_SERIES", "closest_point", "measured", "parse_answer"]

PROVIDER = "wavefront"
NO_SERIES = "No TimeSeries found in response from Wavefront"
#: What Go's float64-to-int64 conversion gives for an infinity or NaN on amd64.
_GO_INT64_OVERFLOW = -(1 << 63)
_KINDS = {bool: "bool", float: "number", str: "string", list: "array", dict: "object"}

Points = list[list[float]]


def _go_int64(value: float) -> int:
    if math.isnan(value) or math.isinf(value) or not -(2.0**63) <= value < 2.0**63:
        return _GO_INT64_OVERFLOW
    return int(value)  # truncates toward zero, as Go does


def _mismatch(value: Any, field: str, go_type: str) -> QueryError:
    kind = _KINDS.get(type(value), "value")
    return QueryError(
        f"json: cannot unmarshal {kind} into Go struct field QueryResponse.{field} of type "
        f"{go_type}",
        provider=PROVIDER,
    )


def _points(series: Any) -> Points:
    if series is None:
        return []
    if not isinstance(series, Mapping):
        raise _mismatch(series, "timeseries", "wavefront.TimeSeries")
    data = series.get("data")
    if data is None:
        return []
    if not isinstance(data, list):
        raise _mismatch(data, "timeseries.data", "[]wavefront.DataPoint")
    points: Points = []
    for point in data:
        if point is not None and not isinstance(point, list):
            raise _mismatch(point, "timeseries.data", "wavefront.DataPoint")
        numbers = [0.0 if n is None else n for n in point or []]  # Go leaves a null at 0
        if any(isinstance(n, bool) or not isinstance(n, float) for n in numbers):
            bad = next(n for n in numbers if isinstance(n, bool) or not isinstance(n, float))
            raise _mismatch(bad, "timeseries.data", "float64")
        if len(numbers) < 2:  # Go's provider would index past its end and panic
            raise QueryError(
                f"wavefront: a datapoint has fewer than 2 values: {marshal(point)}",
                provider=PROVIDER,
            )
        points.append(numbers)
    return points


def parse_answer(body: bytes) -> tuple[list[Points], str]:
    """Each series' points and the warnings, or the decoder's error as Go words it."""
    try:
        payload = decode_json(body)
    except GoJSONError as exc:
        raise QueryError(go_json_error(body) or str(exc), provider=PROVIDER) from exc
    if payload is None:
        return [], ""
    if not isinstance(payload, Mapping):
        kind = _KINDS.get(type(payload), "value")
        raise QueryError(
            f"json: cannot unmarshal {kind} into Go value of type wavefront.QueryResponse",
            provider=PROVIDER,
        )
    warnings = payload.get("warnings")
    if warnings is not None and not isinstance(warnings, str):
        raise _mismatch(warnings, "warnings", "string")
    timeseries = payload.get("timeseries")
    if timeseries is not None and not isinstance(timeseries, list):
        raise _mismatch(timeseries, "timeseries", "[]wavefront.TimeSeries")
    return [_points(series) for series in timeseries or []], warnings or ""


def closest_point(points: Sequence[Sequence[float]], start: int) -> tuple[float, int, int]:
    """Argo's ``findDataPointValue``: (value, its time, its drift from `start`), seconds."""
    value, when, delta = 0.0, 0.0, math.inf
    for point in points:
        distance = point[0] - start
        if abs(distance) < abs(delta):
            value, when, delta = point[1], point[0], distance
    return value, _go_int64(when), _go_int64(delta)


def measured(series: list[Points], warnings: str, *, start: int, latency: float) -> Measured:
    """The measurement Argo's ``processResponse`` makes of the series."""
    metadata = {"warnings": warnings} if warnings else {}
    if not series:
        raise NoDataError(NO_SERIES, provider=PROVIDER, metadata=metadata)
    chosen = [closest_point(points, start) for points in series]
    if len(chosen) == 1:
        ((value, when, drift),) = chosen
        metadata.update(timestamps=str(when), drift=str(drift))
        return Measured(
            result=value,
            value=format_float_fixed(value, 2),
            metadata=metadata,
            latency_seconds=latency,
            go_type="float64",
        )
    metadata.update(
        timestamps="[" + ",".join(str(when) for _, when, _ in chosen) + "]",
        drift="[" + ",".join(str(drift) for _, _, drift in chosen) + "]",
    )
    times: dict[tuple[str | int, ...], list[datetime]] = {}
    if all(series):  # every series had a point, so every time is a real one
        try:
            times[()] = [datetime.fromtimestamp(when, UTC) for _, when, _ in chosen]
        except (OverflowError, OSError, ValueError):
            times = {}  # a time no datetime holds: the message goes without
    return Measured(
        result=[value for value, _, _ in chosen],
        value="[" + ",".join(format_float_fixed(value, 2) for value, _, _ in chosen) + "]",
        metadata=metadata,
        latency_seconds=latency,
        go_type="[]float64",
        point_times=times,
    )
