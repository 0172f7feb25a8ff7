"""AnalysisTemplates and ClusterAnalysisTemplates at Kubernetes-shaped paths, JSON or YAML."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.api.conftest import NS, PROBLEM, Client, replay_metric, template

YAML = {"content-type": "application/yaml"}
SEED_YAML = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: apdex
spec:
  args:
    - name: service-name
  metrics:
    - name: apdex
      interval: 5m
      count: 6
      failureLimit: 3
      successCondition: all(result.service_apdex.values.values, {asFloat(.value) >= 9900})
      provider:
        skywalking:
          address: http://oap.skywalking:12800
          interval: 5m
          query: 'query { service_apdex: readMetricsValues(condition: {name: "service_apdex", entity: {scope: Service, serviceName: "{{args.service-name}}", normal: true}}, duration: {start: "x", end: "y", step: MINUTE}) { label values { values { id value } } } }'
"""  # noqa: E501


async def test_put_creates_then_replaces_and_bumps_the_resource_version(client: Client) -> None:
    url = f"{NS}/analysistemplates/apdex"
    created = await client.put(url, json=template(replay_metric(0.995)))
    assert created.status_code == 201
    body = created.json()
    assert body["kind"] == "AnalysisTemplate"
    assert body["metadata"]["name"] == "apdex"
    assert body["metadata"]["namespace"] == "default"
    assert body["metadata"]["resourceVersion"] == "1"
    assert body["metadata"]["creationTimestamp"].endswith("Z")
    assert body["spec"]["metrics"][0]["successCondition"] == "result >= 0.99"

    replaced = await client.put(url, json=template(replay_metric(0.5, name="sla")))
    assert replaced.status_code == 200
    assert replaced.json()["metadata"]["resourceVersion"] == "2"
    assert replaced.json()["metadata"]["creationTimestamp"] == body["metadata"]["creationTimestamp"]

    read = await client.get(url)
    assert read.status_code == 200
    assert read.json() == replaced.json()

    # What a GET answers can be sent back as it is (kubectl's get, edit, replace).
    round_trip = await client.put(url, json=read.json())
    assert round_trip.status_code == 200
    assert round_trip.json()["metadata"]["resourceVersion"] == "3"
    assert round_trip.json()["spec"] == read.json()["spec"]


async def test_yaml_as_argo_writes_it(client: Client) -> None:
    url = f"{NS}/analysistemplates/apdex"
    reply = await client.put(url, content=SEED_YAML, headers=YAML)
    assert reply.status_code == 201, reply.text
    stored = reply.json()
    # The same document as JSON replaces it with identical content.
    again = await client.put(url, json=yaml.safe_load(SEED_YAML))
    assert again.status_code == 200
    assert again.json()["spec"] == stored["spec"]
    assert stored["spec"]["metrics"][0]["provider"]["skywalking"]["interval"] == "5m"


def _with_metric(**fields: Any) -> dict[str, Any]:
    return template(replay_metric(1, **fields))


@pytest.mark.parametrize(
    ("path", "document", "field", "message"),
    [
        pytest.param(
            "apdex",
            {**template(replay_metric(1)), "metadata": {"name": "other"}},
            "metadata.name",
            "leave it out or make it 'apdex'",
            id="name-differs-from-path",
        ),
        pytest.param(
            "apdex",
            {**template(replay_metric(1)), "metadata": {"namespace": "prod"}},
            "metadata.namespace",
            "leave it out or make it 'default'",
            id="namespace-differs-from-path",
        ),
        pytest.param(
            "apdex",
            _with_metric(succesCondition="result > 1"),
            "spec.metrics[0].succesCondition",
            "unknown field",
            id="unknown-field",
        ),
        pytest.param(
            "apdex",
            _with_metric(successCondition="result >"),
            "spec.metrics[0].successCondition",
            "unexpected token EOF (1:9)\n | result >\n |         ^",
            id="bad-condition-with-caret",
        ),
        pytest.param(
            "apdex",
            {**template(replay_metric(1)), "kind": "ClusterAnalysisTemplate"},
            "kind",
            "expected AnalysisTemplate",
            id="cluster-kind-at-namespaced-path",
        ),
        pytest.param(
            "apdex",
            ["not", "an", "object"],
            "body",
            "",
            id="not-an-object",
        ),
    ],
)
async def test_refused_templates_name_the_field(
    client: Client, path: str, document: Any, field: str, message: str
) -> None:
    reply = await client.put(f"{NS}/analysistemplates/{path}", json=document)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == PROBLEM
    errors = reply.json()["errors"]
    assert errors[0]["field"] == field
    assert message in errors[0]["message"]
    # Nothing was stored.
    assert (await client.get(f"{NS}/analysistemplates/{path}")).status_code == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [
        pytest.param(f"{NS}/analysistemplates/Not_A_Name", "name", id="bad-name"),
        pytest.param("/api/v1/namespaces/UPPER/analysistemplates/apdex", "namespace", id="bad-ns"),
    ],
)
async def test_path_names_must_be_kubernetes_names(client: Client, path: str, field: str) -> None:
    reply = await client.put(path, json=template(replay_metric(1)))
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == field


async def test_list_and_delete(client: Client) -> None:
    for name in ("b-template", "a-template"):
        await client.put(f"{NS}/analysistemplates/{name}", json=template(replay_metric(1)))
    await client.put(
        "/api/v1/namespaces/other/analysistemplates/c-template", json=template(replay_metric(1))
    )
    listed = (await client.get(f"{NS}/analysistemplates")).json()
    assert listed["apiVersion"] == "argoproj.io/v1alpha1"
    assert listed["kind"] == "AnalysisTemplateList"
    assert [t["metadata"]["name"] for t in listed["items"]] == ["a-template", "b-template"]

    deleted = await client.delete(f"{NS}/analysistemplates/a-template")
    assert deleted.status_code == 204
    assert deleted.content == b""
    again = await client.delete(f"{NS}/analysistemplates/a-template")
    assert again.status_code == 404
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["detail"] == "analysistemplate default/a-template not found"
    listed = (await client.get(f"{NS}/analysistemplates")).json()
    assert [t["metadata"]["name"] for t in listed["items"]] == ["b-template"]


async def test_cluster_templates(client: Client) -> None:
    url = "/api/v1/clusteranalysistemplates/shared"
    document = {**template(replay_metric(1)), "kind": "ClusterAnalysisTemplate"}
    created = await client.put(url, json=document)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["kind"] == "ClusterAnalysisTemplate"
    assert body["metadata"]["name"] == "shared"
    assert "namespace" not in body["metadata"]
    # The kind may be left out: the path says what it is.
    replaced = await client.put(url, json={"spec": document["spec"]})
    assert replaced.status_code == 200
    assert replaced.json()["kind"] == "ClusterAnalysisTemplate"
    assert replaced.json()["metadata"]["resourceVersion"] == "2"

    listed = (await client.get("/api/v1/clusteranalysistemplates")).json()
    assert listed["kind"] == "ClusterAnalysisTemplateList"
    assert [t["metadata"]["name"] for t in listed["items"]] == ["shared"]
    # A namespaced template of the same name is another object.
    assert (await client.get(f"{NS}/analysistemplates/shared")).status_code == 404

    wrong = await client.put(url, json=template(replay_metric(1)))
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "kind", "message": "expected ClusterAnalysisTemplate"}
    ]

    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404
