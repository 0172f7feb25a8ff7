"""An in-process augur per test: its own SQLite file, the lifespan run, readiness awaited.

`serve(**settings)` builds an app with the given settings and yields an `httpx.AsyncClient`
talking to it over ASGI, so a test sees exactly what a client on the wire would (status, headers,
problem+json) without a socket. The app itself is at `client.app`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.settings import Settings
from app.main import create_app

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
            async with Client(transport=transport, base_url="http://augur.test") as client:
                client.app = app
                await wait_ready(client)
                yield client

    return start


@pytest.fixture
async def client(serve: Serve) -> AsyncIterator[Client]:
    async with serve() as started:
        yield started


async def wait_ready(client: httpx.AsyncClient, *, timeout: float = 20.0) -> None:
    """Migrations run in the background at start-up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (await client.get("/readyz")).status_code != 200:
        assert loop.time() < deadline, "augur did not become ready"
        await asyncio.sleep(0.02)


async def wait_phase(
    client: httpx.AsyncClient, name: str, phases: set[str], *, timeout: float = 10.0
) -> dict[str, Any]:
    """Poll the run until the scheduler has moved it into one of `phases`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        run: dict[str, Any] = (await client.get(f"{NS}/analysisruns/{name}")).json()
        if run.get("status", {}).get("phase") in phases:
            return run
        assert loop.time() < deadline, f"run {name} is still {run.get('status')}"
        await asyncio.sleep(0.05)


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
