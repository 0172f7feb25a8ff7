"""Addresses written to slip past the SSRF guard, checked without the network: the resolver is a
stub that fails the test if asked (or answers for `localhost` only), so each refusal comes from
parsing alone. Then augur's own host: refused unless augur serves on loopback or an entry names
it."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import pytest

from app.core.addresses import AddressPolicy, AddressRefused
from tests.support.missing import missing


def no_lookups(host: str) -> Sequence[str]:
    raise AssertionError(f"looked up {host!r}")


def lookups_fail(host: str) -> Sequence[str]:
    return []


LINK_LOCAL = "is (or resolves to) the link-local address 169.254.169.254"
NOT_A_URL = "is not an http:// or https:// URL with a host"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("http://2852039166/", LINK_LOCAL, id="decimal"),
        pytest.param("http://0xa9fea9fe/", LINK_LOCAL, id="hex"),
        pytest.param("http://0xA9.0xFE.0xA9.0xFE/", LINK_LOCAL, id="dotted-hex"),
        pytest.param("http://169.254.43518/", LINK_LOCAL, id="three-parts"),
        pytest.param("http://169.16689662/", LINK_LOCAL, id="two-parts"),
        pytest.param("http://0251.0376.0251.0376/", NOT_A_URL, id="octal"),
        pytest.param("http://metadata.google.internal\u3002/", "cloud metadata", id="ideographic"),
        pytest.param("http://ｍｅｔａｄａｔａ.google.internal/", NOT_A_URL, id="fullwidth"),
        pytest.param("http://127.0.0.1:99999/", "not a TCP port", id="port-overflow"),
        pytest.param("http://127.0.0.1:0/", "not a TCP port", id="port-zero"),
        pytest.param("http://[::1/", NOT_A_URL, id="bad-ipv6"),
        pytest.param("http://" + "a" * 64 + ".example/", "is not a host name", id="long-label"),
        pytest.param("http://" + "a." * 130 + "b/", "is not a host name", id="long-name"),
    ],
)
def test_refused_by_parsing_alone(url: str, message: str) -> None:
    with pytest.raises(AddressRefused, match="^address: ") as caught:
        AddressPolicy.parse("*", resolver=no_lookups).check_url(url, field="address")
    assert message in str(caught.value)


def test_a_numeric_host_is_matched_as_the_address_it_is() -> None:
    AddressPolicy.parse("127.0.0.1:9", resolver=no_lookups).check_url(
        "http://2130706433:9/", field="address"
    )


def test_names_no_pattern_admits_are_refused_without_a_lookup() -> None:
    policy = AddressPolicy.parse("*.svc.cluster.local, 127.0.0.1", resolver=no_lookups)
    with pytest.raises(AddressRefused, match="attacker.example:80 is not allowed"):
        policy.check_url("http://attacker.example/", field="address")


def test_a_cidr_allowlist_still_resolves_names() -> None:
    policy = AddressPolicy.parse("10.0.0.0/8", resolver=lookups_fail)
    with pytest.raises(AddressRefused, match="oap.example:80 is not allowed"):
        policy.check_url("http://oap.example/", field="address")


def always_refused(address: str, what: str) -> str:
    return f"address: {address} is (or resolves to) {what}, which is always refused"


def carried(address: str, kind: str, ipv4: str) -> str:
    return always_refused(address, f"{address} (carrying the {kind} address {ipv4})")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(
            "http://100.100.100.200/latest/meta-data",
            always_refused("100.100.100.200", "the cloud metadata address 100.100.100.200"),
            id="alibaba",
        ),
        pytest.param(
            "http://192.0.0.192/",
            always_refused("192.0.0.192", "the cloud metadata address 192.0.0.192"),
            id="oracle",
        ),
        pytest.param(
            "http://168.63.129.16/machine",
            always_refused("168.63.129.16", "the cloud metadata address 168.63.129.16"),
            id="azure-wireserver",
        ),
        pytest.param(
            "http://[fd00:ec2::254]/",
            always_refused("fd00:ec2::254", "the cloud metadata address fd00:ec2::254"),
            id="aws-ipv6",
        ),
        pytest.param(
            "http://[fd00:ec2::23]/",
            always_refused("fd00:ec2::23", "the cloud metadata address fd00:ec2::23"),
            id="aws-pod-identity-ipv6",
        ),
        pytest.param(
            "http://[fd20:ce::254]/",
            always_refused("fd20:ce::254", "the cloud metadata address fd20:ce::254"),
            id="gcp-ipv6",
        ),
        pytest.param(
            "http://[fd00:c1::a9fe:a9fe]/",
            always_refused("fd00:c1::a9fe:a9fe", "the cloud metadata address fd00:c1::a9fe:a9fe"),
            id="oracle-ipv6",
        ),
        pytest.param(
            "http://[fe80::a9fe:a9fe]/",
            always_refused("fe80::a9fe:a9fe", "the link-local address fe80::a9fe:a9fe"),
            id="openstack-ipv6",
        ),
        pytest.param(
            "http://169.254.170.2/v2/credentials",
            always_refused("169.254.170.2", "the link-local address 169.254.170.2"),
            id="aws-ecs-task",
        ),
        pytest.param(
            "http://169.254.20.10/",
            always_refused("169.254.20.10", "the link-local address 169.254.20.10"),
            id="kubernetes-node-local-dns",
        ),
        pytest.param(
            "http://[64:ff9b::a9fe:a9fe]/",
            carried("64:ff9b::a9fe:a9fe", "link-local", "169.254.169.254"),
            id="nat64",
        ),
        pytest.param(
            "http://[64:ff9b::6464:64c8]/",
            carried("64:ff9b::6464:64c8", "cloud metadata", "100.100.100.200"),
            id="nat64-alibaba",
        ),
        pytest.param(
            "http://[64:ff9b:1:a9fe:a9:fe00::]/",
            carried("64:ff9b:1:a9fe:a9:fe00::", "link-local", "169.254.169.254"),
            id="nat64-local-48",
        ),
        pytest.param(
            "http://[64:ff9b:1:a9:fe:a9fe::]/",
            carried("64:ff9b:1:a9:fe:a9fe::", "link-local", "169.254.169.254"),
            id="nat64-local-56",
        ),
        pytest.param(
            "http://[64:ff9b:1:0:a9:fea9:fe00:0]/",
            carried("64:ff9b:1:0:a9:fea9:fe00:0", "link-local", "169.254.169.254"),
            id="nat64-local-64",
        ),
        pytest.param(
            "http://[64:ff9b:1::a9fe:a9fe]/",
            carried("64:ff9b:1::a9fe:a9fe", "link-local", "169.254.169.254"),
            id="nat64-local-96",
        ),
        pytest.param(
            "http://[2002:a9fe:a9fe::]/",
            carried("2002:a9fe:a9fe::", "link-local", "169.254.169.254"),
            id="6to4",
        ),
        pytest.param(
            "http://[2002:c000:c0::1]/",
            carried("2002:c000:c0::1", "cloud metadata", "192.0.0.192"),
            id="6to4-oracle",
        ),
        pytest.param(
            "http://[::a9fe:a9fe]/",
            carried("::a9fe:a9fe", "link-local", "169.254.169.254"),
            id="ipv4-compatible",
        ),
        pytest.param(
            "http://[::ffff:a9fe:a9fe]/",
            carried("::ffff:a9fe:a9fe", "link-local", "169.254.169.254"),
            id="ipv4-mapped",
        ),
        pytest.param(
            "http://[::ffff:168.63.129.16]/",
            carried("::ffff:a83f:8110", "cloud metadata", "168.63.129.16"),
            id="ipv4-mapped-azure",
        ),
        pytest.param(
            "http://[2001:0:4136:e378:8000:63bf:5601:5601]/",
            carried("2001:0:4136:e378:8000:63bf:5601:5601", "link-local", "169.254.169.254"),
            id="teredo",
        ),
        pytest.param(
            "http://metadata.tencentyun.com/",
            "address: metadata.tencentyun.com is a cloud metadata address and is always refused",
            id="tencent-name",
        ),
        pytest.param(
            "http://instance-data.ec2.internal/",
            "address: instance-data.ec2.internal is a cloud metadata address and is always refused",
            id="aws-name",
        ),
    ],
)
def test_every_metadata_address_and_embedding_is_refused(url: str, message: str) -> None:
    # Refused by every policy: the widest allowlist, in loopback mode.
    for policy in (
        AddressPolicy.parse("*", resolver=no_lookups),
        AddressPolicy.parse("*, 0.0.0.0/0, ::/0", resolver=no_lookups, local=True),
    ):
        with pytest.raises(AddressRefused) as caught:
            policy.check_url(url, field="address")
        assert str(caught.value) == message


def own_host(address: str, entry: str) -> str:
    return (
        f"address: {address} is (or resolves to) {address}, an address of augur's own host; "
        "augur serves beyond loopback, so it calls its own host only when "
        f"AUGUR_ALLOWED_ADDRESSES names it: add {entry} there"
    )


def localhost_resolver(host: str) -> Sequence[str]:
    assert host == "localhost", f"looked up {host!r}"
    return ["127.0.0.1", "::1"]


def an_address_of_this_host() -> str:
    """The address this host would send from (a UDP socket's connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))
        except OSError:
            missing("this host has no route off loopback, so no address of its own to test")
        return str(probe.getsockname()[0])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("http://127.0.0.1:9090/", own_host("127.0.0.1", "127.0.0.1:9090"), id="v4"),
        pytest.param("http://127.1:9090/", own_host("127.0.0.1", "127.0.0.1:9090"), id="short"),
        pytest.param("http://[::1]:9090/", own_host("::1", "::1"), id="v6"),
        pytest.param("http://0.0.0.0:8080/", own_host("0.0.0.0", "0.0.0.0:8080"), id="any-v4"),
        pytest.param("http://[::]:8080/", own_host("::", "::"), id="any-v6"),
        pytest.param(
            "http://[::ffff:127.0.0.1]/", own_host("::ffff:7f00:1", "::ffff:7f00:1"), id="mapped"
        ),
        pytest.param(
            "http://localhost:9090/",
            "address: localhost is (or resolves to) 127.0.0.1, an address of augur's own host; "
            "augur serves beyond loopback, so it calls its own host only when "
            "AUGUR_ALLOWED_ADDRESSES names it: add localhost:9090 there",
            id="name",
        ),
    ],
)
def test_this_host_is_refused_when_augur_serves_beyond_loopback(url: str, message: str) -> None:
    for patterns in ("*", "127.*, 0.0.0.0/0, ::/0, localhost:1"):  # wide, or naming others
        policy = AddressPolicy.parse(patterns, resolver=localhost_resolver)
        with pytest.raises(AddressRefused) as caught:
            policy.check_url(url, field="address")
        assert str(caught.value) == message


