"""``value_string_formatting`` vectors: Go's json.Marshal and strconv.FormatFloat, exactly."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.golang import GoJSONError, decode_json, format_float, format_float_f, marshal
from tests.engine.vectors import vectors

CASES = vectors()["value_string_formatting"]["cases"]


@pytest.mark.parametrize("case", [pytest.param(c, id=c["input"]) for c in CASES])
def test_value_string(case: dict[str, Any]) -> None:
    if "json_unmarshal_error" in case:
        with pytest.raises(GoJSONError) as caught:
            decode_json(case["input"])
        assert str(caught.value) == case["json_unmarshal_error"]
        return
    decoded = decode_json(case["input"])
    assert marshal(decoded) == case["go_value_string"]
    if "prom_sample_string" in case:
        assert format_float_f(decoded) == case["prom_sample_string"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (float("nan"), "NaN"),
        (float("inf"), "+Inf"),
        (float("-inf"), "-Inf"),
        (0.0, "0"),
        (-1.5, "-1.5"),
        (0.1, "0.1"),
        (123456.789, "123456.789"),
        (5e-324, "0." + "0" * 323 + "5"),
    ],
)
def test_prometheus_number_form(value: float, text: str) -> None:
    assert format_float_f(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e-6, "0.000001"),
        (1.5e-7, "1.5e-7"),
        (1.234e-10, "1.234e-10"),
        (-1e21, "-1e+21"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (999999999999999900000.0, "999999999999999900000"),
    ],
)
def test_json_number_form(value: float, text: str) -> None:
    assert format_float(value) == text


def test_json_cannot_hold_nan() -> None:
    with pytest.raises(GoJSONError):
        format_float(math.nan)


def test_go_escapes() -> None:
    assert marshal("\b\f\x01\x7f\u2029") == '"\\b\\f\\u0001\x7f\\u2029"'
    assert marshal({"b": 1, "a": {"d": [True, None], "c": "x"}}) == (
        '{"a":{"c":"x","d":[true,null]},"b":1}'
    )
    assert marshal({"b": 1, "a": 2}, sort_keys=False) == '{"b":1,"a":2}'


def test_decoding_rejects_what_go_rejects() -> None:
    for text in ("NaN", "", "{", "[1,]"):
        with pytest.raises(GoJSONError):
            decode_json(text)
    assert decode_json("1") == 1.0
    assert isinstance(decode_json("[1]")[0], float)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON)
def test_go_json_round_trips(value: Any) -> None:
    text = marshal(value)
    assert decode_json(text) == value
    assert marshal(decode_json(text)) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_forms_are_exact(value: float) -> None:
    assert float(format_float_f(value)) == value
    assert float(format_float(value)) == value
    assert "e" not in format_float_f(value)
