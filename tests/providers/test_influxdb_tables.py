"""Flux's annotated CSV as Argo's InfluxDB provider reads it (influxdb-client-go v2.14.0's
``QueryTableResult``): the ``_value`` of every record of every table, typed by ``#datatype`` and
printed with Go's ``%v``, and the silent end wherever the client stops (Argo never reads
``Err()``)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from providers.influxdb import record_values

HEAD = "#datatype,string,long,{t}\n#group,false,false,false\n#default,_result,,{d}\n"


def table(datatype: str, *cells: str, default: str = "") -> str:
    """One table whose `_value` column has `datatype`, one record per cell."""
    rows = "".join(f",,0,{cell}\n" for cell in cells)
    return HEAD.format(t=datatype, d=default) + ",result,table,_value\n" + rows


@pytest.mark.parametrize(
    ("body", "values", "text"),
    [
        pytest.param(table("double", "1.0", "6.6"), [1.0, 6.6], "[1 6.6]", id="doubles"),
        pytest.param(
            table("double", "1000000", "999999", "0.00001", "-0", "NaN", "-Inf"),
            [1e6, 999999.0, 1e-5, -0.0, math.nan, -math.inf],
            "[1e+06 999999 1e-05 -0 NaN -Inf]",
            id="double-%v",
        ),
        pytest.param(table("long", "10", "-3"), [10, -3], "[10 -3]", id="long"),
        pytest.param(
            table("unsignedLong", "18446744073709551615"),
            [18446744073709551615],
            "[18446744073709551615]",
            id="unsigned",
        ),
        pytest.param(
            table("boolean", "false", "FALSE", "true", "x"),
            [False, False, True, True],
            "[false false true true]",
            id="boolean",
        ),
        pytest.param(table("string", "a b", '"q,1"'), ["a b", "q,1"], "[a b q,1]", id="string"),
        pytest.param(
            table("dateTime:RFC3339", "2020-02-18T10:34:08.135814545Z"),
            [datetime(2020, 2, 18, 10, 34, 8, 135814, tzinfo=UTC)],
            "[2020-02-18 10:34:08.135814545 +0000 UTC]",
            id="time-utc",
        ),
        pytest.param(
            table("dateTime:RFC3339Nano", "2020-02-18T10:34:08+02:00"),
            [datetime(2020, 2, 18, 10, 34, 8, tzinfo=timezone(timedelta(hours=2)))],
            "[2020-02-18 10:34:08 +0200 +0200]",
            id="time-offset",
        ),
        pytest.param(
            table("duration", "1h", "1.5s", "1500us"),
            [timedelta(hours=1), timedelta(seconds=1.5), timedelta(microseconds=1500)],
            "[1h0m0s 1.5s 1.5ms]",
            id="duration",
        ),
        pytest.param(table("base64Binary", "aGk="), [[104, 105]], "[[104 105]]", id="bytes"),
        pytest.param(table("double", "", "2", default="7"), [7.0, 2.0], "[7 2]", id="default"),
        pytest.param(table("double", "", "2"), [None, 2.0], "[<nil> 2]", id="nil"),
        pytest.param(
            table("double", "1") + "\n" + table("long", "2"), [1.0, 2], "[1 2]", id="two-tables"
        ),
        pytest.param(
            "#datatype,string,long\n#group,false,false\n#default,_result,\n,result,table\n,,0\n",
            [None],
            "[<nil>]",
            id="no-value-column",
        ),
    ],
)
def test_values_and_their_text(body: str, values: list[Any], text: str) -> None:
    found = record_values(body)
    assert "[" + " ".join(shown for _, shown in found) + "]" == text
    assert repr([value for value, _ in found]) == repr(values)  # repr: NaN equals NaN


@pytest.mark.parametrize(
    ("body", "text"),
    [
        pytest.param(
            table("double", "1")
            + "\n#datatype,string,string\n#group,true,true\n#default,,\n"
            + ',error,reference\n,"bad query",897\n',
            "[1]",
            id="flux-error-table-after-a-record",
        ),
        pytest.param(table("double", "1", "x", "3"), "[1]", id="unparsable-double"),
        pytest.param(table("double", "1", "1e400"), "[1]", id="double-out-of-range"),
        pytest.param(table("long", "1", "1_0"), "[1]", id="long-with-underscore"),
        pytest.param(table("long", "1", "9223372036854775808"), "[1]", id="long-out-of-range"),
        pytest.param(table("unsignedLong", "1", "-1"), "[1]", id="unsigned-negative"),
        pytest.param(table("dateTime:RFC3339", "2020-13-01T00:00:00Z"), "[]", id="bad-time"),
        pytest.param(table("base64Binary", "a"), "[]", id="bad-base64"),
        pytest.param(table("float", "1"), "[]", id="unknown-datatype"),
        pytest.param(table("double", "1") + ",,0,2,extra\n", "[1]", id="more-columns"),
        pytest.param(",result,table,_value\n,,0,1\n", "[]", id="no-annotations"),
        pytest.param(
            "#group,false,false,false\n,result,table,_value\n,,0,1\n", "[]", id="no-datatype"
        ),
        pytest.param(table("double", "1") + 'x,"unterminated\n', "[1]", id="csv-error"),
        pytest.param("", "[]", id="empty"),
    ],
)
def test_reading_stops_where_the_client_stops(body: str, text: str) -> None:
    found = record_values(body)
    assert "[" + " ".join(shown for _, shown in found) + "]" == text


def test_an_unknown_first_cell_repeats_the_last_record() -> None:
    """The client's ``Next()`` returns true without a new record: Argo appends the last again."""
    assert [shown for _, shown in record_values(table("long", "4") + "x,,0,5\n")] == ["4", "4"]
