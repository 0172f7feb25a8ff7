"""Go's JSON and duration behaviour, checked against the values Argo really stores."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from providers.golang import GoJSONError, decode_json, format_float, marshal, parse_duration

VECTORS = Path(__file__).resolve().parents[1] / "data" / "argo-vectors.json"


def _formatting_cases() -> list[Any]:
    cases = json.loads(VECTORS.read_text())["value_string_formatting"]["cases"]
    return [pytest.param(case, id=case["input"][:40]) for case in cases]


@pytest.mark.parametrize("case", _formatting_cases())
def test_value_string_formatting_vectors(case: dict[str, Any]) -> None:
    if "json_unmarshal_error" in case:
        with pytest.raises(GoJSONError, match=f"^{re.escape(case['json_unmarshal_error'])}$"):
            decode_json(case["input"])
        return
    assert marshal(decode_json(case["input"])) == case["go_value_string"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(1e-7, "1e-7", id="small-exponent"),
        pytest.param(1.5e-10, "1.5e-10", id="two-digit-exponent"),
        pytest.param(-2.5e30, "-2.5e+30", id="negative-large"),
        pytest.param(123.456, "123.456", id="plain"),
        pytest.param(0.1, "0.1", id="tenth"),
    ],
)
def test_format_float(value: float, text: str) -> None:
    assert format_float(value) == text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("NaN", "invalid character 'N' looking for beginning of value", id="nan"),
        pytest.param(
            "{",
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            id="truncated",
        ),
    ],
)
def test_decode_rejects_what_go_rejects(raw: str, message: str) -> None:
    with pytest.raises(GoJSONError, match=f"^{re.escape(message)}$"):
        decode_json(raw)


def test_decoded_numbers_are_floats() -> None:
    assert decode_json(b'{"a": [1, 2.5], "b": "\\u00e9"}') == {"a": [1.0, 2.5], "b": "é"}
    assert all(isinstance(v, float) for v in decode_json("[1, 2, 3]"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("5m", timedelta(minutes=5), id="minutes"),
        pytest.param("1h30m", timedelta(minutes=90), id="compound"),
        pytest.param("1.5h", timedelta(minutes=90), id="fraction"),
        pytest.param("300ms", timedelta(milliseconds=300), id="millis"),
        pytest.param("2us", timedelta(microseconds=2), id="micros"),
        pytest.param("2µs", timedelta(microseconds=2), id="micro-sign"),
        pytest.param("-10s", timedelta(seconds=-10), id="negative"),
        pytest.param("+10s", timedelta(seconds=10), id="plus"),
        pytest.param("0", timedelta(0), id="zero"),
        pytest.param(".5s", timedelta(milliseconds=500), id="leading-dot"),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", 'time: invalid duration ""', id="empty"),
        pytest.param("1d", 'time: unknown unit "d" in duration "1d"', id="days"),
        pytest.param("100", 'time: missing unit in duration "100"', id="no-unit"),
        pytest.param("5 m", 'time: unknown unit " m" in duration "5 m"', id="space"),
        pytest.param(".s", 'time: invalid duration ".s"', id="dot-only"),
        pytest.param("m", 'time: invalid duration "m"', id="unit-only"),
        pytest.param("3000000h", 'time: invalid duration "3000000h"', id="overflow"),
    ],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_duration(text)
