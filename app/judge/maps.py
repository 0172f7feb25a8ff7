"""Kayenta's ``MapUtils``: tolerant lookups in nested JSON, for settings read by path.

A path walks objects by key and fans out over lists (the hits are flattened); a missing key, a
scalar with path left over, or null gives None. ``get_double`` accepts an integer where a number
belongs, as Kayenta reads ``"allowedIncrease": 2``. The judges read their settings through the
typed config models; this is Kayenta's reader for settings outside them (an extra
``judgeConfigurations`` key a caller adds), and its vectors pin Kayenta's behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["get_double", "get_path"]


def get_path(data: Any, *path: str) -> Any:
    if data is None:
        return None
    if not path:
        return data
    if isinstance(data, Mapping):
        return get_path(data.get(path[0]), *path[1:])
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        hits = []
        for item in data:
            found = get_path(item, *path)
            if found is None:
                continue
            hits += found if isinstance(found, list) else [found]
        return hits or None
    return None


def get_double(default: float, data: Any, *path: str) -> float:
    """The number at `path`, or `default` when there is none; a non-number raises TypeError."""
    found = get_path(data, *path)
    if found is None:
        return default
    if isinstance(found, bool) or not isinstance(found, int | float):
        raise TypeError(f"{'.'.join(path)}: must be a number, got {found!r}")
    return float(found)
