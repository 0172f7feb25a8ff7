"""Recursive-descent parser mirroring expr v1.17.8's grammar and error messages.

Depth is tracked explicitly so that deeply nested input raises ExprSyntaxError instead of
exhausting Python's stack, and the node count is bounded by ``Limits.max_nodes``.
"""

from __future__ import annotations

from . import nodes as n
from .errors import ExprSyntaxError
from .lexer import tokenize
from .limits import DEFAULT_LIMITS, Limits
from .literals import LiteralError, number_literal
from .operators import BINARY, BUILTIN_NAMES, COMPARISON, NEGATABLE, PREDICATE_BUILTINS, UNARY
from .tokens import Kind, Token

__all__ = ["BUILTIN_NAMES", "parse"]


def _is_identifier_text(text: str) -> bool:
    return text.isidentifier()


class _Parser:
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

    # -- plumbing --------------------------------------------------------------
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

    # -- grammar ---------------------------------------------------------------
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
