"""`augur check cloudwatch`: one `GetMetricData` call now, as a template's `cloudWatch` block
makes it.

One metric from flags (`--namespace`, `--metric`, `--dimension NAME=VALUE`, `--stat`,
`--period`, `--unit`), or the whole block from `--provider-file` (expressions, several queries:
exactly as in a template). Credentials and region are the ones a run uses: augur's environment
(`AWS_REGION`, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, a profile, IRSA), read through the
same credentials seam, so every key read is redacted from what is printed.

Registered by `app/cli/check.py`, which hands over its report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.check_common import Condition, Json, Report, measure
from app.cli.common import AugurCommand, fail_usage
from app.cli.local import local_credentials
from app.cli.provider_options import read_provider_file

__all__ = ["cloudwatch_block", "register"]


def cloudwatch_block(
    *,
    namespace: str,
    metric: str,
    dimensions: list[str],
    stat: str,
    period: int,
    unit: str,
    interval: str,
) -> dict[str, Any]:
    """A `cloudWatch` block with one MetricStat query, `id` `m`."""
    pairs = []
    for item in dimensions:
        name, equals, value = item.partition("=")
        if not equals or not name:
            fail_usage([f"--dimension {item!r}: write NAME=VALUE"])
        pairs.append({"name": name, "value": value})
    metric_block: dict[str, Any] = {"namespace": namespace, "metricName": metric}
    if pairs:
        metric_block["dimensions"] = pairs
    stat_block: dict[str, Any] = {"metric": metric_block, "period": period, "stat": stat}
    if unit:
        stat_block["unit"] = unit
    query = {"id": "m", "metricStat": stat_block}
    return {"cloudWatch": {"interval": interval, "metricDataQueries": [query]}}


def register(app: typer.Typer, report: Report) -> None:
    """Add `cloudwatch` to `augur check`, printing with `report`."""

    @app.command(cls=AugurCommand)
    def cloudwatch(
        namespace: Annotated[
            str | None, typer.Option(metavar="NS", help="The metric's namespace, e.g. AWS/ELB.")
        ] = None,
        metric: Annotated[
            str | None, typer.Option(metavar="NAME", help="The metric's name, e.g. Latency.")
        ] = None,
        dimension: Annotated[
            list[str] | None,
            typer.Option(metavar="NAME=VALUE", help="A dimension (repeatable)."),
        ] = None,
        stat: Annotated[
            str, typer.Option(metavar="STAT", help="Average, Sum, p99, ...")
        ] = "Average",
        period: Annotated[int, typer.Option(metavar="SECONDS", help="The period.")] = 60,
        unit: Annotated[str, typer.Option(metavar="UNIT", help="Count, Seconds, ...")] = "",
        interval: Annotated[
            str, typer.Option(metavar="DURATION", help="How far back to look (Go duration).")
        ] = "5m",
        provider_file: Annotated[
            Path | None,
            typer.Option(
                "--provider-file",
                metavar="FILE",
                help="The whole cloudWatch block, as in a template (YAML or JSON).",
            ),
        ] = None,
        condition: Condition = "",
        as_json: Json = False,
    ) -> None:
        """One CloudWatch GetMetricData over the window that ends now, with the credentials
        and region of augur's environment; the result is Argo's list of MetricDataResults."""
        if provider_file is not None:
            if namespace or metric or dimension:
                fail_usage(["--provider-file holds the whole block: drop --namespace and --metric"])
            block = read_provider_file(provider_file, "cloudWatch")
            title = str(provider_file)
        else:
            if not namespace or not metric:
                fail_usage(["--namespace and --metric required, or --provider-file"])
            block = cloudwatch_block(
                namespace=namespace,
                metric=metric,
                dimensions=dimension or [],
                stat=stat,
                period=period,
                unit=unit,
                interval=interval,
            )
            title = f"{stat} of {namespace}/{metric}"
        outcome = measure(block, condition, local_credentials(None))
        report(outcome, as_json=as_json, title=title)
