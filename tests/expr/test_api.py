"""The public API of app.expr: errors with locations, Argo's bool rule, limits, safety."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

import app.expr as expr
from app.expr import (
    ExprCompileError,
    ExprError,
    ExprNameError,
    ExprRuntimeError,
    ExprSyntaxError,
    ExprTypeError,
    Float64List,
    Limits,
)

SEED = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"


def apdex(*values: Any) -> dict[str, Any]:
    return {"service_apdex": {"label": None, "values": {"values": [{"value": v} for v in values]}}}


# -- compile errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "error", "message", "line", "column"),
    [
        pytest.param("result >", ExprSyntaxError, "unexpected token EOF", 1, 9, id="eof"),
        pytest.param(
            "result.a +\n  (1 * ]", ExprSyntaxError, 'unexpected token Bracket("]")', 2, 8,
            id="second-line",
        ),
        pytest.param("1 @ 2", ExprSyntaxError, "unrecognized character: U+0040 '@'", 1, 3,
                     id="bad-char"),
        pytest.param("0b2", ExprSyntaxError, 'bad number syntax: "0b2"', 1, 1, id="bad-number"),
        pytest.param("invalidVariable > 1", ExprNameError, "unknown name invalidVariable", 1, 1,
                     id="unknown-name"),
        pytest.param("filter([1], #x > 0)", ExprNameError, "unknown pointer #x", 1, 13,
                     id="unknown-pointer"),
        pytest.param('"7" == 7', ExprTypeError,
                     "invalid operation: == (mismatched types string and int)", 1, 5,
                     id="literal-mismatch"),
        pytest.param("1 % 0", ExprTypeError, "integer divide by zero", 1, 3, id="folded"),
        pytest.param("len(1, 2)", ExprTypeError,
                     "invalid number of arguments (expected 1, got 2)", 1, 1, id="arity"),
    ],
)  # fmt: skip
def test_compile_errors_carry_bare_message_and_location(
    source: str, error: type[ExprCompileError], message: str, line: int, column: int
) -> None:
    with pytest.raises(error) as caught:
        expr.compile(source)
    exc = caught.value
    assert isinstance(exc, ExprCompileError)
    assert isinstance(exc, ExprError)
    assert (exc.message, exc.line, exc.column) == (message, line, column)


def test_str_renders_a_caret_snippet() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        expr.compile("result.a +\n  (1 * ]")
    assert str(caught.value) == ('unexpected token Bracket("]") (2:8)\n |   (1 * ]\n |        ^')


def test_custom_names_are_the_only_names() -> None:
    program = expr.compile("a + b", names=("a", "b"))
    assert program.run({"a": 1, "b": 2}) == 3
    with pytest.raises(ExprNameError, match="unknown name result"):
        expr.compile("result", names=("a",))


# -- run -------------------------------------------------------------------------------------
def test_seed_condition() -> None:
    program = expr.compile(SEED)
    assert program.source == SEED
    assert program.evaluate_bool({"result": apdex(9950.0, 10000.0)}) is True
    assert program.evaluate_bool({"result": apdex(9950.0, 9800.0)}) is False
    assert program.evaluate_bool({"result": apdex()}) is True


@pytest.mark.parametrize(
    ("result", "message"),
    [
        pytest.param(1.0, "expected bool, but got float64", id="float"),
        pytest.param("x", "expected bool, but got string", id="string"),
        pytest.param(None, "expected bool, but got <nil>", id="nil"),
        pytest.param([1.0], "expected bool, but got []interface {}", id="list"),
        pytest.param({"a": 1.0}, "expected bool, but got map[string]interface {}", id="map"),
    ],
)
def test_evaluate_bool_rejects_non_bool_like_argo(result: Any, message: str) -> None:
    with pytest.raises(ExprRuntimeError) as caught:
        expr.compile("result").evaluate_bool({"result": result})
    assert caught.value.message == message


def test_evaluate_bool_int_result() -> None:
    with pytest.raises(ExprRuntimeError, match=r"^expected bool, but got int$"):
        expr.compile("1 + 1").evaluate_bool({"result": None})


@pytest.mark.parametrize(
    ("source", "result", "message"),
    [
        pytest.param("result.a.b == 1", {"a": None}, "cannot fetch b from <nil>", id="nil-fetch"),
        pytest.param("result[5] > 0", [1.0, 2.0], "index out of range: 5 (array length is 2)",
                     id="index"),
        pytest.param('asInt("1.1") > 0', None, 'strconv.ParseInt: parsing "1.1": invalid syntax',
                     id="asInt"),
        pytest.param("result.x > 1", {"x": "s"}, "invalid operation: string > int",
                     id="ordering"),
        pytest.param("result.n > 1", {"n": None}, "invalid operation: <nil> > int", id="nil-cmp"),
    ],
)  # fmt: skip
def test_runtime_errors_have_the_bare_engine_message(
    source: str, result: Any, message: str
) -> None:
    with pytest.raises(ExprRuntimeError) as caught:
        expr.compile(source).run({"result": result})
    assert caught.value.message == message
    assert not caught.value.from_checker


def test_concrete_type_errors_surface_at_run_flagged_from_checker() -> None:
    program = expr.compile("result.x > 1")
    assert program.run({"result": {"x": 2.0}}) is True
    with pytest.raises(ExprRuntimeError) as caught:
        program.run({"result": 1.5})
    assert caught.value.message == "type float64 has no field x"
    assert caught.value.from_checker
    with pytest.raises(ExprTypeError, match="type float64 has no field x"):
        expr.compile_for_result("result.x > 1", 1.5)


def test_typed_float_list_is_checked_statically() -> None:
    with pytest.raises(ExprTypeError):
        expr.compile_for_result('result[0] == "x"', Float64List([0.5]))
    assert expr.compile('result[0] == "x"').run({"result": [0.5]}) is False


def test_isnil_and_default_look_at_the_whole_result() -> None:
    """Argo's closures ignore their first argument (argo.py documents why)."""
    result = {"foo": None, "bar": 1.0}
    assert expr.compile("isNil(result.foo)").run({"result": result}) is False
    assert expr.compile("default(result.foo, 5)").run({"result": result}) == result
    assert expr.compile("default(result, 5)").run({"result": None}) == 5
    assert expr.compile("isNil(1)").run({"result": None}) is True


