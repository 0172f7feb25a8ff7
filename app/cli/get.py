"""`augur get run NAME -n NS [-w]`: a run a server holds, as `augur run` shows one.

Without `-w` the run is read once and printed (a table, `-o json` or `-o yaml`). With `-w` the
table follows the run's event stream (`GET .../analysisruns/NAME/events`) until the run
completes, live on a terminal, and the command exits with the run's code (0 Successful,
1 Failed, 2 Error, 3 Inconclusive). A dropped stream is resumed with `Last-Event-ID`, so no
event is applied twice or missed; the server is given a minute to come back.

The server is `--server` or `AUGUR_SERVER` (default http://127.0.0.1:8080); the token comes
from `--token-file` or `AUGUR_TOKEN`, never from the command line, where other users of the
machine could read it. Exit 64 when the server refuses (no such run, a bad token), 69 when it
cannot be reached.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from app.cli.common import AugurCommand, AugurGroup, Output, OutputOption, WideOption, fail_usage

if TYPE_CHECKING:
    import httpx

    from app.cli.render import RunView
    from app.spec.models import AnalysisRun

__all__ = ["get_app"]

EXIT_UNAVAILABLE = 69  # sysexits EX_UNAVAILABLE: the server cannot be reached
#: How long `-w` keeps trying to reach a server that went away (a restart, a network blip).
GIVE_UP_SECONDS = 60.0
DEFAULT_SERVER = "http://127.0.0.1:8080"

get_app = typer.Typer(
    help="Read what an augur server holds.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    cls=AugurGroup,
)


class _Gone(Exception):
    """The run was deleted while it was watched."""


def _token(token_file: Path | None) -> str | None:
    if token_file is not None:
        try:
            return token_file.read_text().strip() or None
        except OSError as exc:
            fail_usage([f"--token-file {token_file}: cannot read: {exc.strerror}"])
    return os.environ.get("AUGUR_TOKEN", "").strip() or None


def _unreachable(server: str, exc: Exception) -> NoReturn:
    typer.echo(f"augur: cannot reach the server at {server}: {type(exc).__name__}", err=True)
    raise typer.Exit(EXIT_UNAVAILABLE)


def _refused(reply: httpx.Response) -> NoReturn:
    """The server's problem+json as one line (its `detail`), exit 64."""
    try:
        detail = reply.json().get("detail") or reply.reason_phrase
    except ValueError:
        detail = reply.reason_phrase
    fail_usage([f"{detail} (HTTP {reply.status_code})"])


def _fetch(client: httpx.Client, path: str, server: str) -> dict[str, Any]:
    import httpx

    try:
        reply = client.get(path)
    except httpx.TransportError as exc:
        _unreachable(server, exc)
    if reply.status_code != 200:
        _refused(reply)
    document: dict[str, Any] = reply.json()
    return document


def _apply(run: AnalysisRun, kind: str, data: dict[str, Any]) -> None:
    """One event of the stream applied to the run the table shows: the run's phase and message,
    the metric's phase and counters, its newest measurement."""
    from app.spec.status import AnalysisRunStatus, Measurement, MetricResult, Phase

    if kind == "run" and data.get("action") == "deleted":
        raise _Gone
    status = run.status if run.status is not None else AnalysisRunStatus()
    run.status = status
    summary = data.get("status") or {}
    status.phase = Phase(summary.get("phase") or "Pending")
    status.message = summary.get("message") or ""
    counters = data.get("metricResult")
    if data.get("metric") is None or not counters:
        return
    result = status.result(counters["name"]) or MetricResult(
        name=counters["name"], phase=Phase(counters["phase"])
    )
    update = MetricResult.model_validate({**counters, "measurements": result.measurements})
    if kind == "measurement" and data.get("measurement"):
        newest = Measurement.model_validate(data["measurement"])
        update.measurements = [*update.measurements[-9:], newest]
    status.set_result(update)


def _ends(kind: str, data: dict[str, Any]) -> bool:
    from app.service.event_stream import COMPLETED

    return kind == "phase" and data.get("metric") is None and data.get("phase") in COMPLETED


