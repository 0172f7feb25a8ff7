"""The `augur` command's root: serve, openapi, providers, and the subcommands registered here."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app import __version__
from app.cli.analysis import run, validate
from app.cli.check import check_app
from app.cli.check_influxdb import influxdb
from app.cli.check_newrelic import newrelic
from app.cli.check_wavefront import wavefront
from app.cli.common import EXIT_STORE_IN_USE, EXIT_USAGE, AugurCommand, AugurGroup
from app.cli.evaluate import eval_
from app.cli.get import get_app
from app.cli.judge import judge_
from app.core.settings import Settings

if TYPE_CHECKING:
    from app.core.logs import Redactor
    from app.store.db import SingleWriter

__all__ = ["cli", "main", "openapi_document"]

cli = typer.Typer(
    name="augur",
    help="Canary analysis as a service: Argo AnalysisTemplates against SkyWalking and friends.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no `<bool>` types, `[env ...]` printed as written
    cls=AugurGroup,
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


def _setting(name: str) -> str:
    """An option's help from the setting it overrides: its description, variable, default."""
    field = Settings.model_fields[name]
    default = field.get_default(call_default_factory=True)
    return f"{field.description} [env AUGUR_{name.upper()}; default: {default}]"


@cli.command(cls=AugurCommand)
def serve(
    host: Annotated[
        str | None, typer.Option(metavar="ADDRESS", help=_setting("host"), show_default=False)
    ] = None,
    port: Annotated[
        int | None, typer.Option(metavar="PORT", help=_setting("port"), show_default=False)
    ] = None,
    store: Annotated[
        str | None,
        typer.Option("--store", metavar="URL", help=_setting("store_url"), show_default=False),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(
            "--log-level", metavar="LEVEL", help=_setting("log_level"), show_default=False
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", metavar="N", help=_setting("workers"), show_default=False),
    ] = None,
) -> None:
    """Serve the API with uvicorn; each process runs the API and a scheduler.

    Every AUGUR_ variable of the README's Configuration table applies; an option wins over its
    variable. Exit 64 for a bad setting (`--workers` above 1 on SQLite too), 75 when another
    process already serves the same SQLite store (run several on PostgreSQL).
    """
    from pydantic import ValidationError

    from app.core.auth import TokenError, load_tokens
    from app.core.logs import Redactor, configure_logging
    from app.core.settings import describe_errors
    from app.main import create_app, run_server
    from app.service.notify_config import NotifyConfigError

    given = {
        "host": host,
        "port": port,
        "store_url": store,
        "log_level": log_level,
        "workers": workers,
    }
    overrides: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        typer.echo(f"augur: invalid settings\n{describe_errors(exc)}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if settings.workers > 1 and not settings.store_url.startswith("postgresql"):
        from app.cli.workers import SQLITE_REFUSAL

        typer.echo(f"augur: {SQLITE_REFUSAL.format(count=settings.workers)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    redactor = Redactor()
    configure_logging(settings.log_level, redactor)
    try:
        tokens = load_tokens(settings.tokens, settings.tokens_file)
    except TokenError as exc:
        typer.echo(f"augur: invalid settings\n{exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    writer = _single_writer(settings.store_url)
    bind = settings.host
    if not tokens.configured and not _loopback(bind):
        logging.getLogger("augur").warning(
            "no API tokens configured (AUGUR_TOKENS or AUGUR_TOKENS_FILE): the API is open, "
            "so augur serves on 127.0.0.1 only instead of %s",
            bind,
        )
        bind = "127.0.0.1"
    elif not tokens.configured:
        logging.getLogger("augur").warning(
            "no API tokens configured: the API is open to anyone who can reach %s", bind
        )
    if settings.workers > 1:
        raise typer.Exit(_serve_workers(settings, redactor, bind))
    try:
        try:
            app = create_app(settings, redactor=redactor, writer=writer)
        except NotifyConfigError as exc:
            typer.echo(f"augur: invalid settings\n{exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        run_server(app, host=bind, port=settings.port)
    finally:
        if writer is not None:
            writer.release()


def _serve_workers(settings: Settings, redactor: Redactor, bind: str) -> int:
    """`--workers N` on PostgreSQL: one bound socket, N forked servers, each its own lessee."""
    import uvicorn

    from app.cli.workers import serve_workers
    from app.core.addresses import AddressPolicy
    from app.main import create_app, run_server
    from app.service.notify_config import NotifyConfigError, load_receivers

    try:  # a bad receiver list is refused once, before any worker starts (as create_app would)
        load_receivers(
            inline=settings.notify,
            file=settings.notify_file,
            addresses=AddressPolicy.parse(settings.allowed_addresses, local=True),
            secrets_configured=settings.secrets_dir is not None,
        )
    except NotifyConfigError as exc:
        typer.echo(f"augur: invalid settings\n{exc}", err=True)
        return EXIT_USAGE
    sock = uvicorn.Config("app.main:app", host=bind, port=settings.port).bind_socket()

    def work(number: int) -> None:
        own = settings.model_copy(update={"replica_id": f"{settings.replica_id}-{number}"})
        run_server(create_app(own, redactor=redactor), host=bind, port=own.port, sockets=[sock])

    return serve_workers(settings.workers, bind=sock, work=work)


def _single_writer(store_url: str) -> SingleWriter | None:
    """Take the SQLite store's lock before anything starts, so a second server says so in one
    line (exit 75) instead of failing inside uvicorn's start-up with a traceback."""
    from app.store.db import SingleWriter, StoreInUse, sqlite_path

    database = sqlite_path(store_url)
    if database is None:
        return None
    writer = SingleWriter(database)
    try:
        writer.acquire()
    except StoreInUse as exc:
        typer.echo(f"augur: {exc}", err=True)
        raise typer.Exit(EXIT_STORE_IN_USE) from None
    return writer


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


@cli.command(cls=AugurCommand)
def openapi() -> None:
    """Print the OpenAPI spec of the API."""
    typer.echo(openapi_document(), nl=False)


@cli.command(cls=AugurCommand)
def providers() -> None:
    """List the providers this installation knows (built-in, augur's own, and plugins)."""
    from app.cli.local import local_providers
    from providers.registry import known_providers

    for name in known_providers(extra=local_providers()):
        typer.echo(name)


cli.command(cls=AugurCommand)(run)
cli.command(cls=AugurCommand)(validate)
cli.command(name="eval", cls=AugurCommand)(eval_)
cli.command(name="judge", cls=AugurCommand)(judge_)
check_app.command(cls=AugurCommand)(newrelic)
check_app.command(cls=AugurCommand)(influxdb)
check_app.command(cls=AugurCommand)(wavefront)
cli.add_typer(check_app, name="check")
cli.add_typer(get_app, name="get")


def main() -> None:
    cli()
