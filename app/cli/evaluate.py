"""`augur eval`: one condition against one result, printed with its type."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app.cli.common import fail_usage

__all__ = ["eval_"]


def _display(value: Any) -> Any:
    """A JSON-able form of an expression value; non-finite floats as Go prints them."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "NaN" if value != value else ("+Inf" if value > 0 else "-Inf")
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, list | tuple):
        return [_display(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _display(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return "<func>" if callable(value) else str(value)


def _type_name(value: Any) -> str:
    names = {bool: "bool", int: "int", float: "float", str: "string", dict: "map"}
    if value is None:
        return "nil"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, bytes | bytearray):
        return "bytes"
    return names.get(type(value), type(value).__name__)


def eval_(
    expression: Annotated[str, typer.Argument(help="An expr-lang condition, or cel:<CEL>.")],
    result: Annotated[
        str,
        typer.Option(
            "--result", "-r", help="The `result` value as JSON (numbers become floats, as in Argo)."
        ),
    ] = "null",
) -> None:
    """Evaluate a condition against a result, for quick checks; prints the value and its type."""
    from app.expr import ExprError
    from app.expr import compile as compile_expr
    from app.expr.cel import cel_body, compile_cel, is_cel
    from providers.golang import GoJSONError, decode_json

    try:
        value = decode_json(result)
    except GoJSONError as exc:
        fail_usage([f"--result is not JSON: {exc}"])
    try:
        if is_cel(expression):
            program: Any = compile_cel(cel_body(expression))
        else:
            program = compile_expr(expression)
        answer = program.run({"result": value})
    except ExprError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{json.dumps(_display(answer))} ({_type_name(answer)})")
