"""What an IP address reaches, for the outbound address guard (app/core/addresses.py).

Two classes matter. **Never**: the cloud metadata services (`METADATA_HOSTS`,
`METADATA_NETWORKS`), every link-local address, and any IPv6 address that carries one of those
IPv4 addresses (IPv4-mapped, IPv4-compatible, NAT64 at each RFC 6052 position, 6to4, Teredo),
since a dual-stack socket, a NAT64 gateway or a relay takes it there. **This host**: loopback,
the unspecified addresses (which connect to this host), the addresses of its own interfaces (a
pod's IP reaches its other containers), and their IPv6 forms.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket

__all__ = [
    "LOOPBACK",
    "METADATA_HOSTS",
    "METADATA_NETWORKS",
    "IPAddress",
    "never",
    "parse_ip",
    "this_host",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Names of metadata services (GCP, AWS, Tencent; the IP as a name too), refused before lookup.
METADATA_HOSTS = frozenset(
    {
        "metadata.google.internal",
        "metadata.goog",
        "metadata",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "169.254.169.254",
    }
)
#: Metadata services outside link-local: Alibaba, Oracle (IPv4 and IPv6), Azure's WireServer,
#: AWS's IPv6 service block (IMDS, pod identity, NTP), GCP, Scaleway and Linode over IPv6.
METADATA_NETWORKS = tuple(
    ipaddress.ip_network(block)
    for block in (
        "100.100.100.200/32",
        "192.0.0.192/32",
        "168.63.129.16/32",
        "fd00:ec2::/32",
        "fd20:ce::254/128",
        "fd00:c1::a9fe:a9fe/128",
        "fd00:42::42/128",
        "fd00:a9fe:a9fe::1/128",
        "fd00:100::100:200/128",
    )
)
#: Blocks that hold nothing but loopback addresses.
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_COMPATIBLE = ipaddress.ip_network("::/96")
_INET_ATON = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)


def _embedded(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, each of which it may reach."""
    if isinstance(ip, ipaddress.IPv4Address):
        return []
    found = [v4 for v4 in (ip.ipv4_mapped, ip.sixtofour) if v4 is not None]
    found += list(ip.teredo or ())
    if ip in _NAT64 or ip in _COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip in _NAT64_LOCAL:
        # RFC 6052: the IPv4 address follows a /48, /56, /64 or /96 prefix, skipping bits 64-71.
        packed = ip.packed[:8] + ip.packed[9:]
        found += [ipaddress.IPv4Address(packed[at : at + 4]) for at in (6, 7, 8, 11)]
    return found


def never(ip: IPAddress) -> str:
    """Why `ip` is refused whatever the settings say, or ""."""
    for candidate in (ip, *_embedded(ip)):
        kind = ""
        if any(candidate in network for network in METADATA_NETWORKS):
            kind = "cloud metadata"
        elif candidate.is_link_local:
            kind = "link-local"
        if kind and candidate is ip:
            return f"the {kind} address {ip}"
        if kind:
            return f"{ip} (carrying the {kind} address {candidate})"
    return ""


def this_host(ip: IPAddress) -> bool:
    """Loopback, unspecified, or an address of this host's own interfaces (embeddings too)."""
    return any(
        candidate.is_loopback or candidate in _THIS_NETWORK or _assigned_here(candidate)
        for candidate in (ip, *_embedded(ip))
    )


def _assigned_here(ip: IPAddress) -> bool:
    """Whether `ip` belongs to one of this host's interfaces: a socket can bind it."""
    if ip.is_unspecified:
        return True
    if ip.is_multicast or _binds_anything(ip.version):
        return False
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((str(ip), 0))
    except OSError:
        return False
    return True


@functools.cache
def _binds_anything(version: int) -> bool:
    """With `ip_nonlocal_bind` on, any address binds: binding then proves nothing."""
    family, probe = (
        (socket.AF_INET6, "2001:db8::1") if version == 6 else (socket.AF_INET, "203.0.113.1")
    )
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((probe, 0))
    except OSError:
        return False
    return True


def parse_ip(text: str) -> IPAddress | None:
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
