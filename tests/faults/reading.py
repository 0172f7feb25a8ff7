"""Helpers shared by the fault tests: reading runs and their stored measurements over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import servers
from tests.support.waiting import run_path


def wait_ready(base_url: str, *, timeout: float = 30) -> None:
    assert servers.wait_ready(base_url, timeout=timeout).status_code == 200, "never ready"


def run_of(base_url: str, namespace: str, name: str) -> dict[str, Any]:
    reply = httpx.get(base_url + run_path(namespace, name), timeout=10)
    assert reply.status_code == 200, reply.text
    document: dict[str, Any] = reply.json()
    return document


def stored_measurements(base_url: str, namespace: str, name: str) -> list[dict[str, Any]]:
    """Every stored measurement, all pages, ordered by (metric, seq)."""
    found: list[dict[str, Any]] = []
    after = "0"
    while True:
        reply = httpx.get(
            f"{base_url}/api/v1/namespaces/{namespace}/analysisruns/{name}/measurements",
            params={"after": after, "limit": 100},
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        page = reply.json()
        found.extend(page["items"])
        after = page.get("metadata", {}).get("continue") or ""
        if not after:
            return found


def assert_complete_and_unique(run: dict[str, Any], stored: list[dict[str, Any]]) -> None:
    """Stored seqs are 1..n per metric, n being what the status counts: none lost or repeated."""
    for result in run["status"].get("metricResults", []):
        taken = result.get("count", 0) + result.get("error", 0)
        seqs = [m["seq"] for m in stored if m["metric"] == result["name"]]
        assert seqs == list(range(1, taken + 1)), (result["name"], seqs, taken)
