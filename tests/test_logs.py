"""What `augur serve`'s log configuration lets through: augur's own lines at the chosen level; the
HTTP client's line per request (httpx, httpcore) only at `debug`, its warnings always."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from app.core.logs import CHATTY, Redactor, configure_logging

#: (logger, level) pairs emitted in each case, in order.
EMITTED = [
    ("app.service.scheduler", logging.INFO),
    ("httpx", logging.INFO),
    ("httpcore.connection", logging.DEBUG),
    ("httpx", logging.WARNING),
    ("app.service.scheduler", logging.DEBUG),
]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    chatty = {name: logging.getLogger(name).level for name in CHATTY}
    yield
    root.handlers[:], root.level = handlers, level
    for name, saved in chatty.items():
        logging.getLogger(name).setLevel(saved)


@pytest.mark.parametrize(
    ("level", "seen"),
    [
        pytest.param(
            "info",
            [("app.service.scheduler", "info"), ("httpx", "warning")],
            id="info-keeps-requests-out",
        ),
        pytest.param("warning", [("httpx", "warning")], id="warning"),
        pytest.param(
            "debug",
            [
                ("app.service.scheduler", "info"),
                ("httpx", "info"),
                ("httpcore.connection", "debug"),
                ("httpx", "warning"),
                ("app.service.scheduler", "debug"),
            ],
            id="debug-shows-every-request",
        ),
    ],
)
@pytest.mark.usefixtures("restore_logging")
def test_http_client_lines_only_at_debug(
    level: str, seen: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level, Redactor())
    for name, at in EMITTED:
        logging.getLogger(name).log(at, "line")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == seen
