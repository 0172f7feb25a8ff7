"""`augur judge`: a canary against its baseline, by Kayenta's judge or augur's, from recorded
series or fetched live.

``--pairs`` gives the series as Kayenta's MetricSetPair list, so the config's queries are not
run, only its analysis settings apply (``_recorded_pairs``). ``--control``/``--experiment`` fetch
them live with the config's queries, over ``--window`` ending at ``--end``, with the server's
own fetching code (``app.cli.judge_live``).
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.common import fail_usage

if TYPE_CHECKING:
    from rich.table import Table

    from app.judge import CanaryConfig, MetricSetPair

__all__ = ["EXIT_BY_CLASSIFICATION", "judge_", "judge_table"]

#: The canary's classification as an exit code; 64 (invalid input) comes from the CLI.
EXIT_BY_CLASSIFICATION = {"Pass": 0, "Fail": 1, "Marginal": 3}
STYLE = {"Pass": "green", "High": "red", "Low": "red", "Fail": "red", "Marginal": "yellow"}


class JudgeOutput(StrEnum):
    table = "table"
    json = "json"


def _read(path: Path, what: str) -> Any:
    """A JSON (or YAML) document from a file, or - for stdin; unreadable input exits 64."""
    import sys

    import yaml

    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
    except OSError as exc:
        fail_usage([f"{path}: cannot read {what}: {exc.strerror}"])
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        fail_usage([f"{path}: {what} is neither JSON nor YAML: {str(exc).splitlines()[0]}"])


def _config(path: Path) -> CanaryConfig:
    from app.judge import JudgeConfigError, parse_canary_config

    try:
        return parse_canary_config(_read(path, "the canary config"))
    except JudgeConfigError as exc:
        fail_usage([f"{path}: {where}: {message}" for where, message in exc.problems])


def _recorded_pairs(path: Path) -> list[MetricSetPair]:
    from app.judge import JudgeConfigError, parse_pairs

    try:
        return parse_pairs(_read(path, "the metric pairs"))
    except JudgeConfigError as exc:
        fail_usage([f"{path}: {where}: {message}" for where, message in exc.problems])


def _number(value: Any) -> str:
    if value is None or value == "NaN" or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value in ("Infinity", "-Infinity"):
        return "inf" if value == "Infinity" else "-inf"
    return f"{float(value):.3g}"


def _p(value: Any) -> str:
    if not isinstance(value, int | float) or math.isnan(value):
        return "-"
    return "<1e-4" if value < 1e-4 else f"{value:.4f}".rstrip("0").rstrip(".")


def _why(result: dict[str, Any]) -> str:
    """The last column: what decided, short (the full reason is in -o json)."""
    statistics = result.get("statistics", {})
    test = statistics.get("test", "")
    if "effectSizeName" in statistics:  # augur-v1: the deciding test and its effect
        name = str(statistics["effectSizeName"]).replace("canary>baseline", "c>b")
        return f"{test}: {name} {_number(statistics.get('effectSize'))}"
    if "bound" in statistics:  # Kayenta: the interval must clear ±tolerance·|estimate|
        effect = _number(statistics.get("effectSize"))
        return f"bound ±{_number(statistics['bound'])}, {statistics['effectSizeMeasure']} {effect}"
    return str(result.get("classificationReason") or test)


def _row(result: dict[str, Any]) -> list[str]:
    statistics = result.get("statistics", {})
    has_interval = "lower" in statistics and "upper" in statistics
    interval = (
        f"[{_number(statistics['lower'])}, {_number(statistics['upper'])}]" if has_interval else "-"
    )
    classification = result["classification"]
    style = STYLE.get(classification)
    return [
        result["name"] + (" (muted)" if result.get("muted") else ""),
        f"[{style}]{classification}[/]" if style else classification,
        _number(statistics.get("estimate")),
        interval,
        _p(statistics.get("pValue")),
        _why(result),
    ]


def judge_table(document: dict[str, Any], *, title: str, width: int = 80) -> Table:
    """The judgement in `width` columns: one row a metric; the reason takes what is left."""
    from rich import box
    from rich.table import Table

    score = document["score"]
    verdict = score["classification"]
    heading = f"{title}: [{STYLE.get(verdict, '')}]{verdict}[/] · score {score['score']:g}"
    heading += f" · {document['judgeName']}"
    if score["classificationReason"]:
        heading += f"\n{score['classificationReason']}"
    table = Table(
        title=heading,
        title_justify="left",
        width=width,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    rows = [_row(result) for result in document["results"]]
    metric = max([len("metric"), *(len(r[0]) for r in rows)])
    table.add_column("metric", width=min(metric, 18), no_wrap=True, overflow="ellipsis")
    table.add_column("class", no_wrap=True)
    table.add_column("estimate", justify="right", no_wrap=True)
    table.add_column("interval", no_wrap=True)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("why", ratio=1, no_wrap=True, overflow="ellipsis")
    for row in rows:
        table.add_row(*row)
    if document["groupScores"]:
        groups = ", ".join(f"{g['name']} {g['score']:.4g}" for g in document["groupScores"])
        table.caption = f"groups: {groups}"
        table.caption_justify = "left"
    return table


def judge_(
    config_file: Annotated[
        Path,
        typer.Option(
            "-f",
            "--file",
            metavar="CONFIG",
            help="Kayenta canary config (JSON or YAML); - for stdin.",
        ),
    ],
    pairs_file: Annotated[
        Path | None,
        typer.Option(
            "--pairs",
            metavar="PAIRS",
            help="Recorded series: Kayenta's MetricSetPair list (JSON). The config's queries "
            "are not run; only its analysis settings apply.",
        ),
    ] = None,
    pass_threshold: Annotated[
        float, typer.Option("--pass", metavar="SCORE", help="Lowest score that passes.")
    ] = 95.0,
    marginal_threshold: Annotated[
        float, typer.Option("--marginal", metavar="SCORE", help="Lowest score that is Marginal.")
    ] = 75.0,
    output: Annotated[
        JudgeOutput, typer.Option("-o", "--output", metavar="table|json", help="How to print.")
    ] = JudgeOutput.table,
    control: Annotated[
        str | None,
        typer.Option(
            "--control", metavar="SCOPE", help="Live: the baseline's scope (a service name)."
        ),
    ] = None,
    experiment: Annotated[
        str | None,
        typer.Option("--experiment", metavar="SCOPE", help="Live: the canary's scope."),
    ] = None,
    window: Annotated[
        str, typer.Option("--window", metavar="DURATION", help="Live: the window, ending at --end.")
    ] = "30m",
    end: Annotated[
        str | None,
        typer.Option("--end", metavar="TIME", help="Live: the window's end (RFC 3339); now."),
    ] = None,
    location: Annotated[
        str, typer.Option("--location", metavar="L", help="Live: both scopes' location.")
    ] = "",
    step: Annotated[
        int, typer.Option("--step", metavar="SECONDS", help="Live: seconds between points.")
    ] = 60,
    secrets_dir: Annotated[
        Path | None,
        typer.Option(
            "--secrets-dir",
            metavar="DIR",
            envvar="AUGUR_SECRETS_DIR",
            help="Live: where a query's bearerTokenSecret is read (DIR/<secret>/<key>).",
        ),
    ] = None,
) -> None:
    """Judge a canary against its baseline with the config's judge (NetflixACAJudge-v1.0 or
    augur-v1) and print Kayenta's CanaryJudgeResult, from recorded series (--pairs) or fetched
    live (--control, --experiment). Exit 0 Pass, 1 Fail, 3 Marginal, 2 a series could not be
    fetched, 64 invalid input."""
    from rich.console import Console

    from app.cli.judge_live import LiveOptions, live_result
    from app.judge import JudgeConfigError, judge

    live = control is not None or experiment is not None
    if live == (pairs_file is not None):
        fail_usage(
            [
                "give --pairs PAIRS (recorded series) or --control SCOPE --experiment SCOPE "
                "(fetched live), not both"
                if live
                else "--pairs PAIRS (recorded series) or --control SCOPE --experiment SCOPE "
                "(fetched live) is required"
            ]
        )
    config = _config(config_file)
    if live:
        if control is None or experiment is None:
            fail_usage(["--control and --experiment go together: the baseline's and canary's"])
        options = LiveOptions(
            control=control,
            experiment=experiment,
            window=window,
            end=end,
            location=location,
            step=step,
            secrets_dir=secrets_dir,
        )
        thresholds = {"pass": pass_threshold, "marginal": marginal_threshold}
        document = live_result(config, options, thresholds, config_file)
    else:
        assert pairs_file is not None
        pairs = _recorded_pairs(pairs_file)
        try:
            document = judge(
                config, pairs, pass_threshold=pass_threshold, marginal_threshold=marginal_threshold
            )
        except JudgeConfigError as exc:
            fail_usage(
                [_option_path(w, pairs_file) + f": {message}" for w, message in exc.problems]
            )
    if output is JudgeOutput.json:
        typer.echo(json.dumps(document, indent=2))
    else:
        console = Console()
        title = config.name or config_file.name
        console.print(judge_table(document, title=title, width=console.width))
    raise typer.Exit(EXIT_BY_CLASSIFICATION[document["score"]["classification"]])


def _option_path(where: str, pairs_file: Path) -> str:
    """Name the option a judge problem came from: --pass/--marginal, or the pairs file."""
    if where.startswith("thresholds."):
        return "--" + where.removeprefix("thresholds.")
    return f"{pairs_file}: {where}"
