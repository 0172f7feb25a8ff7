"""The Wavefront provider itself: one chart-API query per measurement, as go-wavefront sends it.

The block has ``address`` (a host name, no scheme: ``example.wavefront.com``) and ``query``
(sent verbatim). The API token is the value of the key named exactly like ``address`` in Secret
``wavefront-api-tokens`` of the controller's namespace (augur's); none is ``API token not
found``. ``GET https://<address>/api/v2/chart/api`` (always https: Argo has no other scheme)
with ``Authorization: Bearer <token>``, ``Accept: application/json`` and go-wavefront's
parameters, every boolean sent, sorted: ``autoEvents=false&e=<ms>&g=s&i=true&
includeObsoleteMetrics=false&listmode=false&p=1&q=<query>&s=<ms>&strict=false``, where ``s`` and
``e`` are both the measurement's start in whole seconds times 1000. Anything but a 200 is
``server returned <status line>\\n<body>\\n``. Argo sets no timeout; augur gives up after 30 s.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from providers.base import MeasureContext, Measured
from providers.errors import (
    ConfigError,
    QueryError,
    UnavailableError,
    reject_unknown_fields,
    string_field,
)
from providers.profiles import invalid_header
from providers.transport import go_transport_error
from providers.wavefront.response import PROVIDER, measured, parse_answer

__all__ = ["TOKENS_SECRET", "WavefrontProvider", "chart_url"]

TOKENS_SECRET = "wavefront-api-tokens"  # noqa: S105 (a Secret's name)
NO_TOKEN = "API token not found"  # noqa: S105 (Argo's message)
TIMEOUT_SECONDS = 30.0
_FIELDS = frozenset({"address", "query"})


def chart_url(address: str, query: str, start_ms: int) -> str:
    """The chart API's URL for `query` at `start_ms`, parameters as Go's ``url.Values``
    encodes them (sorted, ``+`` for a space). The address's own path, if any, is dropped, as
    resolving ``/api/v2/chart/api`` against it drops it."""
    host = urlsplit(f"https://{address}/api/v2/").netloc
    params = {
        "autoEvents": "false",
        "e": str(start_ms),
        "g": "s",
        "i": "true",
        "includeObsoleteMetrics": "false",
        "listmode": "false",
        "p": "1",
        "q": query,
        "s": str(start_ms),
        "strict": "false",
    }
    return f"https://{host}/api/v2/chart/api?{urlencode(sorted(params.items()))}"


def _valid_host(address: str) -> bool:
    """Whether ``https://<address>/api/v2/`` parses, as go-wavefront needs it to."""
    try:
        return bool(httpx.URL(f"https://{address}/api/v2/").host)
    except httpx.InvalidURL:
        return False


class WavefrontProvider:
    """``provider.wavefront``: see the module's docstring."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        reject_unknown_fields(dict(config), _FIELDS, provider=PROVIDER)
        self._address = string_field(config, "address", provider=PROVIDER)
        self._query = string_field(config, "query", provider=PROVIDER)
        self._http = http

    async def measure(self, ctx: MeasureContext) -> Measured:
        token = ctx.credentials.secret(TOKENS_SECRET, self._address) if self._address else None
        if token is None or not _valid_host(self._address):  # Argo: no client, so no token
            raise ConfigError(NO_TOKEN, provider=PROVIDER)
        start = math.floor(ctx.now.timestamp())
        url = chart_url(self._address, self._query, start * 1000)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        refused = invalid_header(headers)
        if refused:
            raise ConfigError(f'Get "{url}": {refused}', provider=PROVIDER)
        started = time.perf_counter()
        try:
            response = await self._http.get(
                url, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=True
            )
        except httpx.HTTPError as exc:
            raise go_transport_error(
                "GET", url, exc, timeout=TIMEOUT_SECONDS, provider=PROVIDER
            ) from exc
        latency = time.perf_counter() - started
        if response.status_code != 200:
            body = response.content.decode("utf-8", errors="replace")
            status_line = f"{response.status_code} {response.reason_phrase}".rstrip()
            error = UnavailableError if response.status_code >= 500 else QueryError
            raise error(
                f"server returned {status_line}\n{body}\n",
                provider=PROVIDER,
                status=response.status_code,
                upstream_message=body,
            )
        series, warnings = parse_answer(response.content)
        return measured(series, warnings, start=start, latency=latency)

    async def check(self) -> None:
        """Nothing to probe without a token: a check is a measurement (`augur check`)."""

    async def aclose(self) -> None:
        """The injected client is not the provider's to close."""
