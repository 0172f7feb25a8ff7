"""Values and times as a measurement's message shows them: short, and in the reader's terms.

``result`` came from JSON, so values are shown as compact JSON (numbers as Go's encoder writes
them: ``9512``, not ``9512.0``), with expr's ``nil`` for null and Go's ``NaN``/``+Inf``. Big
values are clipped with ``…``: the renderer stops walking once it has enough text, so showing a
100,000-point series costs no more than showing ten.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .runtime import fmt_float, fmt_value
from .types import Float64List

__all__ = ["ELLIPSIS", "clip", "distance", "show", "show_times", "tally"]

ELLIPSIS = "…"
_MAX_DEPTH = 12


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with ``…``."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def _scalar(value: Any) -> str | None:
    kind = type(value)
    if value is None:
        return "nil"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return fmt_float(value, json_style=True)
    if kind is str:
        return json.dumps(value, ensure_ascii=False)
    return None


def _render(value: Any, room: int, depth: int) -> str:
    """At most about ``room`` characters of ``value`` (the caller clips the rest)."""
    simple = _scalar(value)
    if simple is not None:
        return simple
    if depth > _MAX_DEPTH:
        return ELLIPSIS
    if isinstance(value, list | tuple | Float64List):
        parts: list[str] = []
        used = 1
        for item in value:
            if used > room:
                parts.append(ELLIPSIS)
                break
            part = _render(item, room - used, depth + 1)
            parts.append(part)
            used += len(part) + 1
        return "[" + ",".join(parts) + "]"
    if isinstance(value, dict):
        parts = []
        used = 1
        for key, item in value.items():
            if used > room:
                parts.append(ELLIPSIS)
                break
            name = json.dumps(key, ensure_ascii=False) if isinstance(key, str) else fmt_value(key)
            part = f"{name}:{_render(item, room - used - len(name), depth + 1)}"
            parts.append(part)
            used += len(part) + 1
        return "{" + ",".join(parts) + "}"
    return fmt_value(value)


def show(value: Any, limit: int = 200) -> str:
    """``value`` as compact JSON, clipped to ``limit`` characters."""
    return clip(_render(value, limit, 0), limit)


def show_times(times: Sequence[datetime], picks: Sequence[int]) -> list[str]:
    """The times at ``picks``, in UTC: ``10:31:00Z`` when the whole series falls on one day,
    else with the date."""
    if not times:
        return []
    first, last = min(times).astimezone(UTC), max(times).astimezone(UTC)
    pattern = "%H:%M:%SZ" if first.date() == last.date() else "%Y-%m-%dT%H:%M:%SZ"
    return [times[i].astimezone(UTC).strftime(pattern) for i in picks]


def tally(k: int, total: int, verb: str) -> str:
    """``3 of 10 points fail``, ``all 10 points match``, ``the only point fails`` (``verb`` is
    "fail" or "match")."""
    one = verb + ("es" if verb.endswith("ch") else "s")
    if total == 1:
        return f"the only point {one}"
    if k == total:
        return f"all {total} points {verb}"
    if k == 0:
        return f"none of the {total} points {verb}"
    return f"1 of {total} points {one}" if k == 1 else f"{k} of {total} points {verb}"


def distance(a: Any, b: Any) -> float | None:
    """How far apart two numbers are (NaN is furthest from everything); None for non-numbers."""
    numbers = (int, float)
    if type(a) in numbers and type(b) in numbers:
        gap = abs(float(a) - float(b))
        return math.inf if math.isnan(gap) else gap
    return None
