"""Kayenta's own test cases (tests/data/kayenta/vectors.jsonl), read once for the judge tests.

Arrays are experiment (`x`) first, control (`y`) second; NaN is the string "NaN"; each case
carries the tolerance its Kayenta assertion used. The `argo-rollouts/*` cases belong to the
Kayenta HTTP API's tests, not the judge's.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tests.support.servers import REPO

PATH = REPO / "tests" / "data" / "kayenta" / "vectors.jsonl"


def _nan(node: Any) -> Any:
    if node == "NaN":
        return math.nan
    if isinstance(node, list):
        return [_nan(item) for item in node]
    return node


def load() -> list[dict[str, Any]]:
    with PATH.open() as lines:
        cases = [json.loads(line) for line in lines if line.strip()]
    return [c for c in cases if not c["suite"].startswith("argo-rollouts/")]


CASES = load()


def floats(values: list[Any]) -> list[float]:
    return [float(v) for v in _nan(values)]


def case_id(case: dict[str, Any]) -> str:
    return f"{case['suite']}: {case['name']}"
