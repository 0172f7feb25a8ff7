"""The typed entry (app/expr/entry.py) answers exactly as the general path does.

A program that meets values of the same plain classes twice in a row builds ``evaluate_bool``
for those classes; values of any other class go back to the general path. Each row is judged
three ways, and all must give its answer: twice by one program (the general path, then the
entry built for this value's class), by a program whose entry was built for another class (the
general path again), and through ``run`` (what ``explain`` uses).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from app import expr
from app.expr import ExprBudgetError, ExprError, Float64List, Limits
from tests.engine.test_evaluate import go_value
from tests.engine.vectors import section
from tests.expr.conformance import load_vectors

ERR = "error: "
PROM = "result[0] >= 0.95 && !isNaN(result[0])"
OPAQUE = object()  # a value of no class the engine types

ROWS = [
    ("result >= 0.95", 0.97, True),
    ("result >= 0.95", 0.5, False),
    ("result >= 0.95", 1, True),
    ("result >= 0.95", math.nan, False),
    ("result >= 0.95", None, ERR + "invalid operation: >= (mismatched types unknown and float64)"),
    ("result >= 0.95", "x", ERR + "invalid operation: >= (mismatched types string and float64)"),
    (PROM, [0.97], True),
    (PROM, [math.nan], False),
    (PROM, Float64List([0.97]), True),
    (PROM, [], ERR + "index out of range: 0 (array length is 0)"),
    (PROM, [1],
     ERR + "interface conversion: interface {} is int, not float64"),
    (PROM, [None], ERR + "invalid operation: <nil> >= float64"),
    (PROM, (0.97,), ERR + "cannot fetch 0 from unknown"),
    ("result[-1] < 5", [9.0, 1.0], True),
    ("result[-1] < 5", [], ERR + "index out of range: -1 (array length is 0)"),
    ("result.p99 < 300", {"p99": 212.5}, True),
    ("result.p99 < 300", {}, ERR + "invalid operation: <nil> < int"),
    ("result.p99 < 300", [1.0],
     ERR + "array elements can only be selected using an integer (got string)"),
    ("result.p99 < 300", None, ERR + "type nil has no field p99"),
    ("len(result) > 0", [], False),
    ("len(result) > 0", {"a": 1.0}, True),
    ("len(result) > 0", "abc", True),
    ("len(result) > 0", None, ERR + "invalid argument for len (type %!s(<nil>))"),
    ("all(result, {# > 0.5})", [0.7, 0.9], True),
    ("all(result, {# > 0.5})", [0.7, 0.2], False),
    ("all(result, {# > 0.5})", "ab", ERR + "builtin all takes only array (got string)"),
    ("all(result, {# > 0.5})", [None], ERR + "invalid operation: <nil> > float64"),
    ("none(result, {# == 1})", [1], False),
    ("result.a && true", {"a": None}, ERR + "expected bool, but got <nil>"),
    ("result.a && true", {"a": True}, True),
    ("default(result, 0) < 5", None, True),
    ("default(result, 0) < 5", 7.0, False),
    ("result == 1", None, False),
    ("result == 1", "1", ERR + "invalid operation: == (mismatched types string and int)"),
    ("all(result.values, {asFloat(.value) >= 9900})", {"values": [{"value": "9950"}]}, True),
    ("all(result.values, {asFloat(.value) >= 9900})", {"values": [{"value": 9800.0}]}, False),
]  # fmt: skip


def answer(judge: Any) -> object:
    try:
        return judge()
    except ExprError as exc:
        return ERR + exc.message


def other_class(value: Any) -> Any:
    """A value of another plain class, so the entry is built for it and not for ``value``."""
    return "other" if type(value) is not str else 0.5


@pytest.mark.parametrize(
    ("source", "value", "expected"),
    [pytest.param(*row, id=f"{row[0]} <- {row[1]!r}") for row in ROWS],
)
def test_the_entry_and_the_general_path_answer_alike(
    source: str, value: Any, expected: object
) -> None:
    program = expr.compile(source)
    warmed = expr.compile(source)
    for _ in range(2):
        answer(lambda: warmed.evaluate_bool({"result": other_class(value)}))
    assert answer(lambda: program.evaluate_bool({"result": value})) == expected
    assert answer(lambda: program.evaluate_bool({"result": value})) == expected
    assert answer(lambda: warmed.evaluate_bool({"result": value})) == expected
    if not (isinstance(expected, str) and expected.startswith(ERR + "expected bool")):
        ran = answer(lambda: expr.compile(source).run({"result": value}))
        assert ran == expected


def generated(program: expr.Program) -> bool:
    """Whether ``evaluate_bool`` is the typed entry: generated code, not Program's method."""
    return bool(program.evaluate_bool.__code__.co_filename == "<expr>")


