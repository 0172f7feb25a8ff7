"""The HTTP client providers share: it connects only to addresses the host approved, and reads no
more of an answer than the host allows.

**Where it connects.** A request hook that resolves the URL's host and checks the addresses leaves
the connection to resolve the name again, and a name that answers differently the second time
(DNS rebinding: loopback for the check, 169.254.169.254 for the connection) reaches an address
nobody checked. Here the check sits under the connection pool (`providers.aio`, aiohttp's
resolver hook): each new connection asks the host's `Resolve` for the addresses of `host:port`
(resolved once, every one checked) and connects to one of those, and an IP literal is checked
before each request. The request itself is untouched, so the `Host` header, TLS SNI and
certificate verification keep the name in the URL; the pool keeps its connections per origin
and reuses them; a redirect (followed by httpx) opens its connection through the same check.
Environment proxies are not used (a proxy would resolve names itself, out of the check's sight);
`SSL_CERT_FILE` and `SSL_CERT_DIR` still are.

**How much it reads.** An answer is read through a counter: past `max_body_bytes` the read stops
and the request fails with `BodyTooLarge`, the providers' usual transport error, so an Error
measurement. gzip and deflate are decoded here, under the same count (and the bytes on the wire
are counted too), so a small compressed answer cannot inflate past the limit.

Providers never import `app`: the host hands its address check in as a plain callable, and
`insecure_client` (providers/base.py) asks a `GuardedClient` for a sibling with the same guard, so
`insecure: true` turns off certificate checks and nothing else.
"""

from __future__ import annotations

import ssl
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from providers.aio import AioTransport, Resolve

__all__ = ["BodyTooLarge", "Guard", "GuardedClient", "GuardedTransport", "Resolve"]

_DECODED = frozenset({"gzip", "x-gzip", "deflate", "identity"})


class BodyTooLarge(httpx.ReadError):
    """The upstream's answer is larger than the client reads."""


class _Inflate:
    """One gzip or deflate layer that decodes at most `room` bytes a call; deflate is tried with
    a zlib header first, then raw, as httpx's own decoder does."""

    def __init__(self, coding: str) -> None:
        self._deflate = coding == "deflate"
        self._first = True
        self._codec = zlib.decompressobj(zlib.MAX_WBITS if self._deflate else zlib.MAX_WBITS | 16)

    def decode(self, data: bytes, room: int) -> bytes:
        first, self._first = self._first, False
        try:
            return self._codec.decompress(data, room)
        except zlib.error:
            if not (first and self._deflate):
                raise
            self._codec = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._codec.decompress(data, room)

    def flush(self) -> bytes:
        return self._codec.flush()


class _Bounded(httpx.AsyncByteStream):
    """An answer's body, decoded and counted: past `limit` bytes (on the wire, or decoded, at
    any layer) the read fails with `too_large`."""

    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        codings: Sequence[str],
        *,
        limit: int,
        too_large: BodyTooLarge,
    ) -> None:
        self._inner, self._limit, self._too_large = inner, limit, too_large
        self._decoders = [_Inflate(c) for c in reversed(codings) if c != "identity"]

    def _decode(self, data: bytes, decoders: Sequence[_Inflate], produced: int) -> bytes:
        room = self._limit - produced + 1
        for decoder in decoders:
            data = decoder.decode(data, room)
            if len(data) >= room:  # a layer filled the room: the answer is over the limit
                raise self._too_large
        return data

    async def _chunks(self) -> AsyncIterator[bytes]:
        wire = produced = 0
        async for chunk in self._inner:
            wire += len(chunk)
            if wire > self._limit:
                raise self._too_large
            data = self._decode(chunk, self._decoders, produced)
            produced += len(data)
            yield data
        for index, decoder in enumerate(self._decoders):
            data = self._decode(decoder.flush(), self._decoders[index + 1 :], produced)
            produced += len(data)
            if produced > self._limit:
                raise self._too_large
            yield data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for data in self._chunks():
                if data:
                    yield data
        except zlib.error as exc:
            raise httpx.DecodingError(
                f"the answer does not decode as its Content-Encoding says: {exc}",
                request=self._too_large.request,
            ) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass(frozen=True)
class Guard:
    """What the host asks of every request: the connection check (`None`: connect anywhere) and
    the most bytes read of an answer (`None`: no limit), with the hint its error ends with."""

    resolve: Resolve | None = None
    max_body_bytes: int | None = None
    too_large_hint: str = ""


class GuardedTransport(AioTransport):
    """httpx's transport over connections the guard approves (`providers.aio`), reading no more
    of each answer than it allows."""

    def __init__(self, guard: Guard, *, verify: ssl.SSLContext | bool = True) -> None:
        context = httpx.create_ssl_context(verify=verify)  # SSL_CERT_FILE and SSL_CERT_DIR apply
        super().__init__(guard.resolve, verify=context)
        self._limit = guard.max_body_bytes
        self._hint = f"; {guard.too_large_hint}" if guard.too_large_hint else ""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if self._limit is None:
            return response
        too_large = BodyTooLarge(
            f"upstream answered more than {self._limit} bytes{self._hint}", request=request
        )
        declared = response.headers.get("content-length", "")
        if request.method != "HEAD" and declared.isdigit() and int(declared) > self._limit:
            await response.aclose()
            raise too_large
        encoding = response.headers.get("content-encoding", "")
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        headers = response.headers
        if codings and set(codings) <= _DECODED:  # decoded here, under the count
            headers = httpx.Headers(
                [(k, v) for k, v in headers.multi_items() if k not in _ENCODING_HEADERS]
            )
        else:
            codings = []  # none, or one httpx decodes itself: the bytes on the wire count
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=headers,
            stream=_Bounded(response.stream, codings, limit=self._limit, too_large=too_large),
            extensions=response.extensions,
        )


_ENCODING_HEADERS = frozenset({"content-encoding", "content-length"})


class GuardedClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` over a `GuardedTransport`; `insecure()` is the same client with
    TLS verification off, for providers with `insecure: true`."""

    def __init__(
        self, guard: Guard, *, verify: ssl.SSLContext | bool = True, **options: Any
    ) -> None:
        self.guard = guard
        super().__init__(transport=GuardedTransport(guard, verify=verify), **options)

    def insecure(self) -> GuardedClient:
        """A client of its own (the caller closes it) that skips certificate verification and
        keeps everything else: the address check, the size limit, the event hooks."""
        return GuardedClient(self.guard, verify=False, event_hooks=self.event_hooks)
