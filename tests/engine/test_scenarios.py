"""Whole runs over time: the timing rules of Argo's loop, driven by a fake provider and a clock."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from app.engine.conditions import compile_conditions
from app.engine.reconcile import Outcome, error_measurement, judge
from app.engine.schedule import MetricTask
from app.spec.models import AnalysisRun, Metric
from app.spec.status import Measurement, Phase
from tests.engine.builders import NOW, WEB
from tests.engine.harness import reconcile, settle


def run_of(*metrics: dict[str, Any], **spec: Any) -> AnalysisRun:
    return AnalysisRun.model_validate(
        {"spec": {"metrics": [{"provider": WEB, **m} for m in metrics], **spec}}
    )


class Script:
    """Answers each metric from a list of phases (the last one repeats)."""

    def __init__(self, **phases: list[str]) -> None:
        self.phases = {name: list(p) for name, p in phases.items()}
        self.calls: list[tuple[str, datetime]] = []

    def __call__(self, task: MetricTask, metric: Metric, now: datetime) -> Outcome:
        self.calls.append((metric.name, now))
        queue = self.phases[metric.name]
        phase = Phase(queue.pop(0) if len(queue) > 1 else queue[0])
        if phase is Phase.ERROR:
            return Outcome(task, error_measurement("boom", started_at=now))
        done = Measurement(phase=phase, started_at=now, finished_at=now, value="1")
        return Outcome(task, done)


def test_the_run_fails_one_pass_after_the_metric_so_reconcile_again_at_once() -> None:
    run = run_of({"name": "forever", "interval": "1m"}, {"name": "fails"})
    script = Script(forever=["Successful"], fails=["Failed"])
    first, result = reconcile(run, script, now=NOW)
    assert first.status is not None
    assert result is not None
    assert result.changed
    assert first.status.phase == Phase.RUNNING  # terminating was computed before the flip
    settled = settle(first, script, now=NOW)
    assert settled.status is not None
    assert settled.status.phase == Phase.FAILED
    assert (
        settled.status.message
        == 'Metric "fails" assessed Failed due to failed (1) > failureLimit (0)'
    )
    assert settled.status.completed_at == NOW
    assert [name for name, _ in script.calls] == ["forever", "fails"]


def drive(run: AnalysisRun, script: Script, *, until: datetime) -> AnalysisRun:
    """Follow the engine's own wake-up times, as the runner would."""
    now = NOW
    while now <= until:
        run, result = reconcile(run, script, now=now)
        while result is not None and result.changed:
            run, result = reconcile(run, script, now=now)
        if result is None or result.next_at is None:
            break
        now = max(result.next_at, now) + timedelta(seconds=1)  # "strictly after"
    return run


def test_errors_retry_after_ten_seconds_and_do_not_consume_count() -> None:
    run = run_of({"name": "m", "interval": "5m", "count": 2})
    script = Script(m=["Error", "Error", "Successful", "Successful"])
    done = drive(run, script, until=NOW + timedelta(hours=1))
    assert done.status is not None
    assert done.status.phase == Phase.SUCCESSFUL
    times = [t for _, t in script.calls]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps == [11, 11, 301]
    result = done.status.result("m")
    assert result is not None
    assert (result.count, result.error, result.consecutive_error) == (2, 2, 0)


def test_the_fifth_consecutive_error_decides() -> None:
    run = run_of({"name": "m", "interval": "1m"})
    script = Script(m=["Error"])
    done = drive(run, script, until=NOW + timedelta(hours=1))
    assert done.status is not None
    assert len(script.calls) == 5
    assert done.status.phase == Phase.ERROR
    assert done.status.message == (
        'Metric "m" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): '
        '"Error Message: boom"'
    )
    assert done.status.run_summary.model_dump() == {
        "count": 1,
        "successful": 0,
        "failed": 0,
        "inconclusive": 0,
        "error": 1,
    }


def test_tolerated_failures_still_succeed_at_count() -> None:
    run = run_of({"name": "m", "interval": "1m", "count": 3, "failureLimit": 1})
    done = drive(
        run, Script(m=["Failed", "Successful", "Successful"]), until=NOW + timedelta(hours=1)
    )
    assert done.status is not None
    assert done.status.phase == Phase.SUCCESSFUL
    assert done.status.message == ""


def test_initial_delay_counts_from_the_first_reconcile() -> None:
    run = run_of({"name": "m", "initialDelay": "30s"})
    script = Script(m=["Successful"])
    done = drive(run, script, until=NOW + timedelta(hours=1))
    assert done.status is not None
    assert done.status.phase == Phase.SUCCESSFUL
    assert [t for _, t in script.calls] == [NOW + timedelta(seconds=31)]


def test_history_is_trimmed_to_ten_by_default() -> None:
    run = run_of({"name": "m", "interval": "1s", "count": 15})
    done = drive(run, Script(m=["Successful"]), until=NOW + timedelta(hours=1))
    assert done.status is not None
    result = done.status.result("m")
    assert result is not None
    assert (len(result.measurements), result.count) == (10, 15)


def test_judge_clears_the_value_when_evaluation_fails() -> None:
    conditions = compile_conditions("result.missing.b == 1", "")
    measurement = judge(
        {"a": 1.0}, '{"a":1}', conditions, started_at=NOW, finished_at=NOW, metadata={"k": "v"}
    )
    assert measurement.phase == Phase.ERROR
    assert measurement.value == ""
    assert measurement.message == (
        'could not evaluate successCondition "result.missing.b == 1": cannot fetch b from <nil>'
    )
    ok = judge(
        {"a": 1.0},
        '{"a":1}',
        compile_conditions("result.a == 1", ""),
        started_at=NOW,
        finished_at=NOW,
    )
    assert (ok.phase, ok.value, ok.message) == (Phase.SUCCESSFUL, '{"a":1}', "")
