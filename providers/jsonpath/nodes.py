"""What a compiled template is made of: one small frozen class per step, and the two errors.

A template is a tuple of parts (text outside braces, or one ``{...}`` action), each a tuple of
steps applied left to right to the inputs of the step before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = [
    "Field",
    "Filter",
    "JSONPathError",
    "JSONPathSyntaxError",
    "Literal",
    "Node",
    "Recursive",
    "Slice",
    "Union",
    "Wildcard",
]


class JSONPathError(ValueError):
    """Evaluation failed; ``str(err)`` is the package's message (``novalue is not found``)."""


class JSONPathSyntaxError(JSONPathError):
    """The template does not parse."""


# ---- nodes: plain data, one small class per step ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any  # quoted text, number or bool inside an action; text outside braces
    per_input: bool = False  # numbers and bools repeat once per input; text appears once


@dataclass(frozen=True, slots=True)
class Field:
    name: str


@dataclass(frozen=True, slots=True)
class Recursive:
    pass


@dataclass(frozen=True, slots=True)
class Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class Slice:
    start: int | None
    end: int | None
    step: int | None
    single: bool  # ``[i]``: the end is derived (``i + 1``)


@dataclass(frozen=True, slots=True)
class Union:
    branches: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True, slots=True)
class Filter:
    left: tuple[Node, ...]
    operator: str  # "exists" when there is no comparison
    right: tuple[Node, ...]


Node: TypeAlias = Literal | Field | Recursive | Wildcard | Slice | Union | Filter
