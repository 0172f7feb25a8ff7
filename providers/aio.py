"""httpx requests sent over aiohttp's connections: the providers keep httpx's API (requests,
responses, auth, redirects, event hooks), and the bytes go through aiohttp's C HTTP parser
instead of httpcore's pure-Python one and anyio's per-call cancel scopes. At hundreds of
measurements a second that is the larger part of a measurement's CPU (docs/performance.md:
about 0.9 ms a request through httpcore, 0.3 ms through this transport, on the same client).

What the providers and their tests rely on is kept:

- **Where it connects.** Every new connection asks the host's `Resolve` for the addresses of
  `host:port` (aiohttp's resolver hook, no DNS cache, tried in order) and connects to one of
  those; TLS still verifies the name in the URL. aiohttp skips the resolver for an IP literal,
  so a literal is checked by `Resolve` before each request instead (no lookup: instant).
- **The errors.** aiohttp's exceptions are raised as the httpx exceptions httpcore raises for
  the same failure, with httpcore's texts (`ReadError: [Errno 104] Connection reset by peer`,
  `RemoteProtocolError: peer closed connection without sending complete message body
  (received 12 bytes, expected 100)`, ...): the providers turn those into the Go-shaped
  messages Argo's providers write, and the fault tests pin them.
- **Timeouts.** httpx's per-request `connect` and `read` timeouts map to aiohttp's connect
  (pool wait, name check and TCP/TLS handshake) and per-read timeouts, and expire as httpx's
  `ConnectTimeout` and `ReadTimeout`.
- **The body** is handed to httpx undecoded; `providers.client` counts and decodes it as before.

One aiohttp session per event loop that uses the transport (a session belongs to its loop),
made on first use and closed with the transport.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import aiohttp
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict
from yarl import URL

__all__ = ["AioTransport", "GuardedResolver", "Resolve"]

#: The addresses `host:port` may be connected to, in the order to try them. Raises `OSError` when
#: there are none: the name does not resolve, or the host's policy refuses it (`PermissionError`,
#: whose message says why).
Resolve = Callable[[str, int], Sequence[str]]

#: httpx's pool limits, kept: at most 100 connections, idle ones kept 5 s.
MAX_CONNECTIONS, KEEPALIVE_SECONDS = 100, 5.0
#: httpcore's text for a server that closed the connection before answering.
DISCONNECTED = "Server disconnected without sending a response."


class GuardedResolver(AbstractResolver):
    """aiohttp's name lookup, answered by the host's `Resolve` (run on a thread: it may query
    DNS): the addresses it approved, nothing else. Its refusal (`PermissionError`) or failure
    (`OSError`) fails the connection. Also the resolver of the CloudWatch provider's
    aiobotocore client, which is aiohttp underneath."""

    def __init__(self, resolve: Resolve) -> None:
        self._resolve = resolve

    async def check(self, host: str, port: int) -> Sequence[str]:
        """The approved addresses of `host:port`; `OSError` (the policy's reason) if none."""
        addresses = await asyncio.to_thread(self._resolve, host, port)
        if not addresses:
            raise OSError(f"{host} has no address to connect to")
        return addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in await self.check(host, port)
        ]

    async def close(self) -> None:
        return None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _oserror_text(exc: BaseException) -> str:
    """`[Errno 104] Connection reset by peer`, as the OSError under it prints."""
    for found in (exc, exc.__cause__, exc.__context__):
        if isinstance(found, OSError) and found.errno is not None:
            return f"[Errno {found.errno}] {found.strerror}"
    if isinstance(exc, aiohttp.ClientOSError) and exc.errno is not None:
        return f"[Errno {exc.errno}] {exc.strerror}"
    return str(exc)


def _connect_error(exc: aiohttp.ClientConnectorError, request: httpx.Request) -> httpx.HTTPError:
    """A connection that could not be made: the reason under aiohttp's wrapper (the guard's
    refusal, a refused port, a name that does not resolve, a certificate that does not verify)."""
    reason = exc.os_error
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return httpx.ConnectError(str(exc.certificate_error), request=request)
    if isinstance(reason, TimeoutError):
        return httpx.ConnectTimeout("timed out connecting", request=request)
    # asyncio's own text ("Connect call failed (address, port)") says less than the errno's.
    text = (
        str(reason)
        if reason.errno is None
        else f"[Errno {reason.errno}] {os.strerror(reason.errno)}"
    )
    return httpx.ConnectError(text, request=request)


