"""Argo's own test cases, recorded in ``tests/data/argo-vectors.json`` (see its README)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parents[1] / "data" / "argo-vectors.json"


@cache
def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS.read_text())
    return data


def section(*keys: str) -> list[dict[str, Any]]:
    node: Any = vectors()
    for key in keys:
        node = node[key]
    return list(node)


def case_id(case: dict[str, Any]) -> str:
    """The Go test function (or harness case name) a vector comes from."""
    source = str(case.get("source", "case"))
    name = source.rsplit(":", 1)[-1] if ":" in source else source.split(" ")[0]
    label = case.get("case") or ("" if name.startswith("Test") else case.get("fn", ""))
    return f"{name}:{label}" if label else name


def cases(items: Sequence[dict[str, Any]]) -> list[Any]:
    """``pytest.param`` per vector, ids from the Go test names, numbered when repeated."""
    seen: dict[str, int] = {}
    params = []
    for item in items:
        base = case_id(item)
        seen[base] = seen.get(base, 0) + 1
        params.append(pytest.param(item, id=f"{base}-{seen[base]}"))
    return params
