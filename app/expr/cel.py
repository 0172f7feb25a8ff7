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
evaluation steps, and the length of what ``+`` builds.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError, CELParser
from celpy.evaluation import Activation, CELEvalError, Evaluator, Result, base_functions

from app.expr.errors import ExprNameError, ExprRuntimeError, ExprSyntaxError
from app.expr.limits import DEFAULT_LIMITS, Limits

__all__ = ["CEL_PREFIX", "CelProgram", "cel_body", "compile_cel", "is_cel"]

CEL_PREFIX = "cel:"

# Parse-tree levels allowed per unit of ``Limits.max_depth``. CEL's grammar spends ten levels per
# parenthesis and celpy's evaluator ~5 Python frames per level: 150 levels (13 nested parentheses,
# ~140 chained ``&&``) leave room under Python's default recursion limit of 1000.
_LEVELS_PER_DEPTH = 3
# Macro -> (arguments, leading arguments that name bound variables); reduce/min are celpy's.
_MACROS = {
    "all": (2, 1), "exists": (2, 1), "exists_one": (2, 1), "map": (2, 1), "filter": (2, 1),
    "reduce": (4, 2), "min": (0, 0),
}  # fmt: skip
_TYPE_NAMES = frozenset(
    {"bool", "bytes", "double", "duration", "int", "list", "map", "null_type", "string"}
    | {"timestamp", "type", "uint", "google"}
)
_FUNCTIONS = frozenset(name for name in base_functions if name.isidentifier()) | {"dyn"}
_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*\Z")
_CEL_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (celtypes.BoolType, "bool"),
    (celtypes.UintType, "uint"),
    (celtypes.IntType, "int"),
    (celtypes.DoubleType, "double"),
    (celtypes.StringType, "string"),
    (celtypes.BytesType, "bytes"),
    (celtypes.ListType, "list"),
    (celtypes.MapType, "map"),
    (celtypes.TimestampType, "google.protobuf.Timestamp"),
    (celtypes.DurationType, "google.protobuf.Duration"),
    (type(None), "null_type"),
    (type, "type"),
)
_OPERATORS = {
    "relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">=",
    "relation_eq": "==", "relation_ne": "!=", "relation_in": "in",
    "addition_add": "+", "addition_sub": "-", "multiplication_mul": "*",
    "multiplication_div": "/", "multiplication_mod": "%", "unary_not": "!", "unary_neg": "-",
}  # fmt: skip
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
            "expression nested too deeply", source=source, **_location(ast, source)
        )
    _Checker(source, frozenset(names)).check(ast)
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
        return _to_python(self._evaluate(env), self.source)

    def evaluate_bool(self, env: Mapping[str, Any]) -> bool:
        """Evaluate a condition; anything but a bool is an error naming the CEL type."""
        value = self._evaluate(env)
        if not isinstance(value, celtypes.BoolType):
            raise ExprRuntimeError(f"expected bool, but got {_type_name(value)}")
        return bool(value)

    def _evaluate(self, env: Mapping[str, Any]) -> Any:
        context = {name: _to_cel(env.get(name)) for name in self.names}  # absent: null, as expr
        budget = _Budget(self.limits)
        evaluator = _BudgetEvaluator(self._ast, _new_activation(), budget)
        try:
            return evaluator.evaluate(context)
        except CELEvalError as exc:
            raise _runtime_error(self.source, exc) from None
        except _BudgetExceeded as exc:
            raise ExprRuntimeError(str(exc)) from None
        except RecursionError:
            raise ExprRuntimeError("expression nested too deeply") from None
        except MemoryError:
            raise ExprRuntimeError("memory budget exceeded") from None
        except Exception as exc:  # celpy bugs must not escape as anything else
            raise ExprRuntimeError(f"{type(exc).__name__}: {exc}") from None


@functools.cache
def _parser() -> CELParser:
    # Not celpy.Environment: creating one resets the process-wide recursion limit to 2500.
    return CELParser()


def _new_activation() -> Activation:
    return Activation(annotations=celpy.googleapis)


class _BudgetExceeded(Exception):
    pass


