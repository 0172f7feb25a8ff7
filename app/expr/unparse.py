"""An AST back to expr-lang text, for messages that quote a part of a condition.

Nodes keep where they start but not where they end, so a sub-expression cannot be cut out of
the source; it is printed again instead, with only the parentheses its operators need.
``.value`` stands for ``#.value`` and ``a | all({...})`` comes back as ``all(a, {...})``:
the text means what the condition means, it is not byte for byte what the author typed.
"""

from __future__ import annotations

import json
import math

from . import nodes as n
from .operators import BINARY, UNARY
from .runtime import fmt_value

__all__ = ["unparse"]

# Precedence of what is not an operator: postfix chains and literals bind tightest; a
# conditional and a ``let`` loosest (they need parentheses anywhere but at the top).
_PRIMARY = 1000
_CONDITIONAL = -1
_BLOCK = -2
_COMPARISON_LEVEL = BINARY["=="].precedence


def _precedence(node: n.Node) -> int:
    if isinstance(node, n.Binary):
        return BINARY[node.op].precedence if node.op in BINARY else _PRIMARY
    if isinstance(node, n.Unary):
        return UNARY[node.op].precedence if node.op in UNARY else _PRIMARY
    if isinstance(node, n.Conditional):
        return _CONDITIONAL
    if isinstance(node, n.Variable | n.Sequence):
        return _BLOCK
    return _PRIMARY


def _sub(node: n.Node, at_least: int) -> str:
    text = unparse(node)
    return f"({text})" if _precedence(node) < at_least else text


def _float(value: float) -> str:
    if math.isfinite(value):
        return repr(value)
    return fmt_value(value)


def _member(node: n.Member) -> str:
    dot = "?." if node.optional else "."
    prop = node.prop
    implicit = isinstance(node.obj, n.Pointer) and node.obj.name == "" and not node.optional
    if implicit and isinstance(prop, n.String) and prop.value.isidentifier():
        return f".{prop.value}"
    obj = _sub(node.obj, _PRIMARY)
    if isinstance(prop, n.String) and prop.value.isidentifier():
        return f"{obj}{dot}{prop.value}"
    return f"{obj}{'?.' if node.optional else ''}[{unparse(prop)}]"


def _binary(node: n.Binary) -> str:
    level = _precedence(node)
    right_assoc = node.op in BINARY and BINARY[node.op].right_assoc
    # Comparisons never chain in the tree (``a < b < c`` is two comparisons joined by &&).
    left_min = level + 1 if level == _COMPARISON_LEVEL or right_assoc else level
    right_min = level if right_assoc else level + 1
    return f"{_sub(node.left, left_min)} {node.op} {_sub(node.right, right_min)}"


def _unary(node: n.Unary) -> str:
    operand = node.operand
    if node.op == "not" and isinstance(operand, n.Binary) and operand.op in (
        "in", "matches", "contains", "startsWith", "endsWith"
    ):  # fmt: skip
        return f"{_sub(operand.left, 21)} not {operand.op} {_sub(operand.right, 21)}"
    space = " " if node.op == "not" else ""
    return f"{node.op}{space}{_sub(operand, _precedence(node))}"


def _args(args: list[n.Node]) -> str:
    return ", ".join(_sub(a, _CONDITIONAL) for a in args)


def _key(key: n.Node) -> str:
    if isinstance(key, n.String) and key.value.isidentifier():
        return key.value
    if isinstance(key, n.String):
        return json.dumps(key.value, ensure_ascii=False)
    return f"({unparse(key)})"


def unparse(node: n.Node) -> str:
    """expr-lang text for ``node``."""
    if isinstance(node, n.Nil):
        return "nil"
    if isinstance(node, n.Bool):
        return "true" if node.value else "false"
    if isinstance(node, n.Int):
        return str(node.value)
    if isinstance(node, n.Float):
        return _float(node.value)
    if isinstance(node, n.String):
        return json.dumps(node.value, ensure_ascii=False)
    if isinstance(node, n.Bytes):
        return "b" + json.dumps(node.value.decode("latin-1"))
    if isinstance(node, n.Constant):
        return _float(node.value) if isinstance(node.value, float) else fmt_value(node.value)
    if isinstance(node, n.Identifier):
        return node.name
    if isinstance(node, n.Pointer):
        return "#" + node.name
    if isinstance(node, n.Unary):
        return _unary(node)
    if isinstance(node, n.Binary):
        return _binary(node)
    if isinstance(node, n.Chain):
        return unparse(node.node)
    if isinstance(node, n.Member):
        return _member(node)
    if isinstance(node, n.Slice):
        start = "" if node.start is None else unparse(node.start)
        stop = "" if node.stop is None else unparse(node.stop)
        return f"{_sub(node.obj, _PRIMARY)}[{start}:{stop}]"
    if isinstance(node, n.Call):
        callee = node.callee
        if isinstance(callee, n.Member) and callee.method and isinstance(callee.prop, n.String):
            dot = "?." if callee.optional else "."
            return f"{_sub(callee.obj, _PRIMARY)}{dot}{callee.prop.value}({_args(node.args)})"
        return f"{_sub(callee, _PRIMARY)}({_args(node.args)})"
    if isinstance(node, n.Builtin):
        return f"{node.name}({_args(node.args)})"
    if isinstance(node, n.Predicate):
        return "{" + unparse(node.body) + "}"
    if isinstance(node, n.Conditional):
        cond = _sub(node.cond, 0)
        return f"{cond} ? {_sub(node.then, _CONDITIONAL)} : {_sub(node.otherwise, _CONDITIONAL)}"
    if isinstance(node, n.Array):
        return "[" + _args(node.items) + "]"
    if isinstance(node, n.MapLit):
        pairs = (f"{_key(k)}: {_sub(v, _CONDITIONAL)}" for k, v in node.pairs)
        return "{" + ", ".join(pairs) + "}"
    if isinstance(node, n.Variable):
        return f"let {node.name} = {_sub(node.value, _CONDITIONAL)}; {unparse(node.body)}"
    if isinstance(node, n.Sequence):
        return "; ".join(_sub(i, _CONDITIONAL) for i in node.nodes)
    return f"<{type(node).__name__}>"
