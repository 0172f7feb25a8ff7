"""``loop`` vectors: metric/run assessment, task generation, wake-ups, retention and TTL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.engine.assess import assess_metric, assess_run, limit_check
from app.engine.schedule import (
    DEFAULT_MEASUREMENT_HISTORY_LIMIT,
    due_metrics,
    next_reconcile,
    requeue_after,
    trim_measurements,
    ttl_expired,
)
from app.spec.models import TtlStrategy
from app.spec.status import AnalysisRunStatus, Measurement, MetricResult, Phase
from tests.engine.builders import NOW, ago, measurement, metric, result, status
from tests.engine.vectors import cases, section


@pytest.mark.parametrize("case", cases(section("loop", "metric_status")))
def test_metric_status(case: dict[str, Any]) -> None:
    phase = assess_metric(
        metric(case["metric"]), result("metric", case["result"]), terminating=case["terminating"]
    )
    assert phase == case["expected_metric_phase"]


@pytest.mark.parametrize("case", cases(section("loop", "failure_inconclusive_error_messages")))
def test_failure_inconclusive_error_messages(case: dict[str, Any]) -> None:
    phase, message = limit_check(metric(case["metric"]), result("metric", case["counters"]))
    assert (phase, message) == (case["expected_phase"], case["expected_message"])


def task_status(case: dict[str, Any]) -> Any:
    started = None
    if "run_started_seconds_ago" in case:
        started = ago(case["run_started_seconds_ago"])
    if "results" in case:
        return status(*(result(n, r) for n, r in case["results"].items()), started_at=started)
    raw = dict(case.get("result", {}))
    last = case.get("last_measurement")
    if last is None and "result" not in case:
        return status(started_at=started)
    if last is not None and "measurements" not in raw:
        finished = None
        if "finished_seconds_ago" in last:
            finished = ago(last["finished_seconds_ago"])
        resume = None
        if "resumeAt_seconds_from_now" in last:
            resume = NOW + timedelta(seconds=last["resumeAt_seconds_from_now"])
        raw["measurements"] = [
            Measurement(
                phase=Phase(last.get("phase", "Running")),
                started_at=ago(last.get("started_seconds_ago", 70)),
                finished_at=finished,
                resume_at=resume,
            )
        ]
    return status(result("metric", raw), started_at=started)


@pytest.mark.parametrize("case", cases(section("loop", "task_generation")))
def test_task_generation(case: dict[str, Any]) -> None:
    metrics = (
        [metric(n) for n in case["metrics"]] if "metrics" in case else [metric(case["metric"])]
    )
    tasks = due_metrics(metrics, task_status(case), now=NOW)
    assert len(tasks) == case["expected_tasks"]
    if case.get("expected_task_resumes_incomplete"):
        assert tasks[0].kind == "resume"
        assert tasks[0].in_flight is not None


def reconcile_status(case: dict[str, Any]) -> Any:
    started = ago(case.get("run_started_seconds_ago", 0))
    note = case.get("note", "")
    results = []
    for raw in case["metrics"]:
        name = raw["name"]
        if note in ("metric phase already Successful", "metric Successful"):
            results.append(
                result(name, {"count": 1, "measurement_phases": ["Successful"]}, phase="Successful")
            )
        elif note.startswith("in-flight"):
            m = Measurement(phase=Phase.RUNNING, started_at=ago(5))
            if "resumeAt now+10s" in note:
                m.resume_at = NOW + timedelta(seconds=10)
            results.append(result(name, {"measurements": [m]}))
        elif name in case.get("last_finished_seconds_ago", {}):
            phase = case.get("last_measurement_phase", "Successful")
            finished = ago(case["last_finished_seconds_ago"][name])
            counted = 0 if phase == "Error" else 1
            m = measurement(phase, finished=finished)
            results.append(
                result(name, {"count": counted, "error": 1 - counted, "measurements": [m]})
            )
    return status(*results, started_at=started)


@pytest.mark.parametrize("case", cases(section("loop", "next_reconcile")))
def test_next_reconcile(case: dict[str, Any]) -> None:
    metrics = [metric(m) for m in case["metrics"]]
    current = reconcile_status(case)
    at = next_reconcile(metrics, current, now=NOW)
    expected = case["expected_seconds_from_now"]
    if expected is None:
        assert at is None
        assert requeue_after(metrics, current, now=NOW) is None
    else:
        assert at is not None
        assert (at - NOW).total_seconds() == expected
        assert requeue_after(metrics, current, now=NOW) == timedelta(seconds=expected)


@pytest.mark.parametrize("case", cases(section("loop", "run_status")))
def test_run_status(case: dict[str, Any]) -> None:
    metrics = [metric(m) for m in case["metrics"]]
    current = status(*(result(r["name"], r) for r in case["results"]))
    assessed = assess_run(
        metrics,
        current,
        terminate=case["spec_terminate"],
        dry_run=frozenset(case["dry_run_metrics"]),
        now=NOW,
    )
    assert (assessed.phase, assessed.message) == (
        case["expected_run_phase"],
        case["expected_run_message"],
    )
    final = assessed.status
    for name, phase in case.get("expected_metric_phases", {}).items():
        found = final.result(name)
        assert found is not None
        assert found.phase == phase
    for name, message in case.get("expected_metric_messages", {}).items():
        found = final.result(name)
        assert found is not None
        assert found.message == message
    if "expected_dryRunSummary" in case:
        assert final.dry_run_summary.model_dump() == case["expected_dryRunSummary"]
    assert final.started_at == NOW
    assert current.started_at is None  # the input is not modified


@pytest.mark.parametrize("case", cases(section("loop", "measurement_retention")))
def test_measurement_retention(case: dict[str, Any]) -> None:
    if "fact" in case:
        assert DEFAULT_MEASUREMENT_HISTORY_LIMIT == 10
        values = [str(i) for i in range(12)]
        current = status(result("m", {"measurements": [_valued(v) for v in values]}))
        for limit in (0, -1):
            trimmed = trim_measurements(current, {"m": limit})
            assert [m.value for m in trimmed.metric_results[0].measurements] == values[2:]
        return
    current = status(
        *(
            result(name, {"count": len(vs), "measurements": [_valued(v) for v in vs]})
            for name, vs in case["before"].items()
        )
    )
    trimmed = trim_measurements(current, case["retention"], default_limit=case["default_limit"])
    after = {r.name: [m.value for m in r.measurements] for r in trimmed.metric_results}
    assert after == case["after"]
    assert [r.count for r in trimmed.metric_results] == [len(v) for v in case["before"].values()]


def _valued(value: str) -> Measurement:
    m = measurement("Successful")
    m.value = value
    return m


@pytest.mark.parametrize("case", cases(section("loop", "ttl")))
def test_ttl(case: dict[str, Any]) -> None:
    if "fact" in case:
        ttl = TtlStrategy(seconds_after_completion=1)
        done = status()
        done.phase, done.completed_at = Phase.SUCCESSFUL, ago(10)
        fact = case["source"].rsplit(":", 1)[-1]
        if fact.endswith("NoGCIfNotCompleted"):
            running = status()
            running.phase, running.completed_at = Phase.RUNNING, ago(10)
            assert not ttl_expired(running, ttl, now=NOW)
        elif fact.endswith("NoGCIfNoTTLStrategy"):
            assert not ttl_expired(done, None, now=NOW)
        elif fact.endswith("NoGCIfNoCompletedAt"):
            done.completed_at = None
            assert not ttl_expired(done, ttl, now=NOW)
        else:  # deletionTimestamp: deciding again is harmless; the store deletes once
            assert ttl_expired(done, ttl, now=NOW)
            assert ttl_expired(done, ttl, now=NOW)
        return
    current = status()
    current.phase = Phase(case["phase"])
    current.completed_at = ago(case["completed_seconds_ago"])
    assert ttl_expired(current, TtlStrategy.model_validate(case["ttl"]), now=NOW) == case["deleted"]


def test_counters_of_a_result_are_not_trimmed() -> None:
    many = MetricResult(
        name="m",
        phase=Phase.RUNNING,
        count=30,
        successful=30,
        measurements=[measurement("Successful") for _ in range(30)],
    )
    trimmed = trim_measurements(status(many), {})
    assert len(trimmed.metric_results[0].measurements) == 10
    assert trimmed.metric_results[0].count == 30


def test_status_reads_argos_json() -> None:
    argo = {
        "phase": "",
        "metricResults": [
            {
                "name": "m",
                "phase": "Running",
                "count": 1,
                "successful": 1,
                "consecutiveSuccess": 1,
                "measurements": [
                    {
                        "phase": "Successful",
                        "startedAt": "2026-01-01T11:59:00Z",
                        "finishedAt": "2026-01-01T11:59:01Z",
                        "value": "[0.99]",
                    }
                ],
            }
        ],
        "startedAt": "2026-01-01T11:59:00Z",
        "runSummary": {"count": 1},
    }
    parsed = AnalysisRunStatus.model_validate(argo)
    assert parsed.phase is None
    assert parsed.metric_results[0].measurements[0].finished_at == ago(59)
    dumped = parsed.model_dump(mode="json", exclude_none=True)
    assert dumped["metricResults"][0]["measurements"][0]["finishedAt"] == "2026-01-01T11:59:01Z"
    assert dumped["dryRunSummary"] == {
        "count": 0,
        "successful": 0,
        "failed": 0,
        "inconclusive": 0,
        "error": 0,
    }
