"""Errors augur raises on purpose, each carrying the HTTP status it maps to.

    AppError                 500  something augur cannot do
    ├── InvalidInput         422  the request is understood but a field is wrong (names field + fix)
    ├── NotFound             404  the named resource does not exist
    ├── Conflict             409  the resource exists in a state that forbids the request
    └── Unavailable          503  a dependency (the store) cannot be reached now; retry later

`app/api/problems.py` is the one place these become application/problem+json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

__all__ = ["AppError", "Conflict", "FieldProblem", "InvalidInput", "NotFound", "Unavailable"]


@dataclass(frozen=True)
class FieldProblem:
    """One wrong field: where it is (`spec.metrics[1].failureLimit`) and how to fix it."""

    field: str
    message: str


@dataclass
class AppError(Exception):
    """Base of augur's own errors; `detail` is safe to show to the caller (no secrets)."""

    detail: str
    problems: list[FieldProblem] = field(default_factory=list)

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"

    def __str__(self) -> str:
        return self.detail


class InvalidInput(AppError):
    status = 422
    title = "Invalid input"


class NotFound(AppError):
    status = 404
    title = "Not found"


class Conflict(AppError):
    status = 409
    title = "Conflict"


class Unavailable(AppError):
    status = 503
    title = "Service unavailable"
