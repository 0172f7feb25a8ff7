"""Reading augur's event streams in tests, with httpx streaming and a parser of its own (not
the CLI's), so a test checks the wire format rather than augur's reading of it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Event", "read_stream"]


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    data: dict[str, Any]

    @property
    def label(self) -> str:
        """`measurement apdex Successful`, `phase - Running`: what a test compares."""
        return f"{self.kind} {self.data['metric'] or '-'} {self.data['phase']}"


@dataclass
class Stream:
    status: int
    events: list[Event] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    ended: bool = False  # the server ended the stream (not the reader)
    problem: dict[str, Any] | None = None  # the problem+json of an answer other than 200

    @property
    def ids(self) -> list[int]:
        return [event.id for event in self.events]

    @property
    def labels(self) -> list[str]:
        return [event.label for event in self.events]


def read_stream(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    stop: Callable[[Stream], bool] | None = None,
    timeout: float = 30.0,
    deadline: float = 60.0,
) -> Stream:
    """Read `url` until the server ends the stream or `stop(stream so far)` holds; fail after
    `deadline` seconds (heartbeats keep a stream open forever, so a `stop` that never holds
    would otherwise hang the suite)."""
    fields: dict[str, str] = {}
    give_up = time.monotonic() + deadline
    with httpx.stream("GET", url, headers=dict(headers or {}), timeout=timeout) as reply:
        stream = Stream(reply.status_code)
        if reply.status_code != 200:
            reply.read()
            stream.ended = True
            if reply.content:
                stream.problem = reply.json()
            return stream
        assert reply.headers["content-type"].startswith("text/event-stream")
        for line in reply.iter_lines():
            if line.startswith(":"):
                stream.comments.append(line)
            elif line.startswith("retry: "):
                stream.retry = int(line.removeprefix("retry: "))
            elif line:
                name, _, value = line.partition(": ")
                fields[name] = value
            elif "data" in fields:
                data = json.loads(fields["data"])
                stream.events.append(Event(int(fields["id"]), fields["event"], data))
                fields = {}
            if stop is not None and stop(stream):
                return stream
            if time.monotonic() > give_up:
                raise AssertionError(f"{url}: no end after {deadline} s; so far {stream.labels}")
    stream.ended = True
    return stream
