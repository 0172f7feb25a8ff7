"""Go's ``fmt`` and ``time`` printing that the InfluxDB and Wavefront values depend on, checked
against what Go prints (the expected texts are Go's own output for the same values)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from providers.goduration import format_go_duration, format_go_time
from providers.golang import format_float_fixed, format_float_v, go_json_error


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(1.0, "1", id="integral"),
        pytest.param(6.6, "6.6", id="plain"),
        pytest.param(999999.0, "999999", id="below-1e6"),
        pytest.param(1e6, "1e+06", id="1e6"),
        pytest.param(123456789.0, "1.23456789e+08", id="large"),
        pytest.param(0.0001, "0.0001", id="1e-4"),
        pytest.param(0.00001, "1e-05", id="1e-5"),
        pytest.param(-2.5e-300, "-2.5e-300", id="three-digit-exponent"),
        pytest.param(-0.0, "-0", id="negative-zero"),
        pytest.param(math.nan, "NaN", id="nan"),
        pytest.param(math.inf, "+Inf", id="inf"),
    ],
)
def test_format_float_v(value: float, text: str) -> None:
    assert format_float_v(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(10.0, "10.00", id="integral"),
        pytest.param(0.125, "0.12", id="half-even-on-the-exact-value"),
        pytest.param(2.675, "2.67", id="binary-below-half"),
        pytest.param(-0.001, "-0.00", id="negative-zero"),
        pytest.param(-math.inf, "-Inf", id="inf"),
        pytest.param(math.nan, "NaN", id="nan"),
    ],
)
def test_format_float_fixed(value: float, text: str) -> None:
    assert format_float_fixed(value, 2) == text


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        pytest.param(0, "0s", id="zero"),
        pytest.param(999, "999ns", id="ns"),
        pytest.param(1_500, "1.5µs", id="us"),
        pytest.param(1_500_000, "1.5ms", id="ms"),
        pytest.param(1_500_000_000, "1.5s", id="s"),
        pytest.param(90_000_000_000, "1m30s", id="minutes"),
        pytest.param(3_600_000_000_000, "1h0m0s", id="hour"),
        pytest.param(-3_661_000_000_001, "-1h1m1.000000001s", id="negative"),
    ],
)
def test_format_go_duration(nanoseconds: int, text: str) -> None:
    assert format_go_duration(nanoseconds) == text


@pytest.mark.parametrize(
    ("moment", "nanos", "text"),
    [
        pytest.param(
            datetime(2020, 2, 18, 10, 34, 8, tzinfo=UTC),
            135814545,
            "2020-02-18 10:34:08.135814545 +0000 UTC",
            id="utc-nanos",
        ),
        pytest.param(
            datetime(2020, 2, 18, 10, 34, 8, 500000, tzinfo=UTC),
            None,
            "2020-02-18 10:34:08.5 +0000 UTC",
            id="micros-trimmed",
        ),
        pytest.param(
            datetime(2020, 2, 18, 10, 34, 8, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
            0,
            "2020-02-18 10:34:08 -0530 -0530",
            id="offset-without-a-name",
        ),
    ],
)
def test_format_go_time(moment: datetime, nanos: int | None, text: str) -> None:
    assert format_go_time(moment, nanos) == text


@pytest.mark.parametrize(
    ("raw", "empty", "text"),
    [
        pytest.param(
            b"", "unexpected end of JSON input", "unexpected end of JSON input", id="unmarshal"
        ),
        pytest.param(b"  ", "EOF", "EOF", id="decoder"),
        pytest.param(
            b"<html>", "", "invalid character '<' looking for beginning of value", id="html"
        ),
        pytest.param(b'{"a": 1}', "", None, id="fine"),
    ],
)
def test_go_json_error(raw: bytes, empty: str, text: str | None) -> None:
    assert go_json_error(raw, empty=empty or "unexpected end of JSON input") == text
