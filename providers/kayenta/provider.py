"""Argo's kayenta provider: start a canary execution, then poll it until Kayenta scores it.

``measure`` is Argo's ``Run``: ``GET <address>/canaryConfig?application=<a>&
configurationAccountName=<storageAccountName>`` (the storage account under the configuration
account's name: Argo's own mix-up, kept so the same Kayenta answers the same way), the config
whose ``name`` is ``canaryConfigName``, then ``POST <address>/canary/<id>?application=..&
metricsAccountName=..&configurationAccountName=..&storageAccountName=..`` with the scopes and
thresholds. Kayenta's ``canaryExecutionId`` goes into the measurement's metadata and the
measurement stays in flight (:class:`~providers.base.InFlight`, the poll interval later).

``resume`` is Argo's ``Resume``: ``GET <address>/canary/<canaryExecutionId>``; not complete yet
is another poll; complete is the score, truncated to an integer as the value, and the phase
from the thresholds (``>= pass`` Successful, ``>= marginal`` Inconclusive, else Failed). The
template's conditions are never evaluated, as in Argo. Values go into URLs unescaped, as Argo
puts them; every request has Argo's 15 s timeout. Messages are Argo's, word for word.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import httpx

from providers.base import InFlight, MeasureContext, Measured
from providers.errors import QueryError, UnavailableError
from providers.golang import GoJSONError, decode_json, go_json_error, sprint
from providers.kayenta.config import PROVIDER, KayentaConfig, parse_config
from providers.kayenta.scopes import request_body
from providers.transport import go_transport_error

__all__ = ["EXECUTION_ID", "TIMEOUT_SECONDS", "KayentaProvider", "phase_of_score"]

#: Argo's ``http.Client{Timeout: 15 * time.Second}``.
TIMEOUT_SECONDS = 15.0
#: The metadata key Argo keeps the execution under, and reads it back from.
EXECUTION_ID = "canaryExecutionId"
_CONFIGS = "[]kayenta.canaryConfig"


def phase_of_score(score: int, *, passing: int, marginal: int) -> str:
    """Argo's ``evaluateResult``: the thresholds decide, not the conditions."""
    if score >= passing:
        return "Successful"
    if score >= marginal:
        return "Inconclusive"
    return "Failed"


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    names: dict[type, str] = {dict: "object", list: "array", str: "string"}
    return names.get(type(value), "null")


def _config_id(body: bytes, name: str) -> str:
    """The id of the config called `name` in Kayenta's list, as Go decodes the list."""
    try:
        configs = decode_json(body)
    except GoJSONError:
        raise QueryError(go_json_error(body) or "invalid JSON", provider=PROVIDER) from None
    if configs is None:
        configs = []
    if not isinstance(configs, list):
        raise QueryError(
            f"json: cannot unmarshal {_go_type(configs)} into Go value of type {_CONFIGS}",
            provider=PROVIDER,
        )
    for config in configs:
        if not isinstance(config, dict) and config is not None:
            raise QueryError(
                f"json: cannot unmarshal {_go_type(config)} into Go value of type "
                "kayenta.canaryConfig",
                provider=PROVIDER,
            )
        for key in ("id", "name"):
            value = (config or {}).get(key)
            if value is not None and not isinstance(value, str):
                raise QueryError(
                    f"json: cannot unmarshal {_go_type(value)} into Go struct field "
                    f"canaryConfig.{key} of type string",
                    provider=PROVIDER,
                )
    for config in configs:
        if (config or {}).get("name", "") == name:
            return str(config.get("id") or "")
    raise QueryError("Canary config not found", provider=PROVIDER)


def _object(body: bytes) -> dict[str, Any]:
    try:
        answer = decode_json(body)
    except GoJSONError:
        raise QueryError(go_json_error(body) or "invalid JSON", provider=PROVIDER) from None
    if not isinstance(answer, dict):
        raise QueryError(
            f"json: cannot unmarshal {_go_type(answer)} into Go value of type "
            "map[string]interface {}",
            provider=PROVIDER,
        )
    return answer


