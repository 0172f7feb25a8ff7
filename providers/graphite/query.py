"""The render URL Argo's graphite provider asks for, built as Go's ``net/url`` builds it.

Argo strips every whitespace character from the query (RE2's ``\\s``: space, tab, newline,
carriage return, form feed; inside quoted strings too), parses ``./render?<query>`` with
``url.Parse`` (``#`` starts a fragment, dropped; a bad ``%`` escape there is an error), reads the
pairs with Go's lenient query parser (a pair with a bad escape or a ``;`` is dropped, ``+`` is a
space), sets ``format=json`` over whatever the query said, and encodes the pairs again with keys
sorted and ``url.QueryEscape`` (only ``A-Za-z0-9-_.~`` kept; space as ``+``). The path is
``path.Join(<address path>, "render")``.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote_plus, unquote_to_bytes

from providers.golang import go_quote

__all__ = ["RenderQueryError", "render_path", "render_query", "strip_whitespace"]

#: RE2's ``\s`` (Python's also matches ``\v`` and Unicode spaces, Go's does not).
_WHITESPACE = re.compile(r"[\t\n\f\r ]+")
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RenderQueryError(ValueError):
    """Go's ``url.Parse`` refused ``./render?<query>``: the message is Go's ``url.Error``."""


def strip_whitespace(query: str) -> str:
    return _WHITESPACE.sub("", query)


def _quote_bytes(raw: bytes) -> str:
    """``strconv.Quote`` of bytes that may be cut in the middle of a UTF-8 sequence."""
    try:
        return go_quote(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return '"' + "".join(chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in raw) + '"'


def _escape_error(text: str) -> str | None:
    """Go's ``unescape`` error for the first bad ``%`` escape: ``invalid URL escape "%^&"``."""
    raw = text.encode("utf-8")
    found = _BAD_ESCAPE.search(raw)
    if found is None:
        return None
    return "invalid URL escape " + _quote_bytes(raw[found.start() : found.start() + 3])


def _unescape(text: str) -> bytes | None:
    """Go's ``QueryUnescape``: ``+`` is a space; None for a bad escape."""
    raw = text.encode("utf-8")
    if _BAD_ESCAPE.search(raw):
        return None
    return unquote_to_bytes(raw.replace(b"+", b" "))


def _pairs(raw_query: str) -> dict[bytes, list[bytes]]:
    """Go's ``url.ParseQuery``, its errors ignored as ``URL.Query()`` ignores them."""
    found: dict[bytes, list[bytes]] = {}
    for part in raw_query.split("&"):
        if not part or ";" in part:
            continue
        key_text, _, value_text = part.partition("=")
        key, value = _unescape(key_text), _unescape(value_text)
        if key is None or value is None:
            continue
        found.setdefault(key, []).append(value)
    return found


def render_query(query: str) -> str:
    """The raw query string Argo sends for `query`: ``format=json&from=-2min&target=...``.
    Raises :class:`RenderQueryError` where ``url.Parse`` fails."""
    raw_url = "./render?" + strip_whitespace(query)
    before, has_fragment, fragment = raw_url.partition("#")
    if _CONTROL.search(before):
        raise RenderQueryError(
            f"parse {go_quote(before)}: net/url: invalid control character in URL"
        )
    problem = _escape_error(fragment) if has_fragment else None
    if problem is not None:
        raise RenderQueryError(f"parse {go_quote(raw_url)}: {problem}")
    pairs = _pairs(before.partition("?")[2])
    pairs[b"format"] = [b"json"]
    return "&".join(
        f"{quote_plus(key, safe='')}={quote_plus(value, safe='')}"
        for key in sorted(pairs)
        for value in pairs[key]
    )


def render_path(base_path: str) -> str:
    """``path.Join(base, "./render")`` resolved against the address: always absolute."""
    return "/" + posixpath.normpath(f"/{base_path}/render").lstrip("/")
