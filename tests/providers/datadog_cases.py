"""What the Datadog tests share: Argo's vectors, credentials as augur reads them from a folder and
the environment, and one measurement taken by the real provider and judged by the engine."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.conditions import compile_conditions, typed_result
from app.engine.reconcile import error_measurement, judge
from app.spec.secrets import ProviderCredentials, SecretsDir
from app.spec.status import Measurement
from providers.base import MeasureContext
from providers.datadog import DatadogProvider
from providers.errors import ProviderError
from tests.fakes.datadog import API_KEY, APP_KEY, write_secret

__all__ = [
    "ARGO_NOW",
    "HOME",
    "Taken",
    "credentials_in",
    "keys",
    "take",
    "vectors",
    "write_keys",
]

VECTORS = Path(__file__).resolve().parents[1] / "data" / "argo-providers" / "vectors-datadog.jsonl"
#: Argo's tests' fixed clock (``unixNow``).
ARGO_NOW = datetime.fromtimestamp(1599076435, UTC)
#: The namespace augur runs in, in these tests (Argo's controller namespace).
HOME = "augur"


def vectors(*kinds: str) -> list[Any]:
    """Every vector of these kinds, as pytest params named after the Go test case."""
    found = [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]
    return [pytest.param(v, id=v["name"]) for v in found if v["kind"] in kinds]


def keys(address: str) -> dict[str, str]:
    """The ``datadog`` Secret of Argo's tests, pointing at ``address``."""
    return {"address": address, "api-key": API_KEY, "app-key": APP_KEY}


def credentials_in(folder: Path, environ: Mapping[str, str] | None = None) -> ProviderCredentials:
    """Credentials as ``augur serve`` reads them: ``<folder>/<namespace>/<secret>/<key>``,
    augur's own namespace ``augur``."""
    return ProviderCredentials(
        SecretsDir(folder, "namespaced"), home=HOME, environ=dict(environ or {})
    )


@dataclass
class Taken:
    """One measurement and what the provider returned for it (None after an error)."""

    measurement: Measurement
    metadata: Mapping[str, str] | None
    result: Any = None


async def take(
    block: Mapping[str, Any],
    credentials: ProviderCredentials,
    *,
    success: str = "",
    failure: str = "",
    namespace: str = "default",
    now: datetime = ARGO_NOW,
) -> Taken:
    """Build the provider from ``block`` and measure once, as the runner does: a provider
    error (construction included) is an Error measurement, an answer is judged."""
    async with httpx.AsyncClient() as http:
        try:
            provider = DatadogProvider(block, http=http)
            measured = await provider.measure(
                MeasureContext(
                    now=now,
                    metric_name="m",
                    config=block,
                    namespace=namespace,
                    credentials=credentials,
                )
            )
        except ProviderError as exc:
            return Taken(error_measurement(str(exc), started_at=now), None)
    conditions = compile_conditions(success, failure)
    measurement = judge(
        typed_result(measured.result, measured.go_type),
        measured.value,
        conditions,
        started_at=now,
        finished_at=now,
        metadata=measured.metadata,
    )
    return Taken(measurement, measured.metadata, measured.result)


def write_keys(folder: Path, namespace: str, name: str, address: str) -> None:
    write_secret(folder, namespace, name, keys(address))
