"""``loop.reconcile`` vectors: whole reconciles of Argo's controller tests, with a fake provider."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.spec.args import DirectorySecrets
from app.spec.models import AnalysisRun
from app.spec.status import AnalysisRunStatus, Measurement, Phase
from tests.engine.builders import NOW, WEB, ago, measurement, result
from tests.engine.harness import FakeProvider, reconcile, settle
from tests.engine.vectors import cases, section

Handler = Any
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Any:
    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
        return fn

    return register


def run_of(
    metrics: list[dict[str, Any]],
    *,
    status: AnalysisRunStatus | None = None,
    **spec: Any,
) -> AnalysisRun:
    full = [{"provider": WEB, **m} for m in metrics]
    return AnalysisRun.model_validate({"spec": {"metrics": full, **spec}, "status": status})


def get(run: AnalysisRun, name: str) -> Any:
    assert run.status is not None
    found = run.status.result(name)
    assert found is not None
    return found


@handles("TestReconcileAnalysisRunInitial")
def initial(case: dict[str, Any], tmp_path: Path) -> None:
    run = run_of([{"name": "m", **case["metric"]}])
    done, _ = reconcile(run, FakeProvider(run_phase=case["provider_returns"]), now=NOW)
    expected = case["expected"]
    assert done.status is not None
    assert get(done, "m").phase == expected["metric_phase"]
    assert done.status.phase == expected["run_phase"]
    assert len(get(done, "m").measurements) == expected["measurements"]
    assert done.status.started_at == NOW


@handles("TestReconcileAnalysisRunInvalid")
def invalid(case: dict[str, Any], tmp_path: Path) -> None:
    run = run_of([{"name": "m", **case["metric"]}])
    done, _ = reconcile(run, FakeProvider(), now=NOW)
    assert done.status is not None
    assert done.status.phase == case["expected"]["run_phase"]
    message = case["expected"]["run_message"].split(" (message text derived")[0]
    assert done.status.message == message
    assert done.status.started_at is None
    assert done.status.completed_at is None


@handles("TestReconcileAnalysisRunTerminateSiblingAfterFail")
def terminate_sibling(case: dict[str, Any], tmp_path: Path) -> None:
    for phase in case["for_each_X"]:
        counters = {"Failed": "failed", "Inconclusive": "inconclusive", "Error": "consecutiveError"}
        bad = result(
            "failed-metric", {counters[phase]: 5, "measurement_phases": [phase]}, phase=phase
        )
        in_flight = Measurement(phase=Phase.RUNNING, started_at=ago(30))
        forever = result("run-forever", {"measurements": [in_flight]})
        status = AnalysisRunStatus(metric_results=[forever, bad], started_at=ago(60))
        run = run_of(
            [
                {"name": "run-forever", "interval": "1m"},
                {"name": "failed-metric", "interval": "1m"},
            ],
            status=status,
        )
        provider = FakeProvider(terminate_phase=case["provider_terminate_returns"])
        done = settle(run, provider, now=NOW)
        expected = case["expected"]
        assert done.status is not None
        assert done.status.phase == phase
        assert get(done, "failed-metric").phase == phase
        sibling = get(done, "run-forever")
        assert sibling.phase == expected["run-forever_phase"]
        assert sibling.message == expected["run-forever_message"]
        assert sibling.measurements[-1].phase == expected["run-forever_measurement_phase"]
        assert sibling.measurements[-1].message == expected["run-forever_measurement_message"]
        assert sibling.measurements[-1].finished_at == NOW
        assert provider.calls == [("terminate", "run-forever")]


@handles("TestReconcileAnalysisRunResumeInProgress")
def resume(case: dict[str, Any], tmp_path: Path) -> None:
    in_flight = Measurement(phase=Phase.RUNNING, started_at=ago(30))
    status = AnalysisRunStatus(metric_results=[result("m", {"measurements": [in_flight]})])
    run = run_of([{"name": "m", **case["metric"]}], status=status)
    done, _ = reconcile(run, FakeProvider(resume_phase=case["provider_resume_returns"]), now=NOW)
    assert done.status is not None
    assert done.status.phase == case["expected"]["run_phase"]
    assert get(done, "m").phase == case["expected"]["metric_phase"]
    assert get(done, "m").measurements == [
        in_flight.model_copy(update={"phase": Phase.SUCCESSFUL, "finished_at": NOW})
    ]


@handles("TestRunMeasurementsResetConsecutiveErrorCounter")
def error_counter(case: dict[str, Any], tmp_path: Path) -> None:
    status = AnalysisRunStatus(metric_results=[result("m", case["state"])])
    run = run_of([{"name": "m", **case["metric"]}], status=status)
    done, _ = reconcile(run, FakeProvider(run_phase=case["provider_returns"]), now=NOW)
    found = get(done, "m")
    expected = case["expected"]
    assert (found.consecutive_error, found.error, found.count) == (
        expected["consecutiveError"],
        expected["error"],
        expected["count"],
    )


@handles("TestAssessRunStatusWithOnlyDryRunMetrics")
def only_dry_run(case: dict[str, Any], tmp_path: Path) -> None:
    ok = result(
        "success-metric",
        {"count": 1, "successful": 1, "dryRun": True, "measurement_phases": ["Successful"]},
        phase="Successful",
    )
    run = run_of(
        [{"name": "success-metric"}],
        status=AnalysisRunStatus(metric_results=[ok]),
        dryRun=[{"metricName": "success-metric"}],
    )
    done, _ = reconcile(run, FakeProvider(), now=NOW)
    assert done.status is not None
    assert done.status.phase == case["expected"]["run_phase"]
    assert done.status.completed_at == NOW


@handles("TestAssessRunStatusWithMixedMetrics")
def mixed(case: dict[str, Any], tmp_path: Path) -> None:
    in_flight = Measurement(phase=Phase.RUNNING, started_at=ago(30))
    wet = result("run-forever", {"inconclusive": 1, "count": 1, "measurements": [in_flight]})
    dry = result(
        "success-metric",
        {"failed": 1, "count": 1, "dryRun": True, "measurement_phases": ["Failed"]},
        phase="Successful",
    )
    run = run_of(
        [{"name": "run-forever", "interval": "1m"}, {"name": "success-metric"}],
        status=AnalysisRunStatus(metric_results=[wet, dry]),
        dryRun=[{"metricName": "success-metric"}],
    )
    done, _ = reconcile(run, FakeProvider(resume_phase="Successful"), now=NOW)
    assert done.status is not None
    assert (done.status.phase, done.status.message) == (
        case["expected"]["run_phase"],
        case["expected"]["run_message"],
    )


@handles(
    "TestAssessRunStatusWorstMessageInReconcileAnalysisRun",
    "TestAssessRunStatusWorstMessageInReconcileAnalysisRunInDryRunMode",
)
def worst_message(case: dict[str, Any], tmp_path: Path) -> None:
    dry = case["source"].endswith("InDryRunMode")
    results = [
        result(
            n,
            {"failed": 1, "count": 1, "dryRun": dry, "measurement_phases": ["Failed"]},
            phase="Failed",
        )
        for n in ("run-forever", "failed-metric")
    ]
    spec: dict[str, Any] = {"dryRun": [{"metricName": ".*"}]} if dry else {}
    run = run_of(
        [{"name": "run-forever", "interval": "1m"}, {"name": "failed-metric", "interval": "1m"}],
        status=AnalysisRunStatus(metric_results=results),
        **spec,
    )
    done, _ = reconcile(run, FakeProvider(), now=NOW)
    expected = case["expected"]
    assert done.status is not None
    assert (done.status.phase, done.status.message) == (
        expected["run_phase"],
        expected["run_message"],
    )
    if dry:
        assert done.status.dry_run_summary.model_dump() == expected["dryRunSummary"]
        for name in ("run-forever", "failed-metric"):
            assert get(done, name).message == expected["metric_messages"]


@handles("TestTerminateAnalysisRun", "TestTerminateAnalysisRunInDryRunMode")
def terminate(case: dict[str, Any], tmp_path: Path) -> None:
    run = run_of(
        [{"name": "success-rate", **case["metric"]}],
        status=AnalysisRunStatus(started_at=NOW),
        **case["spec"],
    )
    provider = FakeProvider()
    done, _ = reconcile(run, provider, now=NOW)
    expected = case["expected"]
    assert done.status is not None
    assert (done.status.phase, done.status.message) == (
        expected["run_phase"],
        expected["run_message"],
    )
    assert provider.calls == []
    if "dryRunSummary" in expected:
        assert done.status.dry_run_summary.model_dump() == expected["dryRunSummary"]


@handles("TestResolveMetricArgsUnableToSubstitute")
def unable_to_substitute(case: dict[str, Any], tmp_path: Path) -> None:
    raw = {
        "name": "rate",
        "successCondition": case["metric"]["successCondition"],
        "provider": {"prometheus": {"query": case["metric"]["provider.prometheus.query"]}},
    }
    for dry_run in case["dryRun_variants"]:
        run = run_of([raw], args=case["args"], dryRun=dry_run)
        done, _ = reconcile(run, FakeProvider(), now=NOW)
        assert done.status is not None
        assert done.status.phase == case["expected"]["run_phase"]
        assert done.status.message == case["expected"]["run_message"]


@handles("TestGetMetadataIsCalled")
def metadata(case: dict[str, Any], tmp_path: Path) -> None:
    raw = {
        "name": "rate",
        "successCondition": case["metric"]["successCondition"],
        "provider": {"prometheus": {"query": case["metric"]["provider.prometheus.query"]}},
    }
    run = run_of([raw], args=case["args"])
    provider = FakeProvider(metadata={"ResolvedPrometheusQuery": "success-rate"})
    done, _ = reconcile(run, provider, now=NOW)
    assert done.status is not None
    assert done.status.phase == case["expected"]["run_phase"]
    assert get(done, "rate").metadata == {"ResolvedPrometheusQuery": "success-rate"}


def secret_dir(tmp_path: Path, name: str, key: str, value: str) -> DirectorySecrets:
    (tmp_path / name).mkdir()
    (tmp_path / name / key).write_text(value)
    return DirectorySecrets(tmp_path)


@handles("TestSecretContentReferenceSuccess")
def secret_success(case: dict[str, Any], tmp_path: Path) -> None:
    secrets = secret_dir(tmp_path, "web-metric-secret", "apikey", "12345")
    raw = {
        "name": "m",
        "provider": {
            "web": {"url": "http://x", "headers": [{"key": "apikey", "value": "{{args.apikey}}"}]}
        },
    }
    seen: list[Any] = []
    base = FakeProvider()

    def provider(task: Any, metric: Any, now: Any) -> Any:
        seen.append(metric.provider.web["headers"][0]["value"])
        return base(task, metric, now)

    run = run_of([raw], args=case["args"])
    done, _ = reconcile(run, provider, now=NOW, secrets=secrets)
    assert done.status is not None
    assert done.status.phase == case["expected"]["run_phase"]
    assert seen == ["12345"]


@handles("TestSecretContentReferenceProviderError")
def secret_redacted(case: dict[str, Any], tmp_path: Path) -> None:
    secrets = secret_dir(tmp_path, "web-metric-secret", "apikey", case["secret_value"])
    args = [
        {
            "name": "apikey",
            "valueFrom": {"secretKeyRef": {"name": "web-metric-secret", "key": "apikey"}},
        }
    ]
    run = run_of([{"name": "m", "successCondition": "{{args.apikey}} > 0"}], args=args)
    provider = FakeProvider(run_phase="Error", message=case["provider_message"])
    done, _ = reconcile(run, provider, now=NOW, secrets=secrets)
    assert get(done, "m").measurements[-1].message == case["expected"]["measurement_message"]


@handles("TestSecretNotFound", "TestKeyNotInSecret")
def secret_missing(case: dict[str, Any], tmp_path: Path) -> None:
    if case["source"].endswith("TestKeyNotInSecret"):
        secrets = secret_dir(tmp_path, "secret-name", "other", "x")
    else:
        secrets = DirectorySecrets(tmp_path)
    run = run_of([{"name": "m"}], args=case["args"])
    done, _ = reconcile(run, FakeProvider(), now=NOW, secrets=secrets)
    assert done.status is not None
    assert done.status.phase == Phase.ERROR
    assert done.status.message == (
        "Unable to resolve metric arguments: " + case["expected"]["resolveArgs_error"]
    )


@handles("TestSecretResolution")
def secret_resolution(case: dict[str, Any], tmp_path: Path) -> None:
    secrets = secret_dir(tmp_path, "s", "k", case["secret_value"])
    args = [{"name": "secret", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    seen: list[str] = []
    base = FakeProvider()

    def provider(task: Any, metric: Any, now: Any) -> Any:
        seen.append(metric.success_condition)
        return base(task, metric, now)

    run = run_of([{"name": "m", **case["metric"]}], args=args)
    reconcile(run, provider, now=NOW, secrets=secrets)
    assert seen == [case["expected"]["resolved_successCondition"]]


@handles("TestInvalidDryRunConfigThrowsError", "TestInvalidMeasurementsRetentionConfigThrowsError")
def invalid_rules(case: dict[str, Any], tmp_path: Path) -> None:
    run = run_of([{"name": n} for n in case["metrics"]], **case["spec"])
    done, _ = reconcile(run, FakeProvider(), now=NOW)
    assert done.status is not None
    assert (done.status.phase, done.status.message) == (
        case["expected"]["run_phase"],
        case["expected"]["run_message"],
    )


@handles("TestFailedToCreateProviderError")
def factory_error(case: dict[str, Any], tmp_path: Path) -> None:
    run = run_of([{"name": "m"}])
    done, _ = reconcile(run, FakeProvider(factory_error=case["provider_factory_error"]), now=NOW)
    last = get(done, "m").measurements[-1]
    assert (last.phase, last.message) == (
        case["expected"]["measurement_phase"],
        case["expected"]["measurement_message"],
    )
    assert last.started_at == NOW
    assert last.finished_at == NOW


@handles("TestCompletedTimeFilled", "TestTtlNotGCInProgressAnalysisRun")
def completed_time(case: dict[str, Any], tmp_path: Path) -> None:
    done_already = case["source"].endswith("TestCompletedTimeFilled")
    existing = result(
        "m",
        {"count": 1, "successful": 1, "measurements": [measurement("Successful", finished=ago(5))]},
        phase="Successful" if done_already else "Running",
    )
    run = run_of(
        [{"name": "m", **case["metric"]}],
        status=AnalysisRunStatus(metric_results=[existing], started_at=ago(60)),
    )
    done, _ = reconcile(run, FakeProvider(), now=NOW)
    assert done.status is not None
    assert done.status.phase == case["expected"]["run_phase"]
    expected_completed = NOW if case["expected"]["completedAt"] == "now" else None
    assert done.status.completed_at == expected_completed


@pytest.mark.parametrize("case", cases(section("loop", "reconcile")))
def test_reconcile_vector(case: dict[str, Any], tmp_path: Path) -> None:
    HANDLERS[case["source"].rsplit(":", 1)[-1]](case, tmp_path)


def test_every_reconcile_vector_has_a_scenario() -> None:
    names = {c["source"].rsplit(":", 1)[-1] for c in section("loop", "reconcile")}
    assert names <= set(HANDLERS)
