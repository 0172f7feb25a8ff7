"""How the OAP's GraphQL endpoint (graphql-java behind Armeria) words and shapes its errors.

Armeria answers HTTP 400 only when an error is a ``graphql.validation.ValidationError``; syntax
and variable errors are HTTP 200 with ``errors`` and no ``data``; a failing resolver is HTTP 200
with ``Exception while fetching data (/path) : …`` and ``data`` (null for a non-null root field).
Also what a test scripts and reads on the wire: a :class:`Fault` to answer with, and each
:class:`RecordedRequest` as it came in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult, GraphQLError

__all__ = ["Fault", "RecordedRequest", "error_spec", "result_spec", "validation_message"]

_VALIDATION_KINDS = (
    ("Cannot query field", "FieldUndefined"),
    ("Unknown argument", "UnknownArgument"),
    ("is not defined", "UndefinedVariable"),
    ("is never used", "UnusedVariable"),
    ("is required, but it was not provided", "MissingFieldArgument"),
    ("Unknown type", "UnknownType"),
    ("must have a selection of subfields", "SubselectionRequired"),
    ("must not have a selection", "SubselectionNotAllowed"),
    ("cannot represent", "WrongType"),
    ("used in position expecting", "VariableTypeMismatch"),
)


@dataclass
class Fault:
    """How the next requests misbehave. ``times=None`` applies until cleared."""

    status: int | None = None
    body: str | bytes | None = None
    delay: float = 0.0
    errors: Sequence[str] | None = None
    times: int | None = None


@dataclass(frozen=True)
class RecordedRequest:
    headers: Mapping[str, str]
    body: bytes
    payload: Any

    @property
    def variables(self) -> Any:
        return self.payload.get("variables") if isinstance(self.payload, dict) else None


def validation_message(error: GraphQLError) -> str:
    kind = next((k for text, k in _VALIDATION_KINDS if text in error.message), "ValidationError")
    return f"Validation error ({kind}) : {error.message}"


def error_spec(error: GraphQLError, message: str, classification: str) -> dict[str, Any]:
    """One error as graphql-java's GraphQLError.toSpecification writes it."""
    shaped: dict[str, Any] = {"message": message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        shaped["path"] = list(error.path)
    shaped["extensions"] = {"classification": classification}
    return shaped


def result_spec(result: ExecutionResult) -> dict[str, Any]:
    """graphql-java's toSpecification: ``errors`` first; ``data`` only once execution began."""
    spec: dict[str, Any] = {}
    errors = result.errors or []
    if errors:
        spec["errors"] = []
        for error in errors:
            if error.path:
                where = "/" + "/".join(map(str, error.path))
                message = f"Exception while fetching data ({where}) : {error.message}"
                spec["errors"].append(error_spec(error, message, "DataFetchingException"))
            else:  # variable coercion
                spec["errors"].append(error_spec(error, error.message, "ValidationError"))
    if result.data is not None or any(e.path for e in errors):
        spec["data"] = result.data
    return spec
