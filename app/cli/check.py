"""`augur check skywalking|prometheus|web` and `augur providers`: ad-hoc looks at one series."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from app.service.checks import (
    CheckOutcome,
    prometheus_block,
    run_check,
    series_of,
    skywalking_block,
    web_block,
)
from app.spec.status import Phase
from providers.errors import ConfigError

__all__ = ["check_app", "sparkline"]

check_app = typer.Typer(
    help="Measure one series now and, with --condition, say whether it passes.",
    no_args_is_help=True,
)
EXIT_BY_VERDICT = {Phase.SUCCESSFUL: 0, Phase.FAILED: 1, Phase.ERROR: 2, Phase.INCONCLUSIVE: 3}
BARS = "▁▂▃▄▅▆▇█"

Condition = Annotated[
    str,
    typer.Option(
        "--condition", "-c", help="A successCondition over `result` (expr-lang, or cel:...)."
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print the outcome as one JSON document.")]


def sparkline(values: list[float | None]) -> str:
    """Unicode bars scaled to the series' own range; a gap for a point with no data."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    low, high = min(present), max(present)
    span = high - low
    bars = []
    for value in values:
        if value is None:
            bars.append(" ")
        else:
            index = 0 if span == 0 else round((value - low) / span * (len(BARS) - 1))
            bars.append(BARS[index])
    return "".join(bars)


def _execute(block: Mapping[str, Any], condition: str) -> CheckOutcome:
    async def main() -> CheckOutcome:
        async with httpx.AsyncClient() as http:
            return await run_check(block, condition=condition, http=http, now=datetime.now(UTC))

    try:
        return asyncio.run(main())
    except ConfigError as exc:
        typer.echo(f"augur: {exc}", err=True)
        raise typer.Exit(64) from None


def _report(outcome: CheckOutcome, *, as_json: bool, metric: str = "", title: str) -> None:
    points = series_of(outcome, metric=metric)
    if as_json:
        document = {
            "provider": outcome.provider,
            "value": outcome.value,
            "series": [{"id": label, "value": value} for label, value in points],
            "metadata": dict(outcome.metadata),
            "error": outcome.error or None,
            "phase": outcome.phase.value if outcome.phase else None,
            "message": outcome.message or None,
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        console = Console()
        apdex = "apdex" in metric
        table = Table(title=title, title_justify="left")
        table.add_column("point")
        table.add_column("value", justify="right")
        if apdex:
            table.add_column("apdex 0..1", justify="right")
        for label, value in points:
            shown = "no data" if value is None else f"{value:g}"
            row = [label, shown]
            if apdex:
                row.append("" if value is None else f"{value / 10000:.4f}")
            table.add_row(*row)
        if points:
            console.print(table)
            console.print(f"series  {sparkline([v for _, v in points])}")
        elif outcome.value:
            console.print(f"value   {outcome.value}")
        if outcome.metadata.get("durationStart"):
            meta = outcome.metadata
            console.print(
                f"window  {meta['durationStart']} .. {meta['durationEnd']} "
                f"({meta.get('durationStep', '')}, {meta.get('timezone', '')})"
            )
        if outcome.error:
            console.print(f"[magenta]error[/]   {outcome.error}")
        if outcome.phase is not None:
            detail = f" ({outcome.message})" if outcome.message else ""
            console.print(f"verdict [bold]{outcome.phase.value}[/]{detail}")
    if outcome.phase is not None:
        raise typer.Exit(EXIT_BY_VERDICT[outcome.phase])
    raise typer.Exit(2 if outcome.error else 0)


@check_app.command()
def skywalking(
    address: Annotated[str, typer.Option(help="OAP address, e.g. http://oap:12800.")],
    service: Annotated[str, typer.Option(help="Service name, e.g. canary|reviews|ns|cluster|-.")],
    metric: Annotated[str, typer.Option(help="Metric name.")] = "service_apdex",
    window: Annotated[str, typer.Option(help="How far back to look (Go duration).")] = "10m",
    step: Annotated[str, typer.Option(help="MINUTE (default), SECOND, HOUR, DAY.")] = "",
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One metric of one service from the OAP's readMetricsValues."""
    block = _built(
        lambda: skywalking_block(
            address=address, service=service, metric=metric, window=window, step=step
        )
    )
    outcome = _execute(block, condition)
    _report(outcome, as_json=as_json, metric=metric, title=f"{metric} of {service}")


@check_app.command()
def prometheus(
    address: Annotated[str, typer.Option(help="Prometheus address, e.g. http://prom:9090.")],
    query: Annotated[str, typer.Option(help="PromQL instant query.")],
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One PromQL instant query."""
    outcome = _execute(prometheus_block(address=address, query=query), condition)
    _report(outcome, as_json=as_json, title=query)


@check_app.command()
def web(
    url: Annotated[str, typer.Option(help="URL answering JSON.")],
    json_path: Annotated[str, typer.Option(help="Kubernetes JSONPath, e.g. {$.data.ok}.")] = "",
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One GET of a JSON endpoint, as Argo's web provider does it."""
    outcome = _execute(web_block(url=url, json_path=json_path), condition)
    _report(outcome, as_json=as_json, title=url)


def _built(make: Any) -> dict[str, Any]:
    try:
        block: dict[str, Any] = make()
    except ConfigError as exc:
        typer.echo(f"augur: {exc}", err=True)
        raise typer.Exit(64) from None
    return block
