"""What routes depend on, as `Annotated` aliases: the services on `app.state`, and auth.

Auth: with tokens configured, every `/api/v1` route needs `Authorization: Bearer <token>` of
the right scope (`write` for anything that changes state, `read` otherwise, or none for reads
when anonymous reads are on). Flagger cannot send headers, so the gate routes also take the
token as `?token=`; the access log never records query strings. With no tokens configured the
API is open and the server binds to loopback only.

Routes that make augur reach an address the caller names never take anonymous callers: the
ad-hoc checks send the request and answer with what came back, so they need `write` (as creating
a run that measures does); `/validate` only resolves the names it checks: `ReaderWithToken`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from app.core.auth import Scope, Tokens
from app.core.errors import AppError
from app.core.metrics import Metrics
from app.service.runs import RunService

__all__ = ["AppMetrics", "GateWriter", "Reader", "ReaderWithToken", "Runs", "Writer", "require"]


class Unauthorized(AppError):
    status = 401
    title = "Unauthorized"


class Forbidden(AppError):
    status = 403
    title = "Forbidden"


def _presented(request: Request, *, allow_query: bool) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    if allow_query:
        return request.query_params.get("token") or None
    return None


def require(scope: Scope, *, allow_query: bool = False, anonymous: bool = True) -> Any:
    """A dependency that lets the request through with a token of at least `scope`;
    `anonymous=False`: even a `read` one needs a token when anonymous reads are on."""

    async def check(request: Request) -> None:
        tokens: Tokens = request.app.state.tokens
        if not tokens.configured:
            return
        if scope is Scope.READ and anonymous and request.app.state.settings.anonymous_reads:
            return
        presented = _presented(request, allow_query=allow_query)
        if presented is None:
            where = "an Authorization: Bearer header" + (" or ?token=" if allow_query else "")
            raise Unauthorized(f"this endpoint needs a token: send {where}")
        granted = tokens.scope_of(presented)
        if granted is None:
            raise Unauthorized("the token is not valid")
        if granted < scope:
            raise Forbidden(
                f"the token has {granted.name.lower()} scope; this needs {scope.name.lower()}"
            )

    return Depends(check)


def _runs(request: Request) -> RunService:
    service: RunService = request.app.state.runs
    return service


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


Runs = Annotated[RunService, Depends(_runs)]
AppMetrics = Annotated[Metrics, Depends(_metrics)]
Reader = require(Scope.READ)
#: A read that makes augur resolve names the caller chose: a token, even with anonymous reads.
ReaderWithToken = require(Scope.READ, anonymous=False)
Writer = require(Scope.WRITE)
GateWriter = require(Scope.WRITE, allow_query=True)
