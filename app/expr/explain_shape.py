"""What the explanation stage (explain.py) asks of a condition's tree, without running it.

Which sub-tree is a literal, which parts an ``&&``/``||`` chain has, which side of a comparison
inside a predicate follows the point and which is a constant, where a ``count``/``filter``
hides in a comparison, which path inside ``result`` a collection is read from, and how a
sub-tree is rebuilt with the ``let`` bindings around it so that it can be compiled alone.
"""

from __future__ import annotations

from . import nodes as n

__all__ = [
    "COMPARISONS",
    "LOGIC",
    "QUANTIFIERS",
    "Scope",
    "compared",
    "counted",
    "flatten",
    "is_literal",
    "mapped",
    "path_of",
    "uses_lone_pointer",
    "walk",
    "wrapped",
]

LOGIC = {"&&": "and", "and": "and", "||": "or", "or": "or"}
COMPARISONS = frozenset(
    {"==", "!=", "<", ">", "<=", ">=", "in", "matches", "contains", "startsWith", "endsWith"}
)
QUANTIFIERS = frozenset({"all", "any", "none", "one"})
_LITERALS = (n.Nil, n.Bool, n.Int, n.Float, n.String, n.Bytes, n.Constant)

#: The ``let`` bindings around a sub-tree, outermost first.
Scope = tuple[n.Variable, ...]


def is_literal(node: n.Node) -> bool:
    """A value written in the condition itself: showing it again would tell nothing."""
    if isinstance(node, n.Unary) and node.op in ("-", "+"):
        return is_literal(node.operand)
    if isinstance(node, n.Array):
        return all(is_literal(item) for item in node.items)
    return isinstance(node, _LITERALS)


def wrapped(node: n.Node, scope: Scope) -> n.Node:
    """``node`` inside the ``let`` bindings it sits in, ready to compile alone."""
    for var in reversed(scope):
        node = n.Variable(var.name, var.value, node, line=var.line, column=var.column)
    return node


def mapped(coll: n.Node, body: n.Node) -> n.Node:
    """``map(coll, {body})``: a predicate's value at every point, in one run."""
    return n.Builtin("map", [coll, n.Predicate(body)])


def walk(node: n.Node) -> list[n.Node]:
    """``node`` and its sub-nodes in source order, at its own predicate level (the bodies of
    nested predicates have points of their own and are left out)."""
    found: list[n.Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        inner = [c for c in n.children(current) if not isinstance(c, n.Predicate)]
        stack.extend(reversed(inner))
    return found


def uses_lone_pointer(node: n.Node) -> bool:
    """``#index``/``#acc``: they mean something else when a point is evaluated alone."""
    return any(isinstance(x, n.Pointer) and x.name for x in walk(node))


def flatten(node: n.Node, op: str) -> list[n.Node]:
    """The parts of an ``a && b && c`` (``op`` "and") or ``a || b`` (``op`` "or") chain."""
    if isinstance(node, n.Binary) and LOGIC.get(node.op) == op:
        return flatten(node.left, op) + flatten(node.right, op)
    return [node]


def compared(body: n.Node, flag: bool) -> tuple[n.Node, n.Node] | None:
    """(point side, constant side) of a comparison that is ``flag`` at every point where
    ``body`` is: a part of an ``||`` for failing points, of an ``&&`` for matching ones."""
    for part in flatten(body, "and" if flag else "or"):
        if isinstance(part, n.Binary) and part.op in COMPARISONS:
            left = any(isinstance(x, n.Pointer) for x in walk(part.left))
            right = any(isinstance(x, n.Pointer) for x in walk(part.right))
            if left != right:
                return (part.left, part.right) if left else (part.right, part.left)
    return None


def counted(node: n.Node) -> tuple[n.Node, n.Node] | None:
    """(collection, predicate body) of the first ``count``/``filter`` with a predicate in
    ``node``: a comparison it sits in counts points."""
    for part in walk(node):
        if (
            isinstance(part, n.Builtin)
            and part.name in ("count", "filter")
            and len(part.args) == 2
            and isinstance(part.args[1], n.Predicate)
        ):
            return part.args[0], part.args[1].body
    return None


def path_of(node: n.Node, scope: Scope) -> tuple[str | int, ...] | None:
    """The path inside ``result`` that ``node`` reads (``result.a.b[0]`` is ``("a", "b", 0)``,
    through ``let`` names too), or None when it is computed."""
    if isinstance(node, n.Chain):
        return path_of(node.node, scope)
    if isinstance(node, n.Identifier):
        for index in range(len(scope) - 1, -1, -1):
            if scope[index].name == node.name:
                return path_of(scope[index].value, scope[:index])
        return () if node.name == "result" else None
    if isinstance(node, n.Member) and not node.method:
        base = path_of(node.obj, scope)
        prop = node.prop
        if base is not None and isinstance(prop, n.String):
            return (*base, prop.value)
        if base is not None and isinstance(prop, n.Int) and prop.value >= 0:
            return (*base, prop.value)
    return None
