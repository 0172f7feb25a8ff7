"""Reading request documents: JSON or YAML, bounded in size, depth and node count.

Templates arrive as people write them (`kubectl`-style YAML as often as JSON), and from callers
augur does not trust. So the body is read with a byte limit before parsing, YAML anchors cannot
expand into a "billion laughs", and nesting is bounded before any model sees the document.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import yaml
from fastapi import Request
from starlette.requests import ClientDisconnect

from app.core.errors import AppError, FieldProblem, InvalidInput
from app.core.text import bad_char, describe, escape

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "BodyTooLarge",
    "ClientGone",
    "UnsupportedMediaType",
    "read_document",
    "read_documents",
]

MAX_DEPTH = 64
MAX_NODES = 100_000
#: Text problems named in one answer; more are summed up in the detail.
MAX_TEXT_PROBLEMS = 20
JSON_TYPES = frozenset({"application/json"})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})


class BodyTooLarge(InvalidInput):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(InvalidInput):
    status = 415
    title = "Unsupported media type"


class ClientGone(AppError):
    """The caller hung up while sending the body: nobody is left to answer (nginx's 499)."""

    status = 499
    title = "Client closed request"


log = logging.getLogger(__name__)


def _invalid(detail: str) -> InvalidInput:
    return InvalidInput(detail, [FieldProblem("body", detail)])


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the body is larger than {limit} bytes; send a smaller document")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(
                    f"the body is larger than {limit} bytes; send a smaller document"
                )
            chunks.append(chunk)
    except ClientDisconnect:
        # Not a fault of augur's: one line, no traceback, and no answer anyone would read.
        log.info(
            "%s %s: the client closed the connection while sending the body after %d bytes",
            request.method,
            request.url.path,
            size,
        )
        raise ClientGone("the client closed the connection before the body was complete") from None
    return b"".join(chunks)


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents using more than a handful of aliases."""

    max_aliases = 50

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen = getattr(self, "aliases_seen", 0) + 1
            if self.aliases_seen > self.max_aliases:
                raise yaml.YAMLError(f"more than {self.max_aliases} YAML aliases")
        return super().compose_node(parent, index)


# Kubernetes documents keep timestamps as text (`creationTimestamp`); JSON has no date type.
def _timestamp_as_text(loader: _BoundedLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def parse_document(raw: bytes, media_type: str, *, several: bool = False) -> Any:
    """Parse JSON or YAML text and check its shape is bounded; raises InvalidInput.

    ``several=True`` reads a YAML stream (documents separated by ``---``) into a list of its
    documents; JSON is one value either way. The alias limit holds across the whole stream.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("the body is not UTF-8 text") from None
    try:
        if media_type in JSON_TYPES:
            value = json.loads(text)
        elif several:
            loaded = yaml.load_all(text, Loader=_BoundedLoader)
            value = [document for document in loaded if document is not None]
        else:
            value = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 (a SafeLoader subclass)
    except RecursionError:
        raise _invalid(f"the document is nested more than {MAX_DEPTH} levels deep") from None
    except (ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if media_type in JSON_TYPES else "YAML"
        raise _invalid(f"the body is not valid {kind}: {_first_line(exc)}") from None
    _check_bounds(value)
    return value


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


#: Where a value sits: ``None`` for the document, else (where its parent sits, key or index).
_Trail = tuple[Any, "str | int"] | None


def _check_bounds(value: Any) -> None:
    """Depth, size and text in one iterative walk, so a deep document cannot exhaust the
    interpreter's stack; shared YAML aliases are visited each time they are used, which is what
    expanding them would cost. Text that no store can hold or no answer can carry (an unpaired
    surrogate, NUL), in a key or a value at any depth, is refused here, before anything is built
    or stored from the document, and every such place is named."""
    found: list[FieldProblem] = []
    stack: list[tuple[Any, int, _Trail]] = [(value, 1, None)]
    nodes = 0
    while stack:
        item, depth, trail = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH:
            raise _invalid(f"the document is nested more than {MAX_DEPTH} levels deep")
        if nodes > MAX_NODES:
            raise _invalid(f"the document has more than {MAX_NODES} values")
        if isinstance(item, str):
            if (bad := bad_char(item)) is not None:
                found.append(FieldProblem(_path(trail), describe(bad)))
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and (bad := bad_char(key)) is not None:
                    found.append(FieldProblem(_path((trail, key)), "the key " + describe(bad)))
                stack.append((child, depth + 1, (trail, key)))
        elif isinstance(item, list):
            stack.extend((child, depth + 1, (trail, i)) for i, child in enumerate(item))
    if found:
        found.sort(key=lambda problem: problem.field)
        more = len(found) - MAX_TEXT_PROBLEMS
        detail = "the body holds text that cannot be stored" + (
            f" ({len(found)} places; the first {MAX_TEXT_PROBLEMS} are named)" if more > 0 else ""
        )
        raise InvalidInput(detail, found[:MAX_TEXT_PROBLEMS])


def _path(trail: _Trail) -> str:
    """``spec.metrics[0].successCondition`` for the trail of keys and indexes to a value; a key
    holding a bad character is written with it escaped, so the answer itself can be sent."""
    parts: list[str | int] = []
    while trail is not None:
        trail, key = trail
        parts.append(key)
    path = ""
    for part in reversed(parts):
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            text = escape(str(part))
            path += f".{text}" if path else text
    return path or "body"


def _media_type(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in JSON_TYPES | YAML_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'!r} is not accepted; send application/json "
            "or application/yaml"
        )
    return media_type


async def read_document(request: Request, *, limit: int) -> Any:
    """The request's body as a JSON value; 413, 415 or 422 problems when it cannot be."""
    media_type = _media_type(request)
    return parse_document(await _read_limited(request, limit), media_type)


async def read_documents(request: Request, *, limit: int) -> list[Any]:
    """The request's body as a list of documents: a YAML stream (`---` between documents), a
    JSON or YAML list, or one document; the limits of `read_document` hold for all of them."""
    media_type = _media_type(request)
    raw = await _read_limited(request, limit)
    value = parse_document(raw, media_type, several=media_type not in JSON_TYPES)
    if media_type in JSON_TYPES:
        value = [value]
    if len(value) == 1 and isinstance(value[0], list):
        return list(value[0])  # one document that is a list of documents
    return list(value)