def _score(patch: Mapping[str, Any]) -> Any:
    found: Any = patch
    for key in ("result", "judgeResult", "score", "score"):
        found = found.get(key) if isinstance(found, dict) else None
    return found


class KayentaProvider:
    """``provider.kayenta``; see :mod:`providers.kayenta.config` for the block."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config: KayentaConfig = parse_config(config)
        self._http = http

    async def _send(self, method: str, url: str, body: bytes | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            return await self._http.request(
                method, url, content=body, headers=headers, timeout=TIMEOUT_SECONDS
            )
        except httpx.HTTPError as exc:
            raise go_transport_error(
                method, url, exc, timeout=TIMEOUT_SECONDS, provider=PROVIDER
            ) from exc

    async def _lookup(self) -> str:
        c = self._config
        url = (
            f"{c.address}/canaryConfig?application={c.application}"
            f"&configurationAccountName={c.storage_account}"
        )
        reply = await self._send("GET", url)
        if reply.status_code != 200:
            error = UnavailableError if reply.status_code >= 500 else QueryError
            raise error(
                f"Invalid Response: HTTP {reply.status_code}",
                provider=PROVIDER,
                status=reply.status_code,
            )
        return _config_id(reply.content, c.canary_config_name)

    async def measure(self, ctx: MeasureContext) -> InFlight:
        """Argo's ``Run``: look the config up, start the execution, leave it in flight."""
        c = self._config
        config_id = await self._lookup()
        body = request_body(
            c, now=ctx.now, interval=ctx.interval, run_started_at=ctx.run_started_at
        )
        url = (
            f"{c.address}/canary/{config_id}?application={c.application}"
            f"&metricsAccountName={c.metrics_account}"
            f"&configurationAccountName={c.configuration_account}"
            f"&storageAccountName={c.storage_account}"
        )
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        reply = await self._send("POST", url, payload)
        if reply.status_code != 200:
            raise QueryError("Invalid Response", provider=PROVIDER, status=reply.status_code)
        execution = sprint(_object(reply.content).get(EXECUTION_ID))
        if execution == "":
            raise QueryError("Invalid canaryExecutionId", provider=PROVIDER)
        return InFlight(metadata={EXECUTION_ID: execution}, resume_at=ctx.now + ctx.poll_interval)

    async def resume(self, ctx: MeasureContext, metadata: Mapping[str, str]) -> Measured | InFlight:
        """Argo's ``Resume``: still running is another poll; complete is the score's phase."""
        execution = metadata.get(EXECUTION_ID, "")
        reply = await self._send("GET", f"{self._config.address}/canary/{execution}")
        if reply.status_code != 200:
            raise QueryError("Invalid Response", provider=PROVIDER, status=reply.status_code)
        patch = _object(reply.content)
        complete = patch.get("complete")
        if complete is None:
            raise QueryError("Missing Complete Status", provider=PROVIDER)
        if not isinstance(complete, bool):
            raise QueryError(
                f"complete: {sprint(complete)} is a {_go_type(complete)}, not a bool",
                provider=PROVIDER,
            )
        if not complete:
            return InFlight(metadata=dict(metadata), resume_at=ctx.now + ctx.poll_interval)
        score = _score(patch)
        if isinstance(score, bool) or not isinstance(score, int | float) or math.isinf(score):
            raise QueryError("Missing Score", provider=PROVIDER)
        truncated = math.trunc(score)
        c = self._config
        return Measured(
            result=truncated,
            value=str(truncated),
            metadata=dict(metadata),
            phase=phase_of_score(truncated, passing=c.passing, marginal=c.marginal),
        )

    async def check(self) -> None:
        """Kayenta answers the lookup and holds the canary config the block names."""
        await self._lookup()

    async def aclose(self) -> None:
        """Nothing of its own: the shared client is the host's."""
