"""Static rules for the builtins and Argo's helpers: argument counts and types, result types,
exact messages.

The checker hands itself in as a ``TypeChecker`` (the three calls these rules make back into
it), so this module never imports checker.py: the checker depends on its rules, not the other
way round. The Argo helpers' table comes from argo.py, which is run-time data only.
"""

from __future__ import annotations

from typing import Protocol

from . import nodes as n
from . import types as t
from .argo import ArgoFunction
from .errors import ExprTypeError
from .types import Type

__all__ = ["TypeChecker", "check_argo_call", "check_builtin"]


class TypeChecker(Protocol):
    """What the rules need from the checker: type a subtree, type a predicate, make an error."""

    def visit(self, node: n.Node) -> Type: ...

    def check_predicate(self, node: n.Node, elem: Type, acc: Type | None = None) -> Type: ...

    def error(self, node: n.Node, message: str) -> ExprTypeError: ...


_BOOL_PREDICATES = frozenset(
    {"all", "none", "any", "one", "filter", "find", "findIndex", "findLast", "findLastIndex",
     "count"}
)  # fmt: skip
_COLLECTION = frozenset({*_BOOL_PREDICATES, "map", "sum", "groupBy", "sortBy", "reduce"})
_STRING_FUNCS: dict[str, tuple[tuple[str, ...], int, Type]] = {
    # name: (parameter kinds, required count, result)
    "trim": (("s", "s"), 1, t.STRING),
    "trimPrefix": (("s", "s"), 2, t.STRING),
    "trimSuffix": (("s", "s"), 2, t.STRING),
    "upper": (("s",), 1, t.STRING),
    "lower": (("s",), 1, t.STRING),
    "split": (("s", "s", "i"), 2, t.ARRAY),
    "splitAfter": (("s", "s", "i"), 2, t.ARRAY),
    "replace": (("s", "s", "s"), 3, t.STRING),
    "repeat": (("s", "i"), 2, t.STRING),
    "indexOf": (("s", "s"), 2, t.INT),
    "lastIndexOf": (("s", "s"), 2, t.INT),
    "hasPrefix": (("s", "s"), 2, t.BOOL),
    "hasSuffix": (("s", "s"), 2, t.BOOL),
    "toBase64": (("s",), 1, t.STRING),
    "fromBase64": (("s",), 1, t.STRING),
    "fromJSON": (("s",), 1, t.UNKNOWN),
    "duration": (("s",), 1, t.DURATION),
    "timezone": (("s",), 1, t.UNKNOWN),
    "bitand": (("i", "i"), 2, t.INT),
    "bitor": (("i", "i"), 2, t.INT),
    "bitxor": (("i", "i"), 2, t.INT),
    "bitnand": (("i", "i"), 2, t.INT),
    "bitnot": (("i",), 1, t.INT),
    "bitshl": (("i", "i"), 2, t.INT),
    "bitshr": (("i", "i"), 2, t.INT),
    "bitushr": (("i", "i"), 2, t.INT),
}
_PARAM = {"s": t.STRING, "i": t.INT}


def _array_of(elem: Type) -> Type:
    """expr's ``arrayOf(elem)``: the element type is known, the name stays ``[]interface {}``."""
    return t.ARRAY if elem.is_unknown else Type("array", elem, display="[]interface {}")


def _pct(kind: Type) -> str:
    """Go's ``%s`` of a reflect.Type, where a nil type prints as ``%!s(<nil>)``."""
    return "%!s(<nil>)" if kind.kind == "nil" else str(kind)