class _Budget:
    """Counts evaluation steps and the length of what ``+`` builds, across nested macros."""

    __slots__ = ("built", "limits", "steps")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0
        self.built = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise _BudgetExceeded(f"evaluation exceeded {self.limits.max_steps} steps")

    def build(self, value: Result) -> None:
        if isinstance(value, str | bytes):
            limit, what = self.limits.max_string_length, "string"
        elif isinstance(value, list):
            limit, what = self.limits.max_array_length, "list"
        else:
            return
        self.built += len(value)
        if len(value) > limit or self.built > self.limits.max_string_length:
            raise _BudgetExceeded(f"{what} too long (more than {limit} elements built)")


class _BudgetEvaluator(Evaluator):
    """celpy's interpreter with a step budget shared by the evaluators of nested macros."""

    def __init__(self, ast: lark.Tree[Any], activation: Activation, budget: _Budget) -> None:
        super().__init__(ast, activation)
        self.budget = budget

    def sub_evaluator(self, ast: lark.Tree[Any]) -> Evaluator:
        return _BudgetEvaluator(ast, self.activation, self.budget)

    def visit_children(self, tree: lark.Tree[Any]) -> list[Result]:
        self.budget.step()
        return super().visit_children(tree)

    def addition(self, tree: lark.Tree[Any]) -> Result:
        value: Result = super().addition(tree)
        if len(tree.children) == 2:
            self.budget.build(value)
        return value


class _Checker:
    """Rejects undeclared names and misshapen macros before anything runs."""

    def __init__(self, source: str, names: frozenset[str]) -> None:
        self.source = source
        self.names = names

    def check(self, tree: lark.Tree[Any], scope: frozenset[str] = frozenset()) -> None:
        kind = tree.data
        if kind in ("ident", "dot_ident"):
            self._name(_token(tree, -1), scope, _TYPE_NAMES)
            return
        if kind in ("ident_arg", "dot_ident_arg"):
            token, args = _token(tree, 0), _args(tree, 1)
            if token.value == "has":
                self._has(tree, args)
            else:
                self._name(token, frozenset(), _FUNCTIONS)
            self._each(args, scope)
            return
        if kind == "member_dot_arg":
            self._method(tree, scope)
            return
        if kind == "member_dot":
            self.check(tree.children[0], scope)
            return
        self._each((c for c in tree.children if isinstance(c, lark.Tree)), scope)

    def _each(self, trees: Iterable[lark.Tree[Any]], scope: frozenset[str]) -> None:
        for tree in trees:
            self.check(tree, scope)

    def _method(self, tree: lark.Tree[Any], scope: frozenset[str]) -> None:
        member, token, args = tree.children[0], _token(tree, 1), _args(tree, 2)
        self.check(member, scope)
        shape = _MACROS.get(token.value)
        if shape is None:
            self._name(token, frozenset(), _FUNCTIONS)
            self._each(args, scope)
            return
        arity, bound_count = shape
        variables = [_bare_ident(arg) for arg in args[:bound_count]]
        if len(args) != arity or None in variables:
            want = {0: "no arguments", 2: "a variable and an expression"}.get(
                arity, "two variables, an initial value and an expression"
            )
            raise self._error(ExprSyntaxError, f"{token.value}() takes {want}", token)
        bound = scope | {name for name in variables if name is not None}
        for arg in args[len(variables) : -1]:  # reduce's initial value: outer scope
            self.check(arg, scope)
        if args:
            self.check(args[-1], bound)

    def _has(self, tree: lark.Tree[Any], args: list[lark.Tree[Any]]) -> None:
        if len(args) != 1 or _bare(args[0]).data != "member_dot":
            raise self._error(
                ExprSyntaxError, "has() takes a field selection like has(result.a)", tree
            )

    def _name(self, token: lark.Token, scope: frozenset[str], known: frozenset[str]) -> None:
        name = token.value
        if name not in scope and name not in self.names and name not in known:
            raise self._error(ExprNameError, f"undeclared reference to '{name}'", token)

    def _error(
        self, cls: type[ExprSyntaxError | ExprNameError], message: str, at: Any
    ) -> ExprSyntaxError | ExprNameError:
        return cls(message, source=self.source, **_location(at, self.source))


def _args(tree: lark.Tree[Any], index: int) -> list[lark.Tree[Any]]:
    if len(tree.children) <= index:
        return []
    exprlist = tree.children[index]
    return [child for child in exprlist.children if isinstance(child, lark.Tree)]


