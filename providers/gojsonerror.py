"""Go's ``encoding/json`` syntax-error text for a document Python's decoder refused.

Go checks a whole document before it decodes any of it, so a malformed answer always reads as
one syntax error: ``invalid character 'i' looking for beginning of value``, or
``unexpected end of JSON input``. Python's decoder stops at the same byte with other words
(``Expecting value: line 1 column 1``); this maps its reason and position onto Go's scanner
states. Providers whose Argo counterpart shows the decoder's error in a measurement message
(graphite) use it; :func:`providers.golang.decode_json` keeps Python's text for the others.
"""

from __future__ import annotations

import json

from providers.golang import GoJSONError, go_quote

__all__ = ["go_json_error"]

#: Python's reason -> the scanner state Go names in its message.
_STATES = {
    "Expecting value": "looking for beginning of value",
    "Expecting property name enclosed in double quotes": (
        "looking for beginning of object key string"
    ),
    "Expecting ':' delimiter": "after object key",
    "Extra data": "after top-level value",
    "Invalid control character at": "in string literal",
}


def _quote_char(char: str) -> str:
    """Go's ``quoteChar``: ``'\\''``, ``'"'``, else ``strconv.Quote`` in single quotes."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + go_quote(char)[1:-1] + "'"


def _innermost(doc: str, pos: int) -> str:
    """Whether the container open at `pos` is an array or an object (strings skipped)."""
    stack: list[str] = []
    in_string = escaped = False
    for char in doc[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def go_json_error(exc: GoJSONError) -> str:
    """The text Go's ``json.Unmarshal`` gives for the document `exc` was raised on; an error
    that is not a syntax error (too deep, a number out of range) keeps its own text."""
    cause = exc.__cause__
    if not isinstance(cause, json.JSONDecodeError):
        return str(exc)
    doc, pos, reason = cause.doc, cause.pos, cause.msg
    if reason.startswith("Unterminated string") or not doc[pos:].strip():
        return "unexpected end of JSON input"
    if reason.startswith("Invalid \\"):  # Python points at the backslash, Go after it
        return f"invalid character {_quote_char(doc[pos + 1])} in string escape code"
    if reason == "Expecting ',' delimiter":
        state = (
            "after array element" if _innermost(doc, pos) == "[" else "after object key:value pair"
        )
    else:
        state = _STATES.get(reason, "looking for beginning of value")
    return f"invalid character {_quote_char(doc[pos])} {state}"
