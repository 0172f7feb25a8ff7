"""An answer outside 2xx, in influxdb-client-go v2.14.0's words (``api/http/service.go``).

A JSON body (``Content-Type: application/json``) is decoded into the client's error: ``code``
and ``message`` give ``<code>: <message>``; one that does not decode gives Go's decoder error
(``EOF`` for an empty body). Any other body gives ``<status line>: <body>``, or ``Unexpected
status code <n>`` when it is empty. A JSON error with neither ``code`` nor ``message`` gets the
client's own for 429 (``too many requests: exceeded rate limit``) and 503 (``unavailable:
service temporarily unavailable``), else the status line and the ``X-Influxdb-Error`` header.
A 5xx is retryable (``UnavailableError``), anything else a ``QueryError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.errors import ProviderError, QueryError, UnavailableError
from providers.golang import decode_json, go_json_error

__all__ = ["http_error"]

_JSON_KINDS = {bool: "bool", float: "number", str: "string", list: "array", dict: "object"}


def _decode_error(body: bytes) -> str | None:
    """Go's ``json.Decoder`` error for the body's first value, or None when it decodes."""
    failure = go_json_error(body, empty="EOF")
    if failure is not None:
        return failure
    decoded = decode_json(body)
    if decoded is not None and not isinstance(decoded, Mapping):
        kind = _JSON_KINDS.get(type(decoded), "value")
        return f"json: cannot unmarshal {kind} into Go value of type http.Error"
    return None


def _fields(body: bytes) -> tuple[str, str, str | None]:
    """(code, message, decoder error) of a JSON error body."""
    failure = _decode_error(body)
    if failure is not None:
        return "", "", failure
    decoded: Any = decode_json(body) or {}
    found = {str(k).lower(): v for k, v in decoded.items()}
    for key in ("code", "message"):
        value = found.get(key)
        if value is not None and not isinstance(value, str):
            kind = _JSON_KINDS.get(type(value), "value")
            return (
                "",
                "",
                (f"json: cannot unmarshal {kind} into Go struct field Error.{key} of type string"),
            )
    return str(found.get("code") or ""), str(found.get("message") or ""), None


def http_error(response: httpx.Response, *, provider: str) -> ProviderError:
    status = response.status_code
    status_line = f"{status} {response.reason_phrase}".rstrip()
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    failure: str | None = None
    if media_type == "application/json":
        code, message, failure = _fields(response.content)
        if not code and not message and failure is None:
            if status == 429:
                code, message = "too many requests", "exceeded rate limit"
            elif status == 503:
                code, message = "unavailable", "service temporarily unavailable"
            else:
                code, message = status_line, response.headers.get("x-influxdb-error", "")
    else:
        code, message = status_line, response.content.decode("utf-8", errors="replace")
    if failure is not None:
        text = failure
    elif code and message:
        text = f"{code}: {message}"
    else:
        text = message or f"Unexpected status code {status}"
    cls = UnavailableError if status >= 500 else QueryError
    upstream = response.content.decode("utf-8", errors="replace")
    return cls(text, provider=provider, status=status, upstream_message=upstream)
