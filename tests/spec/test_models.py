"""Argo YAML as people write it parses field for field; mistakes come back located."""

from __future__ import annotations

import pytest

from app.spec.errors import SpecError
from app.spec.load import parse_run, parse_template, parse_yaml, prepare_run_spec
from app.spec.models import AnalysisTemplate, ClusterAnalysisTemplate, int_value

TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
  namespace: shop
  labels: {team: checkout}
  annotations: {owner: sre}
  uid: 1b2c            # server-set fields are kept, not rejected
spec:
  args:
  - name: service-name
  - name: count
    value: "5"
  - name: api-token
    valueFrom:
      secretKeyRef:
        name: token-secret
        key: token
  - name: namespace
    valueFrom:
      fieldRef:
        fieldPath: metadata.namespace
  dryRun:
  - metricName: latency
  measurementRetention:
  - metricName: .*
    limit: 20
  templates:
  - templateName: base
    clusterScope: true
  metrics:
  - name: success-rate
    interval: 5m
    initialDelay: 30s
    count: "{{args.count}}"
    successCondition: result[0] >= 0.95
    failureCondition: result[0] < 0.5
    failureLimit: 3
    inconclusiveLimit: "{{ args.count }}"
    consecutiveErrorLimit: 4
    consecutiveSuccessLimit: 0
    provider:
      prometheus:
        address: http://prometheus.example:9090
        query: sum(rate(http_requests_total{service="{{args.service-name}}"}[5m]))
  - name: latency
    interval: 1m
    successCondition: all(result.service_apdex.values.values, {asFloat(.value) >= 9900})
    provider:
      skywalking:
        address: http://oap:12800
        interval: 3m
        query: 'query q($duration: Duration!) { x }'
  - name: hook
    provider:
      web:
        url: http://checker/{{args.service-name}}
        headers:
        - key: Authorization
          value: Bearer {{args.api-token}}
        jsonPath: "{$.ok}"
  - name: plugin-metric
    provider:
      plugin:
        argoproj-labs/sample: {x: 1}
"""


def test_argo_template_parses_field_for_field() -> None:
    template = parse_template(parse_yaml(TEMPLATE))
    assert isinstance(template, AnalysisTemplate)
    assert template.metadata.name == "success-rate"
    assert template.metadata.namespace == "shop"
    assert template.metadata.labels == {"team": "checkout"}
    spec = template.spec
    first = spec.metrics[0]
    assert first.count == "{{args.count}}"
    assert first.initial_delay == "30s"
    assert first.failure_limit == 3
    assert first.provider.names() == ["prometheus"]
    assert spec.metrics[3].provider.names() == ["plugin/argoproj-labs/sample"]
    assert spec.metrics[3].provider.body() == ("plugin/argoproj-labs/sample", {"x": 1})
    assert spec.args is not None
    assert spec.args[0].value is None
    assert spec.args[2].value_from is not None
    assert spec.args[2].value_from.secret_key_ref is not None
    assert spec.args[2].value_from.secret_key_ref.name == "token-secret"
    assert spec.dry_run is not None
    assert spec.dry_run[0].metric_name == "latency"
    assert spec.measurement_retention is not None
    assert spec.measurement_retention[0].limit == 20
    assert spec.templates is not None
    assert spec.templates[0].cluster_scope is True
    # Serialising gives Argo's names back.
    dumped = template.model_dump(mode="json", exclude_none=True)
    assert dumped["spec"]["metrics"][0]["successCondition"] == "result[0] >= 0.95"
    assert dumped["apiVersion"] == "argoproj.io/v1alpha1"
    assert "secretKeyRef" in dumped["spec"]["args"][2]["valueFrom"]


def test_snake_case_names_are_accepted_too() -> None:
    template = parse_template(
        {"spec": {"metrics": [{"name": "m", "success_condition": "true", "provider": {"web": {}}}]}}
    )
    assert template.spec.metrics[0].success_condition == "true"


def test_cluster_template_by_kind() -> None:
    data = {"kind": "ClusterAnalysisTemplate", "metadata": {"name": "x"}, "spec": {"metrics": []}}
    assert isinstance(parse_template(data), ClusterAnalysisTemplate)


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        pytest.param(
            {"spec": {"metrics": [{"name": "a"}, {"name": "b", "failureLimit": 1.5}]}},
            "spec.metrics[1].failureLimit",
            'must be an integer or a string such as "5" or "{{args.count}}"',
            id="float-limit",
        ),
        pytest.param(
            {"spec": {"metrics": [{"name": "a", "count": True}]}},
            "spec.metrics[0].count",
            'must be an integer or a string such as "5" or "{{args.count}}"',
            id="bool-count",
        ),
        pytest.param(
            {"spec": {"metrics": [{"name": "a", "succesCondition": "true"}]}},
            "spec.metrics[0].succesCondition",
            "unknown field",
            id="typo",
        ),
        pytest.param(
            {"spec": {"metrics": [{"interval": "1m"}]}},
            "spec.metrics[0].name",
            "required field is missing",
            id="no-name",
        ),
        pytest.param(
            {"spec": {"metrics": [{"name": "a", "provider": {"newrelic": {}}}]}},
            "spec.metrics[0].provider.newrelic",
            "unknown field",
            id="unknown-provider",
        ),
        pytest.param(
            {"spec": {"args": [{"name": "a", "value": 5}]}},
            "spec.args[0].value",
            'must be a string; quote it, e.g. value: "5"',
            id="unquoted-value",
        ),
        pytest.param(
            {"apiVersion": "argoproj.io/v1", "spec": {}},
            "apiVersion",
            'must be "argoproj.io/v1alpha1"',
            id="api-version",
        ),
    ],
)
def test_structural_errors_are_located(data: dict[str, object], path: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_template(data)
    assert caught.value.path == path
    assert caught.value.message == message


def test_yaml_syntax_errors_are_located() -> None:
    with pytest.raises(SpecError) as caught:
        parse_yaml("spec:\n  metrics: [\n")
    assert caught.value.path.startswith("line ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("5", 5),
        ("+5", 5),
        ("-1", -1),
        ("abc", 0),
        ("50%", 0),
        (" 3", 0),
        ("", 0),
        (None, 0),
    ],
)
def test_int_value_is_atoi_with_failures_as_zero(value: int | str | None, expected: int) -> None:
    assert int_value(value) == expected


def test_prepare_run_spec_follows_argos_early_exit_order() -> None:
    run = parse_run(
        {
            "kind": "AnalysisRun",
            "spec": {
                "args": [{"name": "n", "value": "rate"}],
                "metrics": [{"name": "{{args.n}}", "provider": {"web": {"url": "u"}}}],
                "dryRun": [{"metricName": "^rate$"}],
                "measurementRetention": [{"metricName": "rate", "limit": 3}],
            },
        }
    )
    prepared = prepare_run_spec(run.spec)
    assert [m.name for m in prepared.metrics] == ["rate"]
    assert prepared.dry_run == frozenset({"rate"})
    assert prepared.retention == {"rate": 3}
