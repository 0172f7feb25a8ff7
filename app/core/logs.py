"""Structured logs: one JSON object a line, with run/metric fields where they apply.

Two guarantees: the access log records the path but never the query string (gate URLs may
carry `?token=`), and every line passes through a `Redactor` that replaces known secret values
(provider tokens, args from secrets) with `*****` wherever they appear, in the forms
`app.core.redaction` finds (raw, JSON-escaped, URL-encoded, base64).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from app.core.redaction import redact_text

__all__ = ["CHATTY", "AccessLog", "JsonFormatter", "Redactor", "configure_logging"]

# Attributes every LogRecord has; anything else was passed with `extra=` and is emitted as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


class Redactor:
    """The secret values known to this process; thread-safe, shared by formatter and callers."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *values: str) -> None:
        with self._lock:
            # Very short values would redact ordinary words; such secrets are refused upstream.
            self._secrets.update(v for v in values if len(v) >= 4)

    def __call__(self, text: str) -> str:
        with self._lock:
            secrets = tuple(self._secrets)
        return redact_text(text, secrets)


class JsonFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self._redact(json.dumps(entry, default=str, ensure_ascii=False))


#: Libraries that log every outbound request at INFO: one line per provider call drowns the
#: lines that say something. They speak at ``debug`` only.
CHATTY = ("httpx", "httpcore")


def configure_logging(level: str, redactor: Redactor) -> None:
    """JSON lines on stderr for augur and uvicorn; uvicorn's own access log is replaced, and
    the HTTP client's per-request lines (``CHATTY``) show only warnings unless ``level`` is
    ``debug``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(redactor))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    quiet = logging.NOTSET if level.lower() == "debug" else logging.WARNING
    for name in CHATTY:
        logging.getLogger(name).setLevel(quiet)


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class AccessLog:
    """ASGI middleware: one line per request with method, path (no query), status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("augur.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            self.log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
