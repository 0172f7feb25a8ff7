"""Did-you-mean hints: the known name closest to one a person typed, and the field names a model
knows at a given place, so that an unknown field, arg or placeholder is answered with its fix
(``spec.metrics[0].failurLimit: unknown field (did you mean failureLimit?)``).

Suggestions come from :mod:`difflib` with its default cut-off (0.6): close enough to catch a
dropped, doubled or swapped letter and a shortened name (``service`` for ``service-name``), far
enough that an unrelated name gets the list of known ones instead of a wrong guess.
"""

from __future__ import annotations

import difflib
import inspect
import types
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = ["closest", "did_you_mean", "field_names", "unknown_name_hint"]


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name``, or ``None`` when none is close."""
    found = difflib.get_close_matches(name, list(known), n=1)
    return found[0] if found else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``did you mean X?``, or ``""`` when no known name is close."""
    match = closest(name, known)
    return f"did you mean {match}?" if match else ""


def unknown_name_hint(name: str, known: Sequence[str], what: str = "known fields") -> str:
    """The closest known name, else all of them (``known fields: a, b``), else ``""``."""
    return did_you_mean(name, known) or (f"{what}: {', '.join(known)}" if known else "")


def field_names(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The JSON names of the fields of the model that holds ``loc``'s last part.

    ``loc`` is a pydantic error location, ``("spec", "metrics", 0, "failurLimit")``: the walk
    goes through fields, list items and optional or annotated types; where it meets something
    that is not a model (a provider's free-form block) there is nothing to suggest and the
    answer is ``[]``.
    """
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None:
            return []
        if isinstance(part, int):
            continue  # a list item: the model stays the list's item model
        field = _field(current, part)
        if field is not None:
            current = _model_in(field)
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _field(model: type[BaseModel], name: str) -> Any:
    for key, info in model.model_fields.items():
        if name in (key, info.alias):
            return info.annotation
    return None  # a union member's tag in the location, not a field


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds: itself, a list's item, an optional's value."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin is Annotated:
        return _model_in(get_args(annotation)[0])
    if origin in (list, tuple, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
