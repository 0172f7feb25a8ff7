"""Waiting for a run to finish (or to reach a phase), and the polling primitive under it.

Every wait fails with an ``AssertionError`` naming what it waited for and the last thing it saw,
so a run that never finishes shows its last status instead of a bare timeout. Three ways to read
a run: over HTTP from a real server (`wait_run`, by base URL), over an `httpx.AsyncClient` (an
in-process app, `wait_run_async`), and straight from the runs service (`wait_run_model`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

__all__ = [
    "COMPLETED",
    "phase_of",
    "run_path",
    "wait_for",
    "wait_for_async",
    "wait_ready_async",
    "wait_run",
    "wait_run_async",
    "wait_run_model",
]

T = TypeVar("T")

#: The phases a run ends in (Argo's ``AnalysisPhase.Completed``).
COMPLETED = frozenset({"Successful", "Failed", "Error", "Inconclusive"})


def phase_of(run: Mapping[str, Any]) -> str:
    """A run document's phase; a run the scheduler has not touched yet is Pending."""
    return str((run.get("status") or {}).get("phase") or "Pending")


def run_path(namespace: str, name: str) -> str:
    return f"/api/v1/namespaces/{namespace}/analysisruns/{name}"


def wait_for(
    poll: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    describe: Callable[[T], str],
    interval: float = 0.2,
) -> T:
    """Call ``poll`` until ``done`` holds for its answer, which is returned; after ``timeout``
    seconds fail with ``describe`` of the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        seen = poll()
        if done(seen):
            return seen
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {timeout:g}s: {describe(seen)}")
        time.sleep(interval)


async def wait_for_async(
    poll: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float,
    describe: Callable[[T], str],
    interval: float = 0.05,
) -> T:
    """`wait_for` on an event loop; ``timeout`` also cuts short a poll that hangs."""
    last: list[T] = []
    scope = asyncio.timeout(timeout)
    try:
        async with scope:
            while True:
                seen = await poll()
                last[:] = [seen]
                if done(seen):
                    return seen
                await asyncio.sleep(interval)
    except TimeoutError:
        if not scope.expired():
            raise  # raised by the poll itself, not the deadline
        shown = describe(last[0]) if last else "no answer yet"
        raise AssertionError(f"gave up after {timeout:g}s: {shown}") from None


@dataclass(frozen=True)
class _Awaited:
    """A run awaited over the HTTP API: where to read it, and when the wait is over."""

    namespace: str
    name: str
    phases: Collection[str]

    @property
    def path(self) -> str:
        return run_path(self.namespace, self.name)

    def reached(self, reply: httpx.Response) -> bool:
        assert reply.status_code == 200, reply.text
        return phase_of(reply.json()) in self.phases

    def describe(self, reply: httpx.Response) -> str:
        wanted = " or ".join(sorted(self.phases))
        status = reply.json().get("status")
        return f"run {self.namespace}/{self.name} did not reach {wanted}; last status: {status}"

    def document(self, reply: httpx.Response) -> dict[str, Any]:
        run: dict[str, Any] = reply.json()
        return run


def wait_run(
    base_url: str,
    name: str,
    *,
    namespace: str = "default",
    phases: Collection[str] = COMPLETED,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Poll ``GET …/analysisruns/{name}`` on a server until the run is in one of ``phases``
    (by default: finished); returns the run document."""
    run = _Awaited(namespace, name, phases)
    url = base_url + run.path
    reply = wait_for(
        lambda: httpx.get(url, timeout=10), run.reached, timeout=timeout, describe=run.describe
    )
    return run.document(reply)


async def wait_run_async(
    client: httpx.AsyncClient,
    name: str,
    *,
    namespace: str = "default",
    phases: Collection[str] = COMPLETED,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """`wait_run` through an async client (an in-process app over ASGI)."""
    run = _Awaited(namespace, name, phases)
    reply = await wait_for_async(
        lambda: client.get(run.path), run.reached, timeout=timeout, describe=run.describe
    )
    return run.document(reply)


async def wait_run_model(
    get_run: Callable[[], Awaitable[Any]], *, timeout: float, interval: float = 0.05
) -> Any:
    """Poll ``get_run`` (e.g. ``lambda: app.state.runs.get_run(namespace, name)``, an
    ``AnalysisRun``) until the run's phase is a completed one; returns that run."""

    def finished(run: Any) -> bool:
        return (
            run.status is not None and run.status.phase is not None and run.status.phase.completed
        )

    return await wait_for_async(
        get_run,
        finished,
        timeout=timeout,
        interval=interval,
        describe=lambda run: (
            f"run {run.metadata.namespace}/{run.metadata.name} is still {run.status}"
        ),
    )


async def wait_ready_async(
    client: httpx.AsyncClient, *, timeout: float = 20.0, interval: float = 0.05
) -> None:
    """`/readyz` answers 200 once the store is migrated (in the background at start-up)."""
    await wait_for_async(
        lambda: client.get("/readyz"),
        lambda reply: reply.status_code == 200,
        timeout=timeout,
        interval=interval,
        describe=lambda reply: (
            f"augur did not become ready: /readyz {reply.status_code} {reply.text}"
        ),
    )
