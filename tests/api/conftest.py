"""An in-process augur per test: its own SQLite file, the lifespan run, readiness awaited.

`serve(**settings)` builds an app with the given settings and yields an `httpx.AsyncClient`
talking to it over ASGI, so a test sees exactly what a client on the wire would (status, headers,
problem+json) without a socket. The app itself is at `client.app`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.settings import Settings
from app.main import create_app
from tests.support.waiting import wait_ready_async

PROBLEM = "application/problem+json"
NS = "/api/v1/namespaces/default"


class Client(httpx.AsyncClient):
    app: FastAPI


Serve = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def serve(tmp_path: Path) -> Serve:
    @asynccontextmanager
    async def start(**settings: Any) -> AsyncIterator[Client]:
        app = create_app(Settings(store_url=f"sqlite+aiosqlite:///{tmp_path}/augur.db", **settings))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with Client(transport=transport, base_url="http://localhost") as client:
                client.app = app
                await wait_ready_async(client)
                yield client

    return start


@pytest.fixture
async def client(serve: Serve) -> AsyncIterator[Client]:
    async with serve() as started:
        yield started


def replay_metric(*values: Any, name: str = "apdex", **fields: Any) -> dict[str, Any]:
    """A metric whose provider answers `values` in turn: no network needed."""
    return {
        "name": name,
        "successCondition": "result >= 0.99",
        "provider": {"replay": {"results": [{"value": v} for v in values]}},
        **fields,
    }


def template(*metrics: dict[str, Any], args: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"metrics": list(metrics)}
    if args is not None:
        spec["args"] = args
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate", "spec": spec}
