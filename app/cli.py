"""The `augur` command: serve the API, print its OpenAPI spec (more commands join as they land)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app import __version__

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
    uvicorn.run(
        create_app(settings, redactor=redactor),
        host=settings.host,
        port=settings.port,
        log_config=None,  # keep augur's JSON lines; uvicorn's own access log never sees queries
        access_log=False,
        workers=1,
    )


def openapi_document() -> str:
    """The API's OpenAPI spec as stable, diffable JSON (what openapi/openapi.json holds)."""
    from app.main import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=True) + "\n"


@cli.command()
def openapi() -> None:
    """Print the OpenAPI spec of the API."""
    typer.echo(openapi_document(), nl=False)


def main() -> None:
    cli()
