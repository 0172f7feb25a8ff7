"""Code generation: each checked AST becomes one Python function, compiled once.

The generated source only references names that ``NAMESPACE`` injects (runtime helpers,
builtins, constants) plus the function's own parameters; no attribute access is ever
emitted, so an expression cannot reach Python internals. Loops charge the run's Budget with
the collection's length before they start, which keeps per-item overhead at zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import nodes as n
from . import types as t
from .argo import ARGO_FUNCTIONS
from .checker import Checked
from .errors import ExprSyntaxError
from .support import NAMESPACE

__all__ = ["generate"]


_NIL_BUILTINS = frozenset({"find", "findLast", "first", "last", "get", "max", "min"})


def _may_be_nil(node: n.Node) -> bool:
    if isinstance(node, n.Builtin):
        return node.name in _NIL_BUILTINS
    if isinstance(node, n.Chain):
        return True
    if isinstance(node, n.Binary):
        return node.op == "??"
    if isinstance(node, n.Conditional):
        return _may_be_nil(node.then) or _may_be_nil(node.otherwise)
    if isinstance(node, n.Sequence):
        return _may_be_nil(node.nodes[-1])
    if isinstance(node, n.Variable):
        return _may_be_nil(node.body)
    return False


_BOOL_OPERATORS = frozenset(
    {"==", "!=", "<", ">", "<=", ">=", "in", "matches", "contains", "startsWith", "endsWith"}
)
_BOOL_BUILTINS = frozenset({"all", "any", "none", "one", "hasPrefix", "hasSuffix"})
_CMP_NAMES = {"<": "_lt", ">": "_gt", "<=": "_le", ">=": "_ge"}
_LOGIC = {"&&": "and", "and": "and", "||": "or", "or": "or"}
_MERGEABLE = {("and", "all"), ("or", "any"), ("and", "none")}


def same(a: n.Node | None, b: n.Node | None) -> bool:
    """Structural equality of two subtrees, ignoring locations."""
    if a is None or b is None:
        return a is b
    if type(a) is not type(b):
        return False
    for slot in type(a).__slots__:
        if slot in ("line", "column"):
            continue
        x, y = getattr(a, slot), getattr(b, slot)
        if isinstance(x, n.Node):
            if not same(x, y):
                return False
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            for p, q in zip(x, y, strict=True):
                if isinstance(p, tuple):
                    if not (same(p[0], q[0]) and same(p[1], q[1])):
                        return False
                elif not same(p, q):
                    return False
        elif x != y or type(x) is not type(y):
            return False
    return True


class _Gen:
    def __init__(self, checked: Checked, names: list[str]) -> None:
        self.checked = checked
        self.env_names = names
        self.consts: dict[str, Any] = {}
        self.scopes: list[dict[str, str]] = []
        self.depth = 0
        self.counter = 0
        # Python forbids ``:=`` anywhere inside a comprehension's iterable expression.
        self.in_iterable = 0
        # ``let`` variables bound to a value that may be nil despite its static type.
        self.nilable: set[str] = set()

    def emit_iterable(self, node: n.Node) -> str:
        self.in_iterable += 1
        try:
            return self.emit(node)
        finally:
            self.in_iterable -= 1

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"_{prefix}{self.counter}"

    def const(self, value: Any) -> str:
        name = self.fresh("k")
        self.consts[name] = value
        return name

    def kind(self, node: n.Node) -> str:
        """The static kind when the run-time value is certain to have it, else "unknown".

        The checker types ``find``/``first``/``last``/``get`` and ``?.`` chains by their
        element type, but they yield nil when nothing is found; fast paths must not trust
        those, so a nil still fails with the engine's message.
        """
        if _may_be_nil(node) or (
            isinstance(node, n.Identifier) and self.resolve(node.name) in self.nilable
        ):
            return "unknown"
        return self.checked.of(node).kind

    def emit(self, node: n.Node) -> str:
        method: Callable[[Any], str] = getattr(self, "e_" + type(node).__name__.lower())
        return method(node)

    def is_bool(self, node: n.Node) -> bool:
        """True when the value is certainly a bool at run time, so no check is emitted.

        Static types alone are not enough: ``and``/``or`` pass their right operand through,
        and ``find``/``first``/``get``/indexing can yield nil whatever the element type.
        """
        if isinstance(node, n.Bool):
            return True
        if isinstance(node, n.Binary):
            if node.op in _LOGIC:
                return self.is_bool(node.right)
            return node.op in _BOOL_OPERATORS
        if isinstance(node, n.Unary):
            return node.op in ("!", "not")
        if isinstance(node, n.Conditional):
            return self.is_bool(node.then) and self.is_bool(node.otherwise)
        if isinstance(node, n.Sequence):
            return self.is_bool(node.nodes[-1])
        if isinstance(node, n.Variable):
            return self.is_bool(node.body)
        if isinstance(node, n.Builtin):
            return node.name in _BOOL_BUILTINS
        if isinstance(node, n.Call) and isinstance(node.callee, n.Identifier):
            return node.callee.name in ("isNaN", "isInf", "isNil") and not any(
                node.callee.name in scope for scope in self.scopes
            )
        return False

    def as_bool(self, node: n.Node) -> str:
        code = self.emit(node)
        return code if self.is_bool(node) else f"_bool({code})"

    # -- leaves ----------------------------------------------------------------
    def e_nil(self, node: n.Nil) -> str:
        return "None"

    def e_bool(self, node: n.Bool) -> str:
        return "True" if node.value else "False"

    def e_int(self, node: n.Int) -> str:
        return repr(node.value)

    def e_float(self, node: n.Float) -> str:
        if math.isfinite(node.value):
            return repr(node.value)
        return self.const(node.value)

    def e_string(self, node: n.String) -> str:
        return repr(node.value)

    def e_bytes(self, node: n.Bytes) -> str:
        return repr(node.value)

    def e_constant(self, node: n.Constant) -> str:
        return self.const(node.value)

    def resolve(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def e_identifier(self, node: n.Identifier) -> str:
        local = self.resolve(node.name)
        if local is not None:
            return local
        if node.name in self.env_names:
            return f"_e{self.env_names.index(node.name)}"
        if node.name == "$env":
            values = ", ".join(f"_e{i}" for i in range(len(self.env_names)))
            return (
                f"_env_map({self.const(tuple(self.env_names))}, ({values}{',' if values else ''}))"
            )
        if node.name in ARGO_FUNCTIONS:
            return f"_argofn_{node.name}"
        return "None"

    def e_pointer(self, node: n.Pointer) -> str:
        prefix = {"": "_p", "index": "_i", "acc": "_a"}[node.name]
        return f"{prefix}{self.depth}"

    # -- operators -------------------------------------------------------------
    def e_unary(self, node: n.Unary) -> str:
        if node.op in ("!", "not"):
            return f"(not {self.as_bool(node.operand)})"
        code = self.emit(node.operand)
        if node.op == "-":
            return f"(-{code})" if self.kind(node.operand) == "float" else f"_neg({code})"
        return code if self.kind(node.operand) in ("int", "float") else f"_pos({code})"

    def e_binary(self, node: n.Binary) -> str:
        op = node.op
        left, right = node.left, node.right
        lk, rk = self.kind(left), self.kind(right)
        if op in _LOGIC:
            return self.logic(_LOGIC[op], left, right)
        if op in ("==", "!="):
            if lk == rk and lk in ("int", "float", "string"):
                code = f"({self.emit(left)} == {self.emit(right)})"
            else:
                code = f"_eq({self.emit(left)}, {self.emit(right)})"
            return code if op == "==" else f"(not {code})"
        if op in _CMP_NAMES:
            if (lk == rk and lk in ("float", "string", "int")) or (
                {lk, rk} == {"int", "float"} and self.is_small_int(left, right)
            ):
                return f"({self.emit(left)} {op} {self.emit(right)})"
            return f"{_CMP_NAMES[op]}({self.emit(left)}, {self.emit(right)})"
        a, b = self.emit(left), self.emit(right)
        if op in ("+", "-", "*"):
            numeric = lk in ("int", "float") and rk in ("int", "float")
            if numeric and "float" in (lk, rk):
                return f"({a} {op} {b})"
            if numeric:
                return f"_wrap({a} {op} {b})"
            if op == "+":
                return f"_add(_st, {a}, {b})"
            return f"{'_sub' if op == '-' else '_mul'}({a}, {b})"
        simple = {"/": "_div", "%": "_mod", "**": "_pow", "^": "_pow", "contains": "_contains",
                  "startsWith": "_startsWith", "endsWith": "_endsWith"}  # fmt: skip
        if op in simple:
            return f"{simple[op]}({a}, {b})"
        if op == "matches":
            return f"_matches(_st, {a}, {b})"
        if op == "..":
            return f"_range(_st, {a}, {b})"
        if op == "??":
            return f"_coalesce({a}, lambda: {b})"
        if op == "in":
            return self.e_in(node, a, b)
        raise ExprSyntaxError(f"unknown operator {op}", line=node.line, column=node.column)

    def is_small_int(self, left: n.Node, right: n.Node) -> bool:
        """An int literal within 2**53 compares the same in Python as after Go's conversion."""
        for side in (left, right):
            if self.kind(side) == "int" and not (
                isinstance(side, n.Int) and abs(side.value) <= 2**53
            ):
                return False
        return True

    def e_in(self, node: n.Binary, a: str, b: str) -> str:
        right = node.right
        if (
            isinstance(right, n.Array)
            and right.items
            and all(isinstance(i, n.String) for i in right.items)
        ):
            values = frozenset(i.value for i in right.items if isinstance(i, n.String))
            return f"_in_strs({a}, {self.const(values)})"
        if (
            isinstance(right, n.Binary)
            and right.op == ".."
            and self.kind(node.left) == "int"
            and isinstance(right.left, n.Int)
            and isinstance(right.right, n.Int)
        ):
            return f"_in_range({a}, {right.left.value}, {right.right.value})"
        return f"_in({a}, {b})"

    def logic(self, op: str, left: n.Node, right: n.Node) -> str:
        if isinstance(right, n.Bool):
            if right.value == (op == "and"):
                return self.emit(left)
            return "False" if op == "and" else "True"
        if isinstance(left, n.Bool):
            if left.value == (op == "and"):
                return self.emit(right)
            return "False" if op == "and" else "True"
        if (
            isinstance(left, n.Builtin)
            and isinstance(right, n.Builtin)
            and left.name == right.name
            and (op, left.name) in _MERGEABLE
            and len(left.args) == 2
            and len(right.args) == 2
            and same(left.args[0], right.args[0])
        ):
            p, q = left.args[1], right.args[1]
            assert isinstance(p, n.Predicate)
            assert isinstance(q, n.Predicate)
            inner = "or" if left.name == "none" else op
            body = n.Binary(inner, p.body, q.body, line=p.line, column=p.column)
            self.checked.types[id(body)] = t.UNKNOWN
            merged = n.Builtin(left.name, [left.args[0], n.Predicate(body)])
            return self.e_builtin(merged)
        return f"({self.as_bool(left)} {op} {self.emit(right)})"

    def e_conditional(self, node: n.Conditional) -> str:
        cond = self.as_bool(node.cond)
        return f"({self.emit(node.then)} if {cond} else {self.emit(node.otherwise)})"

    # -- access ----------------------------------------------------------------
    def e_chain(self, node: n.Chain) -> str:
        return f"_chain(lambda: {self.emit(node.node)})"

    def e_member(self, node: n.Member) -> str:
        obj = self.emit(node.obj)
        key = self.emit(node.prop)
        if node.optional:
            return f"_ofetch({obj}, {key})"
        if isinstance(node.prop, n.String):
            if obj.isidentifier():
                # Inline the common case (a JSON object) to save a call per item.
                return f"({obj}.get({key}) if _type({obj}) is _dict else _fetch({obj}, {key}))"
            return f"_fetchs({obj}, {key})"
        return f"_fetch({obj}, {key})"

    def e_slice(self, node: n.Slice) -> str:
        start = "None" if node.start is None else self.emit(node.start)
        stop = "None" if node.stop is None else self.emit(node.stop)
        return f"_slice({self.emit(node.obj)}, {start}, {stop})"

    def e_call(self, node: n.Call) -> str:
        args = [self.emit(a) for a in node.args]
        callee = node.callee
        if (
            isinstance(callee, n.Identifier)
            and callee.name in ARGO_FUNCTIONS
            and not any(callee.name in s for s in self.scopes)
        ):
            if ARGO_FUNCTIONS[callee.name].needs_result:
                result = (
                    f"_e{self.env_names.index('result')}" if "result" in self.env_names else "None"
                )
                args.insert(0, result)
            if callee.name == "asFloat" and len(args) == 1 and not self.in_iterable:
                tmp = self.fresh("t")
                return f"({tmp} if _type({tmp} := {args[0]}) is _float else _argo_asFloat({tmp}))"
            return f"_argo_{callee.name}({', '.join(args)})"
        if isinstance(callee, n.Member) and callee.method:
            obj = self.emit(callee.obj)
            return f"_method({obj}, {self.emit(callee.prop)}, {', '.join(args)})"
        return f"_call({self.emit(callee)}, {', '.join(args)})"

    def e_builtin(self, node: n.Builtin) -> str:
        from .gen_builtins import emit_builtin

        return emit_builtin(self, node)

    def predicate(self, node: n.Node) -> tuple[str, int]:
        """Emit a predicate body one pointer level deeper; return (code, depth)."""
        self.depth += 1
        try:
            body = node.body if isinstance(node, n.Predicate) else node
            code = self.emit(body)
            return code, self.depth
        finally:
            self.depth -= 1

    # -- literals and binding --------------------------------------------------
    def e_array(self, node: n.Array) -> str:
        return "[" + ", ".join(self.emit(i) for i in node.items) + "]"

    def e_maplit(self, node: n.MapLit) -> str:
        keys = [k.value for k, _ in node.pairs if isinstance(k, n.String)]
        if len(keys) == len(node.pairs) and len(set(keys)) == len(keys):
            parts = [f"{k!r}: {self.emit(v)}" for k, (_, v) in zip(keys, node.pairs, strict=True)]
            return "{" + ", ".join(parts) + "}"
        pairs = ", ".join(f"({self.emit(k)}, {self.emit(v)})" for k, v in node.pairs)
        return f"_map_lit({pairs})"

    def e_variable(self, node: n.Variable) -> str:
        value = self.emit(node.value)
        name = self.fresh("v")
        if self.kind(node.value) == "unknown":
            self.nilable.add(name)
        self.scopes.append({node.name: name})
        try:
            body = self.emit(node.body)
        finally:
            self.scopes.pop()
        return f"(lambda {name}: {body})({value})"

    def e_sequence(self, node: n.Sequence) -> str:
        return "(" + ", ".join(self.emit(i) for i in node.nodes) + ")[-1]"


def generate(
    tree: n.Node, checked: Checked, *, names: list[str], source: str
) -> Callable[..., Any]:
    """Return ``fn(budget, *values)`` (one value per name, in order) for a checked tree."""
    gen = _Gen(checked, names)
    body = gen.emit(tree)
    params = "".join(f", _e{i}" for i in range(len(names)))
    code = f"def _expr(_st{params}):\n    return {body}\n"
    namespace = dict(NAMESPACE)
    namespace.update(gen.consts)
    try:
        compiled = compile(code, "<expr>", "exec")
        exec(compiled, namespace)  # noqa: S102 - source built only from escaped literals/names
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise ExprSyntaxError(
            "expression nested too deeply", source=source, line=1, column=1
        ) from None
    fn: Callable[..., Any] = namespace["_expr"]
    return fn