def _token(tree: lark.Tree[Any], index: int) -> lark.Token:
    token = tree.children[index]
    if not isinstance(token, lark.Token):  # pragma: no cover - the grammar guarantees it
        raise ExprSyntaxError(f"malformed {tree.data} node")
    return token


def _bare(tree: lark.Tree[Any]) -> lark.Tree[Any]:
    while len(tree.children) == 1 and isinstance(tree.children[0], lark.Tree):
        tree = tree.children[0]
    return tree


def _bare_ident(tree: lark.Tree[Any]) -> str | None:
    bare = _bare(tree)
    return str(_token(bare, 0).value) if bare.data == "ident" else None


def _height(tree: lark.Tree[Any]) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((c, level + 1) for c in node.children if isinstance(c, lark.Tree))
    return deepest


def _location(at: Any, source: str) -> dict[str, int]:
    if isinstance(at, lark.Token):
        line, column = at.line, at.column
    else:
        meta = getattr(at, "meta", None)
        line = getattr(meta, "line", None) if meta is not None else None
        column = getattr(meta, "column", None) if meta is not None else None
    if not line or not column:
        return {"line": 1, "column": 1} if source else {}
    return {"line": int(line), "column": int(column)}


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


def _runtime_error(source: str, exc: CELEvalError) -> ExprRuntimeError:
    if not (exc.line and exc.column):
        return ExprRuntimeError(_message(exc))
    return ExprRuntimeError(_message(exc), source=source, line=exc.line, column=exc.column)


def _message(exc: CELEvalError) -> str:
    """celpy's text, minus its Python internals (class reprs, grammar rule names)."""
    message = str(exc.args[0]) if exc.args else "evaluation failed"
    message = message.split(" (in activation ", 1)[0]
    extra = exc.args[2] if len(exc.args) > 2 and isinstance(exc.args[2], tuple) else ()
    detail = extra[0] if len(extra) == 1 else None
    if message == "no such key" and detail is not None:
        message = f"no such key: {_to_python(detail, '')!r}"
    elif isinstance(detail, str | bytes):
        text = detail.decode(errors="replace") if isinstance(detail, bytes) else detail
        if message == "return error for overflow":
            message = "overflow" if text == "overflow" else f"conversion failed: {text}"
        elif message in ("invalid_argument", "no such overload", "match error"):
            message = f"{message}: {text}"
    message = re.sub(r"Token\('RULE', '(\w+)'\)", lambda m: _OPERATORS.get(m[1], m[1]), message)
    message = re.sub(r"<class '[\w.]*?(\w+)'>", lambda m: _class_name(m[1]), message)
    message = re.sub(r"'([A-Z]\w*Type)'", lambda m: repr(_class_name(m[1])), message)
    message = re.sub(r"^None with type", "null with type", message)
    return re.sub(r"\b[A-Z]\w*Type\(([^()]*)\)", r"\1", message)


def _class_name(name: str) -> str:
    cls = getattr(celtypes, name, None)
    if name == "NoneType":
        return "null_type"
    return _type_name_of_class(cls) if isinstance(cls, type) else name


def _type_name_of_class(cls: type) -> str:
    for base, name in _CEL_TYPE_NAMES:
        if issubclass(cls, base):
            return name
    return cls.__name__


def _type_name(value: Any) -> str:
    return _type_name_of_class(type(value))


def _to_cel(value: Any) -> Any:
    try:
        return json_to_cel(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ExprRuntimeError(f"value not supported by CEL: {exc}") from None
    except RecursionError:
        raise ExprRuntimeError("value nested too deeply for CEL") from None


def _to_python(value: Any, source: str) -> Any:
    """celpy values back to plain Python (bool, int, float, str, bytes, None, list, dict)."""
    if value is None or isinstance(value, bool | celtypes.BoolType):
        return None if value is None else bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, list):
        return [_to_python(item, source) for item in value]
    if isinstance(value, dict):
        return {_to_python(k, source): _to_python(v, source) for k, v in value.items()}
    if isinstance(value, datetime.datetime):
        return datetime.datetime.combine(value.date(), value.timetz())
    if isinstance(value, datetime.timedelta):
        return datetime.timedelta(value.days, value.seconds, value.microseconds)
    if isinstance(value, type):
        return _type_name_of_class(value)
    if isinstance(value, CELEvalError):
        raise _runtime_error(source, value)
    raise ExprRuntimeError(f"CEL value of type {type(value).__name__} has no plain form")
