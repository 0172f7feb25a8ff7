"""A tiny application exporter for the real Prometheus to scrape.

Counters are fixed, so every PromQL answer is known in advance: 900 successful and 100 failed
requests make the error ratio exactly 0.1 however many scrapes Prometheus has taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.scripted import Reply, ScriptedServer, scripted_server

__all__ = ["ERRORS", "EXPOSITION", "SUCCESSES", "exporter"]

SUCCESSES = 900
ERRORS = 100

EXPOSITION = f"""\
# HELP http_requests_total Requests served, by status code.
# TYPE http_requests_total counter
http_requests_total{{code="200"}} {SUCCESSES}
http_requests_total{{code="500"}} {ERRORS}
# HELP app_ready Whether the application is ready.
# TYPE app_ready gauge
app_ready 1
"""


@contextmanager
def exporter() -> Iterator[ScriptedServer]:
    """``/metrics`` in the text exposition format, on a free loopback port."""
    with scripted_server() as server:
        server.reply("/metrics", Reply(body=EXPOSITION, content_type="text/plain; version=0.0.4"))
        yield server
