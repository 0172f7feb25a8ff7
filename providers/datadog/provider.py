"""The Datadog provider itself: one query per measurement, sent and read as Argo's provider does.

Each measurement finds the keys (:mod:`providers.datadog.credentials`, read through the
measurement's credentials, never kept), builds the request (:mod:`providers.datadog.request`),
sends it once over the shared client with Go's ``http.Client`` timeout (``requestTimeout``, the
whole exchange, body included; no retry: the engine's next measurement is the retry) and reads
the answer (:mod:`providers.datadog.response`). Failures keep Go's wording:
``Post "<url>": context deadline exceeded (Client.Timeout exceeded while awaiting headers)``,
``Received no bytes in response: <reason>`` when the body breaks off.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from providers.base import MeasureContext, Measured
from providers.datadog.config import PROVIDER, parse_config
from providers.datadog.credentials import find_keys
from providers.datadog.request import Request, build_request
from providers.datadog.response import check_status, read_v1, read_v2
from providers.errors import ConfigError, UnavailableError, transport_reason
from providers.golang import go_quote
from providers.transport import go_method, go_transport_error, redact_url

__all__ = ["DatadogProvider"]

log = logging.getLogger(__name__)
V1_WARNING = "Datadog will soon deprecate their API v1. Please consider switching to v2 soon."
#: Answers up to this size are read in place (well under a millisecond).
_INLINE_BYTES = 64 * 1024
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def _sendable(request: Request) -> None:
    """What Go's transport refuses before connecting: a scheme other than http(s), no host."""
    found = _SCHEME.match(request.url)
    scheme = found.group(1).lower() if found else ""
    where = f'{go_method(request.method)} "{redact_url(request.url)}"'
    if scheme not in ("http", "https"):
        raise ConfigError(
            f"{where}: unsupported protocol scheme {go_quote(scheme)}", provider=PROVIDER
        )
    if not urlsplit(request.url).netloc.rpartition("@")[2]:
        raise ConfigError(f"{where}: http: no Host in request URL", provider=PROVIDER)


class DatadogProvider:
    """``provider.datadog``: see :mod:`providers.datadog.config` for the fields."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config = parse_config(config)
        self._http = http
        self._warned = False  # Argo warns at every measurement; once per metric says it

    async def measure(self, ctx: MeasureContext) -> Measured:
        cfg = self._config
        if cfg.api_version == "v1" and not self._warned:
            log.warning(V1_WARNING)
            self._warned = True
        keys = find_keys(cfg.secret_ref, ctx.credentials, ctx.namespace)
        request = build_request(cfg, keys, math.floor(ctx.now.timestamp()))
        _sendable(request)
        started = time.perf_counter()
        status, body = await self._exchange(request)
        latency = time.perf_counter() - started
        check_status(status, body)
        read = read_v1 if cfg.api_version == "v1" else read_v2
        # Go's decoding, reproduced in Python, takes about 0.4 s a megabyte: a large answer is
        # read on a worker thread so the event loop keeps serving the other measurements.
        answer = read(body) if len(body) <= _INLINE_BYTES else await asyncio.to_thread(read, body)
        return Measured(
            result=answer.result,
            value=answer.value,
            metadata=answer.metadata,
            latency_seconds=latency,
            go_type=answer.go_type,
        )

    async def check(self) -> None:
        """Nothing to probe: the keys, and so the address, come with each measurement."""

    async def aclose(self) -> None:
        """The injected client is the caller's; nothing else is held."""

    async def _exchange(self, request: Request) -> tuple[int, bytes]:
        """One request under one deadline for the whole exchange, as Go's ``Client.Timeout``."""
        timeout = self._config.timeout_seconds
        where = f'{go_method(request.method)} "{redact_url(request.url)}"'
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            built = self._http.build_request(
                request.method,
                request.url,
                headers=request.headers,
                content=request.body,
                timeout=timeout,
            )
        except httpx.InvalidURL as exc:
            raise ConfigError(f"{where}: invalid URL: {exc}", provider=PROVIDER) from None
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._http.send(built, stream=True, follow_redirects=True)
        except TimeoutError:
            raise UnavailableError(
                f"{where}: context deadline exceeded (Client.Timeout exceeded while awaiting "
                "headers)",
                provider=PROVIDER,
            ) from None
        except httpx.LocalProtocolError:  # its text may quote a header: never a key
            raise UnavailableError(
                f"{where}: the request could not be written (LocalProtocolError)",
                provider=PROVIDER,
            ) from None
        except httpx.HTTPError as exc:
            raise go_transport_error(
                request.method, request.url, exc, timeout=timeout, provider=PROVIDER
            ) from exc
        try:
            async with asyncio.timeout_at(deadline):
                body = await response.aread()
        except TimeoutError:
            reason = "context deadline exceeded (Client.Timeout or context cancellation while "
            reason += "reading body)"
            raise UnavailableError(
                f"Received no bytes in response: {reason}", provider=PROVIDER
            ) from None
        except httpx.HTTPError as exc:
            raise UnavailableError(
                f"Received no bytes in response: {transport_reason(exc)}", provider=PROVIDER
            ) from exc
        finally:
            await response.aclose()
        return response.status_code, body
