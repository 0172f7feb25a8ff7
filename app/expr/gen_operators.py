"""Code generation for operators: fast paths when the static kinds allow, helpers otherwise.

A comparison or arithmetic between values whose kinds are certain compiles to the Python
operator; anything else calls a run-time helper (``_eq``, ``_lt``, ``_add`` ...) that
reproduces Go's semantics and messages. A comparison whose cost grows with its operands (two
strings or lists, neither a literal) is handed the run's Budget, and so is every helper that
walks an operand (``in``, ``contains``, ``matches``, ``..``, ``+`` on strings, slices).
``all(xs, p) && all(xs, q)`` over the same list becomes one loop.
"""

from __future__ import annotations

from . import nodes as n
from . import types as t
from .errors import ExprSyntaxError
from .gen_builtins import emit_builtin
from .gen_emitter import LOGIC, Emitter

__all__ = ["emit_binary", "emit_unary", "same"]

_CMP_NAMES = {"<": "_lt", ">": "_gt", "<=": "_le", ">=": "_ge"}
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


def emit_unary(g: Emitter, node: n.Unary) -> str:
    if node.op in ("!", "not"):
        return f"(not {g.as_bool(node.operand)})"
    code = g.emit(node.operand)
    if node.op == "-":
        return f"(-{code})" if g.kind(node.operand) == "float" else f"_neg({code})"
    return code if g.kind(node.operand) in ("int", "float") else f"_pos({code})"


def _literal(node: n.Node) -> bool:
    """A scalar written in the condition: comparing against it costs at most its own length."""
    return isinstance(node, n.Nil | n.Bool | n.Int | n.Float | n.String | n.Bytes)


def emit_binary(g: Emitter, node: n.Binary) -> str:
    op = node.op
    left, right = node.left, node.right
    lk, rk = g.kind(left), g.kind(right)
    if op in LOGIC:
        return _logic(g, LOGIC[op], left, right)
    bounded = _literal(left) or _literal(right)
    if op in ("==", "!="):
        if (lk == rk and lk in ("int", "float")) or (lk == rk == "string" and bounded):
            code = f"({g.emit(left)} == {g.emit(right)})"
        elif bounded:
            fast = _float_fast(g, left, right, "==", "_eq({x}, {lit})", "_eq({lit}, {x})")
            code = fast or f"_eq({g.emit(left)}, {g.emit(right)})"
        else:
            code = f"{g.mark(node, op)}_eq({g.emit(left)}, {g.emit(right)}, _st)"
        return code if op == "==" else f"(not {code})"
    if op in _CMP_NAMES:
        if (
            (lk == rk and lk in ("float", "int"))
            or (lk == rk == "string" and bounded)
            or ({lk, rk} == {"int", "float"} and _is_small_int(g, left, right))
        ):
            return f"({g.emit(left)} {op} {g.emit(right)})"
        if bounded:
            helper = _CMP_NAMES[op]
            fast = _float_fast(g, left, right, op, helper + "({x}, {lit})", helper + "({lit}, {x})")
            return fast or f"{helper}({g.emit(left)}, {g.emit(right)})"
        return f"{g.mark(node, op)}{_CMP_NAMES[op]}({g.emit(left)}, {g.emit(right)}, _st)"
    a, b = g.emit(left), g.emit(right)
    if op in ("+", "-", "*"):
        numeric = lk in ("int", "float") and rk in ("int", "float")
        if numeric and "float" in (lk, rk):
            return f"({a} {op} {b})"
        if numeric:
            return f"_wrap({a} {op} {b})"
        if op == "+":
            return f"{g.mark(node, op)}_add(_st, {a}, {b})"
        return f"{'_sub' if op == '-' else '_mul'}({a}, {b})"
    simple = {"/": "_div", "%": "_mod", "**": "_pow", "^": "_pow"}
    if op in simple:
        return f"{simple[op]}({a}, {b})"
    if op in ("contains", "startsWith", "endsWith", "matches", ".."):
        helper = {"..": "_range"}.get(op, f"_{op}")
        return f"{g.mark(node, op)}{helper}(_st, {a}, {b})"
    if op == "??":
        return f"_coalesce({a}, lambda: {b})"
    if op == "in":
        return _emit_in(g, node, a, b)
    raise ExprSyntaxError(f"unknown operator {op}", line=node.line, column=node.column)


def _number_literal(node: n.Node) -> bool:
    """A number that compares the same as a Python float and after Go's conversion."""
    return isinstance(node, n.Float) or (isinstance(node, n.Int) and abs(node.value) <= 2**53)


def _float_fast(
    g: Emitter, left: n.Node, right: n.Node, op: str, slow_left: str, slow_right: str
) -> str | None:
    """A comparison of a value of unknown kind with a number literal: Python's operator when
    the value is a float (what every number of decoded JSON is), the helper otherwise."""
    if _number_literal(right) and not _number_literal(left):
        lit, code, fast, slow = g.emit(right), g.emit(left), "{x} %s {lit}", slow_left
    elif _number_literal(left) and not _number_literal(right):
        lit, code, fast, slow = g.emit(left), g.emit(right), "{lit} %s {x}", slow_right
    else:
        return None
    slow = slow.replace("{lit}", lit)
    inline = g.guard(code, "_type({first}) is _float", (fast % op).replace("{lit}", lit), slow)
    return inline or slow.format(x=code)  # the operands are emitted once either way


def _is_small_int(g: Emitter, left: n.Node, right: n.Node) -> bool:
    """An int literal within 2**53 compares the same in Python as after Go's conversion."""
    for side in (left, right):
        if g.kind(side) == "int" and not (isinstance(side, n.Int) and abs(side.value) <= 2**53):
            return False
    return True


def _emit_in(g: Emitter, node: n.Binary, a: str, b: str) -> str:
    right = node.right
    if (
        isinstance(right, n.Array)
        and right.items
        and all(isinstance(i, n.String) for i in right.items)
    ):
        values = frozenset(i.value for i in right.items if isinstance(i, n.String))
        return f"_in_strs({a}, {g.const(values)})"
    if (
        isinstance(right, n.Binary)
        and right.op == ".."
        and g.kind(node.left) == "int"
        and isinstance(right.left, n.Int)
        and isinstance(right.right, n.Int)
    ):
        return f"_in_range({a}, {right.left.value}, {right.right.value})"
    return f"{g.mark(node, 'in')}_in(_st, {a}, {b})"


def _logic(g: Emitter, op: str, left: n.Node, right: n.Node) -> str:
    """``and``/``or``: a constant side folds away, and two ``all``/``any``/``none`` over the
    same collection share one loop (the predicates themselves are joined)."""
    if isinstance(right, n.Bool):
        if right.value == (op == "and"):
            return g.emit(left)
        return "False" if op == "and" else "True"
    if isinstance(left, n.Bool):
        if left.value == (op == "and"):
            return g.emit(right)
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
        g.checked.types[id(body)] = t.UNKNOWN
        merged = n.Builtin(
            left.name, [left.args[0], n.Predicate(body)], line=left.line, column=left.column
        )
        return emit_builtin(g, merged)
    return f"({g.as_bool(left)} {op} {g.emit(right)})"
