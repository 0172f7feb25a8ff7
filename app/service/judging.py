"""A judgement from live data: fetch both sides of every metric, judge, and make the report.

Shared by Kayenta executions (`app.service.executions`), the `judge` metric
(`app.service.judge_provider`) and `augur judge --control/--experiment`: the same fetch, the
same judge, the same report. The judge (numpy, scipy) runs on a worker thread, so a large
judgement never stalls the event loop that answers gates.

The report is what a dashboard draws: Kayenta's `CanaryJudgeResult` (every metric's
classification, reason and `statistics`: interval, p-value, effect) and the MetricSetPairs it
judged, each with both series and the time of every point.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from app.judge import CanaryConfig, judge, parse_pairs
from app.service.canary_request import ExecutionRequest
from app.service.metricsets import MetricSets
from providers.base import Credentials

__all__ = ["Report", "canary_duration", "judge_live"]


@dataclass(frozen=True, slots=True)
class Report:
    """A finished judgement: the document to keep, and its score and classification."""

    document: dict[str, Any]

    @property
    def score(self) -> float:
        return float(self.document["judgeResult"]["score"]["score"])

    @property
    def classification(self) -> str:
        return str(self.document["judgeResult"]["score"]["classification"])

    @property
    def reason(self) -> str:
        return str(self.document["judgeResult"]["score"]["classificationReason"])


def canary_duration(request: ExecutionRequest) -> str | None:
    """Kayenta's `canaryDuration` (`PT30M`): set only when every scope's window is as long."""
    lengths = {
        pair.side(side).end - pair.side(side).start
        for pair in request.scopes.values()
        for side in ("control", "experiment")
    }
    if len(lengths) != 1:
        return None
    seconds = int(lengths.pop().total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{seconds}S" if seconds or text == "PT" else "")


async def judge_live(
    config: CanaryConfig,
    request: ExecutionRequest,
    *,
    metricsets: MetricSets,
    credentials: Credentials,
    namespace: str = "",
) -> Report:
    """Fetch and judge. Raises JudgeConfigError (a query or request the config cannot serve)
    or ProviderError (a series that could not be fetched)."""
    pairs = await metricsets.fetch(config, request, credentials=credentials, namespace=namespace)
    parsed = parse_pairs(pairs)
    result = await asyncio.to_thread(
        judge,
        config,
        parsed,
        pass_threshold=request.pass_threshold,
        marginal_threshold=request.marginal_threshold,
    )
    document: dict[str, Any] = {"judgeResult": result, "metricSetPairs": pairs}
    duration = canary_duration(request)
    if duration is not None:
        document["canaryDuration"] = duration
    return Report(document)
