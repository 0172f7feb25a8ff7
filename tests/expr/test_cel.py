"""CEL conditions (``cel:`` prefix), run by cel-python behind augur's expr interface.

Results are shaped as Argo hands them to a condition: JSON decoded with every number a float.
"""

from __future__ import annotations

import datetime
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.expr.cel import CEL_PREFIX, CelProgram, cel_body, compile_cel, is_cel
from app.expr.errors import (
    ExprError,
    ExprNameError,
    ExprRuntimeError,
    ExprSyntaxError,
)
from app.expr.limits import Limits

SEED = "result.service_apdex.values.values.all(v, double(v.value) >= 9900.0)"


def apdex(*values: Any) -> dict[str, Any]:
    """SkyWalking OAP's readMetricsValues answer, as the SkyWalking provider returns it."""
    rows = [{"id": f"s{i}", "value": v, "isEmptyValue": False} for i, v in enumerate(values)]
    return {"service_apdex": {"values": {"values": rows}}}


WEB = {
    "successRate": 0.995,
    "requests": 1500.0,
    "p99": 212.5,
    "status": "ok",
    "missing": None,
    "tags": ["canary", "eu"],
}


# --- the prefix ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("cel: result > 1.0", True, id="prefix"),
        pytest.param("  \n\tcel:result > 1.0", True, id="leading-whitespace"),
        pytest.param("cel:", True, id="prefix-only"),
        pytest.param("result > 1", False, id="expr-lang"),
        pytest.param("CEL: result > 1", False, id="case-sensitive"),
        pytest.param("result.cel: 1", False, id="not-at-start"),
        pytest.param("celsius > 1", False, id="name-starting-cel"),
        pytest.param("", False, id="empty"),
    ],
)
def test_is_cel(text: str, expected: bool) -> None:
    assert is_cel(text) is expected


def test_cel_body_is_everything_after_the_prefix() -> None:
    assert CEL_PREFIX == "cel:"
    assert cel_body("  cel: result[0] >= 0.95 ") == " result[0] >= 0.95 "
    with pytest.raises(ValueError, match="not a CEL condition"):
        cel_body("result[0] >= 0.95")


