"""Property: whatever text arrives, compile+run raises nothing but ExprError, and ends
within the step budget."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app.expr as expr
from app.expr import ExprError, Float64List, Limits

LIMITS = Limits(max_steps=20_000, max_array_length=10_000, max_string_length=100_000)
TOKENS = [
    "result", ".", "?.", "[", "]", "(", ")", "{", "}", "#", "#index", "#acc", "0", "1", "-1",
    "2.5", "1e3", "0x1F", ".5", '"a"', "'x'", "`raw`", 'b"by"', "nil", "true", "false", "+",
    "-", "*", "/", "%", "**", "^", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "!", "not",
    "and", "or", "in", "not in", "matches", "contains", "startsWith", "endsWith", "..", "??",
    "?", ":", ",", ";", "let", "x", "=", "if", "else", "|", "all", "any", "none", "one", "map",
    "filter", "reduce", "sum", "count", "find", "groupBy", "sortBy", "len", "asInt", "asFloat",
    "isNaN", "isInf", "isNil", "default", "max", "min", "mean", "median", "repeat", "split",
    "join", "sort", "uniq", "flatten", "concat", "toJSON", "fromJSON", "string", "int", "float",
    "abs", "keys", "values", "first", "last", "take", "get", "$env", "type", "duration", "date",
    "upper", "trim", "replace", "indexOf", '"(a+)+$"', "__class__", "__import__",
]  # fmt: skip
RESULTS: list[Any] = [
    None,
    0.95,
    "ok",
    True,
    [1.0, 2.0, {"x": "y"}],
    Float64List([0.5, float("nan")]),
    {"a": {"b": 1.0}, "arr": [1.0, 2.0], "s": "x", "flag": True, "n": None},
]


def _exercise(source: str) -> None:
    try:
        program = expr.compile(source, limits=LIMITS)
    except ExprError:
        return
    for result in RESULTS:
        started = time.perf_counter()
        with contextlib.suppress(ExprError):
            program.run({"result": result})
        assert time.perf_counter() - started < 2.0, source


token_soup = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token_soup)
def test_token_soup_raises_only_expr_errors(source: str) -> None:
    _exercise(source)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_random_text_raises_only_expr_errors(source: str) -> None:
    _exercise(source)
