"""`augur check skywalking|prometheus|web`: ad-hoc looks at one series.

Each check builds the provider block a template would hold (`app/service/checks.py`), from the
same fields (`app/cli/provider_options.py`) or from a file holding the block, so the provider's
own parser validates every option with its own messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.cli import check_cloudwatch, check_datadog, check_graphite
from app.cli.check_common import Condition, Json, measure
from app.cli.common import AugurCommand, fail_usage
from app.cli.local import local_credentials
from app.cli.provider_options import (
    connection_from,
    flags_given,
    read_provider_file,
    with_provider_options,
)
from app.service.checks import (
    CheckOutcome,
    Point,
    points,
    prometheus_block,
    skywalking_block,
    web_block,
)
from app.spec.status import Phase
from providers.errors import ConfigError

__all__ = ["check_app", "check_with_credentials", "point_times", "sparkline"]

check_app = typer.Typer(
    help="Measure one series now and, with --condition, say whether it passes.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
EXIT_BY_VERDICT = {Phase.SUCCESSFUL: 0, Phase.FAILED: 1, Phase.ERROR: 2, Phase.INCONCLUSIVE: 3}
BARS = "▁▂▃▄▅▆▇█"
#: How a point's time is written in the table, by the window's step.
TIME_FORMATS = {"SECOND": "%H:%M:%S", "MINUTE": "%H:%M", "HOUR": "%H:00", "DAY": "%Y-%m-%d"}


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


def point_times(found: list[Point], step: str) -> list[str]:
    """Each point's time in the window's zone (`10:04`; with the day when the points span
    more than one), or its id when the provider gave no time."""
    layout = TIME_FORMATS.get(step, "%H:%M")
    days = {p.time.date() for p in found if p.time is not None}
    if len(days) > 1 and step != "DAY":
        layout = "%m-%d " + layout
    return [p.time.strftime(layout) if p.time else p.label for p in found]


def _document(outcome: CheckOutcome, found: list[Point]) -> dict[str, Any]:
    series = [
        {
            "id": p.id,
            "time": p.time.isoformat() if p.time else None,
            "value": p.value,
            **({"series": p.series} if p.series else {}),
        }
        for p in found
    ]
    return {
        "provider": outcome.provider,
        "value": outcome.value,
        "series": series,
        "metadata": dict(outcome.metadata),
        "error": outcome.error or None,
        "phase": outcome.phase.value if outcome.phase else None,
        "message": outcome.message or None,
    }


def _table(outcome: CheckOutcome, found: list[Point], *, apdex: bool) -> Table:
    table = Table()
    labelled = any(p.series for p in found)
    if labelled:
        table.add_column("series", overflow="fold")
    zone = outcome.metadata.get("timezone", "")
    table.add_column(f"time ({zone})" if zone else "point", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    if apdex:
        table.add_column("apdex 0..1", justify="right", no_wrap=True)
    times = point_times(found, outcome.metadata.get("durationStep", ""))
    for point, when in zip(found, times, strict=True):
        row = [point.series] if labelled else []
        row += [when, "no data" if point.value is None else f"{point.value:g}"]
        if apdex:
            row.append("" if point.value is None else f"{point.value / 10000:.4f}")
        table.add_row(*row)
    return table


def _report(outcome: CheckOutcome, *, as_json: bool, metric: str = "", title: str) -> None:
    found = points(outcome, metric=metric)
    if as_json:
        typer.echo(json.dumps(_document(outcome, found), indent=2))
    else:
        console = Console(highlight=False)
        console.print(title, markup=False, overflow="fold")
        if found:
            console.print(_table(outcome, found, apdex="apdex" in metric))
            console.print(f"series  {sparkline([p.value for p in found])}")
        elif outcome.value:
            console.print(f"value   {outcome.value}", overflow="fold")
        meta = outcome.metadata
        if meta.get("durationStart"):
            console.print(
                f"window  {meta['durationStart']} .. {meta['durationEnd']} "
                f"({meta.get('durationStep', '')}, {meta.get('timezone', '')})"
            )
        if outcome.error:
            console.print(f"[magenta]error[/]   {outcome.error}", overflow="fold")
        if outcome.phase is not None:
            reason = f": {outcome.message}" if outcome.message else ""
            console.print(f"verdict [bold]{outcome.phase.value}[/]{reason}", overflow="fold")
    if outcome.phase is not None:
        raise typer.Exit(EXIT_BY_VERDICT[outcome.phase])
    raise typer.Exit(2 if outcome.error else 0)


def _block(
    ctx: typer.Context, kind: str, provider_file: Path | None, build: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """The file's block (no provider flag may come with it), or the one the flags build."""
    if provider_file is not None:
        given = flags_given(ctx)
        if given:
            fail_usage(
                [
                    f"--provider-file and {given[0]} both set the provider: the file holds the "
                    "whole block, so write that value in the file (or drop --provider-file)"
                ]
            )
        return read_provider_file(provider_file, kind)
    try:
        return build()
    except ConfigError as exc:
        fail_usage([str(exc)])


