"""Webhook receivers on loopback for notification tests: real HTTP servers (a thread each) that
record every request and answer as scripted: a status per attempt, or hang until released."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Received", "Receiver", "receiver"]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def key(self) -> str:
        return self.headers.get("idempotency-key", "")


@dataclass
class Receiver:
    """What the server saw, and how it answers: `statuses` in turn (then 200), or `hang`."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    hang: bool = False
    received: list[Received] = field(default_factory=list)
    answered: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: Received) -> int:
        with self.lock:
            self.received.append(request)
            return self.statuses.pop(0) if self.statuses else 200

    def seen(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def delivered_keys(self) -> set[str]:
        return {r.key for r in self.seen()}


def _handler(state: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            request = Received(
                path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body
            )
            status = state.answer(request)
            if state.hang:
                state.released.wait(timeout=120)
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            with state.lock:
                state.answered += 1

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def receiver(
    *, statuses: list[int] | None = None, hang: bool = False, port: int = 0
) -> Iterator[Receiver]:
    state = Receiver(statuses=list(statuses or []), hang=hang)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()
