"""JSON read as Go's ``encoding/json`` reads it, keeping each value's text.

Argo decodes Datadog's answers into typed structs, and keeps some values as ``json.RawMessage``:
the v2 columns' entries, parsed one by one later, whose raw text ends up in messages (``could not
parse numeric value "\\"oops\\"" in column "q"``). A Python decoder loses that text, refuses
numbers Go defers (``1e400`` inside a raw message is fine until it is read as a float64) and
recurses. So this parses once, without recursion and with Go's words for a syntax error, into
:class:`Node`s that keep their place in the text; :mod:`providers.datadog.structs` then reads them
into Argo's structs with Go's field matching and type errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from providers.golang import MAX_JSON_DEPTH, GoJSONError, GoJSONTooDeep, decode_json, go_quote

__all__ = ["Node", "go_char", "parse", "type_error"]

_SPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_AFTER = {"object": "after object key:value pair", "array": "after array element"}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_LITERALS = {"t": "true", "f": "false", "n": "null"}
_END = "unexpected end of JSON input"
#: How Go's type errors name what the text held.
_KINDS = {"object": "object", "array": "array", "string": "string", "number": "number"}
_KINDS |= {"true": "bool", "false": "bool", "null": "null"}


def go_char(char: str) -> str:
    """Go's ``quoteChar``: how its scanner names the character it stopped at."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + go_quote(char)[1:-1] + "'"


@dataclass(frozen=True, slots=True)
class Node:
    """One JSON value: its kind (``object``, ``array``, ``string``, ``number``, ``true``,
    ``false``, ``null``), where it stands in ``source``, and its members in document order."""

    kind: str
    source: str = field(repr=False)
    start: int
    end: int
    children: tuple[Node, ...] = ()
    keys: tuple[str, ...] = ()

    @property
    def raw(self) -> str:
        """The value's text, as a ``json.RawMessage`` holds it."""
        return self.source[self.start : self.end]

    def text(self) -> str:
        """A string's value (Go's decoding: a lone surrogate escape is U+FFFD)."""
        value = decode_json(self.raw)
        assert isinstance(value, str)
        return value


def type_error(node: Node, go_type: str, struct: str | None = None, path: str = "") -> GoJSONError:
    """Go's ``UnmarshalTypeError`` text: ``struct`` and ``path`` name the field being set
    (``datadogResponseV1`` and ``Series``; an anonymous struct has the empty name)."""
    what = _KINDS[node.kind]
    if node.kind == "number" and go_type == "float64":
        what = f"number {node.raw}"  # out of float64's range: Go names the number
    where = f"Go value of type {go_type}"
    if struct is not None:
        where = f"Go struct field {struct}.{path} of type {go_type}"
    return GoJSONError(f"json: cannot unmarshal {what} into {where}")


@dataclass
class _Open:
    kind: str
    start: int
    children: list[Node] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def _skip(text: str, pos: int) -> int:
    found = _SPACE.match(text, pos)
    assert found is not None
    return found.end()


def _at(text: str, pos: int, context: str) -> GoJSONError:
    if pos >= len(text):
        return GoJSONError(_END)
    return GoJSONError(f"invalid character {go_char(text[pos])} {context}")


def _string_error(text: str, pos: int) -> GoJSONError:
    """Why the string starting at ``pos`` does not scan, in Go's words."""
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == '"':
            break
        if char < " ":
            return _at(text, pos, "in string literal")
        if char == "\\":
            pos += 1
            if pos < len(text) and text[pos] == "u":
                for digit in range(pos + 1, min(pos + 5, len(text))):
                    if text[digit] not in _HEX_DIGITS:
                        return _at(text, digit, "in \\u hexadecimal character escape")
            elif pos < len(text) and text[pos] not in '"\\/bfnrt':
                return _at(text, pos, "in string escape code")
        pos += 1
    return GoJSONError(_END)


def _number_error(text: str, pos: int, end: int) -> GoJSONError | None:
    """A number Go's scanner would have gone on reading (``1.``, ``1e``, ``-``)."""
    if end == pos:
        return _at(text, pos + 1, "in numeric literal")
    number = text[pos:end]
    if end < len(text) and text[end] == "." and not any(c in number for c in ".eE"):
        return _at(text, end + 1, "after decimal point in numeric literal")
    if end < len(text) and text[end] in "eE" and not any(c in number for c in "eE"):
        after = end + 2 if text[end + 1 : end + 2] in ("+", "-") else end + 1
        return _at(text, after, "in exponent of numeric literal")
    return None


def _scalar(text: str, pos: int) -> Node:
    char = text[pos]
    if char == '"':
        found = _STRING.match(text, pos)
        if found is None:
            raise _string_error(text, pos)
        return Node("string", text, pos, found.end())
    if char == "-" or "0" <= char <= "9":
        found = _NUMBER.match(text, pos)
        end = found.end() if found else pos
        error = _number_error(text, pos, end)
        if error is not None:
            raise error
        return Node("number", text, pos, end)
    word = _LITERALS.get(char)
    if word is None:
        raise _at(text, pos, "looking for beginning of value")
    for offset, expected in enumerate(word):
        if text[pos + offset : pos + offset + 1] != expected:
            raise _at(text, pos + offset, f"in literal {word} (expecting {go_char(expected)})")
    return Node(word, text, pos, pos + len(word))


def _key(text: str, pos: int, frame: _Open) -> int:
    """Read ``"key":`` into ``frame``; the position of the value after it."""
    if pos >= len(text) or text[pos] != '"':
        raise _at(text, pos, "looking for beginning of object key string")
    key = _scalar(text, pos)
    frame.keys.append(key.text())
    pos = _skip(text, key.end)
    if pos >= len(text) or text[pos] != ":":
        raise _at(text, pos, "after object key")
    return _skip(text, pos + 1)


def parse(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Node:
    """The document as a tree of :class:`Node`s, or Go's syntax error (nesting deeper than
    ``max_depth`` is ``GoJSONTooDeep``, as for :func:`providers.golang.decode_json`)."""
    stack: list[_Open] = []
    pos = _skip(text, 0)
    while True:
        if pos >= len(text):
            raise GoJSONError(_END)
        node: Node | None = None
        if text[pos] in "{[":
            if len(stack) >= max_depth:
                raise GoJSONTooDeep(
                    f"exceeded max depth: more than {max_depth} nested arrays or objects"
                )
            frame = _Open("object" if text[pos] == "{" else "array", pos)
            stack.append(frame)
            pos = _skip(text, pos + 1)
            if pos < len(text) and text[pos] == ("}" if frame.kind == "object" else "]"):
                stack.pop()
                node, pos = Node(frame.kind, text, frame.start, pos + 1), pos + 1
            elif frame.kind == "object":
                pos = _key(text, pos, frame)
        else:
            node = _scalar(text, pos)
            pos = node.end
        while node is not None:
            if not stack:
                pos = _skip(text, pos)
                if pos < len(text):
                    raise _at(text, pos, "after top-level value")
                return node
            frame = stack[-1]
            frame.children.append(node)
            pos = _skip(text, pos)
            closer = "}" if frame.kind == "object" else "]"
            if pos < len(text) and text[pos] == ",":
                pos = _skip(text, pos + 1)
                if frame.kind == "object":
                    pos = _key(text, pos, frame)
                node = None
            elif pos < len(text) and text[pos] == closer:
                stack.pop()
                children, keys = tuple(frame.children), tuple(frame.keys)
                node = Node(frame.kind, text, frame.start, pos + 1, children, keys)
                pos += 1
            else:
                raise _at(text, pos, _AFTER[frame.kind])