def test_the_pods_own_address_is_refused_when_augur_serves_beyond_loopback() -> None:
    own = an_address_of_this_host()
    with pytest.raises(AddressRefused) as caught:
        AddressPolicy.parse("*", resolver=no_lookups).check_url(
            f"http://{own}:15000/", field="address"
        )
    assert str(caught.value) == own_host(own, f"{own}:15000")
    # Its neighbours on the network are other hosts: allowed.
    neighbour = str(ipaddress.ip_address(own) + 1)
    if neighbour != own:
        AddressPolicy.parse("*", resolver=no_lookups).check_url(
            f"http://{neighbour}:9090/", field="address"
        )


@pytest.mark.parametrize(
    ("patterns", "url"),
    [
        pytest.param("127.0.0.1", "http://127.0.0.1:9090/", id="the-address"),
        pytest.param("127.0.0.1:9090", "http://127.0.0.1:9090/", id="address-and-port"),
        pytest.param("localhost:9090", "http://localhost:9090/", id="the-name-and-port"),
        pytest.param("localhost", "http://localhost:12800/", id="the-name"),
        pytest.param("127.0.0.0/8", "http://127.0.0.5:9090/", id="loopback-block"),
        pytest.param("::1/128", "http://[::1]:9090/", id="v6-loopback-block"),
        pytest.param("::1", "http://[::1]:9090/", id="v6-address"),
    ],
)
def test_an_entry_that_names_this_host_admits_it(patterns: str, url: str) -> None:
    AddressPolicy.parse(patterns, resolver=localhost_resolver).check_url(url, field="address")


