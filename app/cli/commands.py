"""The `augur` command's root: serve, openapi, providers, and the subcommands registered here."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import typer

from app import __version__
from app.cli.analysis import run, validate
from app.cli.check import check_app
from app.cli.common import EXIT_USAGE
from app.cli.evaluate import eval_

__all__ = ["cli", "main", "openapi_document"]

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

    from app.core.auth import TokenError, load_tokens
    from app.core.logs import Redactor, configure_logging
    from app.core.settings import Settings, describe_errors
    from app.main import create_app

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


@cli.command()
def providers() -> None:
    """List the providers this installation knows (built-in and plugins)."""
    from providers.registry import known_providers

    for name in known_providers():
        typer.echo(name)


cli.command()(run)
cli.command()(validate)
cli.command(name="eval")(eval_)
cli.add_typer(check_app, name="check")


def main() -> None:
    cli()