def check_builtin(c: TypeChecker, node: n.Builtin) -> Type:
    name = node.name
    args = node.args
    if name in _COLLECTION:
        return _check_collection(c, node)
    kinds = [c.visit(arg) for arg in args]
    if name in _STRING_FUNCS:
        params, required, result = _STRING_FUNCS[name]
        if len(kinds) < required:
            raise c.error(node, f"not enough arguments to call {name}")
        if len(kinds) > len(params):
            raise c.error(node, f"too many arguments to call {name}")
        for kind, param in zip(kinds, params, strict=False):
            want = _PARAM[param]
            if kind.kind == "nil":
                raise c.error(node, f"cannot use nil as argument (type {want}) to call {name}")
            if kind.kind != "unknown" and kind.kind != want.kind:
                raise c.error(node, f"cannot use {kind} as argument (type {want}) to call {name} ")
        return result
    if name in ("len", "abs", "ceil", "floor", "round", "int", "float", "string", "first",
                "last", "keys", "values", "toPairs", "fromPairs", "reverse", "uniq", "flatten",
                "toJSON", "type", "mean", "median"):  # fmt: skip
        if name == "type" and not kinds:
            raise c.error(node, "not enough arguments to call type")
        if len(kinds) != 1:
            raise c.error(node, f"invalid number of arguments (expected 1, got {len(kinds)})")
        return _check_unary(c, node, name, kinds[0])
    if name in ("max", "min"):
        if not kinds:
            raise c.error(node, f"not enough arguments to call {name}")
        for kind in kinds:
            if not (kind.is_number or kind.kind in ("array", "unknown")):
                raise c.error(node, f"invalid argument for {name} (type {_pct(kind)})")
        return t.UNKNOWN
    if name == "join":
        if not 1 <= len(kinds) <= 2:
            raise c.error(node, "too many arguments to call join")
        elem = kinds[0].elem
        if (
            kinds[0].kind not in ("array", "unknown")
            or (
                elem is not None
                and kinds[0].display is None
                and elem.kind not in ("string", "unknown")
            )
            or (len(kinds) == 2 and kinds[1].kind not in ("string", "unknown"))
        ):
            raise c.error(node, "too many arguments to call join")
        return t.STRING
    if name == "concat":
        for kind in kinds:
            if kind.kind not in ("array", "unknown"):
                raise c.error(node, f"cannot concat {kind}")
        return t.ARRAY
    if name == "sort":
        if not 1 <= len(kinds) <= 2:
            raise c.error(node, f"invalid number of arguments (expected 1, got {len(kinds)})")
        if kinds[0].kind not in ("array", "unknown"):
            raise c.error(node, f"cannot sort {kinds[0]}")
        return kinds[0] if kinds[0].kind == "array" else t.ARRAY
    if name == "take":
        if len(kinds) != 2:
            raise c.error(node, f"invalid number of arguments (expected 2, got {len(kinds)})")
        if kinds[0].kind not in ("array", "unknown"):
            raise c.error(node, f"cannot take from {_pct(kinds[0])}")
        if kinds[1].kind not in ("int", "unknown"):
            raise c.error(node, f"cannot take {kinds[1]} elements")
        return kinds[0]
    if name == "get":
        if len(kinds) != 2:
            raise c.error(node, f"invalid number of arguments (expected 2, got {len(kinds)})")
        obj, key = kinds
        if obj.kind == "array":
            if key.kind not in ("int", "unknown"):
                raise c.error(node, f"non-integer slice index {key}")
            return obj.elem or t.UNKNOWN
        if obj.kind == "map":
            if key.kind not in ("string", "unknown"):
                raise c.error(node, f"cannot use {key} to get an element from {obj}")
            return obj.elem or t.UNKNOWN
        if obj.kind == "unknown":
            return t.UNKNOWN
        raise c.error(node, f"type {obj} does not support indexing")
    if name == "now":
        return t.TIME
    if name == "date":
        if not kinds:
            raise c.error(node, "not enough arguments to call date")
        return t.TIME
    raise c.error(node, f"unknown builtin {name}")