# --- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "result", "expected"),
    [
        pytest.param(SEED, apdex(9950.0, 9990.0), True, id="seed-float-values"),
        pytest.param(SEED, apdex(9950.0, 9800.0), False, id="seed-one-below"),
        pytest.param(SEED, apdex("9950", "10000"), True, id="seed-string-values-mqe"),
        pytest.param(SEED, apdex(), True, id="seed-no-values-vacuous"),
        pytest.param(
            "result.service_apdex.values.values.all(v, v.value >= 9900.0)",
            apdex(9950.0),
            True,
            id="seed-without-double",
        ),
        pytest.param(
            "result.service_apdex.values.values.all(v, v.value >= 9900)",
            apdex(9950.0),
            True,
            id="double-vs-int-ordering",
        ),
        pytest.param("result[0] >= 0.95", [0.97, 0.5], True, id="prometheus-vector"),
        pytest.param("result[0] >= 0.95", [0.9], False, id="prometheus-vector-low"),
        pytest.param("result >= 0.95", 0.99, True, id="prometheus-scalar"),
        pytest.param("size(result) > 0 && result[0] < 300.0", [212.0], True, id="size"),
        pytest.param("result.exists(x, x > 0.5)", [0.1, 0.7], True, id="exists"),
        pytest.param("result.exists_one(x, x > 0.5)", [0.6, 0.7], False, id="exists-one"),
        pytest.param("result.filter(x, x > 0.5)", [0.1, 0.7, 0.9], [0.7, 0.9], id="filter"),
        pytest.param("result.map(x, x * 2.0)", [0.5, 1.5], [1.0, 3.0], id="map"),
        pytest.param("result.successRate >= 0.99 || result.requests < 100.0", WEB, True, id="or"),
        pytest.param("result.status == 'ok' && 'canary' in result.tags", WEB, True, id="in"),
        pytest.param("result.missing == null", WEB, True, id="json-null"),
        pytest.param("has(result.p99)", WEB, True, id="has-present"),
        pytest.param("has(result.p50)", WEB, False, id="has-missing-key"),
        pytest.param("'p50' in result", WEB, False, id="in-map-missing-key"),
        pytest.param("result.status.startsWith('o')", WEB, True, id="string-method"),
        pytest.param("result.status.matches('^o.$')", WEB, True, id="matches-re2"),
        pytest.param("result.requests > 1000.0 ? 'big' : 'small'", WEB, "big", id="ternary"),
        pytest.param("int(result.requests)", WEB, 1500, id="int-conversion"),
        pytest.param("result.requests / 1000.0", WEB, 1.5, id="double-arithmetic"),
        pytest.param("result", WEB, WEB, id="map-round-trip"),
        pytest.param(
            "{'a': [1, 2u, 'x', b'y', null]}", 0.0, {"a": [1, 2, "x", b"y", None]}, id="lit"
        ),
        pytest.param("type(result)", 1.0, "double", id="type-name"),
        pytest.param("duration('90s')", 0.0, datetime.timedelta(seconds=90), id="duration"),
        pytest.param(
            "timestamp('2024-05-01T13:04:00Z')",
            0.0,
            datetime.datetime(2024, 5, 1, 13, 4, tzinfo=datetime.UTC),
            id="timestamp",
        ),
        pytest.param("result == result", math.nan, False, id="nan-is-not-nan"),
        pytest.param("result >= 0.9", math.inf, True, id="inf"),
        pytest.param("false && 1 / 0 > 0", 0.0, False, id="short-circuit"),
        pytest.param("1 / 0 > 0 || true", 0.0, True, id="commutative-or-absorbs-error"),
        pytest.param("result.reduce(r, i, 0.0, r + i)", [1.0, 2.0], 3.0, id="celpy-reduce"),
    ],
)
def test_run_returns_plain_python(source: str, result: Any, expected: Any) -> None:
    value = compile_cel(source).run({"result": result})
    assert value == expected
    assert type(value) is type(expected)


def test_run_returns_plain_containers() -> None:
    value = compile_cel("result").run({"result": {"a": [1.0, "x", True, None]}})
    assert value == {"a": [1.0, "x", True, None]}
    assert [type(v) for v in value["a"]] == [float, str, bool, type(None)]
    assert type(next(iter(value))) is str


def test_compiled_once_runs_many_times() -> None:
    program = compile_cel(SEED)
    assert isinstance(program, CelProgram)
    assert program.source == SEED
    verdicts = [program.evaluate_bool({"result": apdex(v)}) for v in (9950.0, 9000.0, 9900.0)]
    assert verdicts == [True, False, True]


def test_one_program_evaluates_concurrently_without_shared_state() -> None:
    program = compile_cel(SEED)
    results = [apdex(9950.0, 9990.0 if i % 2 else 9000.0) for i in range(40)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = list(pool.map(lambda r: program.evaluate_bool({"result": r}), results))
    assert verdicts == [i % 2 == 1 for i in range(40)]


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "error", "message", "line", "column"),
    [
        pytest.param("result[0] >=", ExprSyntaxError, "unexpected end of input", 1, 13, id="eof"),
        pytest.param("", ExprSyntaxError, "unexpected end of input", 1, 1, id="empty"),
        pytest.param(
            "(result[0]",
            ExprSyntaxError,
            "unexpected end of input, expected ')'",
            1,
            11,
            id="paren",
        ),
        pytest.param(
            "result[0] >= 0.95)", ExprSyntaxError, "unexpected token ')'", 1, 18, id="rpar"
        ),
        pytest.param("result # 1", ExprSyntaxError, "unexpected character '#'", 1, 8, id="char"),
        pytest.param(
            "result.a &&\n  result.b * * 2",
            ExprSyntaxError,
            "unexpected token '*'",
            2,
            14,
            id="line2",
        ),
        pytest.param(
            "result.all(1, true)",
            ExprSyntaxError,
            "all() takes a variable and an expression",
            1,
            8,
            id="macro-variable",
        ),
        pytest.param(
            "result.map(x, x > 1.0, x)",
            ExprSyntaxError,
            "map() takes a variable and an expression",
            1,
            8,
            id="macro-arity",
        ),
        pytest.param(
            "has(result)",
            ExprSyntaxError,
            "has() takes a field selection like has(result.a)",
            1,
            1,
            id="has-without-field",
        ),
        pytest.param(
            "results[0] > 1.0", ExprNameError, "undeclared reference to 'results'", 1, 1, id="typo"
        ),
        pytest.param(
            "asFloat(result) > 1.0",
            ExprNameError,
            "undeclared reference to 'asFloat'",
            1,
            1,
            id="argo-helper-is-not-cel",
        ),
        pytest.param(
            "result.lenght() > 0",
            ExprNameError,
            "undeclared reference to 'lenght'",
            1,
            8,
            id="unknown-method",
        ),
        pytest.param(
            "result.all(x, x > 0.0) && x > 0.0",
            ExprNameError,
            "undeclared reference to 'x'",
            1,
            27,
            id="macro-variable-out-of-scope",
        ),
        pytest.param(
            "result.reduce(r, i, r, r + i)",
            ExprNameError,
            "undeclared reference to 'r'",
            1,
            21,
            id="reduce-initial-outer-scope",
        ),
    ],
)
def test_compile_errors(
    source: str, error: type[ExprError], message: str, line: int, column: int
) -> None:
    with pytest.raises(error) as caught:
        compile_cel(source)
    assert (caught.value.message, caught.value.line, caught.value.column) == (message, line, column)


