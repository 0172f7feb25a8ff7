"""The InfluxDB provider itself: one Flux query per measurement, as influxdb-client-go sends it.

The block has ``query`` (Flux, sent verbatim) and ``profile`` (the Secret, ``influxdb`` by
default). The Secret, in the controller's namespace (augur's), holds ``address``, ``authToken``
and ``org``, all three non-empty. ``POST <address>/api/v2/query?org=<org>`` with
``Authorization: Token <authToken>``, ``Content-Type: application/json``, ``Accept-Encoding:
gzip``, the client's ``User-Agent`` and Go's JSON of ``{dialect, query, type: flux}``; 20 s,
redirects followed, no retries. An answer outside 2xx is the client's error text (``<code>:
<message>`` from a JSON body, else ``<status line>: <body>``); a 2xx is annotated CSV
(:mod:`providers.influxdb.tables`). ``result`` is the list of ``_value``s, ``value`` Go's
``fmt.Sprint`` of it (``[1 6.6]``); none is an Error.
"""

from __future__ import annotations

import platform
import posixpath
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import httpx

from providers.base import MeasureContext, Measured
from providers.errors import ConfigError, NoDataError, reject_unknown_fields, string_field
from providers.golang import marshal
from providers.influxdb.answer import http_error
from providers.influxdb.tables import record_values
from providers.profiles import invalid_header, read_profile
from providers.transport import go_transport_error, redact_url

__all__ = ["NO_RESULTS", "PROVIDER", "InfluxdbProvider", "query_url", "user_agent"]

PROVIDER = "influxdb"
DEFAULT_PROFILE = "influxdb"
NO_RESULTS = "no results returned from flux query"
MISSING = "authToken, org, or address not found"
TIMEOUT_SECONDS = 20.0  # the client's own; Argo's 30 s context never comes first
_FIELDS = frozenset({"profile", "query"})
_KEYS = ("authToken", "org", "address")
_DIALECT = {"annotations": ["datatype", "group", "default"], "delimiter": ",", "header": True}
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "i386": "386"}


def user_agent() -> str:
    """``influxdb-client-go/2.14.0 (<GOOS>; <GOARCH>)``, as the client Argo pins sends it."""
    machine = platform.machine().lower()
    return f"influxdb-client-go/2.14.0 ({platform.system().lower()}; {_ARCH.get(machine, machine)})"


def query_url(address: str, org: str) -> str:
    """``<address>/api/v2/query?org=<org>``, as the client builds it: `address` with a ``/``
    appended, ``api/v2/`` resolved against that (which drops a query string of the address),
    ``query`` joined to the path, then ``org`` as the only parameter."""
    api = urlsplit(urljoin(address if address.endswith("/") else address + "/", "api/v2/"))
    path = posixpath.normpath(posixpath.join(api.path or "/", "query"))
    return urlunsplit((api.scheme, api.netloc, path, urlencode({"org": org}), ""))


class InfluxdbProvider:
    """``provider.influxdb``: see the module's docstring."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        reject_unknown_fields(dict(config), _FIELDS, provider=PROVIDER)
        self._query = string_field(config, "query", provider=PROVIDER)
        self._profile = string_field(config, "profile", provider=PROVIDER) or DEFAULT_PROFILE
        self._http = http

    async def measure(self, ctx: MeasureContext) -> Measured:
        found = read_profile(
            ctx.credentials,
            self._profile,
            _KEYS,
            plain=("org", "address"),
            required=_KEYS,
            provider=PROVIDER,
        )
        token, org, address = (found.get(key, "") for key in _KEYS)
        if not (token and org and address):
            raise ConfigError(MISSING, provider=PROVIDER)
        scheme = urlsplit(address).scheme
        if scheme not in ("http", "https"):  # `localhost:8086` reads as scheme `localhost`
            shown = f"{redact_url(address).rstrip('/')}/api/v2/query?{urlencode({'org': org})}"
            raise ConfigError(
                f'Post "{shown}": unsupported protocol scheme "{scheme}"', provider=PROVIDER
            )
        started = time.perf_counter()
        response = await self._post(query_url(address, org), token)
        latency = time.perf_counter() - started
        if not 200 <= response.status_code < 300:
            raise http_error(response, provider=PROVIDER)
        values = record_values(response.content.decode("utf-8", errors="replace"))
        if not values:
            raise NoDataError(NO_RESULTS, provider=PROVIDER, status=response.status_code)
        result = [value for value, _ in values]
        text = "[" + " ".join(shown for _, shown in values) + "]"
        return Measured(result=result, value=text, latency_seconds=latency)

    async def check(self) -> None:
        """Nothing to probe without credentials: a check is a measurement (`augur check`)."""

    async def aclose(self) -> None:
        """The injected client is not the provider's to close."""

    async def _post(self, url: str, token: str) -> httpx.Response:
        body = {"dialect": _DIALECT, "query": self._query, "type": "flux"}
        headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept-Encoding": "gzip",
            "User-Agent": user_agent(),
        }
        refused = invalid_header(headers)
        if refused:
            raise ConfigError(f'Post "{redact_url(url)}": {refused}', provider=PROVIDER)
        try:
            return await self._http.post(
                url,
                content=marshal(body, sort_keys=False).encode(),
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                follow_redirects=True,  # Go's http.Client follows them
            )
        except httpx.HTTPError as exc:
            raise go_transport_error(
                "POST", url, exc, timeout=TIMEOUT_SECONDS, provider=PROVIDER
            ) from exc