def test_value_model_keeps_int_float_and_bool_apart() -> None:
    run = expr.compile("[1 + 1, 1 + 1.0, 7 / 2, result.flag == 1.0]").run
    value = run({"result": {"flag": True}})
    assert value == [2, 2.0, 3.5, False]
    assert [type(v) for v in value] == [int, float, float, bool]
    assert expr.compile("9223372036854775807 + 1").run({}) == -(2**63)
    assert math.isinf(expr.compile("1 / 0").run({}))


# -- limits and safety ------------------------------------------------------------------------
def test_long_source_is_rejected() -> None:
    with pytest.raises(ExprSyntaxError, match="expression too long"):
        expr.compile("1 + " * 100 + "1", limits=Limits(max_source_length=50))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("(" * 5000 + "1" + ")" * 5000, id="parens"),
        pytest.param("-" * 5000 + "1", id="unary"),
        pytest.param("[" * 5000, id="unclosed"),
        pytest.param("1" + " + 1" * 300, id="long-chain"),
        pytest.param("result" + ".a" * 300, id="member-chain"),
        pytest.param("not " * 3000 + "true", id="not"),
    ],
)
def test_deep_nesting_is_a_syntax_error_not_a_recursion_error(source: str) -> None:
    with pytest.raises(ExprSyntaxError):
        expr.compile(source)


def test_huge_repeat_is_refused() -> None:
    program = expr.compile('len(repeat("ab", 1000000000)) > 0')
    started = time.perf_counter()
    with pytest.raises(ExprRuntimeError, match="string too long"):
        program.run({"result": None})
    assert time.perf_counter() - started < 0.5


def test_doubling_strings_in_reduce_is_refused() -> None:
    with pytest.raises(ExprRuntimeError):
        expr.compile('reduce(1..100, #acc + #acc, "xx")').run({})


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("len(0..100000000)", id="range"),
        pytest.param("len(0..999999)", id="engine-memory-budget"),
    ],
)
def test_big_ranges_are_refused(source: str) -> None:
    with pytest.raises(ExprRuntimeError, match="memory budget exceeded"):
        expr.compile(source).run({})


def test_nested_loops_hit_the_step_budget() -> None:
    program = expr.compile(
        "all(0..9999, {all(0..9999, {# >= 0})})", limits=Limits(max_steps=100_000)
    )
    started = time.perf_counter()
    with pytest.raises(ExprRuntimeError) as raised:
        program.run({})
    assert raised.value.message == (
        "condition exceeded its step budget (100000 steps) at all (1:15)"
    )
    assert time.perf_counter() - started < 1.0


def test_regex_bomb_finishes_fast() -> None:
    program = expr.compile("result matches '(a+)+$' or result matches '(x+x+)+y'")
    started = time.perf_counter()
    assert program.run({"result": "a" * 50_000 + "!"}) is False
    assert time.perf_counter() - started < 0.5


def test_regex_pattern_length_is_bounded() -> None:
    limits = Limits(max_pattern_length=10)
    with pytest.raises(ExprError):
        expr.compile("result matches result", limits=limits).run({"result": "a" * 100})


@pytest.mark.parametrize(
    ("source", "result"),
    [
        pytest.param("result.__class__", {}, id="dunder-on-map"),
        pytest.param('result["__class__"]', {}, id="dunder-index"),
        pytest.param("result.__len__", [], id="dunder-on-list"),
        pytest.param('"".__class__', None, id="dunder-on-string"),
        pytest.param("__import__", None, id="import-name"),
        pytest.param('__import__("os")', None, id="import-call"),
        pytest.param("result.keys()", {"a": 1.0}, id="python-method"),
        pytest.param("$env.__class__", None, id="env-dunder"),
        pytest.param("type.__globals__", None, id="builtin-globals"),
    ],
)
def test_no_python_internals_are_reachable(source: str, result: Any) -> None:
    try:
        value = expr.compile(source).run({"result": result})
    except ExprError:
        return
    assert value is None


def test_arbitrary_objects_expose_nothing() -> None:
    class Secret:
        token = "s3cret"

    program = expr.compile("result.token")
    with pytest.raises(ExprRuntimeError):
        program.run({"result": Secret()})
