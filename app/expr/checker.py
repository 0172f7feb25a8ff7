"""Static type checking, as expr's checker does it with Argo's ``expr.Env(env)``.

Types come from the concrete environment values (see ``types.type_of_value``): Argo compiles
each condition against the actual ``result``, so ``result.x`` is a type error for a number and
a run-time nil for a map. Values read out of JSON maps/lists are ``unknown`` (Go's
``interface{}``) and checked at run time instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from . import nodes as n
from . import types as t
from .argo import ARGO_FUNCTIONS
from .errors import ExprNameError, ExprTypeError
from .operators import BUILTIN_NAMES
from .regex import compile_regex
from .signatures import check_argo_call, check_builtin
from .types import Type

__all__ = ["Checked", "check"]

_ORDERED = frozenset({"int", "float", "string", "time", "duration"})


class Checked:
    """Result of checking: the static type of every node, keyed by ``id(node)``."""

    def __init__(self) -> None:
        self.types: dict[int, Type] = {}

    def of(self, node: n.Node) -> Type:
        return self.types.get(id(node), t.UNKNOWN)


class _Checker:
    def __init__(self, source: str, env: Mapping[str, Type]) -> None:
        self.source = source
        self.env = env
        self.out = Checked()
        self.scopes: list[dict[str, Type]] = []
        self.pointers: list[tuple[Type, Type | None]] = []

    def error(self, node: n.Node, message: str) -> ExprTypeError:
        return ExprTypeError(message, source=self.source, line=node.line, column=node.column)

    def visit(self, node: n.Node) -> Type:
        method = getattr(self, "visit_" + type(node).__name__.lower())
        result: Type = method(node)
        self.out.types[id(node)] = result
        return result

    # -- leaves ----------------------------------------------------------------
    def visit_nil(self, node: n.Nil) -> Type:
        return t.NIL

    def visit_bool(self, node: n.Bool) -> Type:
        return t.BOOL

    def visit_int(self, node: n.Int) -> Type:
        return t.INT

    def visit_float(self, node: n.Float) -> Type:
        return t.FLOAT

    def visit_string(self, node: n.String) -> Type:
        return t.STRING

    def visit_bytes(self, node: n.Bytes) -> Type:
        return t.BYTES

    def visit_constant(self, node: n.Constant) -> Type:
        return t.type_of_value(node.value)

    def visit_identifier(self, node: n.Identifier) -> Type:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        if node.name in self.env:
            return self.env[node.name]
        if node.name == "$env":
            return t.UNKNOWN
        if node.name in ARGO_FUNCTIONS or _is_builtin(node.name):
            return t.FUNC
        raise self.unknown_name(node, node.name)

    def unknown_name(self, node: n.Node, name: str) -> ExprNameError:
        """expr-lang's ``unknown name x``, with the closest name in scope, env or functions."""
        known: Iterable[str] = (
            *(key for scope in self.scopes for key in scope),
            *self.env,
            *ARGO_FUNCTIONS,
            *BUILTIN_NAMES,
        )
        error = ExprNameError(
            f"unknown name {name}", source=self.source, line=node.line, column=node.column
        )
        error.suggestion = _closest(name, known)
        return error

    def visit_pointer(self, node: n.Pointer) -> Type:
        if not self.pointers:
            raise self.error(node, "cannot use pointer accessor outside predicate")
        elem, acc = self.pointers[-1]
        if node.name == "":
            return elem
        if node.name == "index":
            return t.INT
        if node.name == "acc" and acc is not None:
            return acc
        raise ExprNameError(
            f"unknown pointer #{node.name}", source=self.source, line=node.line, column=node.column
        )

    # -- operators -------------------------------------------------------------
    def visit_unary(self, node: n.Unary) -> Type:
        operand = self.visit(node.operand)
        if node.op in ("!", "not"):
            if operand.kind in ("bool", "unknown"):
                return t.BOOL
        elif operand.is_number or operand.is_unknown:
            return operand
        raise self.error(node, f"invalid operation: {node.op} (mismatched type {operand})")

    def visit_binary(self, node: n.Binary) -> Type:
        left = self.visit(node.left)
        right = self.visit(node.right)
        result = _binary_type(node.op, left, right)
        if result is None:
            raise self.error(
                node, f"invalid operation: {node.op} (mismatched types {left} and {right})"
            )
        if node.op == "in":
            self.check_in(node, left, right)
        if node.op == "matches" and isinstance(node.right, n.String):
            message = compile_regex(node.right.value, max_length=None, check_only=True)
            if message:
                raise self.error(node, message)
        return result

    def check_in(self, node: n.Node, left: Type, right: Type) -> None:
        if right.kind == "map" and left.kind not in ("string", "unknown"):
            raise self.error(node, f"cannot use {left} as type string in map key")
        elem = right.elem
        if (
            right.kind == "array"
            and elem is not None
            and not elem.is_unknown
            and left.kind not in ("unknown", "nil")
            and not _assignable(left, elem)
        ):
            raise self.error(node, f"cannot use {left} as type {right.elem} in array")

    def visit_conditional(self, node: n.Conditional) -> Type:
        cond = self.visit(node.cond)
        if cond.kind not in ("bool", "unknown"):
            raise self.error(node, f"non-bool expression (type {cond}) used as condition")
        then = self.visit(node.then)
        other = self.visit(node.otherwise)
        return then if then == other else t.UNKNOWN

    # -- access ----------------------------------------------------------------
    def visit_chain(self, node: n.Chain) -> Type:
        return self.visit(node.node)

    def visit_member(self, node: n.Member) -> Type:
        if (
            isinstance(node.obj, n.Identifier)
            and node.obj.name == "$env"
            and isinstance(node.prop, n.String)
            and not node.optional
            and not any("$env" in scope for scope in self.scopes)
        ):
            self.out.types[id(node.obj)] = t.MAP
            self.out.types[id(node.prop)] = t.STRING
            name = node.prop.value
            if name in self.env:
                return self.env[name]
            if name in ARGO_FUNCTIONS:
                return t.FUNC
            raise self.unknown_name(node, name)
        obj = self.visit(node.obj)
        prop = self.visit(node.prop)
        field = node.prop.value if isinstance(node.prop, n.String) else None
        kind = obj.kind
        if kind == "unknown":
            return t.UNKNOWN
        if kind == "map":
            if prop.kind not in ("string", "unknown"):
                raise self.error(node, f"cannot use {prop} to get an element from {obj}")
            return obj.elem or t.UNKNOWN
        if kind in ("array", "bytes"):
            if prop.kind not in ("int", "unknown"):
                raise self.error(
                    node, f"array elements can only be selected using an integer (got {prop})"
                )
            return (obj.elem or t.UNKNOWN) if kind == "array" else t.INT
        if kind in ("time", "duration") and node.method:
            return t.UNKNOWN
        if field is not None:
            if node.method:
                raise self.error(node, f"type {_tname(obj)} has no method {field}")
            raise self.error(node, f"type {_tname(obj)} has no field {field}")
        raise self.error(node, f"type {obj}[{prop}] is undefined")

    def visit_slice(self, node: n.Slice) -> Type:
        obj = self.visit(node.obj)
        for bound in (node.start, node.stop):
            if bound is not None:
                kind = self.visit(bound)
                if kind.kind not in ("int", "unknown"):
                    raise self.error(node, f"non-integer slice index {kind}")
        if obj.kind in ("array", "string", "unknown", "bytes"):
            return obj
        raise self.error(node, f"cannot slice {obj}")

    def visit_call(self, node: n.Call) -> Type:
        callee = node.callee
        if (
            isinstance(callee, n.Identifier)
            and callee.name in ARGO_FUNCTIONS
            and not any(callee.name in scope for scope in self.scopes)
        ):
            arg_types = [self.visit(arg) for arg in node.args]
            self.out.types[id(callee)] = t.FUNC
            return check_argo_call(self, node, ARGO_FUNCTIONS[callee.name], arg_types)
        kind = self.visit(callee)
        for arg in node.args:
            self.visit(arg)
        if kind.kind in ("func", "unknown"):
            return t.UNKNOWN
        raise self.error(node, f"{kind} is not callable")

    def visit_builtin(self, node: n.Builtin) -> Type:
        return check_builtin(self, node)

    def visit_predicate(self, node: n.Predicate) -> Type:
        return self.visit(node.body)

    def check_predicate(self, node: n.Node, elem: Type, acc: Type | None = None) -> Type:
        self.pointers.append((elem, acc))
        try:
            result = self.visit(node)
        finally:
            self.pointers.pop()
        return result

    # -- literals and binding --------------------------------------------------
    def visit_array(self, node: n.Array) -> Type:
        kinds = [self.visit(item) for item in node.items]
        if kinds and all(k.kind == kinds[0].kind for k in kinds):
            return Type("array", kinds[-1], display="[]interface {}")
        return t.ARRAY

    def visit_maplit(self, node: n.MapLit) -> Type:
        for key, value in node.pairs:
            self.visit(key)
            self.visit(value)
        return t.MAP

    def visit_variable(self, node: n.Variable) -> Type:
        if node.name in self.env or node.name in ARGO_FUNCTIONS:
            raise self.error(node, f"cannot redeclare {node.name}")
        if _is_builtin(node.name):
            raise self.error(node, f"cannot redeclare builtin {node.name}")
        if any(node.name in scope for scope in self.scopes):
            raise self.error(node, f"cannot redeclare variable {node.name}")
        value = self.visit(node.value)
        self.scopes.append({node.name: value})
        try:
            return self.visit(node.body)
        finally:
            self.scopes.pop()

    def visit_sequence(self, node: n.Sequence) -> Type:
        result = t.UNKNOWN
        for item in node.nodes:
            result = self.visit(item)
        return result