def test_syntax_error_renders_a_caret_under_the_location() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_cel("result[0] >= 0.95)")
    assert str(caught.value) == (
        "unexpected token ')' (1:18)\n | result[0] >= 0.95)\n |                  ^"
    )


@pytest.mark.parametrize(
    ("source", "result", "message"),
    [
        pytest.param("result.p50 > 1.0", WEB, "no such member in mapping: 'p50'", id="missing-key"),
        pytest.param("result['p50'] > 1.0", WEB, "no such key: 'p50'", id="missing-index-key"),
        pytest.param("result[0] >= 0.95", {"a": 1.0}, "no such key: 0", id="index-on-map"),
        pytest.param(
            "result[2] > 0.0", [1.0], "invalid_argument: list index out of range", id="oob"
        ),
        pytest.param(
            "result.status > 1.0",
            WEB,
            "found no matching overload for > applied to '(string, double)'",
            id="string-vs-double",
        ),
        pytest.param(
            "result.requests == 1500",
            WEB,
            "found no matching overload for == applied to '(double, int)'",
            id="double-eq-int-has-no-overload",
        ),
        pytest.param(
            "double(result.status) > 1.0",
            WEB,
            "conversion failed: could not convert string to float: 'ok'",
            id="bad-conversion",
        ),
        pytest.param(
            "size(result)", 1.0, "no such overload: object of type 'double' has no len()", id="size"
        ),
        pytest.param("1 / 0 > 0", 0.0, "modulus or divide by zero", id="divide-by-zero"),
        pytest.param("int(result)", 1e100, "overflow", id="overflow"),
        pytest.param(
            "result.status.x",
            WEB,
            "'ok' with type: 'string' does not support field selection",
            id="field-of-string",
        ),
        pytest.param(
            "result.missing.x",
            WEB,
            "null with type: 'null_type' does not support field selection",
            id="null-field",
        ),
    ],
)
def test_runtime_errors(source: str, result: Any, message: str) -> None:
    program = compile_cel(source)
    with pytest.raises(ExprRuntimeError) as caught:
        program.run({"result": result})
    assert caught.value.message == message


def test_runtime_error_is_located_when_celpy_knows_the_node() -> None:
    program = compile_cel("result.requests > 0.0 &&\n  result.p50 > 1.0")
    with pytest.raises(ExprRuntimeError) as caught:
        program.run({"result": WEB})
    assert (caught.value.line, caught.value.column) == (2, 3)
    assert str(caught.value).endswith(" |   result.p50 > 1.0\n |   ^")


