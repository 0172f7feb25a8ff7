"""Turns source text into tokens, following expr's lexer state by state.

Number scanning, the ``not in`` look-ahead, ``#pointer`` names and Go string escapes all
follow expr v1.17.8 so that the same texts are rejected with the same messages.
"""

from __future__ import annotations

from .errors import ExprSyntaxError
from .tokens import Kind, Token

__all__ = ["tokenize"]

_KEYWORDS = frozenset(
    {"in", "or", "and", "matches", "contains", "startsWith", "endsWith", "let", "if", "else"}
)
_NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}


def _is_alnum(ch: str) -> bool:
    return ch == "_" or ch == "$" or ch.isalpha() or ch.isdigit()


def _is_space(ch: str) -> bool:
    return ch != "" and (ch in " \t\n\r\v\f\x85\xa0" or ch.isspace())


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.start = 0
        self.tokens: list[Token] = []

    # -- helpers ---------------------------------------------------------------
    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.src[i] if i < len(self.src) else ""

    def location(self, offset: int) -> tuple[int, int]:
        line = self.src.count("\n", 0, offset) + 1
        column = offset - (self.src.rfind("\n", 0, offset) + 1) + 1
        return line, column

    def error(self, message: str, offset: int | None = None) -> ExprSyntaxError:
        line, column = self.location(self.start if offset is None else offset)
        return ExprSyntaxError(message, source=self.src, line=line, column=column)

    def emit(self, kind: Kind, value: str | None = None, data: bytes = b"") -> None:
        line, column = self.location(self.start)
        text = self.src[self.start : self.pos] if value is None else value
        self.tokens.append(Token(kind, text, line, column, data))
        self.start = self.pos

    def accept(self, chars: str) -> bool:
        ch = self.peek()
        if ch != "" and ch in chars:
            self.pos += 1
            return True
        return False

    def accept_run(self, chars: str) -> None:
        while self.accept(chars):
            pass

    # -- states ----------------------------------------------------------------
    def run(self) -> list[Token]:
        """Tokens up to the first error; the error itself is returned as an ERROR token so
        that the parser reports it only if it gets that far (expr's lexer is lazy)."""
        try:
            return self._run()
        except ExprSyntaxError as exc:
            self.tokens.append(Token(Kind.ERROR, exc.message, exc.line, exc.column))
            return self.tokens

    def _run(self) -> list[Token]:
        src = self.src
        while True:
            self.start = self.pos
            if self.pos >= len(src):
                self.emit(Kind.EOF, "")
                return self.tokens
            ch = src[self.pos]
            if _is_space(ch):
                self.pos += 1
                continue
            if ch in "'\"":
                self.pos += 1
                self.emit(Kind.STRING, self.scan_string(ch))
            elif ch == "`":
                self.pos += 1
                end = src.find("`", self.pos)
                if end < 0:
                    raise self.error("literal not terminated")
                text = src[self.pos : end]
                self.pos = end + 1
                self.emit(Kind.STRING, text)
            elif ch.isdigit() and ch.isascii():
                self.number()
            elif ch == "?":
                self.pos += 1
                if self.peek() == "." and not self.peek(1).isdigit():
                    self.pos += 1
                else:
                    self.accept("?")
                self.emit(Kind.OPERATOR)
            elif ch == "/":
                self.slash()
            elif ch == "#":
                self.pos += 1
                self.accept("#")
                self.emit(Kind.OPERATOR)
                while _is_alnum(self.peek()):
                    self.pos += 1
                if self.pos > self.start:
                    self.emit(Kind.IDENTIFIER)
            elif ch in "|:":
                self.pos += 1
                self.accept(ch)
                self.emit(Kind.OPERATOR)
            elif ch in "([{)]}":
                self.pos += 1
                self.emit(Kind.BRACKET)
            elif ch in ",;%+-^":
                self.pos += 1
                self.emit(Kind.OPERATOR)
            elif ch in "&!=*<>":
                self.pos += 1
                self.accept("&=*")
                self.emit(Kind.OPERATOR)
            elif ch == ".":
                if self.peek(1).isdigit() and self.peek(1).isascii():
                    self.number()
                else:
                    self.pos += 1
                    self.accept(".")
                    self.emit(Kind.OPERATOR)
            elif _is_alnum(ch):
                self.identifier()
            else:
                shown = f" '{ch}'" if ch.isprintable() else ""
                raise self.error(f"unrecognized character: U+{ord(ch):04X}{shown}")

    def slash(self) -> None:
        self.pos += 1
        if self.accept("/"):
            end = self.src.find("\n", self.pos)
            self.pos = len(self.src) if end < 0 else end
            return
        if self.accept("*"):
            end = self.src.find("*/", self.pos)
            if end < 0:
                raise self.error("unclosed comment")
            self.pos = end + 2
            return
        self.emit(Kind.OPERATOR)

    def number(self) -> None:
        digits = "0123456789_"
        if self.accept("0"):
            if self.accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self.accept("oO"):
                digits = "01234567_"
            elif self.accept("bB"):
                digits = "01_"
        self.accept_run(digits)
        if self.peek() == "." and self.peek(1) != ".":
            self.pos += 1
            self.accept_run(digits)
        if self.accept("eE"):
            self.accept("+-")
            self.accept_run(digits)
        if _is_alnum(self.peek()):
            self.pos += 1
            raise self.error(f'bad number syntax: "{self.src[self.start : self.pos]}"')
        self.emit(Kind.NUMBER)

    def identifier(self) -> None:
        while _is_alnum(self.peek()):
            self.pos += 1
        word = self.src[self.start : self.pos]
        if word in ("b", "B") and self.peek() in ("'", '"'):
            quote = self.peek()
            self.pos += 1
            text = self.scan_string(quote, raw_bytes=True)
            self.emit(Kind.BYTES, text, data=text.encode("latin-1"))
            return
        if word == "not":
            self.emit(Kind.OPERATOR)
            self.not_suffix()
        elif word in _KEYWORDS:
            self.emit(Kind.OPERATOR)
        else:
            self.emit(Kind.IDENTIFIER)

    def not_suffix(self) -> None:
        save = self.pos
        while _is_space(self.peek()):
            self.pos += 1
        begin = self.pos
        while _is_alnum(self.peek()):
            self.pos += 1
        if self.src[begin : self.pos] in _NEGATABLE:
            self.start = begin
            self.emit(Kind.OPERATOR)
        else:
            self.pos = save
            self.start = save

    def scan_string(self, quote: str, *, raw_bytes: bool = False) -> str:
        out: list[str] = []
        src = self.src
        while True:
            if self.pos >= len(src):
                raise self.error("literal not terminated")
            ch = src[self.pos]
            self.pos += 1
            if ch == quote:
                return "".join(out)
            if ch == "\n" and quote != "`":
                raise self.error("literal not terminated")
            if ch != "\\":
                out.append(ch)
                continue
            out.append(self.escape(quote, raw_bytes=raw_bytes))

    def escape(self, quote: str, *, raw_bytes: bool) -> str:
        ch = self.peek()
        if ch == "":
            raise self.error("literal not terminated")
        self.pos += 1
        if ch in _SIMPLE_ESCAPES and (ch not in "'\"" or ch == quote):
            return _SIMPLE_ESCAPES[ch]
        width = {"x": 2, "u": 4, "U": 8}.get(ch)
        if width is not None:
            digits = self.src[self.pos : self.pos + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise self.error("invalid char escape")
            self.pos += width
            code = int(digits, 16)
            if ch == "x" and raw_bytes:
                return chr(code)
            if code > 0x10FFFF or 0xD800 <= code < 0xE000:
                raise self.error("invalid char escape")
            return chr(code)
        if ch in "01234567":
            digits = self.src[self.pos - 1 : self.pos + 2]
            if len(digits) != 3 or any(c not in "01234567" for c in digits):
                raise self.error("invalid char escape")
            self.pos += 2
            code = int(digits, 8)
            if code > 255:
                raise self.error("invalid char escape")
            return chr(code)
        raise self.error("invalid char escape")


def tokenize(source: str) -> list[Token]:
    """Return the tokens of ``source`` ending with an EOF token; raise ExprSyntaxError."""
    return _Lexer(source).run()
