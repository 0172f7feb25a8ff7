"""Datadog's answers decoded into Argo's structs, as ``json.Unmarshal`` fills them.

Argo reads v1 into ``{Series []struct{Pointlist [][]float64 "json:\\"pointlist\\""}}`` and v2 into
``{Data {Attributes {Columns []datadogV2Column}; Errors string}}``. What that implies, kept here:
object keys match field names case-insensitively; a ``null`` leaves a number at 0 and a string
empty; a value of the wrong JSON type is the first ``UnmarshalTypeError`` in document order, with
Go's struct and field path (``json: cannot unmarshal string into Go struct field
datadogResponseV1.Series of type []struct {...}``); a column's ``values`` stay raw.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from providers.datadog.gojson import Node, type_error

__all__ = ["Column", "ScalarAnswer", "as_float", "decode_v1", "decode_v2", "tag_list"]

#: Go's names for the types a type error names.
_V1 = "datadog.datadogResponseV1"
_SERIES = '[]struct { Pointlist [][]float64 "json:\\"pointlist\\"" }'
_V2 = "datadog.datadogResponseV2"
_COLUMN = "datadog.datadogV2Column"
_ATTRIBUTES = f"struct {{ Columns []{_COLUMN} }}"
_DATA = f"struct {{ Attributes {_ATTRIBUTES}; Errors string }}"

#: One v1 series: its points (``None`` for Go's nil slice, which JSON writes as ``null``).
Points = list[list[float] | None] | None


@dataclass
class Column:
    """``datadogV2Column``: ``values`` are the raw entries (None: absent or ``null``)."""

    name: str = ""
    type: str = ""
    values: list[Node] | None = None


@dataclass
class ScalarAnswer:
    """``datadogResponseV2``: the columns and the error Datadog reported, if any."""

    columns: list[Column] | None = None
    errors: str = ""


def _fields(node: Node, names: tuple[str, ...]) -> Iterator[tuple[str, Node]]:
    """The members that set a field: the exact name first, else Go's case-insensitive match."""
    folded = {name.casefold(): name for name in names}
    for key, child in zip(node.keys, node.children, strict=True):
        name = key if key in names else folded.get(key.casefold())
        if name is not None:
            yield name, child


def as_float(node: Node, struct: str | None = None, path: str = "") -> float:
    """A number into a float64 (``null``: 0); anything else is Go's type error."""
    if node.kind == "null":
        return 0.0
    if node.kind == "number":
        value = float(node.raw)
        if not math.isinf(value):
            return value
    raise type_error(node, "float64", struct, path)


def _string(node: Node, struct: str | None, path: str) -> str | None:
    """A string field's new value; None when ``null`` leaves it as it was."""
    if node.kind == "null":
        return None
    if node.kind != "string":
        raise type_error(node, "string", struct, path)
    return node.text()


def _points(node: Node) -> Points:
    path = "Series.pointlist"
    if node.kind == "null":
        return None
    if node.kind != "array":
        raise type_error(node, "[][]float64", "", path)
    points: list[list[float] | None] = []
    for point in node.children:
        if point.kind == "null":
            points.append(None)
        elif point.kind != "array":
            raise type_error(point, "[]float64", "", path)
        else:
            points.append([as_float(value, "", path) for value in point.children])
    return points


def decode_v1(root: Node) -> list[Points] | None:
    """The ``Series`` (None when absent or ``null``), each series as its ``pointlist``."""
    if root.kind == "null":
        return None
    if root.kind != "object":
        raise type_error(root, _V1)
    series: list[Points] | None = None
    for _, value in _fields(root, ("Series",)):
        if value.kind == "null":
            series = None
            continue
        if value.kind != "array":
            raise type_error(value, _SERIES, "datadogResponseV1", "Series")
        series = []
        for item in value.children:
            points: Points = None
            if item.kind not in ("object", "null"):
                raise type_error(item, _SERIES[2:], "datadogResponseV1", "Series")
            if item.kind == "object":
                for _, child in _fields(item, ("pointlist",)):
                    points = _points(child)
            series.append(points)
    return series


def _column(node: Node) -> Column:
    where = "Data.Attributes.Columns"
    column = Column()
    if node.kind == "null":
        return column
    if node.kind != "object":
        raise type_error(node, _COLUMN, "", where)
    for name, child in _fields(node, ("name", "type", "values")):
        path = f"{where}.{name}"
        if name == "values":
            if child.kind not in ("array", "null"):
                raise type_error(child, "[]json.RawMessage", "datadogV2Column", path)
            column.values = list(child.children) if child.kind == "array" else None
            continue
        text = _string(child, "datadogV2Column", path)
        if text is not None:
            setattr(column, name, text)
    return column


def _attributes(node: Node, answer: ScalarAnswer) -> None:
    for _, columns in _fields(node, ("Columns",)):
        if columns.kind == "null":
            answer.columns = None
        elif columns.kind != "array":
            raise type_error(columns, f"[]{_COLUMN}", "", "Data.Attributes.Columns")
        else:
            answer.columns = [_column(item) for item in columns.children]


def decode_v2(root: Node) -> ScalarAnswer:
    """``data.attributes.columns`` and ``data.errors``, each ``data`` object merged into one."""
    answer = ScalarAnswer()
    if root.kind == "null":
        return answer
    if root.kind != "object":
        raise type_error(root, _V2)
    for _, data in _fields(root, ("Data",)):
        if data.kind == "null":
            continue
        if data.kind != "object":
            raise type_error(data, _DATA, "datadogResponseV2", "Data")
        for name, child in _fields(data, ("Attributes", "Errors")):
            if name == "Errors":
                errors = _string(child, "", "Data.Errors")
                answer.errors = answer.errors if errors is None else errors
            elif child.kind == "object":
                _attributes(child, answer)
            elif child.kind != "null":
                raise type_error(child, _ATTRIBUTES, "", "Data.Attributes")
    return answer


def tag_list(node: Node) -> list[str] | None:
    """A group entry into ``[]string``: None when Go fails (not an array of strings or
    ``null``s); a ``null`` entry gives None too (Go's nil slice), as the caller treats it."""
    if node.kind != "array":
        return None
    tags: list[str] = []
    for item in node.children:
        if item.kind == "null":
            tags.append("")
        elif item.kind == "string":
            tags.append(item.text())
        else:
            return None
    return tags
