"""A verdict that is not Successful says why: the measurement's message and the run's message.

Argo leaves a Failed or Inconclusive measurement's message blank; augur names the condition that
decided and the values that decided it (the wording itself is tests/expr/test_explain.py). Here:
which condition is named, CEL, and the messages of whole runs on the real runner with the replay
provider, a virtual clock, and args read from secrets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.conditions import compile_conditions, evaluate_result
from app.engine.runner import Runner, VirtualClock, provider_cache
from app.spec.args import DirectorySecrets
from app.spec.models import AnalysisRun
from app.spec.status import Phase
from providers import registry
from providers.base import MeasureContext, Measured, Provider

SEED = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def apdex(*values: float) -> dict[str, Any]:
    return {"service_apdex": {"values": {"values": [{"value": v} for v in values]}}}


@pytest.mark.parametrize(
    ("success", "failure", "result", "phase", "message"),
    [
        pytest.param("result > 1", "", 2.0, Phase.SUCCESSFUL, "", id="successful-says-nothing"),
        pytest.param("result > 1", "", 0.5, Phase.FAILED,
                     "successCondition result > 1 is false: result is 0.5", id="success-false"),
        pytest.param("", "result < 1", 0.5, Phase.FAILED,
                     "failureCondition result < 1 is true: result is 0.5", id="failure-true"),
        pytest.param("result > 0", "result < 1", 0.5, Phase.FAILED,
                     "failureCondition result < 1 is true: result is 0.5",
                     id="failure-wins-over-success"),
        pytest.param("result > 0.9", "result < 0.1", 0.5, Phase.INCONCLUSIVE,
                     "neither condition decided: successCondition result > 0.9 is false "
                     "(result is 0.5) and failureCondition result < 0.1 is false (result is 0.5)",
                     id="inconclusive"),
        pytest.param("", "any(result, {# < 0.5})", [0.9, 0.2], Phase.FAILED,
                     "failureCondition any(result, {# < 0.5}) is true: "
                     "1 of 2 points matches # < 0.5: 0.2 at index 1",
                     id="which-points-made-a-failure-true"),
        pytest.param("all(result,\n  {# > 0.5})", "", [0.9, 0.2], Phase.FAILED,
                     "successCondition all(result, {# > 0.5}) is false: "
                     "1 of 2 points fails # > 0.5: 0.2 at index 1",
                     id="multi-line-condition-on-one-line"),
        pytest.param("cel: result.p99 < 250.0", "", {"p99": 310.0}, Phase.FAILED,
                     'successCondition cel: result.p99 < 250.0 is false: result is {"p99":310}',
                     id="cel-success"),
        pytest.param("", "cel: result.all(x, x < 0.5)", [0.1], Phase.FAILED,
                     "failureCondition cel: result.all(x, x < 0.5) is true: result is [0.1]",
                     id="cel-failure"),
    ],
)  # fmt: skip
def test_the_message_names_the_condition_that_decided(
    success: str, failure: str, result: Any, phase: Phase, message: str
) -> None:
    evaluation = evaluate_result(result, compile_conditions(success, failure))
    assert (evaluation.phase, evaluation.message) == (phase, message)


def run_of(results: list[Any], *, args: list[dict[str, Any]] | None = None, **metric: Any) -> Any:
    return AnalysisRun.model_validate(
        {
            "metadata": {"name": "why", "namespace": "bookinfo"},
            "spec": {
                "args": args or [],
                "metrics": [
                    {
                        "name": "apdex",
                        "interval": "5m",
                        "successCondition": SEED,
                        "provider": {"replay": {"results": [{"value": v} for v in results]}},
                        **metric,
                    }
                ],
            },
        }
    )


async def run_to_end(run: AnalysisRun, *, secrets: Path | None = None) -> AnalysisRun:
    async with httpx.AsyncClient() as http:

        def build(block: Mapping[str, Any]) -> Provider:
            return registry.build(block, http=http)

        source, _ = provider_cache(build)
        runner = Runner(
            clock=VirtualClock(START),
            providers=source,
            secrets=DirectorySecrets(secrets) if secrets else None,
        )
        return await runner.run(run)


WHY_FAILED = (
    f"successCondition {SEED} is false: 2 of 3 points fail asFloat(.value) >= 9900: "
    "9400 at index 2, 9500 at index 1"
)


async def test_a_run_past_its_failure_limit_names_the_metric_the_limit_and_the_reason() -> None:
    done = await run_to_end(run_of([apdex(9950, 9500, 9400)] * 5, count=5, failureLimit=3))
    assert done.status is not None
    measurements = done.status.metric_results[0].measurements
    assert [(m.phase, m.message) for m in measurements] == [(Phase.FAILED, WHY_FAILED)] * 4
    assert (done.status.phase, done.status.message) == (
        Phase.FAILED,
        f'Metric "apdex" assessed Failed due to failed (4) > failureLimit (3): '
        f'"Error Message: {WHY_FAILED}"',
    )


async def test_an_inconclusive_run_says_neither_condition_decided() -> None:
    run = run_of(
        [apdex(9500)], failureCondition="result.service_apdex.values.values[0].value < 9000"
    )
    done = await run_to_end(run)
    assert done.status is not None
    why = (
        f"neither condition decided: successCondition {SEED} is false (the only point fails "
        "asFloat(.value) >= 9900: 9500 at index 0) and failureCondition "
        "result.service_apdex.values.values[0].value < 9000 is false "
        "(result.service_apdex.values.values[0].value is 9500)"
    )
    assert done.status.metric_results[0].measurements[0].message == why
    assert done.status.message == (
        'Metric "apdex" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0): '
        f'"Error Message: {why}"'
    )


async def test_a_secret_in_the_condition_never_reaches_the_message(tmp_path: Path) -> None:
    (tmp_path / "slo").mkdir()
    (tmp_path / "slo" / "floor").write_text("9900.5")
    args = [{"name": "floor", "valueFrom": {"secretKeyRef": {"name": "slo", "key": "floor"}}}]
    condition = "all(result.service_apdex.values.values, {.value >= {{args.floor}}})"
    run = run_of([apdex(9000)], args=args, successCondition=condition)
    done = await run_to_end(run, secrets=tmp_path)
    assert done.status is not None
    message = done.status.metric_results[0].measurements[0].message
    assert message == (
        "successCondition all(result.service_apdex.values.values, {.value >= *****}) is false: "
        "the only point fails .value >= *****: 9000 at index 0"
    )
    assert "9900.5" not in (done.status.message or "")


@dataclass
class TimedSeries:
    """A provider that, like SkyWalking, knows when each point of its series was measured."""

    values: Sequence[float]
    kind: str = "timed"

    async def measure(self, ctx: MeasureContext) -> Measured:
        times = [ctx.now - timedelta(minutes=len(self.values) - i) for i in range(len(self.values))]
        return Measured(
            result=apdex(*self.values),
            value="",
            point_times={("service_apdex", "values", "values"): times},
        )

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


async def test_the_message_says_when_the_failing_points_were_measured() -> None:
    provider = TimedSeries([9950.0, 9500.0, 9990.0])
    runner = Runner(clock=VirtualClock(START), providers=lambda metric: provider)
    done = await runner.run(run_of([]))
    assert done.status is not None
    assert done.status.metric_results[0].measurements[0].message == (
        f"successCondition {SEED} is false: 1 of 3 points fails asFloat(.value) >= 9900: "
        "9500 at 11:58:00Z"
    )