def _check_unary(c: TypeChecker, node: n.Builtin, name: str, kind: Type) -> Type:
    k = kind.kind
    loose = k == "unknown"
    if name == "len":
        if loose or k in ("array", "map", "string", "bytes"):
            return t.INT
    elif name == "abs":
        if loose or kind.is_number:
            return kind
    elif name in ("ceil", "floor", "round"):
        if loose or kind.is_number:
            return t.FLOAT
    elif name == "int":
        if loose or kind.is_number or k == "string":
            return t.INT
    elif name == "float":
        if loose or kind.is_number or k == "string":
            return t.FLOAT
    elif name in ("string", "toJSON", "type"):
        return t.STRING
    elif name in ("mean", "median"):
        if loose or kind.is_number or k == "array":
            return t.FLOAT
    elif name in ("first", "last"):
        if loose or k == "array":
            return kind.elem or t.UNKNOWN
        word = "first" if name == "first" else "last"
        raise c.error(node, f"cannot get {word} element from {_pct(kind)}")
    elif name in ("keys", "values", "toPairs"):
        if loose or k == "map":
            return t.ARRAY
        raise c.error(node, f"cannot get {name} from {_pct(kind)}")
    elif name == "fromPairs":
        if loose or k == "array":
            return t.MAP
        raise c.error(node, f"cannot transform {_pct(kind)} from pairs")
    elif name in ("reverse", "uniq"):
        if loose or k == "array":
            return kind if k == "array" else t.ARRAY
        raise c.error(node, f"cannot {name} {_pct(kind)}")
    elif name == "flatten":
        if loose or k == "array":
            return t.ARRAY
        raise c.error(node, f"cannot flatten {kind}")
    raise c.error(node, f"invalid argument for {name} (type {_pct(kind)})")


def _check_collection(c: TypeChecker, node: n.Builtin) -> Type:
    name = node.name
    coll = c.visit(node.args[0])
    if coll.kind not in ("array", "unknown"):
        raise c.error(node, f"builtin {name} takes only array (got {coll})")
    elem = coll.elem if coll.kind == "array" and coll.elem is not None else t.UNKNOWN
    body: Type | None = None
    if len(node.args) > 1:
        acc = None
        if name == "reduce":
            acc = c.visit(node.args[2]) if len(node.args) > 2 else elem
            acc = t.UNKNOWN if acc != elem else acc
        body = c.check_predicate(node.args[1], elem, acc)  # visit() records its type
        if name in _BOOL_PREDICATES and body.kind not in ("bool", "unknown"):
            raise c.error(node.args[1], f"predicate should return boolean (got {body})")
        if name == "sortBy" and len(node.args) > 2:
            c.visit(node.args[2])
    if name in ("all", "none", "any", "one"):
        return t.BOOL
    if name in ("count", "findIndex", "findLastIndex"):
        return t.INT
    if name in ("filter", "sortBy"):
        return _array_of(elem)
    if name == "map":
        return _array_of(body or t.UNKNOWN)
    if name in ("find", "findLast"):
        return elem
    if name == "groupBy":
        return t.UNKNOWN
    if name == "sum":
        kind = body if body is not None else elem
        return kind if kind.is_number else t.UNKNOWN
    return body if body is not None and name == "reduce" and body.kind != "nil" else t.UNKNOWN


def check_argo_call(c: TypeChecker, node: n.Call, fn: ArgoFunction, arg_types: list[Type]) -> Type:
    """Argo's helpers are plain Go functions: an exact arity, and isNaN/isInf want a float64."""
    if len(arg_types) < fn.arity:
        raise c.error(node, f"not enough arguments to call {fn.name}")
    if len(arg_types) > fn.arity:
        raise c.error(node, f"too many arguments to call {fn.name}")
    if fn.float_param:
        kind = arg_types[0]
        if kind.kind == "nil":
            raise c.error(node, f"cannot use nil as argument (type float64) to call {fn.name}")
        if kind.kind not in ("float", "int", "unknown"):
            raise c.error(node, f"cannot use {kind} as argument (type float64) to call {fn.name} ")
        node.args[0] = _floatify(node.args[0])
    return fn.result


def _floatify(node: n.Node) -> n.Node:
    """expr converts integer literals passed where a float64 is expected."""
    if isinstance(node, n.Int):
        return n.Float(float(node.value), line=node.line, column=node.column)
    if isinstance(node, n.Unary) and node.op in ("-", "+"):
        node.operand = _floatify(node.operand)
    elif isinstance(node, n.Binary) and node.op in ("+", "-", "*"):
        node.left = _floatify(node.left)
        node.right = _floatify(node.right)
    return node
