"""An HTTP client that reaches real host names on loopback: a test of a provider whose address
Argo fixes (Wavefront's ``https://<address>``, New Relic's ``https://api.newrelic.com``) talks to
a fake listening on 127.0.0.1 under the name the provider asked for.

Only the connection is redirected: the URL, the ``Host`` header, TLS SNI and certificate
verification keep the name, so the fake's certificate must be for it and the client trusts
exactly the test's CA (as ``SSL_CERT_FILE`` makes the shared client trust it in a subprocess).
A name with no route fails to connect, naming it.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Mapping
from pathlib import Path

import httpcore
import httpx

__all__ = ["routed_client"]


class _Routes(httpcore.AsyncNetworkBackend):
    def __init__(self, routes: Mapping[str, int]) -> None:
        self._routes = dict(routes)
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        target = self._routes.get(host)
        if target is None:
            raise httpcore.ConnectError(f"{host}:{port} has no route in this test")
        return await self._inner.connect_tcp(
            "127.0.0.1", target, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets in this test")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def routed_client(routes: Mapping[str, int], *, ca: Path | None = None) -> httpx.AsyncClient:
    """A client whose connections to each host of `routes` go to 127.0.0.1:<its port>,
    trusting only `ca` (no CA: plain HTTP only)."""
    context = ssl.create_default_context(cafile=str(ca)) if ca else ssl.create_default_context()
    transport = httpx.AsyncHTTPTransport(verify=context)
    transport._pool = httpcore.AsyncConnectionPool(  # httpx has no option for the backend
        ssl_context=context, network_backend=_Routes(routes)
    )
    return httpx.AsyncClient(transport=transport)
