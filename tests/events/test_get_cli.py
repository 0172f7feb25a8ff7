"""`augur get run` against a real `augur serve`: the table once, or followed over the event
stream until the run completes, exiting with the run's code; resumed with Last-Event-ID when
the server ends the stream; clear exits when the server refuses or cannot be reached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.cli.get import _follow
from app.cli.render import RunView
from app.spec.models import AnalysisRun
from tests.events.conftest import start_run
from tests.support.servers import Served, augur_server, free_port

runner = CliRunner()
TOKEN = "write-token-0123456789abcdef"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}", log=tmp_path / "augur.log"
    ) as server:
        yield server


INCONCLUSIVE = {"failureCondition": "result < 0.5", "inconclusiveLimit": 0}


@pytest.mark.parametrize(
    ("values", "extra", "code", "phase"),
    [
        pytest.param((0.99, 0.99, 0.99), {}, 0, "Successful", id="successful"),
        pytest.param((0.99, 0.2, 0.2), {}, 1, "Failed", id="failed"),
        pytest.param(("down",), {"consecutiveErrorLimit": 0}, 2, "Error", id="error"),
        pytest.param((0.7,), INCONCLUSIVE, 3, "Inconclusive", id="inconclusive"),
    ],
)
def test_watch_follows_the_run_and_exits_with_its_code(
    served: Served, values: tuple[Any, ...], extra: dict[str, Any], code: int, phase: str
) -> None:
    assert start_run(served.base_url, "bookinfo", "reviews", values, extra=extra).status_code == 201
    result = runner.invoke(
        cli, ["get", "run", "reviews", "-n", "bookinfo", "-w", "--server", served.base_url]
    )
    assert result.exit_code == code, result.output
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("metric "))
    assert " ".join(lines[:header]).startswith(f"bookinfo/reviews: {phase}")  # the title
    assert lines[header].split() == [
        "metric",
        "phase",
        "count",
        "ok",
        "fail",
        "inc.",
        "err",
        "last",
    ]
    assert lines[header + 2].split()[:2] == ["apdex", phase]


def test_without_watch_it_prints_once_and_exits_0(served: Served) -> None:
    start_run(served.base_url, "bookinfo", "reviews", (0.2,), failure_limit=0)
    runner.invoke(
        cli, ["get", "run", "reviews", "-n", "bookinfo", "-w", "--server", served.base_url]
    )
    result = runner.invoke(
        cli, ["get", "run", "reviews", "-n", "bookinfo", "-o", "json", "--server", served.base_url]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["kind"] == "AnalysisRun"
    assert document["status"]["phase"] == "Failed"
    assert document["metadata"]["name"] == "reviews"


def test_a_dropped_stream_is_resumed_after_the_last_event(tmp_path: Path) -> None:
    """The server ends every stream after a second: the watch resumes each time with the last id
    it saw, and ends with the run."""
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}",
        log=tmp_path / "augur.log",
        env={"AUGUR_EVENTS_MAX_STREAM_SECONDS": "1"},
    ) as served:
        start_run(served.base_url, "bookinfo", "reviews", (0.99,) * 4)
        sent: list[str | None] = []

        def record(request: httpx.Request) -> None:
            if request.url.path.endswith("/events"):
                sent.append(request.headers.get("last-event-id"))

        path = "/api/v1/namespaces/bookinfo/analysisruns/reviews"
        with httpx.Client(base_url=served.base_url, event_hooks={"request": [record]}) as client:
            run = AnalysisRun.model_validate(client.get(path).json())
            view = RunView(run, clock=lambda: datetime.now(UTC))
            _follow(client, path, served.base_url, view)
        ids = [int(header) for header in sent[1:] if header is not None]
        assert sent[0] is None  # the first asks from the run's first event
        assert len(sent) >= 3, sent  # four measurements a second apart: several streams
        assert ids == sorted(ids), sent
        assert len(ids) == len(sent) - 1, sent
    assert view.run.status is not None
    assert view.run.status.phase is not None
    assert view.run.status.phase.value == "Successful"
    result = view.run.status.metric_results[0]
    assert (result.count, result.successful) == (4, 4)


def test_the_token_comes_from_a_file_or_the_environment(tmp_path: Path) -> None:
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}",
        log=tmp_path / "augur.log",
        env={"AUGUR_TOKENS": f"write:{TOKEN}"},
    ) as served:
        start_run(served.base_url, "bookinfo", "reviews", (0.99,), token=TOKEN)
        args = ["get", "run", "reviews", "-n", "bookinfo", "-w", "--server", served.base_url]
        token_file = tmp_path / "token"
        token_file.write_text(TOKEN + "\n")
        from_file = runner.invoke(cli, [*args, "--token-file", str(token_file)])
        assert from_file.exit_code == 0, from_file.stderr
        from_env = runner.invoke(cli, args, env={"AUGUR_TOKEN": TOKEN})
        assert from_env.exit_code == 0, from_env.stderr
        refused = runner.invoke(cli, args, env={"AUGUR_TOKEN": ""})
    assert refused.exit_code == 64
    assert refused.stderr == (
        "augur: this endpoint needs a token: send an Authorization: Bearer header (HTTP 401)\n"
    )


def test_a_missing_run_a_bad_server_and_no_server_are_said_clearly(served: Served) -> None:
    missing = runner.invoke(
        cli, ["get", "run", "nope", "-n", "bookinfo", "--server", served.base_url]
    )
    assert missing.exit_code == 64
    assert missing.stderr == "augur: analysisrun bookinfo/nope not found (HTTP 404)\n"
    bad = runner.invoke(cli, ["get", "run", "nope", "--server", "augur:8080"])
    assert bad.exit_code == 64
    assert bad.stderr == (
        "augur: --server 'augur:8080': an http:// or https:// URL, e.g. http://127.0.0.1:8080\n"
    )
    nobody = f"http://127.0.0.1:{free_port()}"
    gone = runner.invoke(cli, ["get", "run", "nope", "-w", "--server", nobody])
    assert gone.exit_code == 69
    assert gone.stderr == f"augur: cannot reach the server at {nobody}: ConnectError\n"
