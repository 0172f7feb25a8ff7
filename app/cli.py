"""The `augur` command: serve the API, run and validate analyses locally, print the OpenAPI spec."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from app import __version__
from app.check_cli import check_app

if TYPE_CHECKING:
    from app.spec.models import AnalysisRun

__all__ = ["EXIT_USAGE", "cli", "main", "openapi_document"]

EXIT_USAGE = 64  # sysexits EX_USAGE: the input was wrong, not the analysis

cli = typer.Typer(
    name="augur",
    help="Canary analysis as a service: Argo AnalysisTemplates against SkyWalking and friends.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"augur {__version__}")
        raise typer.Exit()


@cli.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """augur: canary analysis as a service."""


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [env AUGUR_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env AUGUR_PORT].")] = None,
    store: Annotated[
        str | None, typer.Option("--store", help="Store URL [env AUGUR_STORE_URL].")
    ] = None,
) -> None:
    """Serve the API with uvicorn (one worker: the scheduler lives in the process)."""
    import uvicorn
    from pydantic import ValidationError

    from app.auth import TokenError, load_tokens
    from app.logs import Redactor, configure_logging
    from app.main import create_app
    from app.settings import Settings, describe_errors

    overrides: dict[str, Any] = {
        k: v for k, v in {"host": host, "port": port, "store_url": store}.items() if v is not None
    }
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        typer.echo(f"augur: invalid settings\n{describe_errors(exc)}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    redactor = Redactor()
    configure_logging(settings.log_level, redactor)
    try:
        tokens = load_tokens(settings.tokens, settings.tokens_file)
    except TokenError as exc:
        typer.echo(f"augur: invalid settings\n{exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    host = settings.host
    if not tokens.configured and not _loopback(host):
        logging.getLogger("augur").warning(
            "no API tokens configured (AUGUR_TOKENS or AUGUR_TOKENS_FILE): the API is open, "
            "so augur serves on 127.0.0.1 only instead of %s",
            host,
        )
        host = "127.0.0.1"
    elif not tokens.configured:
        logging.getLogger("augur").warning(
            "no API tokens configured: the API is open to anyone who can reach %s", host
        )
    uvicorn.run(
        create_app(settings, redactor=redactor),
        host=host,
        port=settings.port,
        log_config=None,  # keep augur's JSON lines; uvicorn's own access log never sees queries
        access_log=False,
        workers=1,
    )


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def openapi_document() -> str:
    """The API's OpenAPI spec as stable, diffable JSON (what openapi/openapi.json holds)."""
    from app.main import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=True) + "\n"


@cli.command()
def openapi() -> None:
    """Print the OpenAPI spec of the API."""
    typer.echo(openapi_document(), nl=False)


class Output(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


FilesOption = Annotated[
    list[str],
    typer.Option(
        "-f",
        "--file",
        help="AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun YAML/JSON; - for stdin.",
    ),
]
ArgsOption = Annotated[
    list[str] | None, typer.Option("-a", "--arg", help="Argument as name=value (repeatable).")
]


def _read_sources(files: list[str]) -> list[tuple[str, str]]:
    sources = []
    for name in files:
        if name == "-":
            sources.append(("<stdin>", sys.stdin.read()))
            continue
        try:
            sources.append((name, Path(name).read_text()))
        except OSError as exc:
            _fail_usage([f"{name}: cannot read: {exc.strerror}"])
    return sources


def _fail_usage(lines: list[str]) -> NoReturn:
    for line in lines:
        typer.echo(f"augur: {line}", err=True)
    raise typer.Exit(EXIT_USAGE)


async def _prepared_run(files: list[str], args: list[str], namespace: str) -> AnalysisRun:
    """Read, build and check the run; every problem is printed and exits 64."""
    from app.local import provider_checker
    from app.submit import Problems, build_run, check_run, parse_args, read_documents

    try:
        run = build_run(
            read_documents(_read_sources(files)), args=parse_args(args), namespace=namespace
        )
        async with provider_checker() as check:
            check_run(run, provider_check=check)
    except Problems as problems:
        _fail_usage([str(issue) for issue in problems.issues])
    return run


@cli.command()
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

    from app.engine.reconcile import ReconcileResult
    from app.local import run_locally
    from app.render import exit_code, run_table, to_json, to_yaml

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


@cli.command()
def validate(
    files: FilesOption,
    arg: ArgsOption = None,
    namespace: Annotated[str, typer.Option("-n", "--namespace", help="Namespace of the run.")] = "",
) -> None:
    """Check templates and args the way a run would, reporting every problem at once."""
    prepared = asyncio.run(_prepared_run(files, arg or [], namespace))
    count = len(prepared.spec.metrics)
    typer.echo(f"valid: {prepared.metadata.name} ({count} metric{'s' if count != 1 else ''})")


def _display(value: Any) -> Any:
    """A JSON-able form of an expression value; non-finite floats as Go prints them."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "NaN" if value != value else ("+Inf" if value > 0 else "-Inf")
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, list | tuple):
        return [_display(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _display(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return "<func>" if callable(value) else str(value)


def _type_name(value: Any) -> str:
    names = {bool: "bool", int: "int", float: "float", str: "string", dict: "map"}
    if value is None:
        return "nil"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, bytes | bytearray):
        return "bytes"
    return names.get(type(value), type(value).__name__)


@cli.command(name="eval")
def eval_(
    expression: Annotated[str, typer.Argument(help="An expr-lang condition, or cel:<CEL>.")],
    result: Annotated[
        str,
        typer.Option(
            "--result", "-r", help="The `result` value as JSON (numbers become floats, as in Argo)."
        ),
    ] = "null",
) -> None:
    """Evaluate a condition against a result, for quick checks; prints the value and its type."""
    from app.expr import ExprError
    from app.expr import compile as compile_expr
    from app.expr.cel import cel_body, compile_cel, is_cel
    from providers.golang import GoJSONError, decode_json

    try:
        value = decode_json(result)
    except GoJSONError as exc:
        _fail_usage([f"--result is not JSON: {exc}"])
    try:
        if is_cel(expression):
            program: Any = compile_cel(cel_body(expression))
        else:
            program = compile_expr(expression)
        answer = program.run({"result": value})
    except ExprError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{json.dumps(_display(answer))} ({_type_name(answer)})")


@cli.command()
def providers() -> None:
    """List the providers this installation knows (built-in and plugins)."""
    from providers.registry import known_providers

    for name in known_providers():
        typer.echo(name)


cli.add_typer(check_app, name="check")


def main() -> None:
    cli()
