"""``template_merge`` vectors: FlattenTemplates, MergeArgs, NewAnalysisRunFromTemplates and the
dry-run / retention rule maps."""

from __future__ import annotations

from typing import Any

import pytest

from app.spec.errors import MergeError, SpecError
from app.spec.merge import build_run_spec, collect_templates, flatten_templates, merge_args
from app.spec.models import (
    AnalysisTemplate,
    Argument,
    ClusterAnalysisTemplate,
    DryRun,
    MeasurementRetention,
    Metric,
    TemplateRef,
)
from app.spec.validate import dry_run_metrics, retention_limits
from tests.engine.vectors import cases, section

WEB = {"web": {"url": "http://example.test"}}


def metric(raw: Any) -> dict[str, Any]:
    return {"name": raw, "provider": WEB} if isinstance(raw, str) else {"provider": WEB, **raw}


def spec_of(raw: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"metrics": [metric(m) for m in raw.get("metrics", [])]}
    if "args" in raw:
        spec["args"] = raw["args"]
    for key in ("dryRun", "measurementRetention"):
        if key in raw:
            spec[key] = [{"metricName": r} if isinstance(r, str) else r for r in raw[key]]
    return spec


def template(raw: dict[str, Any]) -> AnalysisTemplate:
    return AnalysisTemplate.model_validate({"metadata": {"name": "t"}, "spec": spec_of(raw)})


def cluster_template(raw: dict[str, Any]) -> ClusterAnalysisTemplate:
    return ClusterAnalysisTemplate.model_validate({"metadata": {"name": "c"}, "spec": spec_of(raw)})


def args_of(raw: list[dict[str, Any]] | None) -> list[Argument] | None:
    return None if raw is None else [Argument.model_validate(a) for a in raw]


def dumped(args: list[Argument] | None) -> list[dict[str, Any]] | None:
    if args is None:
        return None
    return [a.model_dump(by_alias=True, exclude_none=True) for a in args]


def run_flatten(case: dict[str, Any]) -> None:
    label = case["case"]
    if label == "duplicate dryRun rule":
        templates = [
            template({"metrics": ["foo"], "dryRun": ["foo"]}),
            template({"dryRun": ["foo"]}),
        ]
        clusters: list[ClusterAnalysisTemplate] = []
    elif label == "duplicate measurementRetention rule":
        rule = {"metricName": "foo", "limit": 5}
        templates = [
            template({"metrics": ["foo"], "measurementRetention": [rule]}),
            template({"measurementRetention": [rule]}),
        ]
        clusters = []
    else:
        templates = [template(t) for t in case.get("templates", [])]
        clusters = [cluster_template(t) for t in case.get("clusterTemplates", [])]
    if "expected_error" in case:
        with pytest.raises(MergeError) as caught:
            flatten_templates(templates, clusters)
        assert caught.value.message == case["expected_error"]
        return
    flat = flatten_templates(templates, clusters)
    expected = case["expected"]
    if expected == "same spec":
        assert flat == templates[0].spec
        return
    if "metrics" in expected:
        assert [m.name for m in flat.metrics] == expected["metrics"]
    if "args" in expected:
        assert (dumped(flat.args) or []) == (expected["args"] or [])
    if label.startswith("metrics concatenated"):
        assert [r.metric_name for r in flat.dry_run or []] == ["foo", "bar"]


def run_merge_args(case: dict[str, Any]) -> None:
    incoming, declared = args_of(case["incoming"]), args_of(case["template"])
    if "expected_error" in case:
        with pytest.raises(MergeError) as caught:
            merge_args(incoming, declared)
        assert caught.value.message == case["expected_error"]
    else:
        assert dumped(merge_args(incoming, declared)) == case["expected"]


def run_new_run(case: dict[str, Any]) -> None:
    label = case["case"]
    if label.startswith("template arg declared without value"):
        declared = template({"metrics": ["m"], "args": [{"name": "plain"}, {"name": "secret"}]})
        supplied = [
            Argument(name="plain", value="v"),
            Argument.model_validate(
                {"name": "secret", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
            ),
        ]
        spec = build_run_spec([declared], args=supplied)
        assert dumped(spec.args) == dumped(supplied)
        return
    if label.startswith("template arg 'unresolved'"):
        templates = [template({"metrics": ["m"], "args": [{"name": "unresolved"}]})]
    else:
        templates = [
            template({"metrics": ["success-rate"]}),
            template({"metrics": ["success-rate"]}),
        ]
    with pytest.raises(MergeError) as caught:
        build_run_spec(templates)
    assert caught.value.message == case["expected_error"]


def run_rules(case: dict[str, Any]) -> None:
    metrics = [Metric.model_validate(metric(n)) for n in case["metrics"]]
    dry = case["source"].endswith("TestGetDryRunMetrics")

    def build() -> Any:
        if dry:
            return dry_run_metrics([DryRun(metric_name=r) for r in case["rules"]], metrics)
        rules = [MeasurementRetention.model_validate(r) for r in case["rules"]]
        return retention_limits(rules, metrics)

    if "expected_error" in case:
        with pytest.raises(SpecError) as caught:
            build()
        assert caught.value.message == case["expected_error"]
        return
    found = build()
    if "expected_count" in case:
        assert len(found) == case["expected_count"]
    elif dry:
        assert {name: True for name in found} == case["expected"]
    else:
        assert found == {"success-rate": case["rules"][0]["limit"]}


RUNNERS = {
    "TestFlattenTemplates": run_flatten,
    "TestMergeArgs": run_merge_args,
    "TestNewAnalysisRunFromTemplates": run_new_run,
    "TestGetDryRunMetrics": run_rules,
    "TestGetMeasurementRetentionMetrics": run_rules,
}


@pytest.mark.parametrize("case", cases(section("template_merge")))
def test_template_merge_vector(case: dict[str, Any]) -> None:
    RUNNERS[case["source"].rsplit(":", 1)[-1]](case)


def test_caller_rules_go_first_and_duplicates_are_rejected() -> None:
    declared = template({"metrics": ["a", "b"], "dryRun": ["a"]})
    spec = build_run_spec([declared], dry_run=[DryRun(metric_name="b")])
    assert [r.metric_name for r in spec.dry_run or []] == ["b", "a"]
    with pytest.raises(MergeError, match="two Dry-Run metric rules have the same name 'a'"):
        build_run_spec([declared], dry_run=[DryRun(metric_name="a")])


def test_nested_templates_are_collected_depth_first_and_once() -> None:
    store = {
        ("root", False): AnalysisTemplate.model_validate(
            {
                "metadata": {"name": "root"},
                "spec": {
                    "metrics": [metric("r")],
                    "templates": [
                        {"templateName": "child"},
                        {"templateName": "shared", "clusterScope": True},
                        {"templateName": "root"},
                    ],
                },
            }
        ),
        ("child", False): AnalysisTemplate.model_validate(
            {
                "metadata": {"name": "child"},
                "spec": {
                    "metrics": [metric("c")],
                    "templates": [{"templateName": "shared", "clusterScope": True}],
                },
            }
        ),
        ("shared", True): ClusterAnalysisTemplate.model_validate(
            {"metadata": {"name": "shared"}, "spec": {"metrics": [metric("s")]}}
        ),
    }
    namespaced, clusters = collect_templates(
        [TemplateRef(template_name="root")], lambda name, cluster: store[(name, cluster)]
    )
    assert [t.metadata.name for t in namespaced] == ["root", "child"]
    assert [t.metadata.name for t in clusters] == ["shared"]
    assert [m.name for m in flatten_templates(namespaced, clusters).metrics] == ["r", "c", "s"]
