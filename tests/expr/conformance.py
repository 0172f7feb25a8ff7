"""Shared helpers for the conformance test: decode vectors, encode outcomes, compare."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import app.expr as expr
from app.expr.runtime import Func, GroupMap, fmt_value
from app.expr.types import Float64List

VECTORS = Path(__file__).parents[1] / "data" / "expr-vectors" / "public.jsonl"
_NON_FINITE = {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}


@dataclass(frozen=True)
class Vector:
    key: str
    expr: str
    result: Any
    outcome: dict[str, Any]
    platform_dependent: bool
    raw: dict[str, Any]


def load_vectors() -> list[Vector]:
    out = []
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        key = hashlib.sha1(line.encode()).hexdigest()[:12]
        out.append(
            Vector(
                key=key,
                expr=raw["expr"],
                result=decode_result(raw["result"], raw.get("result_go")),
                outcome=raw["outcome"],
                platform_dependent=bool(raw.get("platform_dependent")),
                raw=raw,
            )
        )
    return out


def decode_result(value: Any, result_go: str | None) -> Any:
    if result_go == "float64":
        return _NON_FINITE.get(value, value) if isinstance(value, str) else float(value)
    if result_go == "[]float64":
        return Float64List(_NON_FINITE.get(v, v) if isinstance(v, str) else float(v) for v in value)
    if result_go == "*float64(nil)":
        return None
    return _floats(value)


def _floats(value: Any) -> Any:
    """JSON numbers reach the engine as float64."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return {k: _floats(v) for k, v in value.items()}


def type_name(value: Any) -> str:
    t = type(value)
    if value is None:
        return "nil"
    return {
        bool: "bool",
        int: "int",
        float: "float",
        str: "string",
        list: "array",
        Float64List: "array",
        dict: "map",
        bytes: "bytes",
        Func: "other:func",
        GroupMap: "map",
    }.get(t, "other:" + t.__name__)


def encode(value: Any) -> Any:
    t = type(value)
    if t is float:
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return value
    if t in (list, Float64List):
        return [encode(v) for v in value]
    if t is dict or t is GroupMap:
        return {_key(k): encode(v) for k, v in sorted(value.items(), key=lambda kv: _key(kv[0]))}
    if t is bytes:
        return list(value)
    if t is Func:
        return "<func>"
    return value


def _key(key: Any) -> str:
    return key if isinstance(key, str) else fmt_value(key)


def same_value(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return bool(a == b)


@dataclass
class Verdict:
    passed: bool
    stage_mismatch: bool
    checker_stage: bool  # expected compile, got run only because the concrete type was needed
    got: dict[str, Any]


def evaluate(vector: Vector) -> Verdict:
    try:
        program = expr.compile(vector.expr)
        value = program.run({"result": vector.result})
        got: dict[str, Any] = {"ok": True, "value": encode(value), "type": type_name(value)}
    except expr.ExprCompileError as exc:
        got = {"ok": False, "stage": "compile", "error": exc.message}
    except expr.ExprRuntimeError as exc:
        got = {"ok": False, "stage": "run", "error": exc.message, "checker": exc.from_checker}
    want = vector.outcome
    if want["ok"] != got["ok"]:
        return Verdict(False, False, False, got)
    if want["ok"]:
        passed = want["type"] == got["type"] and same_value(got["value"], want["value"])
        return Verdict(passed, False, False, got)
    stage_mismatch = want["stage"] != got["stage"]
    checker_stage = stage_mismatch and want["stage"] == "compile" and bool(got.get("checker"))
    return Verdict(True, stage_mismatch, checker_stage, got)
