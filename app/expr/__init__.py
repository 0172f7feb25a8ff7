"""expr-lang (v1.17.8) for Argo Rollouts conditions: ``successCondition``/``failureCondition``.

    program = compile("all(result.values, {asFloat(.value) >= 9900})")
    program.evaluate_bool({"result": decoded_json})

Compile once (syntax, names and provable type errors raise ExprCompileError with a located,
caret-rendered message; a condition that provably cannot finish within its step budget raises
ExprBudgetError), run many times (failures raise ExprRuntimeError). Nothing but ExprError
subclasses ever escapes, except ``SliceSpent`` inside a caller's ``inline_slice``. See errors.py
for the exception tree, limits.py for the budgets that keep user-supplied expressions cheap and
budget.py for what costs a step.

Stages, in pipeline order:

- tokens → lexer → operators (the precedence table) → nodes;
- parser: the operator grammar, on parse_operands (operands, calls, predicates, postfix
  chains; literals for numbers) and parse_cursor (token position, error location, limits);
- checker: static types (types); signatures holds the builtins' and Argo helpers' rules;
- compiler: one Python function per expression, run against support.NAMESPACE; gen_emitter
  holds the generator's state, gen_operators and gen_builtins emit operators and builtin calls;
- program: compile once (refusing what cost proves too costly), specialise per concrete value
  types; entry: the generated function a program's ``evaluate_bool`` becomes for the classes
  of values it keeps meeting (one call, a Budget only when something charges it);
- explain: why a condition was false (or true), for the measurements that are not Successful;
  it re-evaluates sub-trees through program (``compile_tree``), prints them with unparse and
  values with show.

Run-time semantics live in runtime (values, operators), builtins/listfuncs/codec/timefuncs
(with coerce for their arguments), regex (RE2, shared with the checker), gomath (Go's float
rounding) and argo (Argo's six helpers); budget says what a step costs and keeps the step and
CPU-time budgets, and cost finds, at compile time, the conditions that can never fit them.
cel is the second condition language, run by celpy: cel_check (names, macros), cel_budget (its
price per node, its functions' charges), cel_values (values, messages).

No module imports a later stage or one that imports it back: the checker and compiler read
the run time's tables (argo.ARGO_FUNCTIONS, builtins.BUDGETED) and regex, and the rule and
emission modules are handed the checker (a signatures.TypeChecker) or the generator (a
gen_emitter.Emitter) instead of importing it.

May import: nothing from ``app`` or ``providers``; it is the bottom layer with ``app.core``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .budget import Budget, SliceSpent, inline_slice, yield_at_checks
from .errors import (
    ExprBudgetError,
    ExprCompileError,
    ExprError,
    ExprNameError,
    ExprRuntimeError,
    ExprSyntaxError,
    ExprTypeError,
)
from .explain import PointTimes, explain
from .limits import DEFAULT_LIMITS, Limits
from .program import Program, compile_program
from .show import clip, show
from .timefuncs import GoTime
from .types import Float64List, type_of_value

__all__ = [
    "DEFAULT_LIMITS",
    "Budget",
    "ExprBudgetError",
    "ExprCompileError",
    "ExprError",
    "ExprNameError",
    "ExprRuntimeError",
    "ExprSyntaxError",
    "ExprTypeError",
    "Float64List",
    "GoTime",
    "Limits",
    "PointTimes",
    "Program",
    "SliceSpent",
    "clip",
    "compile",
    "compile_for_result",
    "explain",
    "inline_slice",
    "show",
    "yield_at_checks",
]


def compile(
    source: str, *, names: Collection[str] = ("result",), limits: Limits | None = None
) -> Program:
    """Compile ``source``; raise ExprSyntaxError / ExprNameError / ExprTypeError."""
    if not isinstance(source, str):
        raise ExprSyntaxError("expression must be a string")
    return compile_program(source, names=names, limits=limits)


def compile_for_result(source: str, result: Any, *, limits: Limits | None = None) -> Program:
    """Compile exactly as Argo does for one concrete ``result``: type errors that depend on
    the value's type are raised here as ExprTypeError (compile stage) instead of from run."""
    program = compile_program(source, names=("result",), limits=limits)
    signature = (type_of_value(result),)
    try:
        program.specialise(signature)
    except ExprRuntimeError as exc:
        if exc.from_checker:
            raise ExprTypeError(
                exc.message, source=exc.source, line=exc.line, column=exc.column
            ) from None
        raise
    return program
