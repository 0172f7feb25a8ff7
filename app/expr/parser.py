"""Recursive-descent parser mirroring expr v1.17.8's grammar and error messages.

Depth is tracked explicitly so that deeply nested input raises ExprSyntaxError instead of
exhausting Python's stack, and the node count is bounded by ``Limits.max_nodes``.

This module is the operator grammar (precedence climbing, comparisons, ``?:``, ``let``,
``if``) and the unary/parenthesised/pointer primaries; operands and postfix chains are
parse_operands.py, token plumbing parse_cursor.py.
"""

from __future__ import annotations

from . import nodes as n
from .errors import ExprSyntaxError
from .limits import DEFAULT_LIMITS, Limits
from .operators import BINARY, BUILTIN_NAMES, COMPARISON, NEGATABLE, UNARY
from .parse_operands import OperandParser
from .tokens import Kind, Token

__all__ = ["BUILTIN_NAMES", "parse"]


class _Parser(OperandParser):
    """expr's operator grammar on top of the operand parser."""

    def parse(self) -> n.Node:
        node = self.sequence()
        if self.current.kind is not Kind.EOF:
            raise self.unexpected()
        return node

    def sequence(self) -> n.Node:
        tok = self.current
        items = [self.expression(0)]
        while self.current.is_op(";"):
            self.next()
            if self.current.kind is Kind.EOF or self.current.is_bracket(")"):
                break
            if self.current.is_bracket("}"):
                break
            items.append(self.expression(0))
        if len(items) == 1:
            return items[0]
        return self.node(n.Sequence(items), tok)

    def expression(self, precedence: int) -> n.Node:
        self.enter()
        try:
            return self._expression(precedence)
        finally:
            self.leave()

    def _expression(self, precedence: int) -> n.Node:
        if precedence == 0 and self.current.is_op("let"):
            return self.let()
        if precedence == 0 and self.current.is_op("if"):
            return self.if_()
        left = self.primary()
        prev = ""
        op_tok = self.current
        while op_tok.kind is Kind.OPERATOR:
            negate = op_tok.value == "not"
            not_tok = op_tok
            if negate:
                save = self.pos
                self.next()
                if self.current.kind is Kind.OPERATOR and self.current.value in NEGATABLE:
                    if BINARY[self.current.value].precedence >= precedence:
                        op_tok = self.current
                    else:
                        self.pos = save
                        self.current = self.tokens[save]
                        break
                else:
                    raise self.unexpected()
            op = BINARY.get(op_tok.value)
            if op is None or op.precedence < precedence:
                break
            self.next()
            if op_tok.value == "|":
                ident = self.current
                self.expect(Kind.IDENTIFIER)
                left = self.call(ident, [left], check_overrides=False)
            else:
                if prev == "??" and op_tok.value != "??":
                    raise self.error(
                        f"Operator ({op_tok.value}) and coalesce expressions (??) cannot be "
                        "mixed. Wrap either by parentheses.",
                        op_tok,
                    )
                if op_tok.value in COMPARISON:
                    left = self.comparison(left, op_tok, op.precedence)
                else:
                    sub = op.precedence if op.right_assoc else op.precedence + 1
                    right = self.expression(sub)
                    left = self.node(n.Binary(op_tok.value, left, right), op_tok)
                    if negate:
                        left = self.node(n.Unary("not", left), not_tok)
            prev = op_tok.value
            op_tok = self.current
        if precedence == 0:
            left = self.conditional(left)
        return left

    def comparison(self, left: n.Node, tok: Token, precedence: int) -> n.Node:
        root: n.Node | None = None
        while True:
            right = self.expression(precedence + 1)
            cmp = self.node(n.Binary(tok.value, left, right), tok)
            root = cmp if root is None else self.node(n.Binary("&&", root, cmp), tok)
            left = right
            tok = self.current
            if not (tok.kind is Kind.OPERATOR and tok.value in COMPARISON):
                return root
            self.next()

    def conditional(self, node: n.Node) -> n.Node:
        while self.current.is_op("?"):
            tok = self.current
            self.next()
            if not self.current.is_op(":"):
                then = self.expression(0)
                self.expect(Kind.OPERATOR, ":")
                other = self.expression(0)
            else:
                self.next()
                then = node
                other = self.expression(0)
            node = self.node(n.Conditional(node, then, other), tok)
        return node

    def let(self) -> n.Node:
        tok = self.current
        self.next()
        name = self.current
        self.expect(Kind.IDENTIFIER)
        self.expect(Kind.OPERATOR, "=")
        value = self.expression(0)
        self.expect(Kind.OPERATOR, ";")
        body = self.sequence()
        return self.node(n.Variable(name.value, value, body), tok)

    def if_(self) -> n.Node:
        tok = self.current
        self.next()
        cond = self.expression(0)
        self.expect(Kind.BRACKET, "{")
        then = self.sequence()
        self.expect(Kind.BRACKET, "}")
        self.expect(Kind.OPERATOR, "else")
        if self.current.is_op("if"):
            self.enter()
            try:
                other = self.if_()
            finally:
                self.leave()
        else:
            self.expect(Kind.BRACKET, "{")
            other = self.sequence()
            self.expect(Kind.BRACKET, "}")
        return self.node(n.Conditional(cond, then, other), tok)

    def primary(self) -> n.Node:
        tok = self.current
        if tok.kind is Kind.OPERATOR and tok.value in UNARY:
            self.next()
            operand = self.expression(UNARY[tok.value].precedence)
            return self.postfix(self.node(n.Unary(tok.value, operand), tok))
        if tok.is_op("::"):
            # expr's global-name prefix (``::len``): an identifier must follow.
            self.next()
            if self.current.kind is not Kind.IDENTIFIER:
                raise self.unexpected()
            return self.secondary()
        if tok.is_bracket("("):
            self.next()
            inner = self.sequence()
            self.expect(Kind.BRACKET, ")")
            return self.postfix(inner)
        if self.depth > 0 and (tok.is_op("#") or tok.is_op(".")):
            name = ""
            if tok.is_op("#"):
                self.next()
                if self.current.kind is Kind.IDENTIFIER:
                    name = self.current.value
                    self.next()
            pointer = self.node(n.Pointer(name), tok)
            if tok.is_op("."):
                # ``.field`` is ``#.field``: let postfix() see the dot.
                return self.postfix(pointer)
            return self.postfix(pointer)
        return self.secondary()


def parse(source: str, *, limits: Limits = DEFAULT_LIMITS) -> n.Node:
    """Parse ``source`` into an AST; raise ExprSyntaxError with a location on failure."""
    if len(source) > limits.max_source_length:
        raise ExprSyntaxError(
            f"expression too long ({len(source)} > {limits.max_source_length} characters)",
            source=source[:200],
            line=1,
            column=1,
        )
    tree = _Parser(source, limits).parse()
    if n.depth(tree) > limits.max_depth:
        raise ExprSyntaxError(
            "expression nested too deeply", source=source, line=tree.line, column=tree.column
        )
    return tree
