"""What the HTTP providers share about a request: Argo's ``headers`` list, the URL as messages show
it (credentials cut out) and Go's ``url.Error`` text for a request that got no answer.

Argo's web and Prometheus providers are Go ``http.Client`` users, so a failed request reads
``Get "http://…": <reason>`` in both; keeping that shape here gives every provider the same text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from providers.errors import ConfigError, UnavailableError, transport_reason

__all__ = ["go_method", "go_transport_error", "parse_headers", "redact_url"]

_USERINFO = re.compile(r"//[^/@]*@")


def redact_url(url: str) -> str:
    """The URL without ``user:password@``: it ends up in messages."""
    return _USERINFO.sub("//", url)


def go_method(method: str) -> str:
    """The method as Go's ``url.Error`` names the operation: ``GET`` -> ``Get``."""
    return method[:1] + method[1:].lower()


def go_transport_error(
    method: str, url: str, exc: httpx.HTTPError, *, timeout: float, provider: str
) -> UnavailableError:
    """Go's ``url.Error`` shape: ``Get "http://…": <reason>``."""
    if isinstance(exc, httpx.TimeoutException):
        reason = f"context deadline exceeded (timed out after {timeout:g}s)"
    else:
        reason = transport_reason(exc)
    return UnavailableError(f'{go_method(method)} "{redact_url(url)}": {reason}', provider=provider)


def parse_headers(raw: Any, *, prefix: str, provider: str) -> list[tuple[str, str]]:
    """Argo's ``[{key, value}]`` list; a header value is never echoed (it may be a credential)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise ConfigError(f"{prefix}: headers must be a list of {{key, value}}", provider=provider)
    pairs = [(item.get("key"), item.get("value", "")) for item in raw]
    for key, value in pairs:
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise ConfigError(
                f"{prefix}: every header needs a non-empty string key and a string value "
                f"(bad key: {key!r})",
                provider=provider,
            )
    return [(str(key), str(value)) for key, value in pairs]
