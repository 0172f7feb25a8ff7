"""Tokens produced by the lexer; ``str()`` renders them the way expr's messages do."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Kind", "Token"]


class Kind(enum.Enum):
    IDENTIFIER = "Identifier"
    NUMBER = "Number"
    STRING = "String"
    BYTES = "Bytes"
    OPERATOR = "Operator"
    BRACKET = "Bracket"
    EOF = "EOF"
    # A lexer error, raised by the parser when it reaches this position.
    ERROR = "Error"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: str
    line: int
    column: int
    # For bytes literals the decoded payload (the source text is kept in ``value``).
    data: bytes = b""

    def is_(self, kind: Kind, value: str | None = None) -> bool:
        return self.kind is kind and (value is None or self.value == value)

    def is_op(self, value: str) -> bool:
        return self.kind is Kind.OPERATOR and self.value == value

    def is_bracket(self, value: str) -> bool:
        return self.kind is Kind.BRACKET and self.value == value

    def __str__(self) -> str:
        if self.kind is Kind.EOF:
            return "EOF"
        return f'{self.kind.value}("{self.value}")'