def _required(**options: str | None) -> None:
    missing = [f"--{name.replace('_', '-')}" for name, value in options.items() if not value]
    if missing:
        fail_usage([f"{' and '.join(missing)} required, or --provider-file"])


@check_app.command(cls=AugurCommand)
@with_provider_options
def skywalking(
    ctx: typer.Context,
    address: Annotated[
        str | None, typer.Option(metavar="URL", help="OAP address, e.g. http://oap:12800.")
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Service name, e.g. canary|reviews|ns|cluster|-."),
    ] = None,
    metric: Annotated[str, typer.Option(metavar="NAME", help="Metric name.")] = "service_apdex",
    expression: Annotated[
        str,
        typer.Option(
            metavar="MQE",
            help="An MQE expression instead of --metric (execExpression); the result is under "
            "result.mqe.",
        ),
    ] = "",
    window: Annotated[
        str, typer.Option(metavar="DURATION", help="How far back to look (Go duration).")
    ] = "10m",
    step: Annotated[str, typer.Option(metavar="STEP", help="MINUTE, SECOND, HOUR, DAY, auto.")] = (
        ""
    ),
    timezone: Annotated[
        str,
        typer.Option(metavar="ZONE", help="The OAP's zone: UTC (default), +0800, IANA, auto."),
    ] = "",
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One metric (or MQE expression) of one service from the OAP, as a template reads it."""
    provider_file: Path | None = ctx.params["provider_file"]
    if provider_file is None:
        _required(address=address, service=service)
        if expression and "--metric" in flags_given(ctx):
            fail_usage(["--metric and --expression: give one (an expression names its metrics)"])

    def build() -> dict[str, Any]:
        return skywalking_block(
            address=address or "",
            service=service or "",
            metric=metric,
            expression=expression,
            window=window,
            step=step,
            timezone=timezone,
            connection=connection_from(ctx.params),
        )

    block = _block(ctx, "skywalking", provider_file, build)
    if provider_file is not None:
        field, title = "", str(provider_file)
    elif expression:
        field, title = "mqe", f"{expression} of {service}"
    else:
        field, title = metric, f"{metric} of {service}"
    outcome = measure(block, condition)
    _report(outcome, as_json=as_json, metric=field, title=title)


@check_app.command(cls=AugurCommand)
@with_provider_options
def prometheus(
    ctx: typer.Context,
    address: Annotated[
        str | None, typer.Option(metavar="URL", help="Prometheus address, e.g. http://prom:9090.")
    ] = None,
    query: Annotated[str | None, typer.Option(metavar="PROMQL", help="PromQL instant query.")] = (
        None
    ),
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One PromQL instant query, as a template's prometheus provider sends it."""
    provider_file: Path | None = ctx.params["provider_file"]
    if provider_file is None:
        _required(address=address, query=query)

    def build() -> dict[str, Any]:
        return prometheus_block(
            address=address or "",
            query=query or "",
            connection=connection_from(ctx.params),
        )

    block = _block(ctx, "prometheus", provider_file, build)
    outcome = measure(block, condition)
    _report(outcome, as_json=as_json, title=str(provider_file or query))


@check_app.command(cls=AugurCommand)
@with_provider_options
def web(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Option(metavar="URL", help="URL answering JSON.")] = None,
    json_path: Annotated[
        str, typer.Option(metavar="TEMPLATE", help="Kubernetes JSONPath, e.g. {$.data.ok}.")
    ] = "",
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One GET of a JSON endpoint, as Argo's web provider does it."""
    provider_file: Path | None = ctx.params["provider_file"]
    if provider_file is None:
        _required(url=url)

    def build() -> dict[str, Any]:
        return web_block(
            url=url or "",
            json_path=json_path,
            connection=connection_from(ctx.params),
        )

    block = _block(ctx, "web", provider_file, build)
    outcome = measure(block, condition)
    _report(outcome, as_json=as_json, title=str(provider_file or url))


check_datadog.register(check_app, _report)


def check_with_credentials(
    ctx: typer.Context,
    kind: str,
    build: Callable[[], dict[str, Any]],
    *,
    required: Mapping[str, str | None],
    condition: str,
    as_json: bool,
    title: str,
) -> None:
    """A check of a provider that reads its credentials as Argo's does (New Relic, InfluxDB,
    Wavefront): the block from `--provider-file`, or from `build` once the `required` options
    are given; its Secrets from `--secrets-dir` laid out flat (`DIR/<secret>/<key>`) and this
    process's environment; reported as any check."""
    provider_file: Path | None = ctx.params["provider_file"]
    if provider_file is None:
        _required(**required)
    block = _block(ctx, kind, provider_file, build)
    credentials = local_credentials(ctx.params["secrets_dir"])
    outcome = measure(block, condition, credentials)
    _report(outcome, as_json=as_json, title=str(provider_file or title))


check_graphite.register(check_app, _report)
check_cloudwatch.register(check_app, _report)
