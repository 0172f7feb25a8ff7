"""Template text to nodes, split as ``k8s.io/client-go/util/jsonpath``'s parser splits it.

Text outside braces is a literal; inside an action: ``.name`` (backslash escapes a dot),
``..``, ``.*``, ``[...]`` (a filter ``?(...)``, a union ``a,b``, a quoted key, ``*`` or a slice,
checked in that order), quoted strings, numbers and ``true``/``false``. An unknown filter
operator is reported here, when the template is compiled. ``{range}``/``{end}`` are refused.
"""

from __future__ import annotations

import re

from providers.jsonpath.nodes import (
    Field,
    Filter,
    JSONPathSyntaxError,
    Literal,
    Node,
    Recursive,
    Slice,
    Union,
    Wildcard,
)

__all__ = ["parse_template"]

_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_FIELD_STOP = frozenset(".,[]{}$@ \t\r\n")  # the package's terminators


def _go_rune(char: str) -> str:
    return f"U+{ord(char):04X} {char!r}"


def _matching(text: str, start: int, opening: str, closing: str) -> int:
    """Index of the ``closing`` that balances ``text[start] == opening`` (quotes respected)."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The string starting at the quote ``text[i]`` and the index after it."""
    quote, out, j = text[i], [], i + 1
    while j < len(text) and text[j] != quote:
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        out.append(text[j])
        j += 1
    if j >= len(text):
        raise JSONPathSyntaxError("unterminated quoted string")
    return "".join(out), j + 1


def _number(token: str) -> int | float:
    try:
        return float(token) if "." in token else int(token)
    except ValueError:
        raise JSONPathSyntaxError(f"cannot parse number {token}") from None


def _int_or_none(token: str, whole: str) -> int | None:
    token = token.strip()
    if not token:
        return None
    try:
        return int(token)
    except ValueError:
        raise JSONPathSyntaxError(f"invalid array index {whole}") from None


def _parse_slice(part: str) -> Slice:
    pieces = part.split(":")
    if len(pieces) > 3:
        raise JSONPathSyntaxError(f"invalid array index {part}")
    values = [_int_or_none(piece, part) for piece in pieces]
    if len(pieces) == 1:
        if values[0] is None:
            raise JSONPathSyntaxError(f"invalid array index {part}")
        return Slice(values[0], None, None, single=True)
    return Slice(values[0], values[1], values[2] if len(values) == 3 else None, single=False)


_FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.DOTALL)
_DICT_KEY = re.compile(r"^'([^']*)'$")


def _parse_filter(inner: str) -> Filter:
    """``left op right`` split as the package splits it, or a bare path (``exists``)."""
    match = _FILTER.match(inner)
    if match is None:
        return Filter(_parse_steps(inner), "exists", ())
    left, operator, right = match.groups()
    if operator not in _OPERATORS:
        raise JSONPathSyntaxError(f"unrecognized filter operator {operator}")
    return Filter(_parse_steps(left), operator, _parse_steps(right))


def _parse_bracket(content: str) -> tuple[Node, ...]:
    """``[...]``: a filter, a union, a quoted key, ``*`` or a slice, checked in that order."""
    if content.startswith("?(") and content.endswith(")"):
        return (_parse_filter(content[2:-1]),)
    if content.startswith("?"):
        raise JSONPathSyntaxError(f"invalid filter [{content}]")
    if "," in content:
        return (Union(tuple(_parse_bracket(part.strip()) for part in content.split(","))),)
    key = _DICT_KEY.match(content)
    if key is not None:  # as the package does: ['a.b'] is read as .a.b
        return _parse_steps("." + key[1])
    if content == "*":
        return (Slice(None, None, None, single=False),)
    return (_parse_slice(content),)


def _parse_field(text: str, i: int) -> tuple[str, int]:
    out = []
    while i < len(text) and text[i] not in _FIELD_STOP:
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), i


def _parse_steps(text: str) -> tuple[Node, ...]:
    """The inside of one action (or one filter operand)."""
    nodes: list[Node] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in " \t\n$@":
            i += 1
        elif char == ".":
            if text.startswith("..", i):
                nodes.append(Recursive())
                i += 1
            name, i = _parse_field(text, i + 1)
            if name == "*":
                nodes.append(Wildcard())
            elif name:
                nodes.append(Field(name))
        elif char == "[":
            end = _matching(text, i, "[", "]")
            if end < 0:
                raise JSONPathSyntaxError("unterminated array")
            nodes.extend(_parse_bracket(text[i + 1 : end]))
            i = end + 1
        elif char in "'\"":
            value, i = _quoted(text, i)
            nodes.append(Literal(value))
        elif char.isdigit() or char in "+-":
            j = i + 1
            while j < len(text) and (text[j].isdigit() or text[j] == "."):  # as the package lexes
                j += 1
            nodes.append(Literal(_number(text[i:j]), per_input=True))
            i = j
        elif char.isalpha() or char == "_":
            word, i = _parse_field(text, i)
            if word in ("true", "false"):
                nodes.append(Literal(word == "true", per_input=True))
            elif word in ("range", "end"):
                raise JSONPathSyntaxError(f"{{{word}}} is not supported by augur")
            else:
                raise JSONPathSyntaxError(f"unrecognized identifier {word}")
        else:
            raise JSONPathSyntaxError(f"unrecognized character in action: {_go_rune(char)}")
    return tuple(nodes)


def parse_template(text: str) -> list[tuple[Node, ...]]:
    """One tuple of nodes per part: a literal for text outside braces, the steps of an action."""
    parts: list[tuple[Node, ...]] = []
    i = 0
    while i < len(text):
        start = text.find("{", i)
        if start < 0:
            parts.append((Literal(text[i:]),))
            break
        if start > i:
            parts.append((Literal(text[i:start]),))
        end = _matching(text, start, "{", "}")
        if end < 0:
            raise JSONPathSyntaxError("unclosed action")
        parts.append(_parse_steps(text[start + 1 : end]))
        i = end + 1
    return parts