def _closest(name: str, known: Iterable[str]) -> str:
    """The known name most like ``name`` (difflib's default cut-off), or ``""``."""
    found = difflib.get_close_matches(name, sorted(set(known) - {name}), n=1)
    return found[0] if found else ""


def _is_builtin(name: str) -> bool:
    return name in BUILTIN_NAMES


def _tname(kind: Type) -> str:
    return "nil" if kind.kind == "nil" else str(kind)


def _assignable(value: Type, target: Type) -> bool:
    if value == target or (value.kind == "array" and target.kind == "array"):
        return True
    return value.is_number and target.is_number


def _either_unknown(lk: str, rk: str, allowed: frozenset[str]) -> bool:
    if lk == "unknown":
        return rk == "unknown" or rk in allowed
    return rk == "unknown" and lk in allowed


def _binary_type(op: str, left: Type, right: Type) -> Type | None:
    lk, rk = left.kind, right.kind
    unknown = lk == "unknown" or rk == "unknown"
    if op in ("==", "!="):
        if unknown or lk == "nil" or rk == "nil" or left == right:
            return t.BOOL
        if lk == rk and lk in ("array", "map"):
            return t.BOOL
        if left.is_number and right.is_number:
            return t.BOOL
        return None
    if op in ("&&", "||", "and", "or"):
        if lk in ("bool", "unknown") and rk in ("bool", "unknown"):
            return t.BOOL
        return None
    if op in ("<", ">", "<=", ">="):
        if left.is_number and right.is_number:
            return t.BOOL
        if lk in _ORDERED and lk == rk:
            return t.BOOL
        if _either_unknown(lk, rk, _ORDERED):
            return t.BOOL
        return None
    if op in ("+", "-", "*"):
        if lk == "int" and rk == "int":
            return t.INT
        if left.is_number and right.is_number:
            return t.FLOAT
        if op == "+" and lk == "string" and rk == "string":
            return t.STRING
        if op in ("+", "-") and lk in ("time", "duration") and rk in ("time", "duration"):
            if lk == "time" and rk == "time":
                return t.DURATION if op == "-" else None
            return t.TIME if "time" in (lk, rk) else t.DURATION
        allowed = _ORDERED if op != "*" else frozenset({"int", "float"})
        if _either_unknown(lk, rk, allowed):
            return t.UNKNOWN
        return None
    if op in ("/", "**", "^"):
        if (left.is_number or lk == "unknown") and (right.is_number or rk == "unknown"):
            return t.FLOAT
        return None
    if op == "%":
        if lk in ("int", "unknown") and rk in ("int", "unknown"):
            return t.INT
        return None
    if op == "in":
        if rk in ("array", "map", "unknown") or (rk == "string" and lk == "unknown"):
            return t.BOOL
        return None
    if op in ("matches", "contains", "startsWith", "endsWith"):
        if lk in ("string", "unknown") and rk in ("string", "unknown"):
            return t.BOOL
        return None
    if op == "..":
        if lk in ("int", "unknown") and rk in ("int", "unknown"):
            return Type("array", t.INT, display="[]interface {}")
        return None
    if op == "??":
        if lk == "nil":
            return right
        if rk == "nil" or left == right:
            return left
        return t.UNKNOWN
    return None


def check(tree: n.Node, *, source: str, env: Mapping[str, Type]) -> Checked:
    """Type-check ``tree`` against the environment's static types; raise ExprCompileError."""
    checker = _Checker(source, env)
    checker.visit(tree)
    return checker.out
