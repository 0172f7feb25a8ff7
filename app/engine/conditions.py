"""A measurement's phase from its result and the metric's conditions (Argo ``EvaluateResult``).

| successCondition | failureCondition | phase                                                   |
|------------------|------------------|---------------------------------------------------------|
| empty            | empty            | Successful                                              |
| set              | empty            | Successful if true, else Failed                         |
| empty            | set              | Failed if true, else Successful                         |
| set              | set              | Failed if failure true; Successful if success true;     |
|                  |                  | else Inconclusive                                       |

Success is evaluated first; if it errors, failure is not evaluated. Any error gives ``Error`` with
``could not evaluate <kind> "<expression>": <reason>`` (the reason is replaced by Argo's "nil or
empty" text when the result is nil or an empty list). Conditions are compiled once: a compile error
is kept and reported the same way at evaluation (as Argo would), and :func:`check_conditions` lets
submission reject it up front with a located 422.

A Failed or Inconclusive phase says why, where Argo leaves the message blank: the condition that
decided and the values that decided it, from :func:`app.expr.explain`
(``successCondition <expression> is false: 3 of 10 points fail ...``). Only the message differs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from app import expr
from app.expr import cel
from app.spec.errors import SpecError, SpecIssue
from app.spec.models import Metric
from app.spec.status import Phase

__all__ = [
    "NIL_OR_EMPTY",
    "Condition",
    "ConditionError",
    "Conditions",
    "Evaluation",
    "check_conditions",
    "compile_conditions",
    "conditions_for",
    "eval_condition",
    "evaluate_result",
    "explain_condition",
    "is_nil_or_empty",
    "reason_detail",
    "typed_result",
]

NIL_OR_EMPTY = "metric result is nil or empty: no data returned from the metric provider"
Kind = Literal["successCondition", "failureCondition"]
#: When each point of a series in ``result`` was measured (``providers.base.Measured``).
PointTimes = expr.PointTimes
#: How much of a condition's text a message quotes.
SOURCE_CLIP = 300


class Program(Protocol):
    """What :mod:`app.expr` compiles to (only the part used here)."""

    def evaluate_bool(self, env: Mapping[str, Any]) -> bool: ...


def expr_error() -> type[Exception]:
    """``app.expr.ExprError``, the base of every error the expression language raises."""
    return expr.ExprError


def error_message(exc: Exception) -> str:
    """The bare engine text of an ``ExprError`` (no location), as Argo prints it."""
    return str(getattr(exc, "message", exc))


def compile_expression(source: str, limits: expr.Limits | None = None) -> Program:
    """``app.expr.compile`` with ``result`` as the only name; a ``cel:`` prefix selects CEL.
    ``limits`` are the budgets each evaluation gets (``expr.DEFAULT_LIMITS`` when None)."""
    if cel.is_cel(source):
        program: Program = cel.compile_cel(cel.cel_body(source), names=("result",), limits=limits)
    else:
        program = expr.compile(source, names=("result",), limits=limits)
    return program


class ConditionError(Exception):
    """One condition failed to compile or run; ``message`` is the bare reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Condition:
    kind: Kind
    source: str
    program: Program | None
    compile_error: Exception | None = None

    @classmethod
    def compile(cls, kind: Kind, source: str, limits: expr.Limits | None = None) -> Condition:
        try:
            return cls(kind, source, compile_expression(source, limits))
        except expr_error() as exc:
            return cls(kind, source, None, exc)


@dataclass(frozen=True, slots=True)
class Conditions:
    success: Condition | None = None
    failure: Condition | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The phase of one measurement; ``message`` says why for all but ``Successful``."""

    phase: Phase
    message: str = ""


def compile_conditions(
    success: str = "", failure: str = "", *, limits: expr.Limits | None = None
) -> Conditions:
    """Compile both conditions once (empty means "not set"); never raises."""
    return Conditions(
        Condition.compile("successCondition", success, limits) if success else None,
        Condition.compile("failureCondition", failure, limits) if failure else None,
    )


def conditions_for(metric: Metric, limits: expr.Limits | None = None) -> Conditions:
    return compile_conditions(metric.success_condition, metric.failure_condition, limits=limits)


def check_conditions(
    metrics: Sequence[Metric], *, prefix: str = "spec", limits: expr.Limits | None = None
) -> None:
    """Reject conditions that can never compile, or that provably cannot finish within their
    budget (``limits``), naming the field and showing a caret."""
    issues: list[SpecIssue] = []
    for index, metric in enumerate(metrics):
        conditions = conditions_for(metric, limits)
        for condition in (conditions.success, conditions.failure):
            if condition is not None and condition.compile_error is not None:
                issues.append(
                    SpecIssue(
                        f"{prefix}.metrics[{index}].{condition.kind}",
                        str(condition.compile_error),
                        "an expr-lang expression over `result` that yields a bool",
                    )
                )
    if issues:
        raise SpecError(issues)


def typed_result(result: Any, go_type: str) -> Any:
    """The value as the conditions see it: a Prometheus vector is Go's ``[]float64``, which
    the expression checker types more strictly than a decoded JSON list; CloudWatch's times
    are Go's ``time.Time``."""
    if go_type == "[]float64" and isinstance(result, list):
        return expr.Float64List(result)
    if go_type == "[]types.MetricDataResult" and isinstance(result, list):
        return [_with_times(item) for item in result]
    return result


