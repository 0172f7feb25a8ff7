"""Reading a `text/event-stream` as the HTML standard's EventSource does, line by line: `id:`,
`event:`, `data:` (several join with newlines) and `retry:` fields, comments (`:`) ignored, an
event dispatched at each blank line when it has data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["EventReader", "ServerEvent"]


@dataclass(frozen=True)
class ServerEvent:
    id: str | None
    event: str
    data: str


class EventReader:
    """Parses lines into events; remembers the last id (for `Last-Event-ID`) and the server's
    reconnection hint (`retry`, in milliseconds) across reconnections."""

    def __init__(self, last_id: str | None = None) -> None:
        self.last_id = last_id
        self.retry_ms: int | None = None

    def events(self, lines: Iterable[str]) -> Iterator[ServerEvent]:
        event, seen_id = "", None
        data: list[str] = []
        for line in lines:
            if not line:
                if data:
                    if seen_id is not None:
                        self.last_id = seen_id
                    yield ServerEvent(id=seen_id, event=event or "message", data="\n".join(data))
                event, data, seen_id = "", [], None
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
            elif name == "id" and "\0" not in value:
                seen_id = value
            elif name == "retry" and value.isdigit():
                self.retry_ms = int(value)
