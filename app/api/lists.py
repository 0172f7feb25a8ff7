"""List answers that one bad record cannot break.

Text that cannot be sent is refused at the door and scrubbed at the store's seam, so every stored
record should encode. Should one still fail (a record written by hand or by a bug to come), the
list leaves that item out, logs an error naming it, and says so in a `Warning` header as the
Kubernetes API does, instead of answering 500 for every other item too.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse

from app.core.text import escape

__all__ = ["ListResponse", "list_answer"]

log = logging.getLogger(__name__)


def _name(item: Any) -> str:
    metadata = item.get("metadata") if isinstance(item, dict) else None
    if not isinstance(metadata, dict):
        return "an item"
    parts = [metadata.get("namespace"), metadata.get("name")]
    named = "/".join(part for part in parts if isinstance(part, str) and part) or "an item"
    return escape(named)  # a log line must be written, whatever the record holds


class ListResponse(JSONResponse):
    """A `{..., "items": [...]}` answer; items that cannot be encoded are left out."""

    def __init__(self, content: Any, **kwargs: Any) -> None:
        self._skipped = 0
        super().__init__(content, **kwargs)
        if self._skipped:  # rendered before the headers exist: added once they do
            self.headers["Warning"] = (
                f'299 - "{self._skipped} stored item(s) could not be shown and were left out; '
                'see the server log"'
            )

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (UnicodeEncodeError, ValueError, TypeError):
            pass
        kept: list[Any] = []
        for item in content["items"]:
            try:
                super().render(item)
            except (UnicodeEncodeError, ValueError, TypeError) as exc:
                log.error(
                    "left %s out of a list: it cannot be encoded (%s)",
                    _name(item),
                    type(exc).__name__,
                )
                continue
            kept.append(item)
        self._skipped = len(content["items"]) - len(kept)
        return super().render({**content, "items": kept})


def list_answer(item: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI for a `200 {"items": [...]}` answer whose items have the schema `item`."""
    items = {"type": "object", "properties": {"items": {"type": "array", "items": item}}}
    return {"content": {"application/json": {"schema": items}}}
