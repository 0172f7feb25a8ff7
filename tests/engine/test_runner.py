"""The async runner over the replay provider, on a virtual clock: loop scenarios end to end."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli.local import run_locally
from app.engine.conditions import typed_result
from app.expr import Float64List
from app.service.submit import build_run, check_run, parse_args, read_documents
from app.spec.models import AnalysisRun
from app.spec.status import Phase

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-apdex-replay.yaml"
START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SERVICE = "canary|reviews|bookinfo|cp-cluster-1|-"


def apdex(*values: float) -> dict[str, Any]:
    points = [{"id": str(i), "value": v, "isEmptyValue": False} for i, v in enumerate(values)]
    return {"value": {"service_apdex": {"values": {"values": points}}}}


def seed_run(results: list[dict[str, Any]], **metric: Any) -> AnalysisRun:
    document = yaml.safe_load(SEED.read_text())
    document["spec"]["metrics"][0]["provider"]["replay"]["results"] = results
    document["spec"]["metrics"][0].update(metric)
    submission = read_documents([("seed", yaml.safe_dump(document))])
    run = build_run(submission, args=parse_args([f"service-name={SERVICE}"]))
    check_run(run)
    return run


HEALTHY = [apdex(9950, 9960, 9940)] * 5
FAILING = [apdex(9950, 9500, 9400)] * 5
FLAKY = [
    apdex(9950),
    {"error": "upstream 503"},
    apdex(9800),
    apdex(9990),
    {"error": "timeout"},
    apdex(9950),
]


@pytest.mark.parametrize(
    ("results", "count", "phase", "counters"),
    [
        pytest.param(HEALTHY, 5, Phase.SUCCESSFUL, (5, 5, 0, 0), id="healthy"),
        # failureLimit 3: the run fails on the 4th failed measurement (strict >), not before.
        pytest.param(FAILING, 5, Phase.FAILED, (4, 0, 4, 0), id="failing"),
        # Errors do not count toward `count`; one failure stays within failureLimit.
        pytest.param(FLAKY, 4, Phase.SUCCESSFUL, (4, 3, 1, 2), id="flaky"),
    ],
)
async def test_seed_scenarios(
    results: list[dict[str, Any]],
    count: int,
    phase: Phase,
    counters: tuple[int, int, int, int],
) -> None:
    done = await run_locally(seed_run(results, count=count), virtual_time=True, start=START)
    assert done.status is not None
    assert done.status.phase is phase
    metric = done.status.metric_results[0]
    assert (metric.count, metric.successful, metric.failed, metric.error) == counters


async def test_a_thirty_minute_analysis_replays_on_the_virtual_clock() -> None:
    done = await run_locally(seed_run(HEALTHY, count=5), virtual_time=True, start=START)
    assert done.status is not None
    started = [m.started_at for m in done.status.metric_results[0].measurements]
    # One measurement every 5 minutes (just after each wake-up), 20 virtual minutes in all.
    assert started[0] == START
    assert [b - a for a, b in itertools.pairwise(started)] == [
        timedelta(minutes=5, milliseconds=1)
    ] * 4


async def test_errors_are_retried_after_ten_seconds_and_the_fifth_in_a_row_decides() -> None:
    errors = [{"error": f"connection refused {i}"} for i in range(6)]
    done = await run_locally(seed_run(errors, count=5), virtual_time=True, start=START)
    assert done.status is not None
    assert done.status.phase is Phase.ERROR
    measurements = done.status.metric_results[0].measurements
    gaps = {b.started_at - a.started_at for a, b in itertools.pairwise(measurements)}
    assert gaps == {timedelta(seconds=10, milliseconds=1)}
    assert measurements[-1].message == "connection refused 4"
    assert done.status.metric_results[0].error == 5


async def test_replay_exhausted_is_an_error_measurement() -> None:
    done = await run_locally(seed_run([apdex(9950)], count=4), virtual_time=True, start=START)
    assert done.status is not None
    assert done.status.phase is Phase.ERROR
    after_first = done.status.metric_results[0].measurements[1:]
    assert {(m.phase, m.message) for m in after_first} == {(Phase.ERROR, "replay exhausted")}


async def test_a_condition_error_is_an_error_measurement_with_argos_message() -> None:
    run = seed_run([{"value": {"unexpected": 1}}], count=4)
    done = await run_locally(run, virtual_time=True, start=START)
    assert done.status is not None
    message = done.status.metric_results[0].measurements[0].message
    assert message.startswith(
        'could not evaluate successCondition "all(result.service_apdex.values.values, '
        '{asFloat(.value) >= 9900})": '
    )


@pytest.mark.parametrize(
    ("condition", "phase"),
    [
        pytest.param(
            "cel: result.service_apdex.values.values.all(p, double(p.value) >= 9900.0)",
            Phase.SUCCESSFUL,
            id="cel-healthy",
        ),
        pytest.param(
            "cel: result.service_apdex.values.values.all(p, double(p.value) >= 9990.0)",
            Phase.FAILED,
            id="cel-failing",
        ),
    ],
)
async def test_a_cel_condition_runs_through_the_same_loop(condition: str, phase: Phase) -> None:
    run = seed_run(HEALTHY, count=4, successCondition=condition)
    done = await run_locally(run, virtual_time=True, start=START)
    assert done.status is not None
    assert done.status.phase is phase


def test_a_prometheus_vector_reaches_conditions_as_gos_float64_slice() -> None:
    typed = typed_result([0.97, 0.95], "[]float64")
    assert isinstance(typed, Float64List)
    assert typed == [0.97, 0.95]
    assert type(typed_result([0.97], "")) is list
    assert typed_result(0.97, "float64") == 0.97