def test_a_single_address_block_admits_the_pods_own_address() -> None:
    own = an_address_of_this_host()
    policy = AddressPolicy.parse(f"{own}/32", resolver=no_lookups)
    policy.check_url(f"http://{own}:9090/", field="address")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9090/",
        "http://[::1]:9090/",
        "http://localhost:12800/",
        "http://0.0.0.0:8080/",
    ],
)
def test_in_loopback_mode_this_host_is_allowed(url: str) -> None:
    # `make run`: augur on 127.0.0.1, the demo's fake OAP beside it.
    AddressPolicy.parse("*", resolver=localhost_resolver, local=True).check_url(
        url, field="address"
    )


def test_the_connection_check_resolves_once_and_returns_what_it_checked() -> None:
    asked: list[str] = []

    def resolver(host: str) -> Sequence[str]:
        asked.append(host)
        return ["10.0.3.7", "10.0.3.8"]

    policy = AddressPolicy.parse("10.0.0.0/8", resolver=resolver)
    assert policy.connect_addresses("oap.example", 12800) == ["10.0.3.7", "10.0.3.8"]
    assert asked == ["oap.example"]


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            ["10.0.3.7", "169.254.169.254"],
            PermissionError,
            "refused by augur: request: oap.example is (or resolves to) the link-local address "
            "169.254.169.254, which is always refused",
            id="one-bad-address-of-two",
        ),
        pytest.param([], OSError, "oap.example resolves to no address", id="no-address"),
    ],
)
def test_the_connection_check_refuses_as_an_os_error(
    answer: list[str], error: type[OSError], message: str
) -> None:
    policy = AddressPolicy.parse("*", resolver=lambda host: answer)
    with pytest.raises(error) as caught:
        policy.connect_addresses("oap.example", 12800)
    assert str(caught.value) == message