def _with_times(item: Any) -> Any:
    """A CloudWatch MetricDataResult whose `Timestamps` are Go `time.Time`s, as in Argo, so
    `now() - result[0].Timestamps[0]` is a duration."""
    if not isinstance(item, Mapping) or not isinstance(item.get("Timestamps"), list):
        return item
    return {**item, "Timestamps": [expr.GoTime(t) for t in item["Timestamps"]]}


def is_nil_or_empty(result: Any) -> bool:
    """Argo's ``isNilOrEmpty``: nil, or an empty slice/array (not a string or a map)."""
    return result is None or (isinstance(result, list | tuple) and len(result) == 0)


def eval_condition(result: Any, condition: Condition) -> bool:
    """Argo's ``EvalCondition``: the condition's bool, or :class:`ConditionError`."""
    if condition.program is None:
        assert condition.compile_error is not None
        raise ConditionError(error_message(condition.compile_error))
    try:
        return condition.program.evaluate_bool({"result": result})
    except expr_error() as exc:
        raise ConditionError(error_message(exc)) from None


def _error(condition: Condition, reason: str, result: Any) -> Evaluation:
    if is_nil_or_empty(result):
        reason = NIL_OR_EMPTY
    return Evaluation(
        Phase.ERROR, f'could not evaluate {condition.kind} "{condition.source}": {reason}'
    )


def _why(
    condition: Condition, result: Any, outcome: bool, point_times: PointTimes | None
) -> tuple[str, str]:
    """(``<kind> <expression> is <outcome>``, the values that made it so); never raises."""
    text = re.sub(r"\s*\n\s*", " ", condition.source.strip())
    head = f"{condition.kind} {expr.clip(text, SOURCE_CLIP)} is {'true' if outcome else 'false'}"
    program = condition.program
    if isinstance(program, expr.Program):
        detail = expr.explain(program, result, outcome=outcome, point_times=point_times)
    else:  # CEL conditions are not walked: the message shows `result`
        detail = f"result is {expr.show(result)}"
    return head, detail


_HEAD = re.compile(r"^(?:successCondition|failureCondition) .*? is (?:true|false): ")


def reason_detail(message: str) -> str:
    """The values part of a message :func:`explain_condition` wrote (``3 of 10 points fail
    ...``), for places too narrow for the condition's text; any other message as it is."""
    return _HEAD.sub("", message, count=1)


def explain_condition(
    condition: Condition, result: Any, outcome: bool, point_times: PointTimes | None = None
) -> str:
    """``<kind> <expression> is <outcome>: <why>`` (see :func:`app.expr.explain`)."""
    head, detail = _why(condition, result, outcome, point_times)
    return f"{head}: {detail}" if detail else head


def _neither(conditions: Conditions, result: Any, point_times: PointTimes | None) -> str:
    """Inconclusive: both conditions were evaluated and both were false."""
    said = []
    for condition in (conditions.success, conditions.failure):
        assert condition is not None
        head, detail = _why(condition, result, False, point_times)
        said.append(f"{head} ({detail})" if detail else head)
    return "neither condition decided: " + " and ".join(said)


def evaluate_result(
    result: Any, conditions: Conditions, *, point_times: PointTimes | None = None
) -> Evaluation:
    """The measurement phase for ``result`` under ``conditions`` (the table above), and why when
    it is not Successful; ``point_times`` lets that say when the deciding points were measured."""
    success = failure = False
    for condition in (conditions.success, conditions.failure):
        if condition is None:
            continue
        try:
            outcome = eval_condition(result, condition)
        except ConditionError as exc:
            return _error(condition, exc.message, result)
        if condition.kind == "successCondition":
            success = outcome
        else:
            failure = outcome
    if conditions.success is None and conditions.failure is None:
        return Evaluation(Phase.SUCCESSFUL)
    if conditions.failure is None:
        failure = not success
    elif conditions.success is None:
        success = not failure
    if failure:
        decided = conditions.failure or conditions.success
        assert decided is not None
        why = explain_condition(decided, result, decided is conditions.failure, point_times)
        return Evaluation(Phase.FAILED, why)
    if not success:
        return Evaluation(Phase.INCONCLUSIVE, _neither(conditions, result, point_times))
    return Evaluation(Phase.SUCCESSFUL)
