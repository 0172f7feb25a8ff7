"""Requests that need the store, answered while the migrations have not run yet.

The server listens as soon as it starts (liveness must not wait for a database), and the
migrations run in the background, retried until the store answers (`app.store.lifecycle`). A
request that reached a route of the store before they had run would meet missing tables, and
the driver's error would answer as an unreachable store even when the database is fine and
only busy migrating. Until `/readyz` says ready, those routes answer 503 with `Retry-After`
and a detail that says which of the two it is; liveness, readiness, metrics, the API's
documentation and static files answer as always.
"""

from __future__ import annotations

from app.api.problems import problem
from app.core.logs import ASGIApp, Receive, Scope, Send

__all__ = ["MIGRATING", "UNREACHABLE_AT_START", "NotMigrated"]

MIGRATING = "the store is being migrated at start-up; retry in a moment (GET /readyz says when)"
UNREACHABLE_AT_START = (
    "the store has not been reachable since start-up, so it is not migrated yet; "
    "check AUGUR_STORE_URL and the database (GET /readyz says when it is ready)"
)
#: Paths that read or write the store: the API and the pages.
STORE_PATHS = ("/api/", "/ui")
STATIC = "/ui/static/"


class NotMigrated:
    """ASGI middleware: a store route before the migrations have run answers 503, Retry-After."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._ready = False  # once ready, stays ready: one attribute read per request after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._ready and scope["type"] == "http":
            detail = self._waiting(scope)
            if detail is not None:
                answer = problem(503, "Service unavailable", detail, headers={"Retry-After": "1"})
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _waiting(self, scope: Scope) -> str | None:
        """Why this request cannot be served yet, or None when it can."""
        schema = getattr(scope["app"].state, "schema", None)
        if schema is not None and schema.ready.is_set():
            self._ready = True
            return None
        path = str(scope["path"])
        root = str(scope.get("root_path", "")).rstrip("/")
        if root and path.startswith(root):
            path = path[len(root) :]  # served under a prefix (`--root-path`)
        if not path.startswith(STORE_PATHS) or path.startswith(STATIC):
            return None
        if schema is not None and schema.failed_with is not None:
            return UNREACHABLE_AT_START
        return MIGRATING
