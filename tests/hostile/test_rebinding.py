"""The address checked is the address connected to: DNS rebinding against the shared client.

The resolver is the test's own (no outside network): it answers an allowed address for one
lookup and a refused one for the next, as a rebinding name does. augur's client resolves once per
connection, checks every address and connects to the one it checked, with the `Host` header and
TLS SNI still the name in the URL, and connections pooled per origin.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from app.core.addresses import AddressPolicy
from app.service.outbound import outbound_client
from providers.base import insecure_client
from providers.client import Guard, GuardedClient
from tests.fakes.scripted import Reply, ScriptedServer, threaded
from tests.support.tls import self_signed


@dataclass
class Flipping:
    """A resolver whose answers take turns, recording every name it was asked."""

    answers: Sequence[Sequence[str]]
    asked: list[str] = field(default_factory=list)

    def __call__(self, host: str) -> Sequence[str]:
        self.asked.append(host)
        return self.answers[(len(self.asked) - 1) % len(self.answers)]


@dataclass
class Listener:
    """A TCP port that counts the connections it accepted (and answers none of them)."""

    sock: socket.socket
    accepted: int = 0

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()


@pytest.fixture
def forbidden(scripted: ScriptedServer) -> Iterator[Listener]:
    """127.0.0.2 on the scripted server's port: an address the policy refuses that would
    answer if augur ever connected to it."""
    port = httpx.URL(scripted.base_url).port
    assert port is not None
    sock = socket.create_server(("127.0.0.2", port))
    listener = Listener(sock)
    thread = threading.Thread(target=listener.serve)
    thread.start()
    try:
        yield listener
    finally:
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        thread.join()


REFUSED = (
    "refused by augur: request: rebind.test is (or resolves to) 127.0.0.2, an address of "
    "augur's own host; augur serves beyond loopback, so it calls its own host only when "
    "AUGUR_ALLOWED_ADDRESSES names it: add rebind.test:{port} there"
)


async def test_a_name_that_flips_never_reaches_the_refused_address(
    scripted: ScriptedServer, forbidden: Listener
) -> None:
    port = httpx.URL(scripted.base_url).port
    scripted.reply("/data", Reply(body=b'{"ok": true}'))
    resolver = Flipping([["127.0.0.1"], ["127.0.0.2"]])
    # 127.0.0.1 is named (a one-address block), 127.0.0.2 is not: augur serves beyond loopback.
    policy = AddressPolicy.parse("127.0.0.1/32", resolver=resolver)
    answered, refused = 0, []
    async with outbound_client(policy) as client:
        for _ in range(20):
            try:
                # `Connection: close`: every request opens a new connection, so a new lookup.
                reply = await client.get(
                    f"http://rebind.test:{port}/data", headers={"Connection": "close"}
                )
            except httpx.ConnectError as exc:
                refused.append(str(exc))
            else:
                assert reply.json() == {"ok": True}
                answered += 1
    assert (answered, len(refused)) == (10, 10)
    assert set(refused) == {REFUSED.format(port=port)}
    assert forbidden.accepted == 0
    assert resolver.asked == ["rebind.test"] * 20  # one lookup per connection, never two
    assert {r.headers["host"] for r in scripted.requests} == {f"rebind.test:{port}"}


@pytest.mark.parametrize(
    ("second", "message"),
    [
        pytest.param(
            "169.254.169.254",
            "refused by augur: request: rebind.test is (or resolves to) the link-local address "
            "169.254.169.254, which is always refused",
            id="metadata",
        ),
        pytest.param(
            "::ffff:169.254.169.254",
            "refused by augur: request: rebind.test is (or resolves to) ::ffff:a9fe:a9fe "
            "(carrying the link-local address 169.254.169.254), which is always refused",
            id="metadata-ipv4-mapped",
        ),
        pytest.param(
            "64:ff9b::a9fe:a9fe",
            "refused by augur: request: rebind.test is (or resolves to) 64:ff9b::a9fe:a9fe "
            "(carrying the link-local address 169.254.169.254), which is always refused",
            id="metadata-nat64",
        ),
    ],
)
async def test_a_name_that_flips_to_the_metadata_service_is_refused_when_it_does(
    scripted: ScriptedServer, second: str, message: str
) -> None:
    port = httpx.URL(scripted.base_url).port
    scripted.reply("/data", Reply(body=b"{}"))
    resolver = Flipping([["127.0.0.1"], [second]])
    # Loopback mode: the first answer is allowed; the second never is.
    async with outbound_client(AddressPolicy.parse("*", resolver=resolver, local=True)) as client:
        url = f"http://rebind.test:{port}/data"
        assert (await client.get(url, headers={"Connection": "close"})).status_code == 200
        with pytest.raises(httpx.ConnectError) as caught:
            await client.get(url)
    assert str(caught.value) == message
    assert len(scripted.requests) == 1


async def test_a_redirect_is_checked_when_its_connection_opens(scripted: ScriptedServer) -> None:
    port = httpx.URL(scripted.base_url).port
    resolver = Flipping([["169.254.169.254"]])
    url = scripted.reply(
        "/hop", Reply(status=302, headers=(("Location", f"http://elsewhere.test:{port}/"),))
    )
    async with outbound_client(AddressPolicy.parse("*", resolver=resolver, local=True)) as client:
        with pytest.raises(httpx.ConnectError, match="elsewhere.test is .* link-local"):
            await client.get(url, follow_redirects=True)
    assert resolver.asked == ["elsewhere.test"]  # the literal 127.0.0.1 needed no lookup
    assert [r.path for r in scripted.requests] == ["/hop"]


# -- TLS: SNI, Host and the certificate keep the name ---------------------------------------------


@dataclass
class TLSServer:
    url: str
    server_names: list[str | None]
    hosts: list[str]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for oap.test alone (not for 127.0.0.1)."""
    return self_signed(tmp_path_factory.mktemp("tls"), "oap.test")


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[TLSServer]:
    names: list[str | None] = []
    hosts: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)

    def record(_sock: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = record

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            hosts.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with threaded(server):
        yield TLSServer(f"https://oap.test:{server.server_address[1]}", names, hosts)


def guarded(resolver: Flipping, *, verify: ssl.SSLContext | bool) -> GuardedClient:
    policy = AddressPolicy.parse("*", resolver=resolver, local=True)
    return GuardedClient(Guard(policy.connect_addresses, max_body_bytes=1024), verify=verify)


async def test_tls_keeps_the_name_for_sni_host_and_certificate_and_pools_the_connection(
    tls_server: TLSServer, certificate: tuple[Path, Path]
) -> None:
    resolver = Flipping([["127.0.0.1"]])
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    async with guarded(resolver, verify=trusted) as client:
        for _ in range(3):
            assert (await client.get(f"{tls_server.url}/x")).json() == {}
    port = httpx.URL(tls_server.url).port
    assert tls_server.server_names == ["oap.test"]  # one handshake: the connection was reused
    assert tls_server.hosts == [f"oap.test:{port}"] * 3
    assert resolver.asked == ["oap.test"]


async def test_an_insecure_client_keeps_the_address_check(tls_server: TLSServer) -> None:
    resolver = Flipping([["127.0.0.1"], ["169.254.169.254"]])
    async with guarded(resolver, verify=True) as shared:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await shared.get(f"{tls_server.url}/x")  # self-signed: refused when verifying
        insecure = insecure_client(shared)
        assert isinstance(insecure, GuardedClient)
        async with insecure:
            with pytest.raises(httpx.ConnectError) as caught:
                await insecure.get(f"{tls_server.url}/x")  # the second lookup: the metadata IP
            assert (await insecure.get(f"{tls_server.url}/x")).json() == {}  # the third: back
    assert str(caught.value) == (
        "refused by augur: request: oap.test is (or resolves to) the link-local address "
        "169.254.169.254, which is always refused"
    )
    assert tls_server.server_names == ["oap.test", "oap.test"]
