"""Against a real `augur serve`: a client that hangs up mid-body is one log line, not a 500 with a
traceback; `/check/web` over an answer nested 900 deep answers with a result, not a 500; a create
with 20,000 args is refused by the cap, and one at the cap is created."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.fakes.scripted import Reply, ScriptedServer
from tests.hostile.conftest import WRITE_TOKEN, Hostile, start
from tests.hostile.corpus import NS, metric, spec


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    yield from start(tmp_path_factory.mktemp("input"), env={"AUGUR_LOG_LEVEL": "info"})


def test_a_client_hanging_up_mid_body_is_one_info_line(server: Hostile) -> None:
    address = urlsplit(server.served.base_url)
    with socket.create_connection((address.hostname, address.port)) as sock:
        sock.sendall(
            f"POST /api/v1/namespaces/{NS}/analysisruns HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {WRITE_TOKEN}\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000\r\n\r\n".encode()
            + b'{"spec": '
        )
        time.sleep(0.2)  # the server is reading the body now
    expected = "the client closed the connection while sending the body after 9 bytes"
    deadline = time.monotonic() + 10
    while expected not in server.served.logs() and time.monotonic() < deadline:
        time.sleep(0.05)
    logs = server.served.logs()
    assert expected in logs
    assert "Traceback" not in logs
    assert "Exception in ASGI application" not in logs


def test_a_web_check_over_deep_answers_answers(server: Hostile, scripted: ScriptedServer) -> None:
    # As deep as augur reads upstream JSON (100 levels): recursive descent selects it all.
    url = scripted.reply("/deep", Reply(body='{"a":' * 99 + "1" + "}" * 99))
    answer = server.client.get("/api/v1/check/web", params={"url": url, "jsonPath": "{$..*}"})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["value"].startswith('{"a":{"a":')
    for depth in (900, 50_000):  # deeper: a located error, never a RecursionError or a 500
        too_deep = scripted.reply(f"/deep{depth}", Reply(body='{"a":' * depth + "1" + "}" * depth))
        answer = server.client.get(
            "/api/v1/check/web", params={"url": too_deep, "jsonPath": "{$..*}"}
        )
        assert answer.status_code == 200, answer.text[:300]
        assert answer.json()["error"] == (
            "Could not parse JSON body: exceeded max depth: more than 100 nested arrays or objects"
        )


def _args(count: int) -> list[dict[str, str]]:
    return [{"name": f"a{i}", "value": "x"} for i in range(count)]


def test_20000_args_are_refused_by_the_cap_and_1000_are_created(server: Hostile) -> None:
    path = f"/api/v1/namespaces/{NS}/analysisruns"
    over = server.client.post(path, json={"spec": spec(args=_args(20_000))})
    assert over.status_code == 422, over.text[:300]
    assert over.json()["errors"] == [
        {"field": "args", "message": "20000 args; at most 1000 are allowed"}
    ]
    every_arg = "".join(f"{{{{args.a{i}}}}}" for i in range(1000))  # each one substituted
    replay = {"replay": {"results": [{"value": every_arg}]}}
    at_cap = {
        "spec": spec(
            metric(successCondition="len(result) == 1000", provider=replay), args=_args(1000)
        )
    }
    created = server.client.post(path, json=at_cap | {"args": _args(1000)})
    assert created.status_code == 201, created.text[:300]
    assert server.client.get("/api/v1/analysisruns").status_code == 200


def test_the_server_logged_no_traceback(server: Hostile) -> None:
    assert "Traceback" not in server.served.logs()
