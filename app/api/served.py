"""The answers of the hot routes (run status, the gates), built once per stored version of a run.

Rollout controllers ask the gates on every step of every rollout, and dashboards poll run status,
so the same finished (or slowly moving) run is answered over and over. Building the answer is the
costly part: the stored JSON parsed, validated into pydantic models, dumped back to Argo's shape,
encoded. Each of those answers is a pure function of the run's row (`StoredRun.version`: names,
labels, annotations, spec, status, creation time as the store holds them), so it is kept here,
encoded, next to the version it was built from, and served again while the row still holds that
version. Each request still reads the row, so every replica answers what the database holds now;
nothing is invalidated by hand and nothing can go stale.

Bounded by size (the least recently used answers go first); one per app, used from its event
loop only.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from fastapi import Request, Response

from app.store.records import RunRecord
from app.store.runs import StoredRun

__all__ = ["Served", "json_answer", "json_bytes", "served"]

T = TypeVar("T")

#: Answers kept per app, in bytes of answer and version text.
MAX_BYTES = 32 * 1024 * 1024


def json_bytes(document: Any) -> bytes:
    """`document` encoded exactly as FastAPI's JSONResponse encodes it."""
    return json.dumps(
        document, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def json_answer(body: bytes, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")


class Served(Generic[T]):
    """Answers by (kind, run id), each with the version of the row it was built from."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._kept: OrderedDict[tuple[str, str], tuple[tuple[str, ...], T, bytes, int]] = (
            OrderedDict()
        )

    def get(
        self, kind: str, stored: StoredRun, build: Callable[[RunRecord], tuple[T, bytes]]
    ) -> tuple[T, bytes]:
        """The answer of `kind` for the run as stored: kept, or built from its record now."""
        key = (kind, stored.id)
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stored.version:
            self._kept.move_to_end(key)
            return kept[1], kept[2]
        value, body = build(stored.record())
        if kept is not None:
            self.size -= self._kept.pop(key)[3]
        size = len(body) + sum(len(text) for text in stored.version)
        if size <= self.max_bytes:
            self._kept[key] = (stored.version, value, body, size)
            self.size += size
            while self.size > self.max_bytes:
                self.size -= self._kept.popitem(last=False)[1][3]
        return value, body


def served(request: Request) -> Served[Any]:
    """The app's answers (made on first use)."""
    state = request.app.state
    found: Served[Any] | None = getattr(state, "served", None)
    if found is None:
        found = state.served = Served()
    return found
