"""A loopback HTTP or HTTPS server under a fake of a hosted service (New Relic, InfluxDB,
Wavefront): every request is recorded, then handed to the fake's :meth:`FakeUpstream.answer`,
which checks it as the real service would (auth, headers, parameters, body) and says what to
send back. What a test scripts for a well-formed request is a queue of replies, answered in
order, the last one repeated (retries see the same failure again).
"""

from __future__ import annotations

import gzip
import ssl
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from tests.fakes.scripted import Recorded, Reply, read_request, threaded

__all__ = ["FakeUpstream", "Recorded", "Reply"]


class FakeUpstream:
    """Subclasses implement :meth:`answer`; ``tls`` is ``(certificate, key)`` for HTTPS."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        self.tls = tls
        self.requests: list[Recorded] = []
        self.replies: list[Reply] = []
        self.port = 0
        self._stack = ExitStack()

    # -- what a test scripts ---------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Answer well-formed requests with these, in order, the last one repeated."""
        self.replies = list(replies)
        self.requests.clear()

    def next_reply(self) -> Reply:
        if not self.replies:
            return Reply(status=500, body="nothing scripted", content_type="text/plain")
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def answer(self, request: Recorded) -> Reply:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    # -- the server ------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                recorded = read_request(self)
                fake.requests.append(recorded)
                try:
                    reply = fake.answer(recorded)
                except Exception as exc:  # a fake's bug: say so rather than hang up
                    reply = Reply(
                        status=500, body=f"fake failed: {exc!r}", content_type="text/plain"
                    )
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                extra = dict(reply.headers)
                if extra.get("Content-Encoding") == "gzip":
                    payload = gzip.compress(payload)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in reply.headers:
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler

    def __enter__(self) -> FakeUpstream:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*map(str, self.tls))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._stack.enter_context(threaded(server))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stack.close()
