"""A loopback upstream that misbehaves on a script: one script per path, one step per request.

``http.server`` cannot reset a connection, lie about ``Content-Length`` or hang up before
answering, so this server speaks HTTP/1.1 itself over asyncio streams, on its own event loop in
a background thread (the code under test may be a subprocess or another loop). Each request
takes the next step of its path's script; the last step repeats, so ``[ok, 503, 503, ok]``
is a storm of two that ends, and ``[503]`` a storm that never does. Every answer closes the
connection, so no step ever lands on a connection pooled by an earlier one.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus

__all__ = ["Answer", "FaultServer", "Hangup", "Reset", "Step", "fault_server"]


@dataclass(frozen=True)
class Answer:
    """An HTTP answer; ``declared`` overrides Content-Length (larger: a truncated body)."""

    status: int = 200
    body: bytes | str = b""
    content_type: str = "application/json"
    delay: float = 0.0
    declared: int | None = None


@dataclass(frozen=True)
class Reset:
    """Read the request, then close with SO_LINGER 0: the client sees a TCP RST."""


@dataclass(frozen=True)
class Hangup:
    """Read the request, then close cleanly without a byte of answer."""


Step = Answer | Reset | Hangup
NOT_SCRIPTED = Answer(status=404, body=b"no script for this path", content_type="text/plain")


@dataclass
class FaultServer:
    base_url: str = ""
    scripts: dict[str, list[Step]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path: str, steps: Sequence[Step]) -> str:
        """Answer ``path`` with ``steps`` in order, the last one from then on; returns its URL."""
        assert steps, "a script needs at least one step"
        with self._lock:
            self.scripts[path] = list(steps)
            self.hits[path] = 0
        return self.base_url + path

    def url(self, path: str) -> str:
        return self.base_url + path

    def next_step(self, path: str) -> Step:
        with self._lock:
            steps = self.scripts.get(path)
            if steps is None:
                return NOT_SCRIPTED
            index = min(self.hits[path], len(steps) - 1)
            self.hits[path] += 1
            return steps[index]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in header_lines:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            path = request_line.split(" ")[1].split("?", 1)[0]
            await self._perform(self.next_step(path), request_line, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            pass  # the client gave up (a timeout case) or sent nothing: nothing to answer
        finally:
            if not writer.transport.is_closing():
                writer.close()

    async def _perform(self, step: Step, request_line: str, writer: asyncio.StreamWriter) -> None:
        if isinstance(step, Reset):
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if isinstance(step, Hangup):
            writer.close()
            return
        if step.delay:
            await asyncio.sleep(step.delay)
        body = step.body.encode() if isinstance(step.body, str) else step.body
        reason = HTTPStatus(step.status).phrase
        declared = len(body) if step.declared is None else step.declared
        head = (
            f"HTTP/1.1 {step.status} {reason}\r\n"
            f"Content-Type: {step.content_type}\r\n"
            f"Content-Length: {declared}\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1"))
        if not request_line.startswith("HEAD "):
            writer.write(body)
        await writer.drain()
        writer.close()


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    """Serve on a free loopback port from a background thread until the block ends."""
    state = FaultServer()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop: asyncio.Future[None] | None = None

    async def serve() -> None:
        nonlocal stop
        server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
        state.base_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        stop = loop.create_future()
        started.set()
        async with server:
            await stop
            server.close()
            # Handlers asleep in a delay step are cancelled, not awaited for seconds.
            handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("fault server did not start")
    try:
        yield state
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set_result, None)
        thread.join(10)
        loop.close()
