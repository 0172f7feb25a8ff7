"""Text in the URL that no store can hold, refused before any route sees it.

A path segment or query parameter is percent-decoded by the server, and invalid UTF-8 (`%ED%A0%80`
is an encoded surrogate, `%FF` no character at all) would quietly become U+FFFD there, so a
name or a selector would silently mean something else; NUL (`%00`) reaches the store, where
PostgreSQL refuses it. Both are a 422 naming the parameter, the same text rules the body reader
applies (`app.core.text`).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import problem
from app.core.errors import FieldProblem
from app.core.text import bad_char, describe

__all__ = ["UrlText", "url_problems"]

_NOT_UTF8 = "is not valid UTF-8 once percent-decoded; send valid UTF-8"


def _decoded(raw: bytes) -> tuple[str | None, str]:
    """The text of percent-encoded ``raw``, or None and what is wrong with it."""
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"{_NOT_UTF8} (byte {exc.start})"
    found = bad_char(text)
    return (text, "") if found is None else (None, describe(found))


def url_problems(raw_path: bytes, query: bytes) -> list[FieldProblem]:
    """Each path segment and query parameter whose text cannot be used, by name."""
    found: list[FieldProblem] = []
    for segment in raw_path.split(b"/"):
        text, wrong = _decoded(segment)
        if text is None:
            shown = segment[:60].decode("ascii", "replace")
            found.append(FieldProblem("path", f'the segment "{shown}" {wrong}'))
    for pair in query.split(b"&"):
        raw_name, _, raw_value = pair.replace(b"+", b" ").partition(b"=")
        name, wrong = _decoded(raw_name)
        if name is None:
            shown = raw_name[:60].decode("ascii", "replace")
            found.append(FieldProblem("query", f'the parameter name "{shown}" {wrong}'))
            continue
        value, wrong = _decoded(raw_value)
        if value is None:
            found.append(FieldProblem(name, wrong))
    return found


class UrlText:
    """ASGI middleware: a request whose URL holds unusable text is answered 422 at once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            found = url_problems(raw_path, scope.get("query_string", b""))
            if found:
                detail = "the URL holds text that cannot be used: " + ", ".join(
                    problem.field for problem in found
                )
                await problem(422, "Invalid input", detail, problems=found)(scope, receive, send)
                return
        await self.app(scope, receive, send)
