"""What routes depend on, as `Annotated` aliases: the services on `app.state`, and auth.

Auth: with tokens configured, every `/api/v1` route needs `Authorization: Bearer <token>` of
the right scope (`write` for anything that changes state, `read` otherwise, or none for reads
when anonymous reads are on). Flagger and a browser's EventSource cannot send headers, so the
gate routes and the event streams also take the token as `?token=`; the access log never
records query strings. With no tokens configured the
API is open and the server binds to loopback only.

Namespaces (a token written `write@team-a`, see `app/core/auth.py`): a route with
`{namespace}` in its path is checked against it here; a route without one is cluster-wide and
needs a token for every namespace, unless it reads the namespace from its body (the gates,
validate: `GateWriter`, `BodyReaderWithToken`), when the route calls `authorize_namespace` as
soon as it knows the namespace. A refusal is a 403 that names the namespace.

Routes that make augur reach an address the caller names never take anonymous callers: the
ad-hoc checks send the request and answer with what came back, so they need `write` (as creating
a run that measures does); `/validate` only resolves the names it checks: a `read` token, even
with anonymous reads on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from app.core.auth import Access, Scope, Tokens
from app.core.errors import AppError, FieldProblem
from app.core.metrics import Metrics
from app.service.runs import RunService

__all__ = [
    "GATE_WRITE",
    "READ",
    "AppMetrics",
    "BodyReaderWithToken",
    "GateWriter",
    "Reader",
    "Requirement",
    "Runs",
    "Writer",
    "authorize_namespace",
    "check_access",
    "presented_access",
    "require",
    "visible_namespaces",
]

#: Where a route's namespace comes from: its path (or none: cluster-wide), its body, or its
#: `?namespace=` (none: every namespace the token reaches; the route filters by
#: `visible_namespaces`).
NamespaceFrom = Literal["path", "body", "query"]
CLUSTER_WIDE = "ClusterAnalysisTemplates, the run list of every namespace and checks"


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


def _limited_to(access: Access) -> str:
    return ", ".join(sorted(access.namespaces or ()))


def _authorize(access: Access, scope: Scope, namespace: str | None) -> None:
    """Let the request through if the token has `scope` in `namespace` (`None`: cluster-wide)."""
    granted = access.scope_in(namespace)
    if granted is not None and granted >= scope:
        return
    if granted is not None:
        if access.namespaces is None:
            needs = f"the token has {granted.name.lower()} scope; this needs {scope.name.lower()}"
            raise Forbidden(needs)
        raise Forbidden(
            f'the token has {granted.name.lower()} scope in namespace "{namespace}"; this needs '
            f"{scope.name.lower()}",
            [FieldProblem("namespace", f"use a token with {scope.name.lower()} scope here")],
        )
    if namespace is None:
        raise Forbidden(
            f"the token is limited to namespaces {_limited_to(access)}; cluster-wide endpoints "
            f"({CLUSTER_WIDE}) need a token without a namespace limit"
        )
    raise Forbidden(
        f'the token is limited to namespaces {_limited_to(access)}; namespace "{namespace}" is '
        "not one of them",
        [FieldProblem("namespace", f"one of {_limited_to(access)}, or use another token")],
    )


@dataclass(frozen=True)
class Requirement:
    """What a route asks of its caller's token: `scope` where the request acts (the path's
    `{namespace}`, cluster-wide without one; for `namespace_from="body"`, any namespace now and
    the body's once the route calls `authorize_namespace`). `anonymous=False`: even a `read`
    needs a token when anonymous reads are on. `admit` is the one implementation, called by the
    routes' dependency and by `app.api.fastpath`."""

    scope: Scope
    allow_query: bool = False
    namespace_from: NamespaceFrom = "path"
    anonymous: bool = True

    def admit(self, request: Request) -> None:
        """Return to let the request through; raise the 401/403 it gets otherwise."""
        scope = self.scope
        tokens: Tokens = request.app.state.tokens
        if not tokens.configured:
            return
        if scope is Scope.READ and self.anonymous and request.app.state.settings.anonymous_reads:
            return
        presented = _presented(request, allow_query=self.allow_query)
        if presented is None:
            where = "an Authorization: Bearer header" + (" or ?token=" if self.allow_query else "")
            raise Unauthorized(f"this endpoint needs a token: send {where}")
        access = tokens.access(presented)
        if access is None:
            raise Unauthorized("the token is not valid")
        if self.namespace_from == "body":
            if access.best < scope:
                best = access.best.name.lower()
                raise Forbidden(f"the token has {best} scope; this needs {scope.name.lower()}")
            request.state.access = (access, scope)
            return
        if self.namespace_from == "query":
            namespace = request.query_params.get("namespace") or None
            if namespace is None and access.namespaces is not None and access.best >= scope:
                request.state.access = (access, scope)  # limited: sees its namespaces only
                return
            _authorize(access, scope, namespace)
            return
        _authorize(access, scope, request.path_params.get("namespace"))

    async def check(self, request: Request) -> None:
        # `async def`, as below: FastAPI would run a plain `def` on its thread pool.
        self.admit(request)


