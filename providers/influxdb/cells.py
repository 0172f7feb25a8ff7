"""One cell of a Flux annotated-CSV table, typed by its ``#datatype`` as influxdb-client-go v2.14.0
types it, with the text Go's ``%v`` gives the value (Argo stores ``fmt.Sprint`` of the values).

``double`` is a float64 (``1.0`` prints ``1``, ``1e+06`` from a million on), ``long`` an int64,
``unsignedLong`` a uint64, ``boolean`` true unless it reads ``false`` (any case), ``string`` as
it is, ``dateTime:RFC3339``/``RFC3339Nano`` a time (``2020-02-18 10:34:08.135814545 +0000
UTC``), ``duration`` a Go duration (``1h0m0s``), ``base64Binary`` bytes (``[104 105]``). An empty
cell takes the column's ``#default``; still empty, it is nil (``<nil>``). What Go's parsers
refuse (a ``long`` of ``1_0``, ``1e400`` as a ``double``) and an unknown datatype are
:class:`CellError`, which ends the reading as the client's error does.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from providers.goduration import (
    DurationError,
    format_go_duration,
    format_go_time,
    parse_duration,
)
from providers.golang import format_float_v

__all__ = ["NIL", "CellError", "cell_value"]

#: A nil cell: no value, printed as Go prints a nil interface.
NIL: tuple[Any, str] = (None, "<nil>")


class CellError(ValueError):
    """The client could not convert the cell: the result ends before it."""


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+\Z")
_INFINITY = re.compile(r"[+-]?(?:inf|infinity)\Z", re.IGNORECASE)
_NAN = re.compile(r"nan\Z", re.IGNORECASE)
_SIGNED = re.compile(r"[+-]?[0-9]+\Z")
_UNSIGNED = re.compile(r"[0-9]+\Z")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})\Z"
)


def _double(text: str) -> float:
    """Go's ``strconv.ParseFloat(s, 64)``: decimal or hex, ``Inf``/``NaN`` in any case; a value
    beyond float64 is an error (Go's ErrRange), not an infinity."""
    if _NAN.match(text):
        return math.nan
    if _INFINITY.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _DECIMAL.match(text):
        number = float(text)
    elif _HEX.match(text):
        number = float.fromhex(text)
    else:
        raise CellError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')
    if math.isinf(number):
        raise CellError(f'strconv.ParseFloat: parsing "{text}": value out of range')
    return number


def _integer(text: str, pattern: re.Pattern[str], low: int, high: int, name: str) -> int:
    if not pattern.match(text):
        raise CellError(f'strconv.{name}: parsing "{text}": invalid syntax')
    number = int(text)
    if not low <= number < high:
        raise CellError(f'strconv.{name}: parsing "{text}": value out of range')
    return number


def _time(text: str) -> tuple[datetime, str]:
    found = _RFC3339.match(text)
    if found is None:
        raise CellError(f'parsing time "{text}" as RFC3339: cannot parse')
    year, month, day, hour, minute, second = (int(part) for part in found.groups()[:6])
    digits, zone = found.group(7) or "", found.group(8)
    nanos = int(digits.ljust(9, "0")) if digits else 0
    tz = UTC
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        moment = datetime(year, month, day, hour, minute, second, nanos // 1000, tzinfo=tz)
    except ValueError as exc:
        raise CellError(f'parsing time "{text}": {exc}') from None
    return moment, format_go_time(moment, nanos)


def _duration(text: str) -> tuple[timedelta, str]:
    try:
        nanos = parse_duration(text)
    except DurationError as exc:
        raise CellError(str(exc)) from None
    return timedelta(microseconds=nanos // 1000), format_go_duration(nanos)


def _bytes(text: str) -> tuple[list[int], str]:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CellError(f"illegal base64 data: {exc}") from None
    return list(raw), "[" + " ".join(map(str, raw)) + "]"


def cell_value(text: str, datatype: str, column: str) -> tuple[Any, str]:
    """The cell's value and its ``%v`` text; :class:`CellError` when the client fails on it."""
    if text == "":
        return NIL
    if datatype == "string":
        return text, text
    if datatype in ("dateTime:RFC3339", "dateTime:RFC3339Nano"):
        return _time(text)
    if datatype == "duration":
        return _duration(text)
    if datatype == "double":
        number = _double(text)
        return number, format_float_v(number)
    if datatype == "boolean":
        flag = text.lower() != "false"
        return flag, "true" if flag else "false"
    if datatype == "long":
        whole = _integer(text, _SIGNED, -(1 << 63), 1 << 63, "ParseInt")
        return whole, str(whole)
    if datatype == "unsignedLong":
        whole = _integer(text, _UNSIGNED, 0, 1 << 64, "ParseUint")
        return whole, str(whole)
    if datatype == "base64Binary":
        return _bytes(text)
    raise CellError(f"{column} has unknown data type {datatype}")
