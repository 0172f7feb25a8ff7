"""AST node classes. ``line``/``column`` locate the node for error snippets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Array",
    "Binary",
    "Bool",
    "Builtin",
    "Bytes",
    "Call",
    "Chain",
    "Conditional",
    "Constant",
    "Float",
    "Identifier",
    "Int",
    "MapLit",
    "Member",
    "Nil",
    "Node",
    "Pointer",
    "Predicate",
    "Sequence",
    "Slice",
    "String",
    "Unary",
    "Variable",
]


@dataclass(eq=False, slots=True)
class Node:
    line: int = field(default=0, kw_only=True)
    column: int = field(default=0, kw_only=True)


@dataclass(eq=False, slots=True)
class Nil(Node):
    pass


@dataclass(eq=False, slots=True)
class Bool(Node):
    value: bool


@dataclass(eq=False, slots=True)
class Int(Node):
    value: int


@dataclass(eq=False, slots=True)
class Float(Node):
    value: float


@dataclass(eq=False, slots=True)
class String(Node):
    value: str


@dataclass(eq=False, slots=True)
class Bytes(Node):
    value: bytes


@dataclass(eq=False, slots=True)
class Constant(Node):
    """A value produced by constant folding (any value model type)."""

    value: Any


@dataclass(eq=False, slots=True)
class Identifier(Node):
    name: str


@dataclass(eq=False, slots=True)
class Pointer(Node):
    """``#``, ``#index``, ``#acc`` or the implicit ``#`` of ``.field`` inside a predicate."""

    name: str


@dataclass(eq=False, slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(eq=False, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(eq=False, slots=True)
class Chain(Node):
    """Ends the reach of ``?.``: a nil met by an optional member makes the whole chain nil."""

    node: Node


@dataclass(eq=False, slots=True)
class Member(Node):
    obj: Node
    prop: Node
    optional: bool = False
    method: bool = False


@dataclass(eq=False, slots=True)
class Slice(Node):
    obj: Node
    start: Node | None
    stop: Node | None


@dataclass(eq=False, slots=True)
class Call(Node):
    callee: Node
    args: list[Node]


@dataclass(eq=False, slots=True)
class Builtin(Node):
    name: str
    args: list[Node]


@dataclass(eq=False, slots=True)
class Predicate(Node):
    body: Node


@dataclass(eq=False, slots=True)
class Conditional(Node):
    cond: Node
    then: Node
    otherwise: Node


@dataclass(eq=False, slots=True)
class Array(Node):
    items: list[Node]


@dataclass(eq=False, slots=True)
class MapLit(Node):
    pairs: list[tuple[Node, Node]]


@dataclass(eq=False, slots=True)
class Variable(Node):
    """``let name = value; body``."""

    name: str
    value: Node
    body: Node


@dataclass(eq=False, slots=True)
class Sequence(Node):
    nodes: list[Node]


def children(node: Node) -> list[Node]:
    """The direct sub-nodes of ``node`` (for walks that must not recurse in Python)."""
    if isinstance(node, Unary):
        return [node.operand]
    if isinstance(node, Binary):
        return [node.left, node.right]
    if isinstance(node, Chain):
        return [node.node]
    if isinstance(node, Member):
        return [node.obj, node.prop]
    if isinstance(node, Slice):
        return [x for x in (node.obj, node.start, node.stop) if x is not None]
    if isinstance(node, Call):
        return [node.callee, *node.args]
    if isinstance(node, Builtin):
        return list(node.args)
    if isinstance(node, Predicate):
        return [node.body]
    if isinstance(node, Conditional):
        return [node.cond, node.then, node.otherwise]
    if isinstance(node, Array):
        return list(node.items)
    if isinstance(node, MapLit):
        return [x for pair in node.pairs for x in pair]
    if isinstance(node, Variable):
        return [node.value, node.body]
    if isinstance(node, Sequence):
        return list(node.nodes)
    return []


def depth(root: Node) -> int:
    """Height of the tree, computed iteratively."""
    best = 0
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        best = max(best, level)
        stack.extend((child, level + 1) for child in children(node))
    return best
