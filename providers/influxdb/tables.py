"""Flux's annotated CSV read as Argo reads it: the ``_value`` of every record of every table.

This follows influxdb-client-go v2.14.0's ``QueryTableResult.Next``, row by row: ``#datatype``,
``#group`` and ``#default`` rows start a table, the next row names its columns, then records
follow until the next annotation. A blank line is skipped. Argo collects ``Record().Value()``
after each ``Next()`` and never looks at ``Err()``, so whatever stops the client (a CSV error,
a row with another number of columns, a record before any annotation, a cell it cannot convert,
an in-band Flux error table ``,error,reference``) silently ends the values: the records read
before it are the result. A table with no ``_value`` column gives nil for each record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any

from providers.influxdb.cells import NIL, CellError, cell_value

__all__ = ["record_values"]


class _State(Enum):
    NORMAL = auto()
    ANNOTATION = auto()
    NAME_ROW = auto()
    ERROR = auto()


@dataclass
class _Column:
    name: str = ""
    datatype: str = ""
    default: str = ""


class _Stop(Exception):
    """Where the client's ``Next()`` returns false."""


class _Reader:
    """One ``QueryTableResult``: :meth:`next` is ``Next()`` and yields ``Record().Value()``."""

    def __init__(self, text: str) -> None:
        self._rows: Iterator[list[str]] = csv.reader(io.StringIO(text, newline=""), strict=True)
        self._table: list[_Column] | None = None
        self._value: tuple[Any, str] | None = None  # the last record's `_value`

    def _row(self) -> list[str]:
        try:
            return next(self._rows)
        except (StopIteration, csv.Error):
            raise _Stop from None

    def _record(self, row: list[str]) -> tuple[Any, str]:
        assert self._table is not None
        value = NIL
        for column, cell in zip(self._table, row[1:], strict=True):
            try:
                typed = cell_value(cell or column.default, column.datatype, column.name)
            except CellError:
                raise _Stop from None
            if column.name == "_value":
                value = typed
        return value

    def next(self) -> tuple[Any, str]:
        state, datatype_found = _State.NORMAL, False
        while True:
            row = self._row()
            if len(row) <= 1:
                continue
            if row[0].startswith("#") and state is _State.NORMAL:
                self._table = [_Column() for _ in row[1:]]
                state = _State.ANNOTATION
            if self._table is None or len(row) - 1 != len(self._table):
                raise _Stop  # "annotations not found", "different number of columns"
            head, cells = row[0], row[1:]
            if head == "":
                if state is _State.ANNOTATION:
                    if not datatype_found:
                        raise _Stop  # "datatype annotation not found"
                    state = _State.NAME_ROW
                if state is _State.NAME_ROW:
                    if cells[0] == "error":
                        state = _State.ERROR
                    else:
                        for column, name in zip(self._table, cells, strict=True):
                            column.name = name
                        state = _State.NORMAL
                    continue
                if state is _State.ERROR:
                    raise _Stop  # the Flux error itself: Err(), which Argo never reads
                self._value = self._record(row)
                return self._value
            if head in ("#datatype", "#group", "#default"):
                if head == "#datatype":
                    datatype_found = True
                    for column, datatype in zip(self._table, cells, strict=True):
                        column.datatype = datatype
                elif head == "#default":
                    for column, default in zip(self._table, cells, strict=True):
                        column.default = default
                continue
            # Any other first cell: Next() returns true with the record it already had (Go
            # would dereference a nil record if there was none: the read ends here instead).
            if self._value is None:
                raise _Stop
            return self._value


def record_values(text: str) -> list[tuple[Any, str]]:
    """Each record's ``_value`` and its ``%v`` text, up to where the client would stop."""
    reader, values = _Reader(text), []
    try:
        while True:
            values.append(reader.next())
    except _Stop:
        return values
