"""Argo Rollouts' `kayenta` metric provider, step for step, as a test client.

`metricproviders/kayenta/kayenta.go` at argo-rollouts 9f8d111d8f8e: on `Run`, the config-id
lookup (`GET {address}/canaryConfig?application=..&configurationAccountName=<storage account>`,
Argo's own mix-up), the scopes' windows (start/end both set or both empty; a missing start is
the run's start with `lookback`, else now - the metric's interval; a missing end is now), then
`POST {address}/canary/{id}?application=..&metricsAccountName=..&configurationAccountName=..
&storageAccountName=..` with Go's compact JSON; on `Resume`, `GET {address}/canary/{id}` and the
score truncated to an int, mapped to a phase. URLs are built by string formatting, values not
escaped, exactly as Argo does. `tests/service/test_kayenta_argo.py` checks this client against
Argo's own test cases before it is let loose on augur.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx

from providers.golang import parse_duration

__all__ = ["RESUME_DELAY", "ArgoKayenta", "Measurement"]

RESUME_DELAY = timedelta(seconds=15)
TIMEOUT = 15.0  # http.Client{Timeout: 15s}


@dataclass(frozen=True)
class Measurement:
    phase: str
    message: str = ""
    value: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    resume_at: datetime | None = None
    finished_at: datetime | None = None


def _rfc3339(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _go_v(value: Any) -> str:
    """Go's `fmt.Sprintf("%v", x)` of a decoded JSON value (strings and nil are what matter)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}" if abs(value) < 1e21 else repr(value)
    return str(value)


def _go_type(value: Any) -> str:
    return {dict: "object", str: "string", bool: "bool", type(None): "null"}.get(
        type(value), "number"
    )


class _Failed(Exception):
    pass


@dataclass
class ArgoKayenta:
    """`Run` and `Resume` of Argo's provider, against whatever serves `metric["address"]`."""

    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=TIMEOUT))
    sent: list[httpx.Request] = field(default_factory=list)

    def __enter__(self) -> ArgoKayenta:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _send(self, method: str, url: str, body: bytes | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        request = self.http.build_request(method, url, content=body, headers=headers)
        self.sent.append(request)
        return self.http.send(request)

    def _config_id(self, metric: dict[str, Any]) -> str:
        url = (
            f"{metric['address']}/canaryConfig?application={metric['application']}"
            f"&configurationAccountName={metric['storageAccountName']}"
        )
        reply = self._send("GET", url)
        if reply.status_code != 200:
            raise _Failed(f"Invalid Response: HTTP {reply.status_code}")
        configs = json.loads(reply.content)
        if not isinstance(configs, list):
            raise _Failed(
                f"json: cannot unmarshal {_go_type(configs)} into Go value of type "
                "[]kayenta.canaryConfig"
            )
        for config in configs:
            stamp = config.get("updatedTimestamp")
            if stamp is not None and (isinstance(stamp, bool) or not isinstance(stamp, int)):
                raise _Failed(
                    f"json: cannot unmarshal {_go_type(stamp)} {stamp} into Go struct field "
                    "canaryConfig.updatedTimestamp of type int"
                )
        for config in configs:
            if config.get("name") == metric["canaryConfigName"]:
                return str(config.get("id"))
        raise _Failed("Canary config not found")

    @staticmethod
    def _scopes(
        metric: dict[str, Any], *, now: datetime, interval: str, started_at: str
    ) -> dict[str, Any]:
        scopes: dict[str, Any] = {}
        for scope in metric["scopes"]:
            control, experiment = scope["controlScope"], scope["experimentScope"]
            for edge in ("start", "end"):
                if bool(control.get(edge)) != bool(experiment.get(edge)):
                    raise _Failed(
                        f"controlScope.{edge} and experimentScope.{edge} must both be set or be "
                        "empty"
                    )
            start = end = ""
            if not control.get("start"):
                if metric.get("lookback"):
                    start = started_at
                else:
                    try:
                        start = _rfc3339(now - parse_duration(interval))
                    except ValueError as exc:
                        raise _Failed(f'Invalid duration "{interval}": {exc}') from None
            if not control.get("end"):
                end = _rfc3339(now)
            scopes[scope["name"]] = {
                side: {
                    "scope": given["scope"],
                    "location": given.get("region", ""),
                    "step": given["step"],
                    "start": given.get("start") or start,
                    "end": given.get("end") or end,
                }
                for side, given in (("controlScope", control), ("experimentScope", experiment))
            }
        return scopes

    def run(
        self, metric: dict[str, Any], *, now: datetime, interval: str = "", started_at: str = ""
    ) -> Measurement:
        try:
            config_id = self._config_id(metric)
            scopes = self._scopes(metric, now=now, interval=interval, started_at=started_at)
            threshold = metric["threshold"]
            body = {
                "scopes": scopes,
                "thresholds": {"pass": threshold["pass"], "marginal": threshold["marginal"]},
            }
            url = (
                f"{metric['address']}/canary/{config_id}?application={metric['application']}"
                f"&metricsAccountName={metric['metricsAccountName']}"
                f"&configurationAccountName={metric['configurationAccountName']}"
                f"&storageAccountName={metric['storageAccountName']}"
            )
            reply = self._send("POST", url, json.dumps(body, separators=(",", ":")).encode())
            if reply.status_code != 200:
                raise _Failed("Invalid Response")
            answer = json.loads(reply.content)
            execution = _go_v(answer.get("canaryExecutionId"))
            if execution == "":
                raise _Failed("Invalid canaryExecutionId")
        except _Failed as exc:
            return Measurement(phase="Error", message=str(exc), finished_at=now)
        return Measurement(
            phase="Running", metadata={"canaryExecutionId": execution}, resume_at=now + RESUME_DELAY
        )

    def resume(
        self, metric: dict[str, Any], measurement: Measurement, *, now: datetime
    ) -> Measurement:
        url = f"{metric['address']}/canary/{measurement.metadata['canaryExecutionId']}"
        reply = self._send("GET", url)
        if reply.status_code != 200:
            return replace(measurement, phase="Error", message="Invalid Response", finished_at=now)
        patch = json.loads(reply.content)
        complete = patch.get("complete")
        if not isinstance(complete, bool):
            message = (
                "Missing Complete Status"
                if complete is None
                else f".complete accessor error: {complete} is of the type "
                f"{type(complete).__name__}, expected bool"
            )
            return replace(measurement, phase="Error", message=message, finished_at=now)
        if not complete:
            return replace(measurement, phase="Running", resume_at=now + RESUME_DELAY)
        score: Any = patch
        for key in ("result", "judgeResult", "score", "score"):
            score = score.get(key) if isinstance(score, dict) else None
        if isinstance(score, bool) or not isinstance(score, int | float):
            return replace(measurement, phase="Error", message="Missing Score", finished_at=now)
        truncated = math.trunc(score)
        threshold = metric["threshold"]
        if truncated >= threshold["pass"]:
            phase = "Successful"
        elif truncated >= threshold["marginal"]:
            phase = "Inconclusive"
        else:
            phase = "Failed"
        return replace(
            measurement, phase=phase, value=str(truncated), finished_at=now, resume_at=None
        )
