"""Prometheus' answer, read as client_golang reads it and stored as Argo stores it.

A scalar is a float (``value`` ``10``, ``NaN``, ``+Inf``); a vector is a list of floats, labels
dropped (``[0.5,1]``; an empty vector is ``[]`` and an empty list, not an error); a matrix is
every sample of every series, flattened. Numbers are written like Go's
``strconv.FormatFloat(v, 'f', -1, 64)``: shortest round-trip digits, never an exponent.
Upstream errors keep client_golang's ``<errorType>: <error>`` text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.base import Measured
from providers.errors import ProviderError, QueryError, UnavailableError
from providers.golang import GoJSONError, format_float_f, marshal
from providers.prometheus.config import PROVIDER

__all__ = ["NOT_SUPPORTED", "convert", "measured", "upstream_error"]

NOT_SUPPORTED = "Prometheus metric type not supported"
_RETRYABLE_TYPES = frozenset({"timeout", "unavailable", "server_error", "canceled"})


def _sample(pair: Any, status: int | None) -> float:
    if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str):
        try:
            return float(pair[1])
        except ValueError:
            pass
    raise QueryError(
        f"bad_response: unreadable sample {marshal(pair)}", provider=PROVIDER, status=status
    )


def _field(series: Any, name: str) -> Any:
    return series.get(name) if isinstance(series, Mapping) else None


def convert(result_type: Any, result: Any, *, status: int | None = None) -> tuple[Any, str]:
    """``(result, value)`` as Argo's ``processResponse`` makes them."""
    if result_type == "scalar":
        number = _sample(result, status)
        return number, format_float_f(number)
    if result_type == "vector" and isinstance(result, list):
        numbers = [_sample(_field(series, "value"), status) for series in result]
    elif result_type == "matrix" and isinstance(result, list):
        numbers = [
            _sample(pair, status) for series in result for pair in _field(series, "values") or []
        ]
    else:
        raise QueryError(NOT_SUPPORTED, provider=PROVIDER, status=status)
    return numbers, "[" + ",".join(map(format_float_f, numbers)) + "]"


def measured(
    data: Mapping[str, Any], warnings: list[str], *, query: str, status: int, latency: float
) -> Measured:
    """The measurement one successful answer makes, metadata as Argo writes it."""
    result, value = convert(data.get("resultType"), data.get("result"), status=status)
    metadata = {
        "resolvedQuery": query,
        "resultType": str(data.get("resultType")),
        "latencySeconds": f"{latency:.6f}",
    }
    if warnings:
        metadata["warnings"] = ", ".join(f'"{w}"' for w in warnings)  # Argo's form
    go_type = "[]float64" if isinstance(result, list) else "float64"
    return Measured(
        result=result,
        value=value,
        metadata=metadata,
        latency_seconds=latency,
        go_type=go_type,
    )


def upstream_error(response: httpx.Response, payload: Any) -> ProviderError | None:
    """client_golang's reading of a failed answer (``None`` when it succeeded)."""
    status = response.status_code
    body = response.content.decode("utf-8", errors="replace")

    def error(text: str, *, retryable: bool, upstream: str = body) -> ProviderError:
        cls = UnavailableError if retryable else QueryError
        return cls(text, provider=PROVIDER, status=status, upstream_message=upstream)

    if isinstance(payload, Mapping) and payload.get("status") == "error":
        kind, message = str(payload.get("errorType", "")), str(payload.get("error", ""))
        retryable = kind in _RETRYABLE_TYPES or status >= 500
        return error(f"{kind}: {message}", retryable=retryable, upstream=message)
    if status // 100 == 4:
        return error(f"client_error: client error: {status}", retryable=False)
    if status // 100 == 5:
        return error(f"server_error: server error: {status}", retryable=True)
    if not 200 <= status < 300:
        return error(f"bad_response: bad response code {status}", retryable=False)
    if isinstance(payload, GoJSONError):
        return error(f"bad_response: {payload}", retryable=False)
    if not isinstance(payload, Mapping) or not isinstance(payload.get("data"), Mapping):
        return error("bad_response: the answer has no data object", retryable=False)
    return None
