"""Errors raised by the expression language.

Every failure surfaces as an :class:`ExprError`; nothing else escapes ``compile`` or ``run``::

    ExprError
    ├── ExprCompileError          rejected before evaluation (carries line/column + caret snippet)
    │   ├── ExprSyntaxError       lexer/parser: bad token, unbalanced bracket, too deep, too long
    │   ├── ExprNameError         unknown name or pointer
    │   └── ExprTypeError         a type error the checker can prove (or constant folding finds)
    └── ExprRuntimeError          evaluation started and failed (nil member access, bad asInt ...)
        └── ExprBudgetError       a step or time budget ran out (``message`` says where)

``message`` is always the bare engine text (what Argo prints after
``could not evaluate successCondition "<expr>": ``); ``str()`` adds the location snippet.
"""

from __future__ import annotations

__all__ = [
    "ExprBudgetError",
    "ExprCompileError",
    "ExprError",
    "ExprNameError",
    "ExprRuntimeError",
    "ExprSyntaxError",
    "ExprTypeError",
    "render_snippet",
]


def render_snippet(source: str, line: int, column: int) -> str:
    """Render the offending source line with a caret under ``column`` (both 1-based)."""
    lines = source.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1].replace("\t", " ")
    caret = " " * max(column - 1, 0) + "^"
    return f" | {text}\n | {caret}"


class ExprError(Exception):
    """Base of every error the expression language raises."""

    def __init__(self, message: str, *, source: str = "", line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if not self.source or not self.line:
            return self.message
        snippet = render_snippet(self.source, self.line, self.column)
        head = f"{self.message} ({self.line}:{self.column})"
        return f"{head}\n{snippet}" if snippet else head


class ExprCompileError(ExprError):
    """The expression was rejected before evaluation."""


class ExprSyntaxError(ExprCompileError):
    """The lexer or parser rejected the text."""


class ExprNameError(ExprCompileError):
    """An identifier or pointer that the environment does not define.

    ``suggestion`` is the closest known name, if any: ``str()`` keeps expr-lang's text first and
    appends it (``unknown name asFlaot (1:1); did you mean asFloat?``); ``message`` stays the
    bare engine text, as Argo prints it when the condition is evaluated.
    """

    suggestion: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        if not self.suggestion:
            return text
        head, newline, snippet = text.partition("\n")
        return f"{head}; did you mean {self.suggestion}?{newline}{snippet}"


class ExprTypeError(ExprCompileError):
    """A type error that the checker can prove (or constant folding found)."""


class ExprRuntimeError(ExprError):
    """Evaluation began and failed.

    ``from_checker`` is true when the real engine would have reported this at compile time
    because its checker types ``result`` from the concrete value; augur checks the concrete
    types when the value arrives, so the error surfaces from ``run``.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        line: int = 0,
        column: int = 0,
        from_checker: bool = False,
    ) -> None:
        super().__init__(message, source=source, line=line, column=column)
        self.from_checker = from_checker


class ExprBudgetError(ExprRuntimeError):
    """The condition spent its step or time budget (``limits.Limits``).

    Raised while it runs, or at compile time when the cost is certain whatever ``result`` holds
    (a loop over a literal range that alone needs more steps than the budget). The ``message``
    names the place itself (``condition exceeded its step budget (1000000 steps) at uniq (1:5)``),
    because it is what a measurement's message quotes; ``str()`` adds the caret line.
    """

    def __str__(self) -> str:
        snippet = render_snippet(self.source, self.line, self.column) if self.source else ""
        return f"{self.message}\n{snippet}" if snippet else self.message
