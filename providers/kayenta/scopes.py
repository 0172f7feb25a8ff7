"""The scopes of Kayenta's ``CanaryExecutionRequest``, with their windows, as Argo builds them.

For each scope, `start` and `end` are each set on both sides or on neither
(`controlScope.start and experimentScope.start must both be set or be empty`). A missing start
is the run's `status.startedAt` with `lookback`, else now minus the metric's `interval` (the
polling interval: Argo judges the window since the last measurement); a missing end is now.
Times are Go's RFC 3339 in whole seconds. `start`/`end` are left out of the JSON only when
empty, as Go's `omitempty` does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from providers.errors import ConfigError
from providers.golang import parse_duration
from providers.kayenta.config import PROVIDER, KayentaConfig, Scope

__all__ = ["request_body", "rfc3339"]


def rfc3339(moment: datetime) -> str:
    """Go's ``time.RFC3339`` of an instant, in UTC: ``2019-03-29T01:08:34Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _side(given: Scope, start: str, end: str) -> dict[str, Any]:
    side: dict[str, Any] = {"scope": given.scope, "location": given.region, "step": given.step}
    if given.start or start:
        side["start"] = given.start or start
    if given.end or end:
        side["end"] = given.end or end
    return side


def _default_start(
    config: KayentaConfig, *, now: datetime, interval: str, run_started_at: datetime | None
) -> str:
    if config.lookback:
        return rfc3339(run_started_at or now)
    try:
        return rfc3339(now - parse_duration(interval))
    except ValueError as exc:
        raise ConfigError(f'Invalid duration "{interval}": {exc}', provider=PROVIDER) from None


def request_body(
    config: KayentaConfig, *, now: datetime, interval: str, run_started_at: datetime | None
) -> dict[str, Any]:
    """``{"scopes": {...}, "thresholds": {"pass", "marginal"}}``, or the ConfigError Argo's
    Run returns before it posts anything."""
    scopes: dict[str, Any] = {}
    for pair in config.scopes:
        control, experiment = pair.control, pair.experiment
        for edge in ("start", "end"):
            if bool(getattr(control, edge)) != bool(getattr(experiment, edge)):
                raise ConfigError(
                    f"controlScope.{edge} and experimentScope.{edge} must both be set or be empty",
                    provider=PROVIDER,
                )
        start = end = ""
        if not control.start:
            start = _default_start(
                config, now=now, interval=interval, run_started_at=run_started_at
            )
        if not control.end:
            end = rfc3339(now)
        scopes[pair.name] = {
            "controlScope": _side(control, start, end),
            "experimentScope": _side(experiment, start, end),
        }
    return {"scopes": scopes, "thresholds": {"pass": config.passing, "marginal": config.marginal}}
