"""Ad-hoc checks: one measurement of one series, with a verdict when a condition is given.

The third way people use augur (after the gates and the API): "what is the canary's apdex right
now, and would it pass?" from a terminal (`augur check ...`) or with curl. A check builds the
same provider block a template would hold, so it exercises exactly the code a run uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from app.engine.conditions import compile_conditions, evaluate_result, typed_result
from app.spec.status import Phase
from providers import registry
from providers.base import MeasureContext
from providers.errors import ConfigError, ProviderError

__all__ = [
    "CheckOutcome",
    "prometheus_block",
    "run_check",
    "series_of",
    "skywalking_block",
    "web_block",
]

_METRIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_BUCKET = re.compile(r"(\d{4})(\d\d)(\d\d)(\d\d)?(\d\d)?(\d\d)?_")


def _bucket_label(point_id: str) -> str:
    """The OAP's point id starts with its time bucket (`202611291204_<entity>`): show that."""
    found = _BUCKET.match(point_id)
    if found is None:
        return point_id
    year, month, day, hour, minute, second = found.groups()
    text = f"{year}-{month}-{day}"
    if hour:
        text += f" {hour}" + (f":{minute}" if minute else "h") + (f":{second}" if second else "")
    return text


def skywalking_block(
    *, address: str, service: str, metric: str, window: str, step: str = ""
) -> dict[str, Any]:
    """`readMetricsValues` of one service metric; the service name travels as a variable, so
    TSB names such as `canary|reviews|bookinfo|cp-cluster-1|-` need no escaping."""
    if not _METRIC_NAME.match(metric):
        raise ConfigError(
            f"metric {metric!r} is not a metric name such as service_apdex", provider="skywalking"
        )
    query = (
        "query augurCheck($duration: Duration!, $service: String!) {\n"
        f"  {metric}: readMetricsValues(\n"
        f'    condition: {{name: "{metric}", '
        "entity: {scope: Service, serviceName: $service, normal: true}},\n"
        "    duration: $duration) {\n"
        "    label values { values { id value isEmptyValue } }\n"
        "  }\n"
        "}"
    )
    config: dict[str, Any] = {
        "address": address,
        "query": query,
        "interval": window,
        "variables": {"service": service},
    }
    if step:
        config["step"] = step
    return {"skywalking": config}


def prometheus_block(*, address: str, query: str) -> dict[str, Any]:
    return {"prometheus": {"address": address, "query": query}}


def web_block(*, url: str, json_path: str = "") -> dict[str, Any]:
    config: dict[str, Any] = {"url": url}
    if json_path:
        config["jsonPath"] = json_path
    return {"web": config}


@dataclass
class CheckOutcome:
    """What one check found. `phase` is None when no condition was given; `message` says why
    a verdict is not Successful (the condition and the values that decided it), as a run's
    measurement would."""

    provider: str
    result: Any = None
    value: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    error: str = ""
    phase: Phase | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.phase in (None, Phase.SUCCESSFUL)


async def run_check(
    block: Mapping[str, Any], *, condition: str, http: httpx.AsyncClient, now: datetime
) -> CheckOutcome:
    """Measure once; judge with `condition` (expr-lang, or `cel:`) when one is given.

    A bad block or condition raises `ConfigError`; an upstream failure is reported in the
    outcome, as it would be in a run's Error measurement.
    """
    conditions = compile_conditions(success=condition) if condition else None
    broken = conditions.success.compile_error if conditions and conditions.success else None
    if broken is not None:
        raise ConfigError(f"condition: {broken}")
    kind = next(iter(block))
    provider = registry.build(block, http=http)
    try:
        measured = await provider.measure(
            MeasureContext(now=now, metric_name="check", config=block[kind])
        )
    except ProviderError as exc:
        return CheckOutcome(provider=kind, error=str(exc), phase=Phase.ERROR if condition else None)
    finally:
        await provider.aclose()
    outcome = CheckOutcome(
        provider=kind, result=measured.result, value=measured.value, metadata=measured.metadata
    )
    if conditions is not None:
        evaluation = evaluate_result(
            typed_result(measured.result, measured.go_type),
            conditions,
            point_times=measured.point_times,
        )
        outcome.phase, outcome.message = evaluation.phase, evaluation.message
    return outcome


def series_of(outcome: CheckOutcome, *, metric: str = "") -> list[tuple[str, float | None]]:
    """(label, value) points to draw: SkyWalking points, a Prometheus vector, or one number."""
    result = outcome.result
    if outcome.provider == "skywalking" and isinstance(result, Mapping):
        block = result.get(metric) if metric else next(iter(result.values()), None)
        values = (block or {}).get("values") or {}
        points = values.get("values") if isinstance(values, Mapping) else None
        found: list[tuple[str, float | None]] = []
        for index, point in enumerate(points or []):
            empty = point.get("isEmptyValue") is True or point.get("value") is None
            label = _bucket_label(str(point.get("id") or index))
            found.append((label, None if empty else float(point["value"])))
        return found
    if isinstance(result, list):
        return [(str(i), float(v)) for i, v in enumerate(result) if isinstance(v, int | float)]
    if isinstance(result, int | float) and not isinstance(result, bool):
        return [("value", float(result))]
    return []