def require(
    scope: Scope,
    *,
    allow_query: bool = False,
    namespace_from: NamespaceFrom = "path",
    anonymous: bool = True,
) -> Any:
    """A dependency admitting the request by `Requirement(scope, ...)`."""
    return Depends(Requirement(scope, allow_query, namespace_from, anonymous).check)


def authorize_namespace(request: Request, namespace: str) -> None:
    """For a route that reads its namespace from the body (`GateWriter`,
    `BodyReaderWithToken`): a 403 unless the token reaches `namespace`. Open APIs and anonymous
    reads pass."""
    held: tuple[Access, Scope] | None = getattr(request.state, "access", None)
    if held is not None:
        _authorize(held[0], held[1], namespace)


def visible_namespaces(request: Request) -> frozenset[str] | None:
    """For a `namespace_from="query"` route asked without `?namespace=`: the namespaces the
    token is limited to, or `None` when it (or an open API) reaches every namespace."""
    held: tuple[Access, Scope] | None = getattr(request.state, "access", None)
    return None if held is None else held[0].namespaces


def presented_access(request: Request) -> Access | None:
    """For routes that check access themselves (Kayenta's API, whose callers send no headers
    and whose errors have Kayenta's shape): the token sent as a Bearer header or `?token=`,
    None when none was sent; 401 for a token augur does not know."""
    presented = _presented(request, allow_query=True)
    if presented is None:
        return None
    access: Access | None = request.app.state.tokens.access(presented)
    if access is None:
        raise Unauthorized("the token is not valid")
    return access


def check_access(access: Access, scope: Scope, namespace: str | None) -> None:
    """A 403 unless `access` has `scope` in `namespace` (`None`: cluster-wide)."""
    _authorize(access, scope, namespace)


# `async def`, though they never wait: FastAPI runs a plain `def` dependency on its thread
# pool, a trip to another thread and back on every request for an attribute read.
async def _runs(request: Request) -> RunService:
    service: RunService = request.app.state.runs
    return service


async def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


Runs = Annotated[RunService, Depends(_runs)]
AppMetrics = Annotated[Metrics, Depends(_metrics)]
#: What run status and the other reads ask; `app.api.fastpath` admits by the same.
READ = Requirement(Scope.READ)
#: What the gates ask: a write token, in the header or as `?token=`, for the body's namespace.
GATE_WRITE = Requirement(Scope.WRITE, allow_query=True, namespace_from="body")
Reader = Depends(READ.check)
Writer = require(Scope.WRITE)
#: A read that makes augur resolve names the caller chose: a token, even with anonymous reads.
BodyReaderWithToken = require(Scope.READ, namespace_from="body", anonymous=False)
GateWriter = Depends(GATE_WRITE.check)
