"""One error for everything wrong with a judge's input, listing every problem with its path.

Kayenta reads configs with ``FAIL_ON_UNKNOWN_PROPERTIES`` off and casts analysis settings when
the judge runs, so a `"critical": "true"` only fails mid-judgement with a ClassCastException.
augur checks the types up front and names each field, in the path style of the rest of augur
(``metrics[2].analysisConfigurations.canary.critical``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

__all__ = ["JudgeConfigError", "path_text", "problems_of"]

#: pydantic's error types, in the words augur's messages use.
_EXPECTED = {
    "bool_type": "must be a boolean",
    "string_type": "must be a string",
    "float_type": "must be a number",
    "int_type": "must be an integer",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "missing": "is required",
}


class JudgeConfigError(ValueError):
    """Bad canary config, metric pairs or thresholds. ``problems`` lists (field path, message)
    pairs, every problem found, not just the first."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        super().__init__("\n".join(f"{path}: {message}" for path, message in self.problems))


def path_text(loc: Sequence[str | int], prefix: str = "") -> str:
    """`("metrics", 2, "query")` -> `metrics[2].query` (after `prefix`)."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def shown(value: Any) -> str:
    """A bad value as the user wrote it: JSON, cut short."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problems_of(exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """pydantic's errors as (path, message) pairs, with the value that was given."""
    found = []
    for error in exc.errors():
        loc = [
            part
            for part in error["loc"]
            if not (isinstance(part, str) and part.startswith("function-"))
        ]
        kind = error["type"]
        if kind == "missing":
            message = "is required"
        elif kind in _EXPECTED:
            message = f"{_EXPECTED[kind]}, got {shown(error['input'])}"
        elif kind == "literal_error":
            choices = ", ".join(
                f'"{c}"' for c in re.findall(r"'([^']*)'", error["ctx"]["expected"])
            )
            message = f"must be one of {choices}, got {shown(error['input'])}"
        elif kind == "value_error":
            message = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
        else:
            message = f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown(error['input'])}"
        found.append((path_text(loc, prefix), message))
    return found
