"""The ``replay`` provider: recorded answers, in order, for testing templates offline.

An augur addition (Argo has no such provider). A metric written as::

    provider:
      replay:
        results:
          - value: {"service_apdex": {"values": {"values": [{"value": 9950}]}}}
          - error: "connection refused"

answers its n-th measurement (``MeasureContext.attempt``, so the position survives a restart)
with the n-th entry: ``value`` as if a JSON provider had fetched it
(decoded the Go way, so numbers are floats, exactly what a real provider would hand the
conditions), ``error`` as a provider error with that message. Past the last entry every
measurement is the error ``replay exhausted``, so a template that asks for more measurements than
were recorded fails loudly instead of repeating the last answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from providers.base import MeasureContext, Measured
from providers.errors import ConfigError, ProviderError
from providers.golang import decode_json, marshal

__all__ = ["ReplayProvider"]


def _entries(config: Mapping[str, Any]) -> list[tuple[str, Any]]:
    results = config.get("results")
    if not isinstance(results, list) or not results:
        raise ConfigError(
            "provider.replay.results must be a non-empty list of {value: ...} or {error: ...}",
            provider="replay",
        )
    entries: list[tuple[str, Any]] = []
    for index, entry in enumerate(results):
        where = f"provider.replay.results[{index}]"
        if (
            not isinstance(entry, Mapping)
            or len(entry) != 1
            or next(iter(entry))
            not in (
                "value",
                "error",
            )
        ):
            raise ConfigError(
                f"{where} must be an object with exactly one key, 'value' or 'error'",
                provider="replay",
            )
        kind, payload = next(iter(entry.items()))
        if kind == "error" and not isinstance(payload, str):
            raise ConfigError(f"{where}.error must be a string message", provider="replay")
        if kind == "value":
            # Round-trip through JSON text so the result is what a JSON provider would decode.
            payload = decode_json(json.dumps(payload, allow_nan=False))
        entries.append((kind, payload))
    return entries


class ReplayProvider:
    """Answers from the template's own list, by the measurement's position."""

    kind = "replay"

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient | None = None) -> None:
        try:
            self._entries = _entries(config)
        except ValueError as exc:  # NaN/Infinity or another value JSON cannot carry
            raise ConfigError(
                f"provider.replay.results holds a value JSON cannot carry: {exc}", provider="replay"
            ) from None

    async def measure(self, ctx: MeasureContext) -> Measured:
        if ctx.attempt >= len(self._entries):
            raise ProviderError("replay exhausted", provider="replay")
        kind, payload = self._entries[ctx.attempt]
        if kind == "error":
            raise ProviderError(payload, provider="replay")
        return Measured(
            result=payload,
            value=marshal(payload),
            metadata={"replay.index": str(ctx.attempt)},
        )

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
