"""Loopback mode (no token configured) against the browser beside it, over a real `augur serve`:
a page cannot rebind its name to augur, send it a cross-site request, or post it a form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.scripted import Reply, ScriptedServer
from tests.hostile.conftest import Hostile, start

PROBLEM = "application/problem+json"
TEMPLATE = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nspec:\n  metrics: []\n"
RUN = {"spec": {"metrics": [{"name": "m", "provider": {"replay": {"results": [{"value": 1}]}}}]}}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    yield from start(tmp_path_factory.mktemp("loopback"), env={"AUGUR_TOKENS": ""})


def origin_of(served: Hostile) -> str:
    return served.served.base_url  # http://127.0.0.1:<port>


def host_refused(host: str) -> str:
    return (
        f"Host {host!r} is not a loopback name: without API tokens augur answers only to "
        "localhost, 127.0.0.1 or [::1] (protection against DNS rebinding); use one of those, or "
        "configure API tokens (AUGUR_TOKENS) to serve other names"
    )


FIX = "call augur from a script or its own pages, or configure API tokens (AUGUR_TOKENS)"


def origin_refused(origin: str, own: str) -> str:
    return (
        f"Origin {origin!r} is not augur's own (http://{own}): without API tokens augur refuses "
        f"requests from other web pages (protection against cross-site requests); {FIX}"
    )


def site_refused(site: str) -> str:
    return (
        f"Sec-Fetch-Site is {site!r}: without API tokens augur refuses requests another web "
        f"page made (protection against cross-site requests); {FIX}"
    )


def type_refused(media: str, method: str = "POST") -> str:
    return (
        f"Content-Type {media!r} is not accepted; send application/json or application/yaml "
        f"(without API tokens augur refuses any other {method} before reading it: a web page can "
        "send those to it unasked)"
    )


# (method, path, extra headers, body, status, detail); {own} is the served host:port.
REFUSED: list[Any] = [
    pytest.param("GET", "/healthz", {"Host": "evil.example"}, None, 403,
                 host_refused("evil.example"), id="rebound-name"),
    pytest.param("GET", "/api/v1/analysisruns", {"Host": "evil.example:{port}"}, None, 403,
                 host_refused("evil.example:{port}"), id="rebound-name-and-port"),
    pytest.param("GET", "/api/v1/analysisruns", {"Host": "127.0.0.1.evil.example"}, None, 403,
                 host_refused("127.0.0.1.evil.example"), id="lookalike-name"),
    pytest.param("POST", "/api/v1/validate", {"Origin": "http://evil.example"}, RUN, 403,
                 origin_refused("http://evil.example", "{own}"), id="cross-site-origin"),
    pytest.param("POST", "/api/v1/validate", {"Origin": "null"}, RUN, 403,
                 origin_refused("null", "{own}"), id="opaque-origin"),
    pytest.param("POST", "/api/v1/validate", {"Origin": "http://localhost:{port}"}, RUN, 403,
                 origin_refused("http://localhost:{port}", "{own}"), id="other-loopback-origin"),
    pytest.param("GET", "/api/v1/analysisruns", {"Sec-Fetch-Site": "cross-site"}, None, 403,
                 site_refused("cross-site"), id="cross-site-fetch"),
    pytest.param("GET", "/api/v1/analysisruns", {"Sec-Fetch-Site": "same-site"}, None, 403,
                 site_refused("same-site"), id="same-site-fetch"),
    pytest.param("POST", "/api/v1/validate", {"Content-Type": "text/plain"}, "{}", 415,
                 type_refused("text/plain"), id="text-plain"),
    pytest.param("POST", "/api/v1/namespaces/default/analysisruns",
                 {"Content-Type": "application/x-www-form-urlencoded"}, "a=1", 415,
                 type_refused("application/x-www-form-urlencoded"), id="form"),
    pytest.param("PUT", "/api/v1/namespaces/default/analysistemplates/t",
                 {"Content-Type": "multipart/form-data; boundary=x"}, "--x--", 415,
                 type_refused("multipart/form-data", "PUT"), id="multipart"),
    pytest.param("POST", "/api/v1/validate", {}, "{}", 415, type_refused("(none)"),
                 id="no-content-type"),
    pytest.param("OPTIONS", "/api/v1/validate",
                 {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
                  "Access-Control-Request-Headers": "content-type"}, None, 403,
                 origin_refused("http://evil.example", "{own}"), id="cors-preflight"),
]  # fmt: skip


def send(
    served: Hostile, method: str, path: str, headers: dict[str, str], body: Any
) -> httpx.Response:
    port = str(httpx.URL(origin_of(served)).port)
    sent = {k: v.replace("{port}", port) for k, v in headers.items()}
    if isinstance(body, str):
        return served.client.request(method, path, headers=sent, content=body.encode())
    if body is not None:
        sent.setdefault("Content-Type", "application/json")
    return served.client.request(method, path, headers=sent, json=body)


@pytest.mark.parametrize(("method", "path", "headers", "body", "status", "detail"), REFUSED)
def test_refused(
    local: Hostile,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any,
    status: int,
    detail: str,
) -> None:
    reply = send(local, method, path, headers, body)
    own = origin_of(local).removeprefix("http://")
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == PROBLEM
    expected = detail.replace("{own}", own).replace("{port}", own.rpartition(":")[2])
    assert reply.json()["detail"] == expected
    assert not any(name.startswith("access-control-") for name in reply.headers)


ACCEPTED: list[Any] = [
    pytest.param("GET", "/api/v1/analysisruns", {"Host": "localhost:{port}"}, None, 200,
                 id="localhost"),
    pytest.param("GET", "/api/v1/analysisruns", {"Host": "[::1]:{port}"}, None, 200,
                 id="ipv6-loopback"),
    pytest.param("GET", "/healthz", {"Host": "127.0.0.2"}, None, 200, id="loopback-block"),
    pytest.param("GET", "/api/v1/analysisruns", {"Sec-Fetch-Site": "none"}, None, 200,
                 id="typed-in-the-address-bar"),
    pytest.param("POST", "/api/v1/validate",
                 {"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"}, RUN,
                 200, id="same-origin-json"),
    pytest.param("PUT", "/api/v1/namespaces/default/analysistemplates/t",
                 {"Content-Type": "application/yaml"}, TEMPLATE, 201, id="yaml"),
    pytest.param("POST", "/api/v1/namespaces/default/analysisruns/none/terminate", {}, None,
                 404, id="no-body-no-type"),
    pytest.param("OPTIONS", "/api/v1/validate",
                 {"Origin": "http://127.0.0.1:{port}", "Access-Control-Request-Method": "POST"},
                 None, 405, id="same-origin-preflight-still-not-granted"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "headers", "body", "status"), ACCEPTED)
def test_accepted(
    local: Hostile, method: str, path: str, headers: dict[str, str], body: Any, status: int
) -> None:
    reply = send(local, method, path, headers, body)
    assert reply.status_code == status, reply.text
    assert not any(name.startswith("access-control-") for name in reply.headers)


def test_a_cross_site_check_makes_no_outbound_request(
    local: Hostile, scripted: ScriptedServer
) -> None:
    url = scripted.reply("/secret", Reply(body=b'{"token": "internal"}'))
    reply = local.client.get(
        "/api/v1/check/web", params={"url": url}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert reply.status_code == 403
    assert scripted.requests == []
    # The same check from a script reaches the upstream: loopback mode allows loopback upstreams.
    assert local.client.get("/api/v1/check/web", params={"url": url}).json()["value"] == (
        '{"token":"internal"}'
    )
    assert [r.path for r in scripted.requests] == ["/secret"]