@pytest.mark.parametrize(
    ("values", "entered"),
    [
        pytest.param([0.97], False, id="judged-once"),
        pytest.param([0.97, 0.5], True, id="twice-the-same-class"),
        pytest.param([0.97, 1, 0.5], False, id="classes-alternate"),
        pytest.param([0.97, 1, 2], True, id="then-twice-another"),
        pytest.param([OPAQUE, OPAQUE], False, id="not-a-plain-class"),
    ],
)
def test_the_entry_is_built_for_classes_met_twice_in_a_row(
    values: list[Any], entered: bool
) -> None:
    program = expr.compile("result != nil")
    for value in values:
        assert program.evaluate_bool({"result": value}) is True
    assert generated(program) is entered


def test_a_missing_name_is_nil_in_the_entry_too() -> None:
    program = expr.compile("default(result, 1) == 1")
    assert program.evaluate_bool({"result": 0.5}) is False
    assert program.evaluate_bool({}) is True


@pytest.mark.parametrize(
    ("source", "size", "message"),
    [
        pytest.param(
            "all(result, {all(result, {# >= 0})})",
            20,
            "condition exceeded its step budget (1000 steps) at all (1:14)",
            id="in-the-loop-of-a-top-level-all",
        ),
        pytest.param(
            "any(result, {any(result, {# < 0})})",
            20,
            "condition exceeded its step budget (1000 steps) at any (1:14)",
            id="in-the-loop-of-a-top-level-any",
        ),
        pytest.param(
            "all(result, {# >= 0})",
            400,
            "condition exceeded its step budget (1000 steps) at all (1:1)",
            id="top-level-all",
        ),
        pytest.param(
            "result == result && none(result, {# < 0})",
            400,
            "condition exceeded its step budget (1000 steps) at == (1:8)",
            id="before-the-loop",
        ),
    ],
)
def test_a_budget_spent_in_the_entry_is_located_as_in_run(
    source: str, size: int, message: str
) -> None:
    limits = Limits(max_steps=1_000)
    values = [1.0] * size
    for judge in (
        lambda: expr.compile(source, limits=limits).evaluate_bool({"result": values}),
        lambda: expr.compile(source, limits=limits).run({"result": values}),
    ):
        with pytest.raises(ExprBudgetError) as raised:
            judge()
        assert raised.value.message == message


def recorded() -> list[Any]:
    """Every recorded condition with its result: expr's own vectors and Argo's."""
    params = [pytest.param(v.expr, v.result, id=f"expr:{v.key}") for v in load_vectors()]
    for name in ("evaluate", "evaluate_helper_functions", "evaluate_extra"):
        for index, case in enumerate(section(name)):
            if "condition" in case:
                value = go_value(case)
                params.append(pytest.param(case["condition"], value, id=f"argo:{name}:{index}"))
    return params


@pytest.mark.parametrize(("source", "value"), recorded())
def test_every_recorded_vector_answers_alike_through_the_entry(source: str, value: Any) -> None:
    """The recorded vectors check the general path against Go (tests/expr/test_conformance.py,
    tests/engine); the second evaluation of the same value goes through the typed entry."""
    try:
        program = expr.compile(source)
    except ExprError:
        return  # refused at compile time: no entry to compare
    first = answer(lambda: program.evaluate_bool({"result": value}))
    assert answer(lambda: program.evaluate_bool({"result": value})) == first
    assert answer(lambda: program.evaluate_bool({"result": value})) == first


def test_an_entry_that_cannot_be_built_leaves_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise expr.ExprSyntaxError("expression nested too deeply")

    monkeypatch.setattr("app.expr.program.make_entry", refuse)
    program = expr.compile("result >= 0.95")
    verdicts = [program.evaluate_bool({"result": value}) for value in (0.97, 0.5, 0.99)]
    assert verdicts == [True, False, True]
    assert generated(program) is False
