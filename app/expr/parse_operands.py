"""Operands: names, literals, calls, closures (predicates), and the postfix chain after them.

This is expr's ``parseSecondary`` and everything below it; the operator grammar that calls
it lives in parser.py. The two entry points back into that grammar, ``expression`` and
``sequence``, are abstract here, so this module never imports parser.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from . import nodes as n
from .literals import LiteralError, number_literal
from .operators import BUILTIN_NAMES, PREDICATE_BUILTINS
from .parse_cursor import TokenCursor
from .tokens import Kind, Token

__all__ = ["OperandParser"]


def _is_identifier_text(text: str) -> bool:
    return text.isidentifier()


class OperandParser(TokenCursor, ABC):
    """Parses one operand and its ``.field``, ``?.field``, ``[i]``, ``[a:b]`` and calls."""

    @abstractmethod
    def expression(self, precedence: int) -> n.Node:
        """An expression whose operators bind at least as tightly as ``precedence``."""

    @abstractmethod
    def sequence(self) -> n.Node:
        """Expressions separated by ``;`` (a block's body)."""

    def secondary(self) -> n.Node:
        tok = self.current
        node: n.Node
        if tok.kind is Kind.IDENTIFIER:
            self.next()
            if tok.value == "true":
                return self.node(n.Bool(True), tok)
            if tok.value == "false":
                return self.node(n.Bool(False), tok)
            if tok.value == "nil":
                return self.node(n.Nil(), tok)
            if self.current.is_bracket("("):
                node = self.call(tok, [], check_overrides=True)
            else:
                node = self.node(n.Identifier(tok.value), tok)
        elif tok.kind is Kind.NUMBER:
            self.next()
            node = self.node(self.number(tok), tok)
        elif tok.kind is Kind.STRING:
            self.next()
            node = self.node(n.String(tok.value), tok)
        elif tok.kind is Kind.BYTES:
            self.next()
            node = self.node(n.Bytes(tok.data), tok)
        elif tok.is_bracket("["):
            node = self.array()
        elif tok.is_bracket("{"):
            node = self.map_()
        else:
            raise self.unexpected()
        return self.postfix(node)

    def number(self, tok: Token) -> n.Node:
        try:
            value = number_literal(tok.value)
        except LiteralError as exc:
            raise self.error(str(exc), tok) from None
        return n.Float(value) if isinstance(value, float) else n.Int(value)

    def call(self, tok: Token, args: list[n.Node], *, check_overrides: bool) -> n.Node:
        name = tok.value
        spec = PREDICATE_BUILTINS.get(name)
        if spec is not None:
            self.expect(Kind.BRACKET, "(")
            rest = spec.args[len(args) :]
            for i, kind in enumerate(rest):
                if self.current.is_bracket(")"):
                    if kind.endswith("?"):
                        break
                    raise self.error(f"expected at least {len(spec.args)} arguments")
                if i > 0:
                    self.expect(Kind.OPERATOR, ",")
                if kind.startswith("p"):
                    args.append(self.predicate())
                else:
                    args.append(self.expression(0))
            if self.current.is_op(","):
                self.next()
            self.expect(Kind.BRACKET, ")")
            return self.node(n.Builtin(name, args), tok)
        arguments = self.arguments(args)
        if name in BUILTIN_NAMES:
            return self.node(n.Builtin(name, arguments), tok)
        callee = self.node(n.Identifier(name), tok)
        return self.node(n.Call(callee, arguments), tok)

    def arguments(self, args: list[n.Node]) -> list[n.Node]:
        offset = len(args)
        self.expect(Kind.BRACKET, "(")
        while not self.current.is_bracket(")"):
            if len(args) > offset:
                self.expect(Kind.OPERATOR, ",")
            if self.current.is_bracket(")"):
                break
            args.append(self.expression(0))
        self.expect(Kind.BRACKET, ")")
        return args

    def predicate(self) -> n.Node:
        tok = self.current
        brackets = tok.is_bracket("{")
        if brackets:
            self.next()
        self.depth += 1
        if brackets:
            body = self.sequence()
        else:
            body = self.expression(0)
            if self.current.is_op(";"):
                raise self.error("wrap predicate with brackets { and }")
        self.depth -= 1
        if brackets:
            self.expect(Kind.BRACKET, "}")
        return self.node(n.Predicate(body), tok)

    def array(self) -> n.Node:
        tok = self.current
        self.expect(Kind.BRACKET, "[")
        items: list[n.Node] = []
        while not self.current.is_bracket("]"):
            if items:
                self.expect(Kind.OPERATOR, ",")
                if self.current.is_bracket("]"):
                    break
            items.append(self.expression(0))
        self.expect(Kind.BRACKET, "]")
        return self.node(n.Array(items), tok)

    def map_(self) -> n.Node:
        tok = self.current
        self.expect(Kind.BRACKET, "{")
        pairs: list[tuple[n.Node, n.Node]] = []
        while not self.current.is_bracket("}"):
            if pairs:
                self.expect(Kind.OPERATOR, ",")
                if self.current.is_bracket("}"):
                    break
                if self.current.is_op(","):
                    raise self.unexpected()
            key_tok = self.current
            key: n.Node
            if key_tok.kind in (Kind.NUMBER, Kind.STRING, Kind.IDENTIFIER):
                key = self.node(n.String(key_tok.value), key_tok)
                self.next()
            elif key_tok.is_bracket("("):
                key = self.expression(0)
            else:
                raise self.error(
                    "a map key must be a quoted string, a number, a identifier, or an expression "
                    f"enclosed in parentheses (unexpected token {key_tok})"
                )
            self.expect(Kind.OPERATOR, ":")
            pairs.append((key, self.expression(0)))
        self.expect(Kind.BRACKET, "}")
        return self.node(n.MapLit(pairs), tok)

    def postfix(self, node: n.Node) -> n.Node:
        while True:
            tok = self.current
            if tok.is_op(".") or tok.is_op("?."):
                optional = tok.value == "?."
                self.next()
                prop_tok = self.current
                if optional and prop_tok.is_bracket("["):
                    node = self.index(node, optional=True)
                    continue
                if prop_tok.kind is Kind.EOF:
                    raise self.error("unexpected end of expression", prop_tok)
                self.next()
                if prop_tok.kind is not Kind.IDENTIFIER and not (
                    prop_tok.kind is Kind.OPERATOR and _is_identifier_text(prop_tok.value)
                ):
                    raise self.error("expected name", prop_tok)
                prop = self.node(n.String(prop_tok.value), prop_tok)
                was_chain = isinstance(node, n.Chain)
                inner = node.node if isinstance(node, n.Chain) else node
                member = n.Member(inner, prop, optional)
                self.node(member, prop_tok)
                if self.current.is_bracket("("):
                    member.method = True
                    node = self.node(n.Call(member, self.arguments([])), prop_tok)
                else:
                    node = member
                if was_chain or optional:
                    node = n.Chain(node, line=node.line, column=node.column)
            elif tok.is_bracket("["):
                node = self.index(node, optional=False)
            else:
                return node

    def index(self, node: n.Node, *, optional: bool) -> n.Node:
        tok = self.current
        self.next()
        inner = node.node if isinstance(node, n.Chain) else node
        result: n.Node
        if self.current.is_op(":"):
            self.next()
            stop = None if self.current.is_bracket("]") else self.expression(0)
            result = self.node(n.Slice(inner, None, stop), tok)
        else:
            start = self.expression(0)
            if self.current.is_op(":"):
                self.next()
                stop = None if self.current.is_bracket("]") else self.expression(0)
                result = self.node(n.Slice(inner, start, stop), tok)
            else:
                result = self.node(n.Member(inner, start, optional), tok)
        self.expect(Kind.BRACKET, "]")
        if optional or isinstance(node, n.Chain):
            return n.Chain(result, line=result.line, column=result.column)
        return result
