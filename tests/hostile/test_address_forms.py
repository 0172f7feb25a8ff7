"""Addresses written to slip past the SSRF guard, checked without the network: the resolver is a
stub that fails the test if asked, so each refusal comes from parsing alone."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.core.addresses import AddressPolicy, AddressRefused


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
