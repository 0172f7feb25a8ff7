"""celpy's values and errors, turned into augur's: plain Python values, CEL type names and
messages without Python internals.

Conversion goes both ways (JSON-like input to celpy's types, results back to plain values),
and error messages name CEL types and operators rather than celpy's classes and grammar rules.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError

from app.expr.errors import ExprRuntimeError

__all__ = ["runtime_error", "to_cel", "to_python", "type_name"]

_CEL_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (celtypes.BoolType, "bool"),
    (celtypes.UintType, "uint"),
    (celtypes.IntType, "int"),
    (celtypes.DoubleType, "double"),
    (celtypes.StringType, "string"),
    (celtypes.BytesType, "bytes"),
    (celtypes.ListType, "list"),
    (celtypes.MapType, "map"),
    (celtypes.TimestampType, "google.protobuf.Timestamp"),
    (celtypes.DurationType, "google.protobuf.Duration"),
    (type(None), "null_type"),
    (type, "type"),
)
_OPERATORS = {
    "relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">=",
    "relation_eq": "==", "relation_ne": "!=", "relation_in": "in",
    "addition_add": "+", "addition_sub": "-", "multiplication_mul": "*",
    "multiplication_div": "/", "multiplication_mod": "%", "unary_not": "!", "unary_neg": "-",
}  # fmt: skip


def runtime_error(source: str, exc: CELEvalError) -> ExprRuntimeError:
    """celpy's evaluation error as ours, located when celpy knows the node."""
    if not (exc.line and exc.column):
        return ExprRuntimeError(_message(exc))
    return ExprRuntimeError(_message(exc), source=source, line=exc.line, column=exc.column)


def _message(exc: CELEvalError) -> str:
    """celpy's text, minus its Python internals (class reprs, grammar rule names)."""
    message = str(exc.args[0]) if exc.args else "evaluation failed"
    message = message.split(" (in activation ", 1)[0]
    extra = exc.args[2] if len(exc.args) > 2 and isinstance(exc.args[2], tuple) else ()
    detail = extra[0] if len(extra) == 1 else None
    if message == "no such key" and detail is not None:
        message = f"no such key: {to_python(detail, '')!r}"
    elif isinstance(detail, str | bytes):
        text = detail.decode(errors="replace") if isinstance(detail, bytes) else detail
        if message == "return error for overflow":
            message = "overflow" if text == "overflow" else f"conversion failed: {text}"
        elif message in ("invalid_argument", "no such overload", "match error"):
            message = f"{message}: {text}"
    message = re.sub(r"Token\('RULE', '(\w+)'\)", lambda m: _OPERATORS.get(m[1], m[1]), message)
    message = re.sub(r"<class '[\w.]*?(\w+)'>", lambda m: _class_name(m[1]), message)
    message = re.sub(r"'([A-Z]\w*Type)'", lambda m: repr(_class_name(m[1])), message)
    message = re.sub(r"^None with type", "null with type", message)
    return re.sub(r"\b[A-Z]\w*Type\(([^()]*)\)", r"\1", message)


def _class_name(name: str) -> str:
    cls = getattr(celtypes, name, None)
    if name == "NoneType":
        return "null_type"
    return _type_name_of_class(cls) if isinstance(cls, type) else name


def _type_name_of_class(cls: type) -> str:
    for base, name in _CEL_TYPE_NAMES:
        if issubclass(cls, base):
            return name
    return cls.__name__


def type_name(value: Any) -> str:
    """The CEL name of a value's type (``double``, ``list``, ``google.protobuf.Duration`` ...)."""
    return _type_name_of_class(type(value))


def to_cel(value: Any) -> Any:
    """A JSON-like value as celpy's types; what CEL cannot hold is a run-time error."""
    try:
        return json_to_cel(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ExprRuntimeError(f"value not supported by CEL: {exc}") from None
    except RecursionError:
        raise ExprRuntimeError("value nested too deeply for CEL") from None


def to_python(value: Any, source: str) -> Any:
    """celpy values back to plain Python (bool, int, float, str, bytes, None, list, dict)."""
    if value is None or isinstance(value, bool | celtypes.BoolType):
        return None if value is None else bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, list):
        return [to_python(item, source) for item in value]
    if isinstance(value, dict):
        return {to_python(k, source): to_python(v, source) for k, v in value.items()}
    if isinstance(value, datetime.datetime):
        return datetime.datetime.combine(value.date(), value.timetz())
    if isinstance(value, datetime.timedelta):
        return datetime.timedelta(value.days, value.seconds, value.microseconds)
    if isinstance(value, type):
        return _type_name_of_class(value)
    if isinstance(value, CELEvalError):
        raise runtime_error(source, value)
    raise ExprRuntimeError(f"CEL value of type {type(value).__name__} has no plain form")
