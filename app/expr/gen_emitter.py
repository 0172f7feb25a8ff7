"""The code generator's state and the questions every emission asks about a node.

``Emitter`` holds what one generated function accumulates (constants, ``let`` scopes, the
predicate depth, fresh names, the sites that charge the budget) and answers "is this certainly a
bool?", "what kind is this, for sure, at run time?" and "how many steps is one run of this
predicate?".

Sites: every call that charges the run's Budget is emitted on a line of its own, after a
``#@<n>`` comment naming its entry in ``sites`` (what it is, and where in the condition). The
comments cost nothing at run time; when a budget runs out, the line the generated code was on
says which part of the condition spent it (program.py reads it from the traceback).

compiler._Gen subclasses it with one ``e_<node>`` method per node
type; gen_operators and gen_builtins take an ``Emitter``, so they never import the compiler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import nodes as n
from .checker import Checked

__all__ = ["LOGIC", "Emitter", "weight"]

# expr's logical operators, by their Python spelling.
LOGIC = {"&&": "and", "and": "and", "||": "or", "or": "or"}

_NIL_BUILTINS = frozenset({"find", "findLast", "first", "last", "get", "max", "min"})


def _may_be_nil(node: n.Node) -> bool:
    """Whether the value can be nil at run time whatever its static type says."""
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


def weight(node: n.Node) -> int:
    """Steps one run of a predicate costs: one for the item, one per node of its body (nested
    predicates are loops that charge for themselves)."""
    count, stack = 1, [node.body if isinstance(node, n.Predicate) else node]
    while stack:
        current = stack.pop()
        count += 1
        stack.extend(c for c in n.children(current) if not isinstance(c, n.Predicate))
    return count


class Emitter:
    """State of one generated function; subclasses supply an ``e_<node>`` per node type."""

    def __init__(
        self, checked: Checked, names: list[str], classes: Mapping[str, type] | None = None
    ) -> None:
        self.checked = checked
        self.env_names = names
        self.classes = classes or {}
        self.consts: dict[str, Any] = {}
        self.scopes: list[dict[str, str]] = []
        self.depth = 0
        self.counter = 0
        # Python forbids ``:=`` anywhere inside a comprehension's iterable expression.
        self.in_iterable = 0
        # ``let`` variables bound to a value that may be nil despite its static type.
        self.nilable: set[str] = set()
        # (what, line, column) of each call that charges the budget, by its ``#@<n>`` mark.
        self.sites: list[tuple[str, int, int]] = []
        # Module-level functions of the generated code (gen_builtins' top-level loops).
        self.hoisted: list[str] = []

    def mark(self, node: n.Node, what: str) -> str:
        """Start a line for a call that charges the budget on behalf of ``node``."""
        self.sites.append((what, node.line, node.column))
        return f"#@{len(self.sites) - 1}\n"

    def emit_iterable(self, node: n.Node) -> str:
        self.in_iterable += 1
        try:
            return self.emit(node)
        finally:
            self.in_iterable -= 1

    def exact(self, node: n.Node) -> type | None:
        """The Python class the value certainly has: an environment value whose class the
        caller checks (the typed entry of entry.py), unless a ``let`` hides the name."""
        if isinstance(node, n.Identifier) and self.resolve(node.name) is None:
            return self.classes.get(node.name)
        return None

    def guard(self, code: str, test: str, fast: str, slow: str) -> str | None:
        """``(fast if test else slow)`` over the value of ``code``, evaluated once: ``{x}`` in
        each template is that value, ``{first}`` its first use in ``test`` (where ``:=`` binds
        it). None where Python forbids ``:=`` (a comprehension's iterable) and ``code`` is not
        a plain name: the caller then emits its run-time helper."""
        if code.isidentifier():
            x = first = code
        elif self.in_iterable:
            return None
        else:
            x = self.fresh("t")
            first = f"({x} := {code})"
        return f"({fast.format(x=x)} if {test.format(x=x, first=first)} else {slow.format(x=x)})"

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
        """Python source for ``node``, from the subclass's ``e_<node type>`` method."""
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
            if node.op in LOGIC:
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

    def resolve(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def predicate(self, node: n.Node) -> tuple[str, int]:
        """Emit a predicate body one pointer level deeper; return (code, depth)."""
        self.depth += 1
        try:
            body = node.body if isinstance(node, n.Predicate) else node
            code = self.emit(body)
            return code, self.depth
        finally:
            self.depth -= 1
