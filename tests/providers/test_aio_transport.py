"""The shared client's transport (providers/aio.py): what reaches the upstream is what httpx
built, the host's address check sees every connection (IP literals too), and each failure is
the httpx exception httpcore raised for it. The fault, rebinding and limit tests cover the rest
through whole providers."""

from __future__ import annotations

import errno
import time
from collections.abc import Callable, Sequence

import httpx
import pytest

from providers.client import Guard, GuardedClient
from tests.fakes.scripted import Reply, ScriptedServer
from tests.support.servers import free_port


def allow(asked: list[tuple[str, int]]) -> Callable[[str, int], Sequence[str]]:
    def resolve(host: str, port: int) -> Sequence[str]:
        asked.append((host, port))
        return ["127.0.0.1"]

    return resolve


async def test_the_upstream_gets_httpx_headers_and_nothing_aiohttp_adds(
    scripted: ScriptedServer,
) -> None:
    url = scripted.reply("/q", Reply(body=b"{}"))
    async with GuardedClient(Guard()) as client:
        reply = await client.post(url, content=b"query=up", headers={"X-Scope": "team-a"})
    assert reply.status_code == 200
    seen = scripted.last("/q")
    assert seen.body == b"query=up"
    names = sorted(name.lower() for name, _ in seen.header_list)
    httpx_own = ["host", "accept", "accept-encoding", "connection", "user-agent", "content-length"]
    assert names == sorted([*httpx_own, "x-scope"])
    assert seen.headers["user-agent"].startswith("python-httpx/")
    assert "content-type" not in seen.headers  # aiohttp would add application/octet-stream


async def test_a_name_is_checked_for_each_new_connection_and_a_literal_before_each_request(
    scripted: ScriptedServer,
) -> None:
    port = httpx.URL(scripted.base_url).port
    url = scripted.reply("/ok", Reply(body=b"{}"))
    asked: list[tuple[str, int]] = []
    async with GuardedClient(Guard(resolve=allow(asked))) as client:
        for _ in range(3):
            assert (await client.get(f"http://upstream.test:{port}/ok")).status_code == 200
        assert asked == [("upstream.test", port)]  # one connection, kept and reused
        for _ in range(2):
            assert (await client.get(url)).status_code == 200  # url names 127.0.0.1
    assert asked == [("upstream.test", port)] + [("127.0.0.1", port)] * 2


async def test_a_refused_literal_never_connects_and_says_why(scripted: ScriptedServer) -> None:
    def refuse(host: str, port: int) -> Sequence[str]:
        raise PermissionError(f"refused by augur: {host}:{port} is not allowed")

    url = scripted.reply("/ok", Reply(body=b"{}"))
    async with GuardedClient(Guard(resolve=refuse)) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.get(url)
    port = httpx.URL(url).port
    assert str(caught.value) == f"refused by augur: 127.0.0.1:{port} is not allowed"
    assert scripted.requests == []


async def test_a_closed_port_is_a_connect_error_naming_the_errno() -> None:
    async with GuardedClient(Guard()) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.get(f"http://127.0.0.1:{free_port()}/")
    assert str(caught.value) == f"[Errno {errno.ECONNREFUSED}] Connection refused"


async def test_a_slow_name_check_is_a_connect_timeout() -> None:
    def slow(host: str, port: int) -> Sequence[str]:
        time.sleep(1.5)
        return ["127.0.0.1"]

    async with GuardedClient(Guard(resolve=slow)) as client:
        with pytest.raises(httpx.ConnectTimeout):
            await client.get("http://slow.test:9/", timeout=httpx.Timeout(5, connect=0.3))


async def test_a_slow_answer_is_a_read_timeout(scripted: ScriptedServer) -> None:
    url = scripted.reply("/slow", Reply(body=b"{}", delay=1.5))
    async with GuardedClient(Guard()) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(url, timeout=httpx.Timeout(5, read=0.3))
