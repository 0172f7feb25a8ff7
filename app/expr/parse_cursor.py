"""The parser's cursor over the token list, and the budgets every parse step charges.

Kept apart from the grammar so the two halves of the parser (parser.py's operators and
statements, parse_operands.py's operands and postfix chains) share one notion of position,
error location and limits.
"""

from __future__ import annotations

from . import nodes as n
from .errors import ExprSyntaxError
from .lexer import tokenize
from .limits import Limits
from .tokens import Kind, Token

__all__ = ["TokenCursor"]


class TokenCursor:
    """Position in the tokens, predicate depth, nesting depth and node count."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.tokens = tokenize(source)
        self.pos = 0
        self.current = self.tokens[0]
        if self.current.kind is Kind.ERROR:
            raise self.error(self.current.value)
        self.depth = 0  # predicate depth (pointers allowed when > 0)
        self.nesting = 0
        self.count = 0

    def error(self, message: str, token: Token | None = None) -> ExprSyntaxError:
        tok = token or self.current
        return ExprSyntaxError(message, source=self.source, line=tok.line, column=tok.column)

    def unexpected(self) -> ExprSyntaxError:
        return self.error(f"unexpected token {self.current}")

    def next(self) -> None:
        if self.pos < len(self.tokens) - 1:
            self.pos += 1
        self.current = self.tokens[self.pos]
        if self.current.kind is Kind.ERROR:
            raise self.error(self.current.value)

    def expect(self, kind: Kind, value: str | None = None) -> None:
        if self.current.is_(kind, value):
            self.next()
            return
        raise self.unexpected()

    def node(self, node: n.Node, tok: Token) -> n.Node:
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise self.error("expression too complex (too many nodes)", tok)
        node.line = tok.line
        node.column = tok.column
        return node

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > self.limits.max_depth:
            raise self.error("expression nested too deeply")

    def leave(self) -> None:
        self.nesting -= 1
