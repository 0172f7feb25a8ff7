"""A real loopback HTTP server whose answers a test scripts per path, recording every request.

It stands in for the far side of a provider where a real server cannot be made to misbehave on
cue: a JSON endpoint for the web provider, a Prometheus that sleeps, answers 503 or garbage, or
a token endpoint. Requests are served by ``http.server`` threads; a delayed answer waits on an
event that :meth:`ScriptedServer.close` sets, so closing never hangs on a sleeping handler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

__all__ = ["Recorded", "Reply", "ScriptedServer", "read_request", "scripted_server", "threaded"]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "application/json"
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    #: When set, the body is made from the request (an upstream that echoes what it got).
    render: Callable[[Recorded], bytes | str] | None = None


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # lower-cased names; a repeated header keeps its last value
    header_list: list[tuple[str, str]]
    body: bytes


@dataclass
class ScriptedServer:
    base_url: str = ""
    replies: dict[str, Reply] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)

    def reply(self, path: str, reply: Reply) -> str:
        """Answer ``path`` (any method) with ``reply`` from now on; returns its URL."""
        self.replies[path] = reply
        return self.base_url + path

    def url(self, path: str) -> str:
        return self.base_url + path

    def reset(self) -> None:
        """Forget replies and requests: one server can serve a whole module of tests."""
        self.replies.clear()
        self.requests.clear()

    def last(self, path: str) -> Recorded:
        return [r for r in self.requests if r.path == path][-1]


def read_request(handler: BaseHTTPRequestHandler) -> Recorded:
    """The request a handler is serving, body read, as the fakes record it."""
    split = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    return Recorded(
        method=handler.command,
        path=split.path,
        query=split.query,
        headers={k.lower(): v for k, v in handler.headers.items()},
        header_list=list(handler.headers.items()),
        body=handler.rfile.read(length) if length else b"",
    )


def _handler(state: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            recorded = read_request(self)
            state.requests.append(recorded)
            reply = state.replies.get(recorded.path, Reply(status=404, body=b"no such path"))
            if reply.delay and state.closing.wait(reply.delay):
                return
            content = reply.render(recorded) if reply.render is not None else reply.body
            payload = content.encode() if isinstance(content, str) else content
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in reply.headers:
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            except OSError:  # the client gave up (a timeout test): nothing to answer
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def threaded(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    """Serve `server` from a thread of its own until the block ends, then close it."""
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    state = ScriptedServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    with threaded(server):
        try:
            yield state
        finally:
            state.closing.set()
