"""CEL as a second condition language, run by cel-python (``celpy``).

A condition whose text starts with ``cel:`` (after optional leading whitespace) is CEL; the rest
is the program. In expr-lang ``cel: ...`` is a syntax error, so no valid Argo template changes
meaning. :class:`CelProgram` has the interface of the expr ``Program`` (``source``, ``run``,
``evaluate_bool``) and raises only the :class:`~app.expr.errors.ExprError` family:

- parse errors are :class:`ExprSyntaxError` with celpy's line/column (relative to the text after
  the prefix), and so is a misshapen macro (``xs.all(1, true)``);
- an undeclared variable, function or method is an :class:`ExprNameError` at compile time, since
  celpy would only notice when it runs (only ``result`` is declared);
- everything else (missing key, no overload, division by zero, budgets) is an
  :class:`ExprRuntimeError`, located when celpy knows the node.

celpy's interpreter is used rather than its transpiler: the transpiler is ~5x faster but keeps
the activation in a module global (not thread-safe), logs every user error at ERROR level,
reduces its messages to ``evaluation error`` and rejects ``min()``/``reduce()`` (cel-python 0.5).
Budgets come from :class:`~app.expr.limits.Limits`: source length, nesting (parse-tree height),
evaluation steps and CPU time (the expr engine's Budget, each node priced at what celpy spends on
it), and the length of what ``+`` builds.

This module compiles and runs; the name and macro check is cel_check.py, the run's budget
cel_budget.py, and the conversion of values and error messages cel_values.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.celparser import CELParseError, CELParser
from celpy.evaluation import Activation, CELEvalError

from app.expr.budget import Budget
from app.expr.cel_budget import BudgetEvaluator, CelRun, call_name, charged_functions
from app.expr.cel_check import CelChecker, location
from app.expr.cel_values import runtime_error, to_cel, to_python, type_name
from app.expr.errors import ExprBudgetError, ExprNameError, ExprRuntimeError, ExprSyntaxError
from app.expr.limits import DEFAULT_LIMITS, Limits

__all__ = ["CEL_PREFIX", "CelProgram", "cel_body", "compile_cel", "is_cel", "warm"]

CEL_PREFIX = "cel:"

# Parse-tree levels allowed per unit of ``Limits.max_depth``. CEL's grammar spends ten levels per
# parenthesis and celpy's evaluator ~5 Python frames per level: 150 levels (13 nested parentheses,
# ~140 chained ``&&``) leave room under Python's default recursion limit of 1000.
_LEVELS_PER_DEPTH = 3
_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*\Z")
_CLOSERS = {"RPAR": "')'", "RSQB": "']'", "RBRACE": "'}'", "COLON": "':'"}


def is_cel(text: str) -> bool:
    """True when ``text`` is a CEL condition (``cel:`` after optional leading whitespace)."""
    return text.lstrip().startswith(CEL_PREFIX)


def cel_body(text: str) -> str:
    """The CEL program of a ``cel:`` condition (everything after the prefix)."""
    stripped = text.lstrip()
    if not stripped.startswith(CEL_PREFIX):
        raise ValueError(f"not a CEL condition (no {CEL_PREFIX!r} prefix)")
    return stripped[len(CEL_PREFIX) :]


def compile_cel(
    source: str, *, names: Collection[str] = ("result",), limits: Limits | None = None
) -> CelProgram:
    """Parse and check ``source`` (without the prefix) once; run the result many times."""
    limits = limits or DEFAULT_LIMITS
    if not isinstance(source, str):
        raise ExprSyntaxError("expression must be a string")
    if len(source) > limits.max_source_length:
        raise ExprSyntaxError(
            f"expression too long ({len(source)} > {limits.max_source_length} characters)",
            source=source[:200],
            line=1,
            column=1,
        )
    bad = [name for name in names if not _IDENT.match(name)]
    if bad:
        raise ExprNameError(f"cannot declare {', '.join(map(repr, bad))}: not CEL identifiers")
    try:
        ast = _parser().parse(source)
    except CELParseError as exc:
        raise _syntax_error(source, exc) from None
    except Exception as exc:  # lark's own errors, RecursionError: still the caller's text
        raise ExprSyntaxError(f"cannot parse: {exc}", source=source) from None
    if _height(ast) > limits.max_depth * _LEVELS_PER_DEPTH:
        raise ExprSyntaxError(
            "expression nested too deeply", source=source, **location(ast, source)
        )
    CelChecker(source, frozenset(names)).check(ast)
    return CelProgram(source, ast, names=tuple(names), limits=limits)


class CelProgram:
    """A compiled CEL condition with the interface of the expr ``Program``."""

    __slots__ = ("_ast", "limits", "names", "source")

    def __init__(
        self, source: str, ast: lark.Tree[Any], *, names: tuple[str, ...], limits: Limits
    ) -> None:
        self.source = source
        self.names = names
        self.limits = limits
        self._ast = ast

    def __repr__(self) -> str:
        return f"CelProgram({self.source!r})"

    def run(self, env: Mapping[str, Any]) -> Any:
        """Evaluate against ``env`` (name -> plain JSON-like value); return a plain value."""
        return to_python(self._evaluate(env), self.source)

    def evaluate_bool(self, env: Mapping[str, Any]) -> bool:
        """Evaluate a condition; anything but a bool is an error naming the CEL type."""
        value = self._evaluate(env)
        if not isinstance(value, celtypes.BoolType):
            raise ExprRuntimeError(f"expected bool, but got {type_name(value)}")
        return bool(value)

    def _evaluate(self, env: Mapping[str, Any]) -> Any:
        context = {name: to_cel(env.get(name)) for name in self.names}  # absent: null, as expr
        run = CelRun(Budget(self.limits))
        activation = Activation(
            annotations=celpy.googleapis, functions=charged_functions(run.budget)
        )
        evaluator = BudgetEvaluator(self._ast, activation, run)
        try:
            return evaluator.evaluate(context)
        except CELEvalError as exc:
            raise runtime_error(self.source, exc) from None
        except ExprBudgetError as exc:
            raise self._located(exc, run) from None
        except ExprRuntimeError:
            raise
        except RecursionError:
            raise ExprRuntimeError("expression nested too deeply") from None
        except MemoryError:
            raise ExprRuntimeError("memory budget exceeded") from None
        except Exception as exc:  # celpy bugs must not escape as anything else
            raise ExprRuntimeError(f"{type(exc).__name__}: {exc}") from None

    def _located(self, exc: ExprBudgetError, run: CelRun) -> ExprBudgetError:
        """``exc`` naming the innermost call or macro that was running."""
        if not run.calls:
            return exc
        call = run.calls[-1]
        where = location(call, self.source)
        line, column = where.get("line", 0), where.get("column", 0)
        message = f"{exc.message} at {call_name(call)} ({line}:{column})"
        return ExprBudgetError(message, source=self.source, line=line, column=column)


def warm() -> None:
    """Build celpy's parser now (about 0.1 s of CPU, once per process) rather than inside the
    first CEL condition's compile, which may be on a server's event loop."""
    _parser()


@functools.cache
def _parser() -> CELParser:
    # Not celpy.Environment: creating one resets the process-wide recursion limit to 2500.
    return CELParser()


def _height(tree: lark.Tree[Any]) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((c, level + 1) for c in node.children if isinstance(c, lark.Tree))
    return deepest


def _syntax_error(source: str, exc: CELParseError) -> ExprSyntaxError:
    cause = exc.__context__
    token = getattr(cause, "token", None)
    if token is not None and token.type == "$END":
        lines = source.split("\n")
        message = "unexpected end of input"
        line, column = len(lines), len(lines[-1]) + 1
    else:
        if token is not None:
            message = f"unexpected token {str(token)!r}"
        else:
            message = f"unexpected character {getattr(cause, 'char', '?')!r}"
        line, column = exc.line or 1, exc.column or 1
    expected = sorted(getattr(cause, "expected", None) or ())
    if len(expected) == 1 and expected[0] in _CLOSERS:
        message += f", expected {_CLOSERS[expected[0]]}"
    return ExprSyntaxError(message, source=source, line=line, column=column)
