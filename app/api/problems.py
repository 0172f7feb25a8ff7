"""The one place errors become RFC 9457 `application/problem+json` answers.

Every error a client can meet (augur's own, FastAPI's request validation, Starlette's 404/405)
is answered in the same shape: `type`, `title`, `status`, `detail`, and for input errors an
`errors` list of `{field, message}` naming the field and the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.errors import AppError, FieldProblem
from app.core.text import escape

__all__ = ["PROBLEM_JSON", "install", "problem"]

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger(__name__)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    problems: list[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    # Messages quote what was sent; text no answer can carry is shown escaped, never a 500.
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = escape(detail)
    if problems:
        body["errors"] = [
            {"field": escape(p.field), "message": escape(p.message)} for p in problems
        ]
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {})
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    # FastAPI locations start with where the value came from (body, query, path, header).
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or str(loc[0] if loc else "request")


def _causes(exc: BaseException) -> str:
    """The types behind an error, with SQLite's error name when there is one: enough for an
    operator to tell a lock from a full disk. The drivers' texts can hold the URL: left out."""
    names: list[str] = []
    cause = exc.__cause__
    while cause is not None and len(names) < 4:
        names.append(type(cause).__name__)
        orig = getattr(cause, "orig", None)  # SQLAlchemy's wrapper: the driver's own error
        errorname = getattr(orig if orig is not None else cause, "sqlite_errorname", None)
        if errorname:
            names.append(str(errorname))
            break
        cause = cause.__cause__
    return " <- ".join(names)


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    if exc.status == 503 and exc.__cause__ is not None:
        log.warning("answered 503, %s: %s", exc.detail, _causes(exc))
    return problem(exc.status, exc.title, exc.detail, problems=exc.problems)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = [FieldProblem(_field_path(tuple(e["loc"])), e["msg"]) for e in exc.errors()]
    return problem(422, "Invalid input", "The request has invalid fields.", problems=found)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    return problem(exc.status_code, title, str(exc.detail), headers=exc.headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
