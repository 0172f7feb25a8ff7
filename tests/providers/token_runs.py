"""One metric of a token provider (New Relic, InfluxDB, Wavefront) measured as a run measures it.

The tests of those providers feed Argo's vectors (``tests/data/argo-providers/``) through the
real path: a template with one metric, built and checked as submitted, run by the engine's
``Runner`` on a virtual clock with the provider from the registry, credentials from a secrets
folder, conditions judged by the expression engine and the measurement redacted and recorded.
What comes back is what a stored run would hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.runner import Runner, VirtualClock, provider_cache
from app.service.submit import build_run, check_run, read_documents
from app.spec.secrets import ProviderCredentials, SecretsDir
from app.spec.status import Measurement
from providers import registry
from providers.base import Provider

__all__ = [
    "START",
    "Outcome",
    "assert_message",
    "credentials_in",
    "run_metric",
    "vectors",
    "write_secret",
]

DATA = Path(__file__).resolve().parents[1] / "data" / "argo-providers"
START = datetime(2026, 12, 5, 12, 0, 7, tzinfo=UTC)


def vectors(provider: str, *kinds: str) -> list[Any]:
    """Argo's cases for `provider` of the given kinds, as pytest params named after them."""
    lines = (DATA / f"vectors-{provider}.jsonl").read_text().splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    return [
        pytest.param(case, id=case["name"].replace(" ", "-"))
        for case in cases
        if case["kind"] in kinds
    ]


def write_secret(root: Path, name: str, data: Mapping[str, str]) -> None:
    """Secret `name` as a mounted Secret: one file per key under `root/name/`."""
    (root / name).mkdir(parents=True, exist_ok=True)
    for key, value in data.items():
        (root / name / key).write_text(value)


def credentials_in(root: Path, environ: Mapping[str, str] | None = None) -> ProviderCredentials:
    """Credentials read from `root` laid out flat (augur's own namespace's folder)."""
    return ProviderCredentials(SecretsDir(root, "flat"), environ=dict(environ or {}))


@dataclass(frozen=True)
class Outcome:
    measurement: Measurement
    #: The metric result's metadata (Argo's ``GetMetadata``), None when there is none.
    metric_metadata: dict[str, str] | None
    document: str


async def run_metric(
    provider: Mapping[str, Any],
    *,
    http: httpx.AsyncClient,
    credentials: ProviderCredentials,
    success: str = "",
    failure: str = "",
    now: datetime = START,
) -> Outcome:
    """Measure once, as the first measurement of a run of a one-metric template."""
    metric: dict[str, Any] = {"name": "m", "count": 1, "provider": dict(provider)}
    if success:
        metric["successCondition"] = success
    if failure:
        metric["failureCondition"] = failure
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "t", "namespace": "team-a"},
        "spec": {"metrics": [metric]},
    }
    run = build_run(read_documents([("t", json.dumps(template))]), args=[], namespace="team-a")
    check_run(run)

    def build(block: Mapping[str, object]) -> Provider:
        return registry.build(block, http=http)

    source, _ = provider_cache(build)
    runner = Runner(clock=VirtualClock(now), providers=source, credentials=credentials)
    done = await runner.run(run)
    assert done.status is not None
    (result,) = done.status.metric_results
    return Outcome(result.measurements[0], result.metadata, done.model_dump_json())


def assert_message(measurement: Measurement, expected: Mapping[str, Any]) -> None:
    """The measurement's message as the vector's ``message_match`` says to compare it."""
    match = expected.get("message_match") or "exact"
    if match == "any-error":
        assert measurement.message
    elif match == "exact":
        assert (measurement.message or None) == expected.get("message")
    else:
        raise AssertionError(f"message_match {match!r} is not used by these vectors")
