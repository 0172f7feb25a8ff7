"""Which upstream addresses callers may point augur at (server-side request forgery guard).

Callers hand augur provider addresses (templates, ad-hoc checks), and augur then makes requests
from inside the cluster. Every address a host name resolves to is checked, in three classes:

- **Never**, whatever the settings say: the cloud metadata services (app/core/ipclass.py lists
  them: AWS, GCP, Azure, Alibaba, Oracle, DigitalOcean, OpenStack, Scaleway, Linode, Tencent),
  every link-local address (`169.254.0.0/16`, where most of them live, with Kubernetes'
  node-local ones; `fe80::/10`), and every IPv6 address that embeds a refused IPv4 one:
  IPv4-mapped `::ffff:0:0/96`, IPv4-compatible `::/96`, NAT64 `64:ff9b::/96` and
  `64:ff9b:1::/48` (each RFC 6052 position), 6to4 `2002::/16` and Teredo `2001::/32`.
- **augur's own host**: loopback (`127.0.0.0/8`, `::1`), the unspecified addresses (`0.0.0.0/8`,
  `::`, which reach this host), an address of one of this host's own network interfaces (the
  pod's IP: its other containers' ports), and their IPv6 embeddings. Allowed when augur serves
  on loopback (`local=True`: `AUGUR_HOST` is a loopback address, or no token is configured, which
  binds to 127.0.0.1 anyway): the dev set-up, where the demo's and the tests' fake servers
  listen on loopback too, and the CLI. Otherwise only an `AUGUR_ALLOWED_ADDRESSES` entry that
  names them without a wildcard admits them: the host itself (`localhost`, `localhost:9090`,
  `127.0.0.1`) or a CIDR block holding nothing else (`127.0.0.0/8`, `::1/128`, `10.1.2.3/32`).
- **Everything else**: allowed when an `AUGUR_ALLOWED_ADDRESSES` entry matches. Entries are
  comma-separated: a host glob (`*.svc.cluster.local`, `oap.skywalking`), optionally with a port
  (`oap:12800`), or a CIDR block (`10.0.0.0/8`, which every resolved address must fall in).
  Default `*`: any host.

`check_url` is what admission and the ad-hoc checks call (a name that does not resolve yet
passes: the request will fail with its own error). `connect_addresses` is what the shared HTTP
client's transport calls for every new connection (providers/client.py): the name is resolved
once and the connection goes to one of the addresses checked, so a name that answers
differently to a second lookup (DNS rebinding) cannot slip past.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from app.core.ipclass import LOOPBACK, METADATA_HOSTS, IPAddress, never, parse_ip, this_host

__all__ = ["AddressPolicy", "AddressRefused", "is_loopback_host"]

Resolver = Callable[[str], Sequence[str]]


class AddressRefused(ValueError):
    """The address may not be used; the message names the address and the setting to change."""


def _resolve(host: str) -> list[str]:
    """Every address of `host`, in the resolver's order; `OSError` when it has none."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except UnicodeError as exc:  # a label IDNA cannot encode (too long)
        raise OSError(f"{host[:80]}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_loopback_host(host: str) -> bool:
    """Whether a bind address (`AUGUR_HOST`) is loopback only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class AddressPolicy:
    patterns: tuple[str, ...] = ("*",)
    resolver: Resolver = _resolve
    #: augur serves on loopback: addresses of its own host are allowed (see the module's doc).
    local: bool = False

    @classmethod
    def parse(
        cls, text: str, *, resolver: Resolver = _resolve, local: bool = False
    ) -> AddressPolicy:
        patterns = tuple(p.strip() for p in text.split(",") if p.strip())
        for pattern in patterns:
            if "/" in pattern:
                try:
                    ipaddress.ip_network(pattern, strict=False)
                except ValueError:
                    raise AddressRefused(
                        f"AUGUR_ALLOWED_ADDRESSES: {pattern!r} is not a valid CIDR block"
                    ) from None
        return cls(patterns=patterns or ("*",), resolver=resolver, local=local)

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
        """Raise `AddressRefused` unless `host:port` may be called; a name that does not
        resolve now passes (unless only CIDR blocks could admit it)."""
        self._checked(host, port, field=field, lookups_may_fail=True)

    def connect_addresses(self, host: str, port: int) -> list[str]:
        """The addresses a connection to `host:port` may go to, every one checked, in the
        resolver's order: what providers/client.py connects to. `OSError` when the name does
        not resolve; `PermissionError` (an `OSError` too) when the policy refuses it."""
        try:
            return [str(ip) for ip in self._checked(host, port, field="request")]
        except AddressRefused as exc:
            raise PermissionError(f"refused by augur: {exc}") from None

    def _checked(
        self, host: str, port: int, *, field: str, lookups_may_fail: bool = False
    ) -> list[IPAddress]:
        host = host.lower().rstrip(".")
        if host in METADATA_HOSTS:
            raise AddressRefused(
                f"{field}: {host} is a cloud metadata address and is always refused"
            )
        literal = parse_ip(host)
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
        addresses = [literal] if literal else self._lookup(host, lookups_may_fail)
        for ip in addresses:
            refused = never(ip)
            if refused:
                raise AddressRefused(
                    f"{field}: {host} is (or resolves to) {refused}, which is always refused"
                )
        for ip in addresses:
            if not self.local and this_host(ip) and not self._names(host, port, ip):
                entry = host if ":" in host else f"{host}:{port}"
                raise AddressRefused(
                    f"{field}: {host} is (or resolves to) {ip}, an address of augur's own host; "
                    f"augur serves beyond loopback, so it calls its own host only when "
                    f"AUGUR_ALLOWED_ADDRESSES names it: add {entry} there"
                )
        if not any(self._matches(p, host, port, addresses) for p in self.patterns):
            raise self._not_allowed(field, host, port)
        return addresses

    def _lookup(self, host: str, may_fail: bool) -> list[IPAddress]:
        try:
            found = [ip for ip in map(parse_ip, self.resolver(host)) if ip is not None]
        except OSError:
            if may_fail:
                return []
            raise
        if not found and not may_fail:
            raise OSError(f"{host} resolves to no address")
        return found

    def _not_allowed(self, field: str, host: str, port: int) -> AddressRefused:
        return AddressRefused(
            f"{field}: {host}:{port} is not allowed by AUGUR_ALLOWED_ADDRESSES "
            f"({', '.join(self.patterns)}); add a pattern for it there"
        )

    def _names(self, host: str, port: int, ip: IPAddress) -> bool:
        """Whether an entry names this own-host address without a wildcard."""
        for pattern in self.patterns:
            if "/" in pattern:
                network = ipaddress.ip_network(pattern, strict=False)
                narrow = network.num_addresses == 1 or any(
                    network.version == block.version and network.subnet_of(block)  # type: ignore[arg-type]
                    for block in LOOPBACK
                )
                if narrow and ip in network:
                    return True
            elif not any(c in pattern for c in "*?[") and self._matches(pattern, host, port, ()):
                return True
        return False

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
