"""Reading request documents: JSON or YAML, bounded in size, depth and node count.

Templates arrive as people write them (`kubectl`-style YAML as often as JSON), and from callers
augur does not trust. So the body is read with a byte limit before parsing, YAML anchors cannot
expand into a "billion laughs", and nesting is bounded before any model sees the document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml
from fastapi import Request

from app.core.errors import FieldProblem, InvalidInput

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "BodyTooLarge",
    "UnsupportedMediaType",
    "read_document",
    "read_documents",
]

MAX_DEPTH = 64
MAX_NODES = 100_000
JSON_TYPES = frozenset({"application/json"})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})


class BodyTooLarge(InvalidInput):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(InvalidInput):
    status = 415
    title = "Unsupported media type"


def _invalid(detail: str) -> InvalidInput:
    return InvalidInput(detail, [FieldProblem("body", detail)])


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the body is larger than {limit} bytes; send a smaller document")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the body is larger than {limit} bytes; send a smaller document")
        chunks.append(chunk)
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


def _check_bounds(value: Any) -> None:
    for nodes, depth in enumerate(_depths(value), start=1):
        if depth > MAX_DEPTH:
            raise _invalid(f"the document is nested more than {MAX_DEPTH} levels deep")
        if nodes > MAX_NODES:
            raise _invalid(f"the document has more than {MAX_NODES} values")


def _depths(value: Any) -> Iterator[int]:
    # Iterative, so a deep document cannot exhaust the interpreter's stack; shared YAML
    # aliases are visited each time they are used, which is what expanding them would cost.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        yield depth
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


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
