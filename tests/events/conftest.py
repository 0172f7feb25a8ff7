"""What the event and notification tests share: a replay run (no upstream needed) started over
HTTP, and the events its life makes, in order."""

from __future__ import annotations

from typing import Any

import httpx

GOOD, BAD = 0.99, 0.5
#: A run of three measurements, the second failing within failureLimit: Successful at the end.
VALUES = (GOOD, BAD, GOOD)
#: The events of that run, as `Event.label` shows them, in the order they are stored.
LIFE = [
    "run - Pending",
    "measurement apdex Successful",
    "phase apdex Running",
    "phase - Running",
    "measurement apdex Failed",
    "measurement apdex Successful",
    "phase apdex Successful",
    "phase - Successful",
]


def metric(
    *values: float | str,
    interval: str = "1s",
    failure_limit: int = 1,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A replay metric; a value that is a string is an error the provider answers."""
    results = [{"error": v} if isinstance(v, str) else {"value": v} for v in values]
    return {
        "name": "apdex",
        "interval": interval,
        "count": len(values),
        "failureLimit": failure_limit,
        "successCondition": "result >= 0.95",
        "provider": {"replay": {"results": results}},
        **(extra or {}),
    }


def start_run(
    base_url: str,
    namespace: str,
    name: str,
    values: tuple[float | str, ...] = VALUES,
    *,
    token: str | None = None,
    annotations: dict[str, str] | None = None,
    expect: int | None = 201,
    **fields: Any,
) -> httpx.Response:
    """POST a run; unless `expect` is None, its answer must be `expect` (a run a test goes on
    to read must exist, or the test would fail later and say less)."""
    body: dict[str, Any] = {"name": name, "spec": {"metrics": [metric(*values, **fields)]}}
    if annotations:
        body["annotations"] = annotations
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    reply = httpx.post(
        f"{base_url}/api/v1/namespaces/{namespace}/analysisruns",
        json=body,
        headers=headers,
        timeout=30,
    )
    assert expect is None or reply.status_code == expect, reply.text
    return reply


def events_url(base_url: str, namespace: str, name: str) -> str:
    return f"{base_url}/api/v1/namespaces/{namespace}/analysisruns/{name}/events"