def _follow(client: httpx.Client, path: str, server: str, view: RunView) -> None:
    """Apply the run's events to `view` until its final one, reconnecting after the last id."""
    import httpx

    from app.cli.sse import EventReader

    reader = EventReader()
    failing_since: float | None = None
    while True:
        headers = {"Accept": "text/event-stream"}
        if reader.last_id is not None:
            headers["Last-Event-ID"] = reader.last_id
        try:
            with client.stream("GET", f"{path}/events", headers=headers) as reply:
                if reply.status_code == 204:  # complete, and its end was seen already
                    return
                if reply.status_code != 200:
                    reply.read()
                    _refused(reply)
                failing_since = None
                for event in reader.events(reply.iter_lines()):
                    data = json.loads(event.data)
                    _apply(view.run, event.event, data)
                    if _ends(event.event, data):
                        return
            continue  # the server ended the stream (its time limit, a restart): resume at once
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            now = time.monotonic()
            failing_since = failing_since if failing_since is not None else now
            if now - failing_since > GIVE_UP_SECONDS:
                _unreachable(server, exc)
        time.sleep((reader.retry_ms or 3000) / 1000)


def _watch(
    client: httpx.Client, path: str, server: str, run: AnalysisRun, *, wide: bool, table: bool
) -> AnalysisRun:
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.live import Live

    from app.cli.render import RunView, run_view
    from app.spec.models import AnalysisRun

    console = Console()
    view = RunView(run, clock=lambda: datetime.now(UTC), wide=wide)
    try:
        if table and console.is_terminal:
            with Live(view, console=console, refresh_per_second=8):
                _follow(client, path, server, view)
        else:
            _follow(client, path, server, view)
    except _Gone:
        fail_usage([f"{path.removeprefix('/api/v1/namespaces/')}: the run was deleted"])
    # The stored run, exactly: the table then shows what `augur get run` without -w would.
    final = AnalysisRun.model_validate(_fetch(client, path, server))
    if table:
        console.print(run_view(final, width=console.width, wide=wide))
    return final


@get_app.command("run", cls=AugurCommand)
def get_run(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The AnalysisRun's name.")],
    namespace: Annotated[
        str, typer.Option("-n", "--namespace", metavar="NS", help="Its namespace.")
    ] = "default",
    watch: Annotated[
        bool,
        typer.Option(
            "--watch/--no-watch",
            "-w",
            help="Follow the run until it completes; exit with its code (0 Successful, "
            "1 Failed, 2 Error, 3 Inconclusive).",
        ),
    ] = False,
    server: Annotated[
        str,
        typer.Option("--server", envvar="AUGUR_SERVER", metavar="URL", help="augur's address."),
    ] = DEFAULT_SERVER,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            metavar="FILE",
            help="A file holding the API token (else AUGUR_TOKEN).",
        ),
    ] = None,
    output: OutputOption = Output.table,
    wide: WideOption = False,
) -> None:
    """Show a run a server holds; with -w, follow it live until it completes.

    Example: AUGUR_SERVER=http://augur:8080 augur get run reviews-canary -n bookinfo -w
    """
    import httpx

    from app.cli.render import exit_code, run_view, to_json, to_yaml
    from app.spec.models import AnalysisRun

    if not server.startswith(("http://", "https://")):
        fail_usage([f"--server {server!r}: an http:// or https:// URL, e.g. {DEFAULT_SERVER}"])
    token = _token(token_file)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    path = f"/api/v1/namespaces/{namespace}/analysisruns/{name}"
    timeout = httpx.Timeout(10.0, read=60.0)  # the stream sends a keepalive every 15 s
    with httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout) as client:
        run = AnalysisRun.model_validate(_fetch(client, path, server))
        table = output is Output.table
        if watch:
            run = _watch(client, path, server, run, wide=wide, table=table)
        elif table:
            from rich.console import Console

            console = Console()
            console.print(run_view(run, width=console.width, wide=wide))
    if output is Output.json:
        typer.echo(to_json(run))
    elif output is Output.yaml:
        typer.echo(to_yaml(run), nl=False)
    raise typer.Exit(exit_code(run) if watch else 0)
