"""Reading the OAP's answer: augur's added fields out, empty points out, no data an Error.

The answer is walked along the query's :class:`~providers.skywalking.schema.Shape`. Every list of
``KVInt`` (metrics v2) or ``MQEValue`` (MQE) is one series: points flagged empty
(``isEmptyValue: true``, or an MQE ``value`` of null) are left out of what the conditions see, so
a minute the OAP has not aggregated yet cannot fail an ``all(...)``; a series with no point left
(or none at all) is no data, an Error measurement naming the service, the metric, the window and
the number of empty points. The fields augur added (``_augur_*``) are removed on the way, so the
conditions and the stored value see exactly what the template selected. With ``noData: argo``
nothing is dropped and nothing is judged: the zeros go to the conditions, as in Argo.

Each series also gets the time of each point it keeps (``Measured.point_times``): metrics v2
answers one point per step from the window's start, MQE names each point by its timestamp in
epoch milliseconds (``MQEValue.id``), and a time series whose ids are not timestamps falls back
to position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from providers.skywalking.query import MQE, RootField, arguments, subject
from providers.skywalking.schema import ADDED, Shape
from providers.skywalking.window import Window

__all__ = ["Reading", "read_answer"]

Path = tuple[str | int, ...]
SERIES_TYPES = frozenset({"KVInt", "NullableValue", "MQEValue"})
_ADDED_KEYS = {name: frozenset(alias for alias, _ in pairs) for name, pairs in ADDED.items()}
_EMPTY, _VALUE, _ID = "_augur_isEmptyValue", "_augur_value", "_augur_id"
_TYPE, _ERROR = "_augur_type", "_augur_error"
_EPOCH_MILLIS_DIGITS = 13


@dataclass(frozen=True, slots=True)
class Series:
    path: Path
    type_name: str
    points: int
    empty: int
    times: tuple[datetime, ...] | None


@dataclass(frozen=True, slots=True)
class Reading:
    """The answer as the conditions see it, or why there is nothing to judge."""

    result: Any = None
    point_times: Mapping[Path, Sequence[datetime]] = field(default_factory=dict)
    points: int = 0
    empty_points: int = 0
    error: str | None = None
    no_data: str | None = None


class _Reader:
    def __init__(self, window: Window) -> None:
        self.window = window
        self.series: list[Series] = []
        self.errors: dict[str, str] = {}  # root key -> why the OAP could not run the MQE
        self.mqe_type: str | None = None

    def visit(self, shape: Shape | None, value: Any, path: Path) -> Any:
        if shape is None:
            return value
        if isinstance(value, list):
            if shape.type_name in ("KVInt", "MQEValue"):
                return self.series_list(shape.type_name, value, path)
            return [self.visit(shape, item, (*path, i)) for i, item in enumerate(value)]
        if not isinstance(value, Mapping):
            return value
        if shape.type_name == "ExpressionResult":
            self.expression(value, path)
        elif shape.type_name == "NullableValue":
            empty = int(value.get(_EMPTY) is True)
            self.series.append(Series(path, shape.type_name, 1, empty, None))
        added = _ADDED_KEYS.get(shape.type_name, frozenset())
        return {
            key: self.visit(shape.fields.get(key), item, (*path, key))
            for key, item in value.items()
            if key not in added
        }

    def expression(self, value: Mapping[str, Any], path: Path) -> None:
        kind, error = value.get(_TYPE), value.get(_ERROR)
        if (error or kind == "UNKNOWN") and path:
            reason = error or "the OAP could not resolve the expression type (UNKNOWN)"
            self.errors.setdefault(str(path[0]), str(reason))
        self.mqe_type = kind if isinstance(kind, str) else None

    def series_list(self, type_name: str, items: list[Any], path: Path) -> list[Any]:
        added = _ADDED_KEYS[type_name]
        kept: list[Any] = []
        times: list[datetime | None] = []
        empty = 0
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                kept.append(item)
                times.append(None)
            elif self.is_empty(type_name, item):
                empty += 1
            else:
                kept.append({key: value for key, value in item.items() if key not in added})
                times.append(self.time_of(type_name, index, item))
        known = None if None in times else tuple(t for t in times if t is not None)
        self.series.append(Series(path, type_name, len(items), empty, known))
        return kept

    @staticmethod
    def is_empty(type_name: str, item: Mapping[str, Any]) -> bool:
        if type_name == "MQEValue":
            return _VALUE in item and item[_VALUE] is None
        return item.get(_EMPTY) is True

    def time_of(self, type_name: str, index: int, item: Mapping[str, Any]) -> datetime | None:
        if type_name == "KVInt":
            return self.window.point_time(index)
        ident = item.get(_ID)
        if isinstance(ident, str) and ident.isdigit() and len(ident) == _EPOCH_MILLIS_DIGITS:
            return datetime.fromtimestamp(int(ident) / 1000, self.window.tz)
        if self.mqe_type == "TIME_SERIES_VALUES":
            return self.window.point_time(index)
        return None  # a single (aggregated) value, a sorted list or records: no point in time


def read_answer(
    shape: Shape,
    data: Any,
    *,
    roots: Sequence[RootField],
    variables: Mapping[str, Any],
    window: Window,
    span: str,
    judge_no_data: bool,
) -> Reading:
    """``data`` as the conditions see it; an MQE error or (with ``judge_no_data``) no data in
    the first root field, in the query's order, that has one."""
    reader = _Reader(window)
    result = reader.visit(shape, data, ())
    for root in roots:
        where = f"(field {root.key}: {root.name})"
        about = subject(root, variables)
        if root.key in reader.errors:
            reason = reader.errors[root.key]
            return Reading(error=f"SkyWalking MQE {about} failed: {reason} {where}")
        if judge_no_data and _answered(shape.fields.get(root.key), data, root.key):
            series = [s for s in reader.series if s.path[0] == root.key]
            detail = _no_data(root, series, variables)
            if detail is not None:
                text = f"no data from SkyWalking for {about} {span}: {detail} {where}"
                return Reading(no_data=text)
    series = reader.series
    return Reading(
        result=result,
        point_times={s.path: s.times for s in series if s.times is not None},
        points=sum(s.points for s in series),
        empty_points=sum(s.empty for s in series),
    )


