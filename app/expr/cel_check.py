"""The compile-time check of a CEL program: declared names only, well-formed macros.

celpy would only notice an undeclared variable, function or method when it runs, and a
misshapen macro (``xs.all(1, true)``) as an obscure evaluation error; this walk of the parse
tree rejects both before anything runs, with a location in the user's text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import lark
from celpy.evaluation import base_functions

from app.expr.errors import ExprNameError, ExprSyntaxError

__all__ = ["CelChecker", "location"]

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


class CelChecker:
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
        return cls(message, source=self.source, **location(at, self.source))


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


def location(at: Any, source: str) -> dict[str, int]:
    """``line``/``column`` keywords for an error at a token or tree (1:1 when celpy has none)."""
    if isinstance(at, lark.Token):
        line, column = at.line, at.column
    else:
        meta = getattr(at, "meta", None)
        line = getattr(meta, "line", None) if meta is not None else None
        column = getattr(meta, "column", None) if meta is not None else None
    if not line or not column:
        return {"line": 1, "column": 1} if source else {}
    return {"line": int(line), "column": int(column)}
