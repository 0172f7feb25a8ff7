"""`augur run` and `augur validate`: an analysis in this process, from files and args."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import ArgsOption, FilesOption, Output, fail_usage, read_sources

if TYPE_CHECKING:
    from app.spec.models import AnalysisRun

__all__ = ["run", "validate"]


async def _prepared_run(files: list[str], args: list[str], namespace: str) -> AnalysisRun:
    """Read, build and check the run; every problem is printed and exits 64."""
    from app.cli.local import provider_checker
    from app.service.submit import Problems, build_run, check_run, parse_args, read_documents

    try:
        run = build_run(
            read_documents(read_sources(files)), args=parse_args(args), namespace=namespace
        )
        async with provider_checker() as check:
            check_run(run, provider_check=check)
    except Problems as problems:
        fail_usage([str(issue) for issue in problems.issues])
    return run


def run(
    files: FilesOption,
    arg: ArgsOption = None,
    secrets_dir: Annotated[
        Path | None,
        typer.Option(
            "--secrets-dir",
            envvar="AUGUR_SECRETS_DIR",
            help="Folder laid out like a mounted Secret: <secret>/<key>.",
        ),
    ] = None,
    virtual_time: Annotated[
        bool,
        typer.Option(
            "--virtual-time", help="Jump straight to each next measurement instead of waiting."
        ),
    ] = False,
    output: Annotated[Output, typer.Option("-o", "--output", help="How to print the result.")] = (
        Output.table
    ),
    namespace: Annotated[str, typer.Option("-n", "--namespace", help="Namespace of the run.")] = "",
) -> None:
    """Run an analysis here, with no server. Exit 0 Successful, 1 Failed, 2 Error,
    3 Inconclusive, 64 invalid input."""
    from rich.console import Console
    from rich.live import Live

    from app.cli.local import run_locally
    from app.cli.render import exit_code, run_table, to_json, to_yaml
    from app.engine.reconcile import ReconcileResult

    async def main() -> AnalysisRun:
        prepared = await _prepared_run(files, arg or [], namespace)
        console = Console()
        if output is Output.table and console.is_terminal:
            with Live(run_table(prepared), console=console, refresh_per_second=8) as live:

                async def show(current: AnalysisRun, _result: ReconcileResult | None) -> None:
                    live.update(run_table(current))

                return await run_locally(
                    prepared, virtual_time=virtual_time, secrets_dir=secrets_dir, on_status=show
                )
        done = await run_locally(prepared, virtual_time=virtual_time, secrets_dir=secrets_dir)
        if output is Output.table:
            console.print(run_table(done))
        return done

    finished = asyncio.run(main())
    if output is Output.json:
        typer.echo(to_json(finished))
    elif output is Output.yaml:
        typer.echo(to_yaml(finished), nl=False)
    raise typer.Exit(exit_code(finished))


def validate(
    files: FilesOption,
    arg: ArgsOption = None,
    namespace: Annotated[str, typer.Option("-n", "--namespace", help="Namespace of the run.")] = "",
) -> None:
    """Check templates and args the way a run would, reporting every problem at once."""
    prepared = asyncio.run(_prepared_run(files, arg or [], namespace))
    count = len(prepared.spec.metrics)
    typer.echo(f"valid: {prepared.metadata.name} ({count} metric{'s' if count != 1 else ''})")
