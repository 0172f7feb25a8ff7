"""Which upstream addresses callers may point augur at (server-side request forgery guard).

Callers hand augur provider addresses (templates, ad-hoc checks), and augur then makes requests
from inside the cluster. `AUGUR_ALLOWED_ADDRESSES` narrows where those may go: comma-separated
patterns, each a host glob (`*.svc.cluster.local`, `oap.skywalking`), optionally with a port
(`oap:12800`), or a CIDR block (`10.0.0.0/8`). Default `*`: any host. Whatever the patterns say,
link-local addresses (which include the cloud metadata endpoint 169.254.169.254) and the metadata
host names are always refused; a host name is checked against what it resolves to as well.
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

__all__ = ["AddressPolicy", "AddressRefused", "request_guard"]

METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "169.254.169.254"}
)
_INET_ATON = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Sequence[str]]


class AddressRefused(ValueError):
    """The address may not be used; the message names the address and the setting to change."""


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):  # UnicodeError: a label IDNA cannot encode (too long)
        return []  # unresolvable now: the provider's own request will fail with a clear error
    return sorted({str(info[4][0]) for info in infos})


def _always_refused(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return True
    # AWS publishes its metadata service on this IPv6 address too.
    return ip == ipaddress.IPv6Address("fd00:ec2::254")


@dataclass(frozen=True)
class AddressPolicy:
    patterns: tuple[str, ...] = ("*",)
    resolver: Resolver = _resolve

    @classmethod
    def parse(cls, text: str, *, resolver: Resolver = _resolve) -> AddressPolicy:
        patterns = tuple(p.strip() for p in text.split(",") if p.strip())
        for pattern in patterns:
            if "/" in pattern:
                try:
                    ipaddress.ip_network(pattern, strict=False)
                except ValueError:
                    raise AddressRefused(
                        f"AUGUR_ALLOWED_ADDRESSES: {pattern!r} is not a valid CIDR block"
                    ) from None
        return cls(patterns=patterns or ("*",), resolver=resolver)

    def check_url(self, url: str, *, field: str) -> None:
        """Raise `AddressRefused` unless `url` (http or https) may be requested.

        The URL is read by httpx, the client that will send the request, so the host checked is
        the host called: `http://a\\@b/`, IDNA names and full-width dots are read as httpx reads
        them, and a URL httpx cannot send (bad port, bad IPv6 literal) is refused here.
        """
        try:
            parts = httpx.URL(url)
            port = (
                parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
            )
        except (httpx.InvalidURL, TypeError, ValueError):
            parts, port = None, 0
        if parts is None or parts.scheme not in ("http", "https") or not parts.host:
            raise AddressRefused(
                f"{field}: {url[:200]!r} is not an http:// or https:// URL with a host"
            )
        if not 0 < port < 65536:
            raise AddressRefused(f"{field}: port {port} is not a TCP port (1-65535)")
        self.check_host(parts.host, port, field=field)

    def check_host(self, host: str, port: int, *, field: str) -> None:
        host = host.lower().rstrip(".")
        if host in METADATA_HOSTS:
            raise AddressRefused(
                f"{field}: {host} is a cloud metadata address and is always refused"
            )
        literal = _ip(host)
        if literal is not None:
            host = str(literal)  # 2852039166, 0xa9fea9fe, 0251.0376.0251.0376 are IPs too
        elif len(host) > 253 or any(not 0 < len(label) <= 63 for label in host.split(".")):
            raise AddressRefused(
                f"{field}: {host[:80]!r} is not a host name (labels of 1-63 characters, 253 in all)"
            )
        elif not any("/" in p or self._matches(p, host, port, ()) for p in self.patterns):
            # No pattern can admit this name whatever it resolves to: refuse without a lookup,
            # so callers cannot make augur send DNS queries for names of their choosing.
            raise self._not_allowed(field, host, port)
        addresses = [literal] if literal else [a for a in map(_ip, self.resolver(host)) if a]
        for ip in addresses:
            if _always_refused(ip):
                raise AddressRefused(
                    f"{field}: {host} is (or resolves to) the link-local address {ip}, "
                    "which is always refused"
                )
        if not any(self._matches(p, host, port, addresses) for p in self.patterns):
            raise self._not_allowed(field, host, port)

    def _not_allowed(self, field: str, host: str, port: int) -> AddressRefused:
        return AddressRefused(
            f"{field}: {host}:{port} is not allowed by AUGUR_ALLOWED_ADDRESSES "
            f"({', '.join(self.patterns)}); add a pattern for it there"
        )

    @staticmethod
    def _matches(pattern: str, host: str, port: int, addresses: Sequence[IPAddress]) -> bool:
        if "/" in pattern:
            network = ipaddress.ip_network(pattern, strict=False)
            return bool(addresses) and all(ip in network for ip in addresses)
        glob, _, want_port = pattern.rpartition(":") if _has_port(pattern) else (pattern, "", "")
        if want_port and want_port != str(port):
            return False
        return fnmatch.fnmatchcase(host, glob.lower())


def _has_port(pattern: str) -> bool:
    head, sep, tail = pattern.rpartition(":")
    return bool(sep) and tail.isdigit() and ":" not in head


def _ip(text: str) -> IPAddress | None:
    """An IP literal, including the IPv4 forms the C resolver also accepts (and so would
    connect to): one to four parts, each decimal, octal (`0251`) or hex (`0xa9`)."""
    text = text.strip("[]")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _INET_ATON.fullmatch(text) is None:
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def request_guard(policy: AddressPolicy) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request hook that checks every request a provider sends, redirects included,
    so an allowed host cannot redirect augur to a refused one. Name lookups run off the loop."""

    async def guard(request: httpx.Request) -> None:
        try:
            await asyncio.to_thread(
                policy.check_host,
                request.url.host,
                request.url.port or (443 if request.url.scheme == "https" else 80),
                field="request",
            )
        except AddressRefused as exc:
            raise httpx.ConnectError(f"refused by augur: {exc}", request=request) from None

    return guard
