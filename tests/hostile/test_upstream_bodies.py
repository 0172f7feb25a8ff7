"""Upstream answers that would sink the server, over a real `augur serve` (1 MiB read at most):
50 MB streamed, 50 MB declared, a gzip bomb, JSON nested 100k deep. Each is an Error the check
reports, never a 500; the upstream records how much it managed to send before augur hung up."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fakes.scripted import threaded
from tests.hostile.conftest import Hostile, start

LIMIT = 1024 * 1024
FIFTY_MB = 50 * 1024 * 1024
CHUNK = 64 * 1024
DEEP = b"[" * 100_000 + b"]" * 100_000
BOMB = gzip.compress(b'{"padding": "' + b" " * FIFTY_MB + b'"}', compresslevel=9)
SMALL = gzip.compress(b'{"value": 9950}')


@dataclass
class Upstream:
    """A loopback server that streams its answers and counts the body bytes that left it."""

    base_url: str = ""
    sent: dict[str, int] = field(default_factory=dict)
    done: dict[str, threading.Event] = field(default_factory=dict)

    def expect(self, path: str) -> str:
        self.done[path] = threading.Event()
        return self.base_url + path

    def bytes_sent(self, path: str) -> int:
        assert self.done[path].wait(30), f"{path} still sending"
        return self.sent[path]


def _handler(state: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            path = self.path.split("?")[0]
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.sent[path] = 0
            try:
                self._send(path)
            except OSError:  # augur hung up
                self.close_connection = True
            finally:
                state.done.setdefault(path, threading.Event()).set()

        def _body(self, data: bytes, path: str) -> None:
            self.wfile.write(data)
            state.sent[path] += len(data)

        def _send(self, path: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if path.startswith("/streamed"):  # chunked: no length announced
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._body(b"%x\r\n[" % 1 + b"\r\n", path)
                piece = b"%x\r\n" % CHUNK + b"1," * (CHUNK // 2) + b"\r\n"
                for _ in range(FIFTY_MB // CHUNK):
                    self._body(piece, path)
                self._body(b"1\r\n]\r\n0\r\n\r\n", path)
                return
            body = {"/bomb": BOMB, "/small": SMALL}.get(path, DEEP)
            if path.startswith("/declared"):
                self.send_header("Content-Length", str(FIFTY_MB))
                self.end_headers()
                for _ in range(FIFTY_MB // CHUNK):
                    self._body(b" " * CHUNK, path)
                return
            if path in ("/bomb", "/small"):
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self._body(body, path)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    state = Upstream()
    with threaded(ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))) as server:
        state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        yield state


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    # No tokens: loopback mode, so the upstream on loopback may be called.
    env = {"AUGUR_TOKENS": "", "AUGUR_MAX_UPSTREAM_BYTES": str(LIMIT)}
    yield from start(tmp_path_factory.mktemp("bodies"), env=env)


def peak_rss(pid: int) -> int:
    """The process's high-water mark of resident memory (VmHWM, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM line in /proc/<pid>/status")


TOO_LARGE = (
    "BodyTooLarge: upstream answered more than 1048576 bytes; augur stops reading there "
    "(AUGUR_MAX_UPSTREAM_BYTES)"
)


@pytest.mark.parametrize(
    ("path", "error"),
    [
        pytest.param("/streamed", f'Get "{{url}}": {TOO_LARGE}', id="streamed"),
        pytest.param("/declared", f'Get "{{url}}": {TOO_LARGE}', id="declared"),
        pytest.param("/bomb", f'Get "{{url}}": {TOO_LARGE}', id="gzip-bomb"),
        pytest.param(
            "/deep",
            "Could not parse JSON body: exceeded max depth: more than 100 nested arrays or objects",
            id="deep-json",
        ),
    ],
)
def test_a_web_check_reads_no_more_than_the_limit(
    served: Hostile, upstream: Upstream, path: str, error: str
) -> None:
    url = upstream.expect(path)
    before = served.rss_bytes()
    reply = served.client.get("/api/v1/check/web", params={"url": url})
    assert reply.status_code == 200, reply.text
    assert reply.json()["error"] == error.format(url=url)
    # The kernel's socket buffers hold a few MB in flight; augur read at most 1 MiB of 50.
    assert upstream.bytes_sent(path) < FIFTY_MB // 2
    assert peak_rss(served.pid) - before < 32 * 1024 * 1024


@pytest.mark.parametrize(
    ("check", "error"),
    [
        pytest.param(
            "skywalking",
            "decoding response: exceeded max depth: more than 100 nested arrays or objects",
            id="skywalking",
        ),
        pytest.param(
            "prometheus",
            "bad_response: exceeded max depth: more than 100 nested arrays or objects",
            id="prometheus",
        ),
    ],
)
def test_deep_json_is_an_error_for_every_provider(
    served: Hostile, upstream: Upstream, check: str, error: str
) -> None:
    params = {"address": upstream.base_url + "/deep-" + check, "service": "s", "query": "up"}
    reply = served.client.get(f"/api/v1/check/{check}", params=params)
    assert reply.status_code == 200, reply.text
    assert reply.json()["error"] == error


def test_an_answer_within_the_limit_is_decoded_and_read(
    served: Hostile, upstream: Upstream
) -> None:
    params = {"url": upstream.expect("/small"), "jsonPath": "{$.value}", "condition": "result > 0"}
    answer = served.client.get("/api/v1/check/web", params=params).json()
    assert (answer["value"], answer["phase"], answer["error"]) == ("9950", "Successful", None)