@pytest.mark.parametrize(
    ("source", "result", "type_name"),
    [
        pytest.param("result.requests", WEB, "double", id="double"),
        pytest.param("result.status", WEB, "string", id="string"),
        pytest.param("result.missing", WEB, "null_type", id="null"),
        pytest.param("size(result.tags)", WEB, "int", id="int"),
        pytest.param("result.tags", WEB, "list", id="list"),
        pytest.param("result", WEB, "map", id="map"),
    ],
)
def test_evaluate_bool_names_the_type_of_a_non_bool(
    source: str, result: Any, type_name: str
) -> None:
    with pytest.raises(ExprRuntimeError) as caught:
        compile_cel(source).evaluate_bool({"result": result})
    assert caught.value.message == f"expected bool, but got {type_name}"


def test_a_name_missing_from_env_is_null_as_in_expr() -> None:
    assert compile_cel("type(result) == null_type").run({}) is True
    with pytest.raises(ExprRuntimeError, match=r"applied to '\(null_type, double\)'"):
        compile_cel("result > 1.0").run({})


def test_a_value_cel_cannot_hold_is_a_runtime_error() -> None:
    with pytest.raises(ExprRuntimeError, match="value not supported by CEL"):
        compile_cel("result").run({"result": object()})


def test_other_names_can_be_declared() -> None:
    program = compile_cel("result > threshold", names=("result", "threshold"))
    assert program.evaluate_bool({"result": 2.0, "threshold": 1.0}) is True
    with pytest.raises(ExprNameError, match="undeclared reference to 'threshold'"):
        compile_cel("result > threshold")


# --- budgets ---------------------------------------------------------------------------------


def test_source_length_limit() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_cel("1.0 + " * 10 + "1.0", limits=Limits(max_source_length=20))
    assert caught.value.message == "expression too long (63 > 20 characters)"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("(" * 15 + "1" + ")" * 15, id="parentheses"),
        pytest.param(" && ".join(["true"] * 150), id="chained-and"),
        pytest.param("!" * 150 + "true", id="negations"),
        pytest.param("[" * 15 + "1" + "]" * 15, id="lists"),
        pytest.param("result.all(x, " * 15 + "true" + ")" * 15, id="macros"),
    ],
)
def test_nesting_limit(source: str) -> None:
    with pytest.raises(ExprSyntaxError, match="expression nested too deeply"):
        compile_cel(source)


def test_nesting_within_the_limit_runs() -> None:
    assert compile_cel("(" * 12 + "true" + ")" * 12).run({"result": 0.0}) is True
    assert compile_cel(" && ".join(["true"] * 130)).run({"result": 0.0}) is True
    nested = compile_cel("result.all(x, " * 12 + "true" + ")" * 12)
    assert nested.run({"result": [1.0]}) is True


def test_leaves_the_recursion_limit_alone() -> None:
    before = sys.getrecursionlimit()
    compile_cel(SEED).run({"result": apdex(9950.0)})
    assert sys.getrecursionlimit() == before


def test_step_budget_counts_nested_macros() -> None:
    # 100 steps a node visited: 21,600 for 3 items, some 2 million for 100.
    program = compile_cel(
        "result.all(x, result.all(y, x + y >= 0.0))", limits=Limits(max_steps=100_000)
    )
    assert program.evaluate_bool({"result": [1.0] * 3}) is True
    with pytest.raises(ExprRuntimeError) as raised:
        program.evaluate_bool({"result": [1.0] * 100})
    assert raised.value.message == (
        "condition exceeded its step budget (100000 steps) at all (1:15)"
    )


def test_budget_on_what_plus_builds() -> None:
    doubling = "result.reduce(r, i, 'ab', r + r).size() > 0"
    with pytest.raises(ExprRuntimeError, match="string too long"):
        compile_cel(doubling).run({"result": [0.0] * 40})


# --- nothing but ExprError escapes -----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
fragments = st.sampled_from(
    ["result", ".", "[0]", "a", "(", ")", " && ", " || ", " > ", " == ", "1", "1.0", "'x'", "!",
     "-", ",", "all", "map", "(x, x)", "size", "has", "null", "{", "}", ":", " ? ", "b'", "u", "in"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fragments, max_size=12).map("".join), json_values)
