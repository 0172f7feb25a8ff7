"""A fixed-rate HTTP/1.1 load client: latency at a given request rate, coordinated omission
counted.

    python -m benchmarks.paced http://127.0.0.1:8080/path --rate 500 --seconds 10

wrk (and `wrk -R` does not exist in Debian's wrk; wrk2 is not packaged) sends the next request
when the previous one answered, so a slow answer delays the requests behind it and their waiting
is never measured: coordinated omission. Here request `i` is due at `start + i / rate` whatever
happened before it, and its latency is measured from that due time, not from when a connection
was free to send it: a stall shows as the latency of every request it held up, as a user at that
rate would see it. Requests go over `connections` keep-alive connections; a due request waits
for a free one (that wait counts).

Requests are bytes built once (no HTTP library per request), so the client costs a few tens of
microseconds per request; its own scheduling delays are counted against the server, which only
makes the figures pessimistic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

__all__ = ["paced", "percentile", "request_bytes"]


def request_bytes(url: str, *, method: str = "GET", body: str | None = None) -> bytes:
    """One HTTP/1.1 keep-alive request for `url`, with `body` as JSON when given."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = [f"{method} {target or '/'} HTTP/1.1", f"Host: {parts.netloc}"]
    payload = body.encode() if body is not None else b""
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of values sorted ascending."""
    if not sorted_values:
        return 0.0
    rank = max(1, int(-(-share * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one response; its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def paced(
    url: str,
    *,
    rate: float,
    seconds: float,
    connections: int = 16,
    method: str = "GET",
    body: str | None = None,
) -> dict[str, Any]:
    """Send `rate` requests per second for `seconds`; latency percentiles in ms from each
    request's due time, the rate achieved, and the count of non-2xx answers and errors."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    raw = request_bytes(url, method=method, body=body)
    total = max(1, int(rate * seconds))
    due: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    counts = {"non_2xx": 0, "errors": 0}

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while (when := await due.get()) is not None:
                try:
                    writer.write(raw)
                    status = await _answer(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    counts["errors"] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.perf_counter() - when)
                if not 200 <= status < 300:
                    counts["non_2xx"] += 1
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    await asyncio.sleep(0.05)  # connections open before the clock starts
    start = time.perf_counter()
    for i in range(total):
        when = start + i / rate
        wait = when - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        due.put_nowait(when)
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "rate": rate,
        "requests": float(len(ordered)),
        "achieved_per_s": len(ordered) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
        "non_2xx": float(counts["non_2xx"]),
        "errors": float(counts["errors"]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--body", help="POST this JSON body")
    options = parser.parse_args(argv)
    figures = asyncio.run(
        paced(
            options.url,
            rate=options.rate,
            seconds=options.seconds,
            connections=options.connections,
            method="POST" if options.body is not None else "GET",
            body=options.body,
        )
    )
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
