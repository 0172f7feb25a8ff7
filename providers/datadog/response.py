"""Datadog's answer turned into ``result``, ``value`` and ``metadata`` exactly as Argo turns it.

The status first, identically for both APIs: 401 and 403 are ``received authentication error
response code: <code> <body>``, anything but 200 is ``received non 2xx response code: <code>
<body>``. Then:

- **v1** (``/api/v1/query``): the last point of the first series only; a point is ``[time,
  value]`` or an error; ``value`` is Go's ``FormatFloat(v, 'f', -1, 64)``. No series, or an empty
  first one, is no data: ``result`` nil and ``value`` the JSON of the series as decoded (``[]``).
- **v2** (``/api/v2/query/scalar``): ``data.errors`` is an error; the first number column holds
  the values (``null`` entries skipped with their row). Without a ``group`` column the result is
  the first value, a float; with one (``by {tag}``) it is every value, a ``[]float64`` even for a
  single group, ``value`` is ``[v1,v2]`` and ``metadata.groups`` names each value's group (the
  row's tags across every group column, joined with ``,``), as Go's JSON; past 100 groups it keeps
  the 50 lowest and 50 highest values, sorted, and says ``groups_truncated: "true"``. No value at
  all is no data: ``result`` nil, ``value`` ``[]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from providers.datadog.config import PROVIDER
from providers.datadog.gojson import Node, parse
from providers.datadog.structs import Column, as_float, decode_v1, decode_v2, tag_list
from providers.errors import QueryError, UnavailableError, clip
from providers.golang import GoJSONError, format_float_f, go_quote, marshal

__all__ = [
    "MAX_GROUPS_IN_METADATA",
    "Answer",
    "Group",
    "check_status",
    "extract_values",
    "group_name_at",
    "groups_metadata",
    "read_v1",
    "read_v2",
]

MAX_GROUPS_IN_METADATA = 100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    value: float


@dataclass(frozen=True, slots=True)
class Answer:
    """What one answer gives the conditions (``go_type``: see ``Measured.go_type``)."""

    result: Any
    value: str
    metadata: dict[str, str] = field(default_factory=dict)
    go_type: str = ""


def _error(message: str, status: int = 200, upstream: str | None = None) -> QueryError:
    return QueryError(message, provider=PROVIDER, status=status, upstream_message=upstream)


def check_status(status: int, body: bytes) -> None:
    """Argo's status checks, made after the body was read; the body is appended as it came."""
    if status == 200:
        return
    text = body.decode("utf-8", errors="replace")
    if status in (401, 403):
        message = f"received authentication error response code: {status} {clip(text)}"
        raise _error(message, status, text)
    cls = UnavailableError if status >= 500 else QueryError
    message = f"received non 2xx response code: {status} {clip(text)}"
    raise cls(message, provider=PROVIDER, status=status, upstream_message=text)


def _decode(body: bytes, decode: Callable[[Node], T]) -> T:
    """The body into Argo's struct, or ``Could not parse JSON body: <Go's error>``."""
    try:
        return decode(parse(body.decode("utf-8", errors="replace")))
    except GoJSONError as exc:
        raise _error(f"Could not parse JSON body: {exc}") from None


def read_v1(body: bytes) -> Answer:
    """``parseResponseV1`` on a 200 answer."""
    series = _decode(body, decode_v1)
    if not series or not series[0]:
        shown = None if series is None else [{"pointlist": points} for points in series]
        return Answer(result=None, value=marshal(shown))
    point = series[0][-1]
    if point is None or len(point) != 2:
        raise _error("Datapoint does not have 2 values")
    return Answer(result=point[1], value=format_float_f(point[1]), go_type="float64")


def group_name_at(columns: list[Column], index: int) -> str | None:
    """``groupNameAt``: the row's tags across every group column, or None when any column
    lacks the row or its entry is not a non-empty list of strings."""
    parts: list[str] = []
    for column in columns:
        values = column.values or []
        tags = tag_list(values[index]) if index < len(values) else None
        if not tags:
            return None
        parts.extend(tags)
    return ",".join(parts)


def extract_values(columns: list[Column]) -> tuple[list[float], list[Group], bool]:
    """``extractValues``: the first number (or untyped) column's values, their groups, and
    whether any ``group`` column made the answer grouped."""
    number = next((c for c in columns if c.type in ("", "number")), None)
    grouping = [c for c in columns if c.type == "group"]
    values: list[float] = []
    groups: list[Group] = []
    if number is None:
        return values, groups, bool(grouping)
    for index, raw in enumerate(number.values or []):
        if raw.kind == "null":
            continue
        try:
            value = as_float(raw)
        except GoJSONError as exc:
            raise _error(
                f"could not parse numeric value {go_quote(raw.raw)} in column "
                f"{go_quote(number.name)}: {exc}"
            ) from None
        values.append(value)
        if grouping:
            name = group_name_at(grouping, index)
            if name is None:
                raise _error(f"could not parse group label at index {index}")
            groups.append(Group(name, value))
    return values, groups, bool(grouping)


def groups_metadata(groups: list[Group]) -> tuple[str, bool]:
    """``groupsMetadata``: Go's JSON of the groups, and whether the cap cut the middle out."""
    truncated = len(groups) > MAX_GROUPS_IN_METADATA
    if truncated:
        ordered = sorted(groups, key=lambda group: group.value)  # stable, as sort.SliceStable
        low = MAX_GROUPS_IN_METADATA // 2
        high = MAX_GROUPS_IN_METADATA - low
        groups = ordered[:low] + ordered[len(ordered) - high :]
    pairs = [{"name": group.name, "value": group.value} for group in groups]
    return marshal(pairs, sort_keys=False), truncated


def read_v2(body: bytes) -> Answer:
    """``parseResponseV2`` on a 200 answer."""
    answer = _decode(body, decode_v2)
    if answer.errors:
        raise _error(f"There were errors in your query: {answer.errors}")
    values, groups, grouped = extract_values(answer.columns or [])
    if not values:
        return Answer(result=None, value="[]")
    if not grouped:
        return Answer(result=values[0], value=format_float_f(values[0]), go_type="float64")
    text, truncated = groups_metadata(groups)
    metadata = {"groups": text} | ({"groups_truncated": "true"} if truncated else {})
    value = "[" + ",".join(format_float_f(v) for v in values) + "]"
    return Answer(result=values, value=value, metadata=metadata, go_type="[]float64")
