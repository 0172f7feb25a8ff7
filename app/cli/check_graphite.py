"""`augur check graphite`: one render query now, as a template's `graphite` block sends it.

The block is the template's (`address`, `query`), so the provider's own parser checks it with
Argo's messages. Argo adds no time window to the query; a check does, for convenience:
`--interval 5m` becomes `from=-300s` when the query names no `from` of its own (Graphite's own
default is the last 24 hours).

Registered by `app/cli/check.py`, which hands over its report (the table or JSON every check
prints, and the verdict as the exit code), so this module need not import it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from app.cli.check_common import Condition, Json, Report, measure
from app.cli.common import AugurCommand, fail_usage
from providers.errors import ConfigError
from providers.golang import parse_duration

__all__ = ["graphite_block", "register"]

_FROM = re.compile(r"(?:^|&)\s*from=", re.IGNORECASE)


def graphite_block(*, address: str, query: str, interval: str = "") -> dict[str, Any]:
    """The `graphite` block; `interval` (a Go duration) adds `from=-<seconds>s` to a query
    that has no `from`."""
    if interval and not _FROM.search(query):
        try:
            seconds = int(parse_duration(interval).total_seconds())
        except ValueError as exc:
            raise ConfigError(f"--interval: {exc}") from None
        query = f"{query.rstrip('&')}&from=-{seconds}s"
    return {"graphite": {"address": address, "query": query}}


def register(app: typer.Typer, report: Report) -> None:
    """Add `graphite` to `augur check`, printing with `report`."""

    @app.command(cls=AugurCommand)
    def graphite(
        address: Annotated[
            str | None,
            typer.Option(metavar="URL", help="Graphite's address, e.g. http://graphite:8080."),
        ] = None,
        query: Annotated[
            str | None,
            typer.Option(
                metavar="Q", help="The render query string, e.g. 'target=sumSeries(a.*.count)'."
            ),
        ] = None,
        interval: Annotated[
            str,
            typer.Option(
                metavar="DURATION",
                help="How far back to look (Go duration), when the query has no from=.",
            ),
        ] = "5m",
        condition: Condition = "",
        as_json: Json = False,
    ) -> None:
        """One Graphite render query, as Argo's graphite provider sends it: the result is the
        first target's non-null values, oldest first."""
        if not address or not query:
            given = (("--address", address), ("--query", query))
            fail_usage([f"{' and '.join(name for name, value in given if not value)} required"])
        try:
            block = graphite_block(address=address, query=query, interval=interval)
        except ConfigError as exc:
            fail_usage([str(exc)])
        report(measure(block, condition), as_json=as_json, title=block["graphite"]["query"])
