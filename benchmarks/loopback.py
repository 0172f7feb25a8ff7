"""An HTTP/1.1 server on loopback that answers every request at once with one constant JSON body.

    python -m benchmarks.loopback [--port 0]   # prints the port on its first line, then serves

The upstream the scheduler and measurement benchmarks measure against: it parses no more than
it must (request head, Content-Length), keeps connections alive and never waits, so the time a
measurement takes is augur's and the HTTP client's, not the upstream's. It runs as its own
process (`start()`), so on a machine with two cores it does not share augur's interpreter lock.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BODY = b'{"value":0.995,"requests":1500}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


class _Constant(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self.buffer[:end].lower()
            length = 0
            marker = head.find(b"content-length:")
            if marker >= 0:
                length = int(head[marker + 15 :].split(b"\r\n", 1)[0])
            if len(self.buffer) < end + 4 + length:
                break
            self.buffer = self.buffer[end + 4 + length :]
            replies.append(RESPONSE)
        if replies and self.transport is not None:
            self.transport.write(b"".join(replies))


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Constant, "127.0.0.1", port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


@contextmanager
def start() -> Iterator[str]:
    """Run the server as a child process; yields its base URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.loopback"], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args(argv)
    with suppress(KeyboardInterrupt):
        asyncio.run(serve(options.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
