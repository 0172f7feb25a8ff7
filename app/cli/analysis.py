"""`augur run` and `augur validate`: an analysis in this process, from files and args."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import (
    ArgsOption,
    FilesOption,
    NamespaceOption,
    Output,
    OutputOption,
    SecretsDirOption,
    WideOption,
    fail_usage,
    read_sources,
)

if TYPE_CHECKING:
    from rich.console import Console

    from app.cli.backtest import Backtest
    from app.engine.runner import Clock
    from app.spec.models import AnalysisRun

__all__ = ["run", "validate"]


async def _prepared_run(
    files: list[str], args: list[str], namespace: str, *, running: bool = False
) -> AnalysisRun:
    """Read, build and check the run (`running`: to run it here); every problem is printed and
    exits 64."""
    from app.cli.local import provider_checker
    from app.service.submit import Problems, build_run, check_run, parse_args, read_documents

    try:
        run = build_run(
            read_documents(read_sources(files)), args=parse_args(args), namespace=namespace
        )
        async with provider_checker(running=running) as check:
            check_run(run, provider_check=check)
    except Problems as problems:
        fail_usage([str(issue) for issue in problems.issues])
    return run


def _clock(
    run: AnalysisRun, *, virtual_time: bool, start: str | None, now: datetime
) -> tuple[Clock, Backtest | None]:
    """The system clock, or a virtual one; against live providers a backtest that ends by
    `now` (a start that would measure the future exits 64 naming `--start`)."""
    from app.cli.backtest import BacktestError, plan_backtest
    from app.engine.runner import SystemClock, VirtualClock
    from app.spec.load import prepare_run_spec

    if not virtual_time:
        if start is not None:
            fail_usage(["--start needs --virtual-time: a run on the wall clock starts now"])
        return SystemClock(), None
    try:
        plan = plan_backtest(prepare_run_spec(run.spec).metrics, start_text=start, now=now)
    except BacktestError as exc:
        fail_usage([str(exc)])
    if plan is None:  # replay only: no clock to respect
        return VirtualClock(now), None
    return VirtualClock(plan.start, horizon=plan.horizon(now)), plan


def _beyond(plan: Backtest, wanted: datetime, now: datetime) -> str:
    from app.cli.backtest import short_duration

    earlier = now - plan.start + (wanted - now)
    return (
        f"the run reached now before it finished: errors added measurements (each retried "
        f"10s later), so the next one would read the future; start earlier, e.g. "
        f"--start -{short_duration(earlier)}"
    )


def run(
    files: FilesOption,
    arg: ArgsOption = None,
    secrets_dir: SecretsDirOption = None,
    virtual_time: Annotated[
        bool,
        typer.Option(
            "--virtual-time/--no-virtual-time",
            help="Jump straight to each next measurement instead of waiting. Against a live "
            "provider this replays the past (a backtest), ending now unless --start says when.",
        ),
    ] = False,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            metavar="WHEN",
            help="With --virtual-time: when the run starts, as a duration before now (-2h) or "
            "an RFC 3339 time (2026-12-01T10:00:00Z).",
        ),
    ] = None,
    output: OutputOption = Output.table,
    wide: WideOption = False,
    namespace: NamespaceOption = "",
) -> None:
    """Run an analysis here, with no server. Exit 0 Successful, 1 Failed, 2 Error,
    3 Inconclusive, 64 invalid input."""
    from rich.console import Console

    from app.cli.render import exit_code, to_json, to_yaml

    finished = asyncio.run(
        _run(
            files,
            arg or [],
            namespace,
            secrets_dir=secrets_dir,
            virtual_time=virtual_time,
            start=start,
            wide=wide,
            table=output is Output.table,
            console=Console(),
        )
    )
    if output is Output.json:
        typer.echo(to_json(finished))
    elif output is Output.yaml:
        typer.echo(to_yaml(finished), nl=False)
    raise typer.Exit(exit_code(finished))


async def _run(
    files: list[str],
    args: list[str],
    namespace: str,
    *,
    secrets_dir: Path | None,
    virtual_time: bool,
    start: str | None,
    wide: bool,
    table: bool,
    console: Console,
) -> AnalysisRun:
    """Prepare, print the header, run (live on a terminal), print the final table."""
    from rich.console import Console
    from rich.live import Live

    from app.cli.local import run_locally
    from app.cli.render import RunView, run_view
    from app.engine.runner import BeyondHorizon

    prepared = await _prepared_run(files, args, namespace, running=True)
    now = datetime.now(UTC)
    clock, plan = _clock(prepared, virtual_time=virtual_time, start=start, now=now)
    if plan is not None:  # stdout carries only the document with -o json/yaml
        (console if table else Console(stderr=True)).print(plan.header(start), highlight=False)
    view = RunView(prepared, clock=clock.now, wide=wide)
    live = table and console.is_terminal
    try:
        if live:
            with Live(view, console=console, refresh_per_second=8):
                return await run_locally(
                    prepared,
                    clock=clock,
                    secrets_dir=secrets_dir,
                    namespace=namespace,
                    on_status=view.update,
                )
        done = await run_locally(
            prepared,
            clock=clock,
            secrets_dir=secrets_dir,
            namespace=namespace,
            on_status=view.update,
        )
    except BeyondHorizon as exc:
        assert plan is not None
        if table and not live:
            console.print(run_view(view.run, width=console.width, wide=wide))
        fail_usage([_beyond(plan, exc.wanted, now)])
    if table:
        console.print(run_view(done, width=console.width, wide=wide))
    return done


def validate(
    files: FilesOption,
    arg: ArgsOption = None,
    secrets_dir: SecretsDirOption = None,
    namespace: NamespaceOption = "",
) -> None:
    """Check templates and args the way a run would, reporting every problem at once; with
    --secrets-dir, also that every secretKeyRef arg resolves and its provider block holds."""
    prepared = asyncio.run(_prepared_run(files, arg or [], namespace))
    if secrets_dir is not None:
        asyncio.run(_check_secrets(prepared, secrets_dir, namespace))
    count = len(prepared.spec.metrics)
    typer.echo(f"valid: {prepared.metadata.name} ({count} metric{'s' if count != 1 else ''})")


async def _check_secrets(run: AnalysisRun, secrets_dir: Path, namespace: str) -> None:
    """Resolve every metric with the real secrets, as the first measurement will, and build
    its provider; messages never hold a secret's value. `-n` selects `<dir>/<namespace>/`."""
    from app.cli.local import provider_checker
    from app.spec.args import DirectorySecrets, redact, resolve_metrics
    from app.spec.errors import ArgError
    from providers.errors import ProviderError

    try:
        resolved = resolve_metrics(
            run.spec.metrics, run.spec.args, secrets=DirectorySecrets(secrets_dir, namespace)
        )
    except ArgError as exc:
        fail_usage([f"{exc.path or 'spec.args'}: {exc.message} (in --secrets-dir {secrets_dir})"])
    problems = []
    async with provider_checker() as check:
        for index, metric in enumerate(resolved.metrics):
            try:
                check(metric.provider.model_dump(by_alias=True, exclude_none=True))
            except ProviderError as exc:
                text = redact(str(exc), resolved.secrets)
                problems.append(f"spec.metrics[{index}].provider: {text}")
    if problems:
        fail_usage(problems)
