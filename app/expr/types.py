"""Static types of the checker, named the way expr's messages name Go types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ARRAY",
    "BOOL",
    "BYTES",
    "DURATION",
    "FLOAT",
    "FLOAT_ARRAY",
    "FUNC",
    "INT",
    "INT_ARRAY",
    "MAP",
    "NIL",
    "STRING",
    "TIME",
    "UNKNOWN",
    "Float64List",
    "Type",
    "type_of_value",
]


class Float64List(list[float]):
    """A Go ``[]float64`` (Prometheus vectors, grouped Datadog values): a list whose element
    type is statically float, so the checker can reject ``result[0] == "x"`` up front."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Type:
    kind: str
    elem: Type | None = None
    # An array literal knows its element type but still prints as ``[]interface {}``.
    display: str | None = None

    def __str__(self) -> str:
        return self.display or _NAMES.get(self.kind) or self._composite()

    def _composite(self) -> str:
        elem = self.elem or UNKNOWN
        inner = "interface {}" if elem.kind in ("unknown", "nil") else str(elem)
        if self.kind == "array":
            return f"[]{inner}"
        return f"map[string]{inner}"

    @property
    def is_number(self) -> bool:
        return self.kind in ("int", "float")

    @property
    def is_unknown(self) -> bool:
        return self.kind == "unknown"


_NAMES = {
    "unknown": "interface {}",
    "nil": "unknown",
    "bool": "bool",
    "int": "int",
    "float": "float64",
    "string": "string",
    "bytes": "[]uint8",
    "func": "func(...interface {}) (interface {}, error)",
    "time": "time.Time",
    "duration": "time.Duration",
}

UNKNOWN = Type("unknown")
NIL = Type("nil")
BOOL = Type("bool")
INT = Type("int")
FLOAT = Type("float")
STRING = Type("string")
BYTES = Type("bytes")
FUNC = Type("func")
TIME = Type("time")
DURATION = Type("duration")
ARRAY = Type("array", UNKNOWN)
MAP = Type("map", UNKNOWN)
FLOAT_ARRAY = Type("array", FLOAT)
INT_ARRAY = Type("array", INT)

_BY_PYTHON_TYPE: dict[type, Type] = {
    type(None): NIL,
    bool: BOOL,
    int: INT,
    float: FLOAT,
    str: STRING,
    bytes: BYTES,
    list: ARRAY,
    tuple: ARRAY,
    dict: MAP,
    Float64List: FLOAT_ARRAY,
}


# Python classes whose static type is fully determined by the class itself.
PLAIN_TYPES = frozenset(_BY_PYTHON_TYPE)


def type_of_value(value: Any) -> Type:
    """The static type the real engine derives from a concrete environment value."""
    found = _BY_PYTHON_TYPE.get(type(value))
    if found is not None:
        return found
    if callable(value):
        return FUNC
    return UNKNOWN
