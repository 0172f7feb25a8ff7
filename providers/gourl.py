"""Go's ``net/url.Parse``: which addresses it refuses, and its words for why.

Argo builds a provider's endpoint from an address read from a Secret (Datadog's ``address``) with
``url.Parse`` and stores the error as the measurement's message: ``parse "://wrong.schema":
missing protocol scheme``. Python's parsers accept and refuse different strings, so the rules
(control characters, the scheme, a colon in the first path segment, the port, percent escapes,
the characters a host may hold) are copied from Go's ``net/url`` rather than approximated.
"""

from __future__ import annotations

import re

from providers.golang import go_quote

__all__ = ["parse_error"]

_SCHEME_START = re.compile(r"[A-Za-z]")
_SCHEME_CHAR = re.compile(r"[A-Za-z0-9+\-.]")
_HEX = frozenset("0123456789abcdefABCDEF")
#: What Go's ``shouldEscape(c, encodeHost)`` lets stand in a host, besides letters and digits.
_HOST_CHARS = frozenset("-_.~!$&'()*+,;=:[]<>\"")
_PORT = re.compile(r"(:[0-9]*)?\Z")


class _Refused(ValueError):
    """One of Go's reasons; ``str()`` is its text."""


def _scheme(raw: str) -> tuple[str, str]:
    """``getScheme``: the scheme and the rest, or no scheme when the text cannot start one."""
    for index, char in enumerate(raw):
        if char == ":":
            if index == 0:
                raise _Refused("missing protocol scheme")
            return raw[:index], raw[index + 1 :]
        if not (_SCHEME_START.match(char) or (index and _SCHEME_CHAR.match(char))):
            return "", raw
    return "", raw


def _unescape(text: str, *, host: bool) -> None:
    """``unescape``: every ``%`` starts two hex digits; a host holds only what Go allows."""
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%":
            escape = text[index : index + 3]
            if len(escape) < 3 or not set(escape[1:]) <= _HEX:
                raise _Refused(f"invalid URL escape {go_quote(escape)}")
            if host and int(escape[1], 16) < 8 and escape != "%25":
                raise _Refused(f"invalid URL escape {go_quote(escape)}")
            index += 3
            continue
        if host and ord(char) < 0x80 and not (char.isalnum() or char in _HOST_CHARS):
            raise _Refused(f"invalid character {go_quote(char)} in host name")
        index += 1


def _host(authority: str) -> None:
    """``parseAuthority`` and ``parseHost``: userinfo, an IPv6 literal, the port."""
    userinfo, at, host = authority.rpartition("@")
    if at and re.search(r"[^A-Za-z0-9\-._:~!$&'()*+,;=%@]", userinfo):
        raise _Refused("net/url: invalid userinfo")
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise _Refused("missing ']' in host")
        port = host[end + 1 :]
    else:
        colon = host.rfind(":")
        port = host[colon:] if colon >= 0 else ""
    if not _PORT.match(port):
        raise _Refused(f"invalid port {go_quote(port)} after host")
    _unescape(host, host=True)
    if at:
        _unescape(userinfo, host=False)


def _parse(raw: str) -> None:
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in raw):
        raise _Refused("net/url: invalid control character in URL")
    if raw == "*":
        return
    scheme, rest = _scheme(raw)
    rest = rest.partition("?")[0]  # the query is not checked
    if not rest.startswith("/"):
        if scheme:
            return  # opaque: `mailto:x`, `host:443` read as scheme `host`
        if ":" in rest.partition("/")[0]:
            raise _Refused("first path segment in URL cannot contain colon")
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, slash, path = rest[2:].partition("/")
        _host(authority)
        rest = slash + path
    _unescape(rest, host=False)


def parse_error(raw: str) -> str | None:
    """Go's ``url.Parse(raw)`` error text (``parse "<raw>": <reason>``), or None if Go parses it."""
    text, hash_mark, fragment = raw.partition("#")
    try:
        _parse(text)
    except _Refused as exc:
        return f"parse {go_quote(text)}: {exc}"
    if hash_mark:
        try:
            _unescape(fragment, host=False)
        except _Refused as exc:
            return f"parse {go_quote(raw)}: {exc}"
    return None
