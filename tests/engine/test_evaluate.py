"""``evaluate``, ``evaluate_helper_functions`` and ``evaluate_extra`` vectors, through
:mod:`app.engine.conditions` (EvalCondition / EvaluateResult) and the real :mod:`app.expr`."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

import pytest

import app.expr as expr
from app.engine.conditions import (
    NIL_OR_EMPTY,
    Condition,
    ConditionError,
    check_conditions,
    compile_conditions,
    eval_condition,
    evaluate_result,
    is_nil_or_empty,
)
from app.spec.errors import SpecError
from app.spec.models import Metric
from app.spec.status import Phase
from tests.engine.vectors import cases, section

SPECIAL = {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}


def floats(value: Any) -> Any:
    """A JSON-decoded Go value: every number is a float64."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [floats(v) for v in value]
    return {k: floats(v) for k, v in value.items()}


def go_value(case: dict[str, Any]) -> Any:
    raw, go_type = case["result"], case.get("result_go_type", "")
    if go_type.startswith("JSON-decoded"):
        return floats(raw)
    if go_type == "[]float64":
        return expr.Float64List(float(v) for v in raw)
    if go_type == "float64":
        return SPECIAL[raw] if isinstance(raw, str) else float(raw)
    if go_type == "int":
        return int(raw)
    return raw  # "string", "nil"


def expected_message(case: dict[str, Any]) -> str | None:
    for key in ("error_message", "verified_message", "expected_error"):
        if key in case:
            return str(case[key])
    return None


def check_eval_condition(case: dict[str, Any]) -> None:
    condition = Condition.compile("successCondition", case["condition"])
    result = go_value(case)
    if case["expected"] != "error":
        assert eval_condition(result, condition) is case["expected"]
        return
    with pytest.raises(ConditionError) as caught:
        eval_condition(result, condition)
    message = expected_message(case)
    if message is not None:
        assert caught.value.message == message
    if "expected_error_regex" in case:
        assert re.search(case["expected_error_regex"], caught.value.message)


def check_evaluate_result(case: dict[str, Any]) -> None:
    conditions = compile_conditions(case["successCondition"], case["failureCondition"])
    evaluation = evaluate_result(go_value(case), conditions)
    assert evaluation.phase == case["expected"]
    if case["expected"] == "Error":
        message = expected_message(case)
        if message is not None:
            assert evaluation.message == message
        for part in case.get("expected_message_contains", []):
            assert part in evaluation.message
    elif case["expected"] == "Successful":
        assert evaluation.message == ""
    else:  # Argo leaves it blank; augur says which condition decided (tests/expr/test_explain.py)
        assert evaluation.message.startswith(
            ("successCondition ", "failureCondition ", "neither condition decided: ")
        )


def check(case: dict[str, Any]) -> None:
    if case["api"] == "EvalCondition":
        check_eval_condition(case)
    else:
        check_evaluate_result(case)


@pytest.mark.parametrize("case", cases(section("evaluate")))
def test_evaluate(case: dict[str, Any]) -> None:
    check(case)


@pytest.mark.parametrize("case", cases(section("evaluate_extra")))
def test_evaluate_extra(case: dict[str, Any]) -> None:
    check(case)


GO_RESULTS: dict[str, Any] = {
    "nil *float64": None,
    "nil []string": None,
    "pointer to 1.0": 1.0,
    "[]float64{}": [],
    "[]string{}": [],
}


def run(source: str, result: Any = None) -> Any:
    return expr.compile(source).run({"result": result})


def eval_time(source: str) -> datetime:
    """Argo's EvalTime (Prometheus rangeQuery start/end): a time, or an error."""
    value = expr.compile(source, names=()).run({})
    value = getattr(value, "dt", value)  # app.expr wraps Go's time.Time
    if not isinstance(value, datetime):
        raise expr.ExprRuntimeError(f"expected time.Time, but got {type(value).__name__}")
    return value


@pytest.mark.parametrize("case", cases(section("evaluate_helper_functions")))
def test_evaluate_helper_functions(case: dict[str, Any]) -> None:
    fn = case["fn"]
    expected = case["expected"]
    if fn in ("asInt", "asFloat", "isInf"):
        arg = math.inf if case["arg"] == "+Inf(float64)" else case["arg"]
        if expected == "error(panic)":
            with pytest.raises(expr.ExprError):
                run(f"{fn}(result)", arg)
        else:
            value = run(f"{fn}(result)", arg)
            assert value == expected
            assert type(value) is type(expected)
    elif fn == "default":
        result = GO_RESULTS.get(case["result"], case["result"])
        assert run(case["call"], result) == expected
    elif fn == "isNil":
        result = (
            GO_RESULTS.get(case["result"], case["result"])
            if isinstance(case["result"], str)
            else case["result"]
        )
        assert run("isNil(result)", floats(result)) is expected
    elif fn.startswith("isNilOrEmpty"):
        result = case["result"]
        result = GO_RESULTS.get(result, result) if isinstance(result, str) else result
        assert is_nil_or_empty(result) is expected
    else:
        if expected == "error":
            with pytest.raises(expr.ExprError):
                eval_time(case["expr"])
        else:
            value = eval_time(case["expr"])
            assert value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == expected


@pytest.mark.parametrize(
    ("success", "failure", "result", "phase"),
    [
        pytest.param("", "", None, Phase.SUCCESSFUL, id="none-set"),
        pytest.param("result > 1", "", 2.0, Phase.SUCCESSFUL, id="success-only-true"),
        pytest.param("result > 1", "", 0.0, Phase.FAILED, id="success-only-false"),
        pytest.param("", "result > 1", 2.0, Phase.FAILED, id="failure-only-true"),
        pytest.param("", "result > 1", 0.0, Phase.SUCCESSFUL, id="failure-only-false"),
        pytest.param("result > 1", "result > 0", 2.0, Phase.FAILED, id="both-true"),
        pytest.param("result > 1", "result < 0", 2.0, Phase.SUCCESSFUL, id="success-true"),
        pytest.param("result > 1", "result < 0", 0.5, Phase.INCONCLUSIVE, id="neither"),
    ],
)
def test_truth_table(success: str, failure: str, result: Any, phase: Phase) -> None:
    assert evaluate_result(result, compile_conditions(success, failure)).phase == phase


def test_failure_is_not_evaluated_after_success_errors() -> None:
    evaluation = evaluate_result(1.0, compile_conditions("nope", "alsoNope"))
    assert evaluation.message == 'could not evaluate successCondition "nope": unknown name nope'


def test_nil_or_empty_replaces_the_reason() -> None:
    evaluation = evaluate_result(expr.Float64List(), compile_conditions("result[0] > 1", ""))
    assert (
        evaluation.message == f'could not evaluate successCondition "result[0] > 1": {NIL_OR_EMPTY}'
    )


def test_expression_is_quoted_raw_as_argo_does() -> None:
    evaluation = evaluate_result(1.0, compile_conditions('result == "a"', ""))
    assert evaluation.message.startswith('could not evaluate successCondition "result == "a"": ')


def test_check_conditions_locates_compile_errors() -> None:
    metrics = [
        Metric.model_validate(
            {"name": "ok", "successCondition": "result > 1", "provider": {"web": {}}}
        ),
        Metric.model_validate(
            {"name": "bad", "failureCondition": "result >", "provider": {"web": {}}}
        ),
    ]
    with pytest.raises(SpecError) as caught:
        check_conditions(metrics)
    assert caught.value.path == "spec.metrics[1].failureCondition"
    assert caught.value.message.startswith("unexpected token EOF")