def _answered(shape: Shape | None, data: Any, key: str) -> bool:
    """Whether the query selects points under this root field and the OAP answered it at all
    (an answer without it is not the OAP's: it is passed through, not judged)."""
    return (
        shape is not None
        and shape.holds(SERIES_TYPES)
        and isinstance(data, Mapping)
        and data.get(key) is not None
    )


def _no_data(root: RootField, series: list[Series], variables: Mapping[str, Any]) -> str | None:
    if not series:
        return "no results" if root.name in MQE else "no points"
    for one in series:
        if one.points and one.empty < one.points:
            continue
        noun, adjective = ("value", "null") if one.type_name == "MQEValue" else ("point", "empty")
        of = _which(root, one, len(series), variables)
        if one.points == 0:
            return f"no {noun}s{of}"
        if one.points == 1:
            return f"the only {noun}{of} is {adjective}"
        return f"all {one.points} {noun}s{of} are {adjective}"
    return None


def _which(root: RootField, one: Series, count: int, variables: Mapping[str, Any]) -> str:
    """Which of several series: a label of ``readLabeledMetricsValues``, else its position."""
    index = next((part for part in one.path if isinstance(part, int)), None)
    if index is None:
        return ""
    if root.name == "readLabeledMetricsValues":
        labels = arguments(root.node, variables).get("labels")
        if isinstance(labels, list) and index < len(labels):
            return f' of label "{labels[index]}"'
    return f" of result {index + 1} of {count}" if count > 1 else ""