def _as_httpx(exc: BaseException, request: httpx.Request, *, reading: bool) -> httpx.HTTPError:
    """The httpx exception httpcore raises for the failure aiohttp reported."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout("timed out connecting", request=request)
    if isinstance(exc, TimeoutError):  # aiohttp's SocketTimeoutError is one
        return httpx.ReadTimeout("timed out reading", request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _connect_error(exc, request)
    if isinstance(exc, aiohttp.ServerDisconnectedError) and not reading:
        return httpx.RemoteProtocolError(DISCONNECTED, request=request)
    if isinstance(exc, aiohttp.ClientOSError | ConnectionError | OSError):
        return httpx.ReadError(_oserror_text(exc), request=request)
    if isinstance(exc, aiohttp.ClientResponseError):  # an answer that is not HTTP
        return httpx.RemoteProtocolError(exc.message, request=request)
    return httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request)


class _Body(httpx.AsyncByteStream):
    """An aiohttp answer's body as httpx reads it, with httpcore's errors and texts."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        declared = response.headers.get("Content-Length", "")
        self._declared = int(declared) if declared.isdigit() else None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        try:
            async for chunk in self._response.content.iter_any():
                received += len(chunk)
                yield chunk
        except aiohttp.ClientPayloadError as exc:
            if self._declared is not None:
                detail = f"received {received} bytes, expected {self._declared}"
            else:
                detail = "incomplete chunked read"
            reset = _oserror_text(exc)
            if reset.startswith("[Errno"):
                raise httpx.ReadError(reset, request=self._request) from exc
            raise httpx.RemoteProtocolError(
                f"peer closed connection without sending complete message body ({detail})",
                request=self._request,
            ) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise _as_httpx(exc, self._request, reading=True) from exc

    async def aclose(self) -> None:
        # Read to the end: the connection goes back to the pool. Left unread: it is closed.
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


class AioTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface over aiohttp's connection pool, through the host's guard."""

    def __init__(self, resolve: Resolve | None, *, verify: ssl.SSLContext | bool = True) -> None:
        self._resolve = resolve
        self._ssl: ssl.SSLContext | bool = verify
        #: (loop, whether its connections close after one request) -> session
        self._sessions: dict[tuple[asyncio.AbstractEventLoop, bool], aiohttp.ClientSession] = {}

    def _session(self, close: bool) -> aiohttp.ClientSession:
        """The loop's session; with `close`, one whose connections serve one request each: a
        request that says `Connection: close` (aiohttp heeds the answer's header, not the
        request's, and would pool a connection the server is closing)."""
        key = (asyncio.get_running_loop(), close)
        session = self._sessions.get(key)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self._resolve) if self._resolve is not None else None,
                use_dns_cache=False,  # every new connection is checked
                ssl=self._ssl,
                limit=MAX_CONNECTIONS,
                keepalive_timeout=None if close else KEEPALIVE_SECONDS,
                happy_eyeballs_delay=None,  # the addresses in the order the guard gave them
                force_close=close,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # decoded by providers.client, under its count
                trust_env=False,  # no environment proxies: they would resolve names themselves
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps cookies, as before
                timeout=aiohttp.ClientTimeout(total=None),
                # The request's headers are httpx's, as before: aiohttp adds none of its own.
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            )
            # aiohttp sends an idempotent request again when a kept-alive connection fails
            # under it; httpcore did not, and a measurement must report the failure it met
            # (the fault tests pin it), not hide it behind a second call. No public switch.
            session._retry_connection = False
            self._sessions[key] = session
        return session

    def _check_literal(self, request: httpx.Request) -> None:
        """aiohttp connects to an IP literal without asking the resolver: check it here."""
        host = request.url.host
        if self._resolve is None or not _is_ip_literal(host):
            return
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        try:
            self._resolve(host, port)
        except OSError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._check_literal(request)
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None, connect=timeouts.get("connect"), sock_read=timeouts.get("read")
        )
        body = await request.aread()
        headers = CIMultiDict(request.headers.multi_items())
        try:
            closing = "close" in request.headers.get("connection", "").lower()
            response = await self._session(closing).request(
                request.method,
                URL(str(request.url), encoded=True),  # as httpx encoded it, not re-quoted
                headers=headers,
                data=body or None,
                allow_redirects=False,  # httpx follows them, each hop through this transport
                timeout=timeout,
                compress=None,
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise _as_httpx(exc, request, reading=False) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response, request),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        """Close the calling loop's sessions. A session of another loop cannot be closed from
        this one; it is dropped (augur closes each client on the loop that used it)."""
        sessions, self._sessions = self._sessions, {}
        here = asyncio.get_running_loop()
        for (loop, _close), session in sessions.items():
            if loop is here:
                await session.close()