def test_only_expr_errors_escape(source: str, result: Any) -> None:
    try:
        program = compile_cel(source)
        program.run({"result": result})
        program.evaluate_bool({"result": result})
    except ExprError:
        pass


# --- the same verdict from expr-lang and CEL -------------------------------------------------

ERROR = "error"
APDEX_EXPR = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
PAIRS = [
    # (expr-lang as Argo users write it, the same condition in CEL)
    ("seed", APDEX_EXPR, SEED),
    (
        "prom",
        "result[0] >= 0.95 && !isNaN(result[0])",
        "result[0] >= 0.95 && result[0] == result[0]",  # NaN is the one value unequal to itself
    ),
    ("p99", "len(result) > 0 && result.p99 < 300", "size(result) > 0 && result.p99 < 300.0"),
    (
        "rate",
        "result.successRate >= 0.99 || result.requests < 100",
        "result.successRate >= 0.99 || result.requests < 100.0",
    ),
    ("any", "any(result, {# > 0.5})", "result.exists(x, x > 0.5)"),
    ("default", "default(result, 0) < 5", "(type(result) == null_type ? 0.0 : result) < 5.0"),
    ("status", 'result.status == "ok"', "result.status == 'ok'"),
    ("missing", "result.p50 > 1", "result.p50 > 1.0"),
]  # fmt: skip
SAME_VERDICT = [
    ("seed", apdex(9950.0, 9990.0), True),
    ("seed", apdex(9950.0, 9899.0), False),
    ("seed", apdex("9950", "9990"), True),
    ("seed", apdex(), True),
    ("seed", {"service_apdex": None}, ERROR),
    ("prom", [0.97], True),
    ("prom", [0.9], False),
    ("prom", [math.nan], False),
    ("prom", [], ERROR),
    ("p99", {"p99": 212.5}, True),
    ("p99", {"p99": 350.0}, False),
    ("rate", {"successRate": 0.995, "requests": 1500.0}, True),
    ("rate", {"successRate": 0.5, "requests": 50.0}, True),
    ("rate", {"successRate": 0.5, "requests": 1500.0}, False),
    ("any", [0.1, 0.7], True),
    ("any", [0.1, 0.2], False),
    ("any", [], False),
    ("default", None, True),
    ("default", 3.0, True),
    ("default", 7.0, False),
    ("status", {"status": "ok"}, True),
    ("status", {"status": "degraded"}, False),
    ("missing", {"p99": 1.0}, ERROR),
]
_SOURCES = {name: (expr_source, cel_source) for name, expr_source, cel_source in PAIRS}


def verdict(program: Any, result: Any) -> bool | str:
    try:
        return bool(program.evaluate_bool({"result": result}))
    except ExprRuntimeError:
        return ERROR


@pytest.mark.parametrize(
    ("name", "result", "expected"),
    [pytest.param(n, r, e, id=f"{n}-{i}") for i, (n, r, e) in enumerate(SAME_VERDICT)],
)
def test_expr_and_cel_reach_the_same_verdict(name: str, result: Any, expected: bool | str) -> None:
    from app.expr import compile as compile_expr

    expr_source, cel_source = _SOURCES[name]
    verdicts = (
        verdict(compile_expr(expr_source), result),
        verdict(compile_cel(cel_source), result),
    )
    assert verdicts == (expected, expected)


def test_a_result_nested_beyond_python_is_a_runtime_error() -> None:
    deep: Any = 1.0
    for _ in range(5_000):
        deep = [deep]
    with pytest.raises(ExprRuntimeError, match="value nested too deeply for CEL"):
        compile_cel("size(result) > 0").run({"result": deep})


@pytest.mark.parametrize(
    ("source", "names", "message"),
    [
        pytest.param(None, ("result",), "expression must be a string", id="not-a-string"),
        pytest.param("x", ("a-b",), "cannot declare 'a-b': not CEL identifiers", id="bad-name"),
    ],
)
def test_misuse_is_still_an_expr_error(source: Any, names: tuple[str, ...], message: str) -> None:
    with pytest.raises(ExprError) as caught:
        compile_cel(source, names=names)
    assert caught.value.message == message
