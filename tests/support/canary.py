"""A canary beside its baseline, for judgement tests: series for the fake OAP, a canary config
and Kayenta's execution request.

The baseline (`STABLE`, TSB's primary service name) and the canary (`CANARY`) answer the same
metrics. Every series wobbles with the minute (a fixed pattern, so a judgement is reproducible
at any hour): a healthy canary follows the baseline's pattern a minute later; a degraded one
has its apdex down 450 and its response time up 330.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.spec.status import format_time
from tests.fakes.fake_oap import FakeOAP

__all__ = [
    "CANARY",
    "STABLE",
    "canary_config",
    "execution_request",
    "seed",
]

STABLE = "reviews|bookinfo|cp-cluster-1|-"
CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
#: metric -> (baseline level, how far a degraded canary moves it)
LEVELS = {"service_apdex": (9950, -450), "service_resp_time": (120, 330)}


def wobble(level: float, *, lag: int = 0) -> Callable[[datetime], float]:
    """`level` plus a pattern of -20..+19 that repeats every 40 minutes."""
    return lambda t: level + ((t.hour * 60 + t.minute + lag) * 7) % 40 - 20


def seed(
    fake: FakeOAP,
    *,
    degraded: tuple[str, ...] = (),
    stable: str = STABLE,
    canary: str = CANARY,
) -> None:
    """Both services' series; the metrics named in `degraded` are worse on the canary."""
    for metric, (level, worse) in LEVELS.items():
        fake.set_series(stable, metric, wobble(level))
        moved = level + (worse if metric in degraded else 0)
        fake.set_series(canary, metric, wobble(moved, lag=1))


def canary_config(
    address: str | None,
    *,
    judge: str = "augur-v1",
    applications: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Apdex (worse when lower) and latency (worse when higher, through MQE), one group each."""
    where = {"address": address} if address else {}
    return {
        "judge": {"name": judge},
        "applications": applications or [],
        "metrics": [
            {
                "name": "apdex",
                "query": {"type": "skywalking", "metricName": "service_apdex", **where},
                "groups": ["apdex"],
                "analysisConfigurations": {"canary": {"direction": "decrease"}},
            },
            {
                "name": "latency",
                "query": {"type": "skywalking", "expression": "service_resp_time", **where},
                "groups": ["latency"],
                "analysisConfigurations": {"canary": {"direction": "increase"}},
            },
        ],
        "classifier": {"groupWeights": {"apdex": 50, "latency": 50}},
        **extra,
    }


def execution_request(
    start: datetime,
    end: datetime,
    *,
    control: str = STABLE,
    experiment: str = CANARY,
    thresholds: tuple[float, float] = (90, 75),
    step: int = 60,
) -> dict[str, Any]:
    def side(scope: str) -> dict[str, Any]:
        return {
            "scope": scope,
            "location": "",
            "step": step,
            "start": format_time(start),
            "end": format_time(end),
        }

    return {
        "scopes": {"default": {"controlScope": side(control), "experimentScope": side(experiment)}},
        "thresholds": {"pass": thresholds[0], "marginal": thresholds[1]},
    }
