"""`augur judge --control SCOPE --experiment SCOPE --window 30m`: the series fetched live.

The same fetch and judge as the server's (`app.service.judging.judge_live`), over one window
ending at `--end` (now by default), each metric's query asked for both scopes. A problem with
the config's queries or the options exits 64 naming the file's field or the option; a series
that cannot be fetched exits 2 (Error, as for `augur run`), saying which metric and scope.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer

from app.cli.common import fail_usage
from app.cli.local import local_credentials
from app.core.settings import Settings
from app.judge import CanaryConfig, JudgeConfigError
from app.service.canary_request import parse_request
from app.service.judging import judge_live
from app.service.metricsets import MetricSets, default_addresses
from app.service.outbound import CLI_POLICY, outbound_client
from app.spec.status import format_time
from providers.errors import ProviderError
from providers.golang import parse_duration

__all__ = ["EXIT_ERROR", "LiveOptions", "live_result"]

EXIT_ERROR = 2
#: A request field, as the option that set it.
_OPTION = {
    "scope": "--control/--experiment",
    "location": "--location",
    "step": "--step",
    "start": "--window",
    "end": "--end",
}


class LiveOptions:
    """What the live options say: both scopes, the window and where to read secrets."""

    def __init__(
        self,
        *,
        control: str,
        experiment: str,
        window: str,
        end: str | None,
        location: str,
        step: int,
        secrets_dir: Path | None,
    ) -> None:
        problems = []
        try:
            self.window = parse_duration(window)
        except ValueError as exc:
            problems.append(f"--window: {exc}")
            self.window = timedelta(0)
        self.end = datetime.now(UTC).replace(microsecond=0)
        if end is not None:
            try:
                self.end = datetime.fromisoformat(end)
            except ValueError:
                problems.append(
                    f"--end: an RFC 3339 time such as 2026-12-05T10:00:00Z, not {end!r}"
                )
            else:
                if self.end.tzinfo is None:
                    problems.append(f"--end: give the zone (Z or +01:00): {end!r}")
        if problems:
            fail_usage(problems)
        self.control, self.experiment = control, experiment
        self.location, self.step, self.secrets_dir = location, step, secrets_dir

    def request(self, thresholds: dict[str, float]) -> dict[str, Any]:
        """Kayenta's CanaryExecutionRequest for one scope pair named `default`."""
        side = {"location": self.location, "step": self.step}
        side |= {"start": format_time(self.end - self.window), "end": format_time(self.end)}
        pair = {
            "controlScope": {**side, "scope": self.control},
            "experimentScope": {**side, "scope": self.experiment},
        }
        return {"scopes": {"default": pair}, "thresholds": thresholds}


def _where(where: str, config_file: Path) -> str:
    """A request problem's field as the option or file field it came from."""
    if where.startswith("thresholds."):
        return "--" + where.removeprefix("thresholds.")
    if where.startswith("scopes."):
        return _OPTION.get(where.rpartition(".")[2], "--window")
    return f"{config_file}: {where}"


async def _judge(
    config: CanaryConfig, options: LiveOptions, thresholds: dict[str, float], config_file: Path
) -> dict[str, Any]:
    try:
        addresses = default_addresses(Settings())
    except ValueError:  # a server setting that is wrong: `augur serve` says so
        addresses = {}
    async with outbound_client(CLI_POLICY) as http:
        metricsets = MetricSets(http, addresses)
        try:
            request = parse_request(options.request(thresholds), config, metricsets.sources(config))
        except JudgeConfigError as exc:
            fail_usage([f"{_where(w, config_file)}: {m}" for w, m in exc.problems])
        report = await judge_live(
            config,
            request,
            metricsets=metricsets,
            credentials=local_credentials(options.secrets_dir),
        )
    result: dict[str, Any] = report.document["judgeResult"]
    return result


def live_result(
    config: CanaryConfig, options: LiveOptions, thresholds: dict[str, float], config_file: Path
) -> dict[str, Any]:
    """The judge's CanaryJudgeResult over live series; exits 64 or 2 on trouble."""
    try:
        return asyncio.run(_judge(config, options, thresholds, config_file))
    except ProviderError as exc:
        print(f"augur judge: {exc}", file=sys.stderr)
        raise typer.Exit(EXIT_ERROR) from None
