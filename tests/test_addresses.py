"""Where callers may point providers: the allowlist, and the addresses that are always refused."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest

from app.core.addresses import AddressPolicy, AddressRefused
from app.service.outbound import outbound_client
from tests.fakes.scripted import Reply, ScriptedServer

DNS = {
    "oap.skywalking.svc.cluster.local": ["10.0.3.7"],
    "evil.example": ["169.254.169.254"],
    "mapped.example": ["::ffff:169.254.169.254"],
    "prometheus.monitoring": ["10.1.0.9"],
}


def resolver(host: str) -> Sequence[str]:
    return DNS.get(host, [])


@pytest.mark.parametrize(
    ("patterns", "url"),
    [
        pytest.param("*", "http://oap.skywalking.svc.cluster.local:12800", id="default-any"),
        pytest.param("*.svc.cluster.local", "http://oap.skywalking.svc.cluster.local", id="glob"),
        pytest.param(
            "oap.skywalking.svc.cluster.local:12800",
            "http://oap.skywalking.svc.cluster.local:12800",
            id="host-port",
        ),
        pytest.param("10.0.0.0/8", "http://oap.skywalking.svc.cluster.local", id="cidr-by-dns"),
        pytest.param("127.0.0.1", "http://127.0.0.1:9090/api", id="literal-ip"),
        pytest.param("::1", "https://[::1]:8443/graphql", id="ipv6-literal"),
    ],
)
def test_allowed(patterns: str, url: str) -> None:
    AddressPolicy.parse(patterns, resolver=resolver).check_url(url, field="address")


@pytest.mark.parametrize(
    ("patterns", "url", "message"),
    [
        pytest.param(
            "*", "http://169.254.169.254/latest/meta-data", "always refused", id="metadata-ip"
        ),
        pytest.param(
            "*", "http://metadata.google.internal/computeMetadata", "cloud metadata", id="gce"
        ),
        pytest.param("*", "http://evil.example/", "resolves to) the link-local", id="dns-rebind"),
        pytest.param("*", "http://mapped.example/", "link-local", id="ipv4-mapped"),
        pytest.param("*", "http://[fe80::1]/", "link-local", id="ipv6-link-local"),
        pytest.param(
            "*.svc.cluster.local",
            "http://prometheus.monitoring:9090",
            "prometheus.monitoring:9090 is not allowed by AUGUR_ALLOWED_ADDRESSES "
            "(*.svc.cluster.local); add a pattern for it there",
            id="outside-allowlist",
        ),
        pytest.param("oap:12800", "http://oap:11800", "oap:11800 is not allowed", id="wrong-port"),
        pytest.param("*", "file:///etc/passwd", "is not an http:// or https:// URL", id="scheme"),
        pytest.param("*", "http:///nohost", "is not an http:// or https:// URL", id="no-host"),
    ],
)
def test_refused(patterns: str, url: str, message: str) -> None:
    policy = AddressPolicy.parse(patterns, resolver=resolver)
    with pytest.raises(AddressRefused) as caught:
        policy.check_url(url, field="provider.web.url")
    assert str(caught.value).startswith("provider.web.url: ")
    assert message in str(caught.value)


def test_a_bad_cidr_names_the_setting() -> None:
    with pytest.raises(AddressRefused, match=r"AUGUR_ALLOWED_ADDRESSES: '10\.0\.0\.0/33'"):
        AddressPolicy.parse("10.0.0.0/33")


async def test_the_shared_client_stops_a_redirect_to_a_refused_address(
    scripted: ScriptedServer,
) -> None:
    policy = AddressPolicy.parse("127.0.0.1")
    url = scripted.reply(
        "/hop", Reply(status=302, headers=(("Location", "http://169.254.169.254/latest"),))
    )
    async with outbound_client(policy) as client:
        with pytest.raises(httpx.ConnectError, match="refused by augur: request: 169.254"):
            await client.get(url, follow_redirects=True)
        # The allowed host itself was reached: only the hop was refused.
        assert scripted.last("/hop").method == "GET"
