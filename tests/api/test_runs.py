"""AnalysisRuns over the API: created three ways, measured by the scheduler, listed, stopped."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.api.conftest import NS, PROBLEM, Client, replay_metric, template
from tests.support.waiting import wait_run_async

RUNS = f"{NS}/analysisruns"
APDEX_ARGS = [{"name": "service-name"}, {"name": "threshold", "value": "0.99"}]


def apdex_template(*values: Any) -> dict[str, Any]:
    metric = replay_metric(*values, successCondition="result >= {{args.threshold}}")
    return template(metric, args=APDEX_ARGS)


async def put_apdex(client: Client, *values: Any) -> None:
    reply = await client.put(f"{NS}/analysistemplates/apdex", json=apdex_template(*values))
    assert reply.status_code == 201, reply.text


async def test_run_from_a_template_reference_and_args(client: Client) -> None:
    await put_apdex(client, 0.995)
    reply = await client.post(
        RUNS,
        json={
            "templates": [{"templateName": "apdex"}],
            "args": [{"name": "service-name", "value": "canary|reviews|bookinfo|cp-cluster-1|-"}],
        },
    )
    assert reply.status_code == 201, reply.text
    run = reply.json()
    name = run["metadata"]["name"]
    assert name.startswith("apdex-")
    assert reply.headers["location"] == f"{RUNS}/{name}"
    assert run["kind"] == "AnalysisRun"
    assert run["metadata"]["namespace"] == "default"
    assert run["metadata"]["uid"]
    assert {"name": "threshold", "value": "0.99"} in run["spec"]["args"]

    done = await wait_run_async(client, name, phases={"Successful", "Failed", "Error"})
    assert done["status"]["phase"] == "Successful"
    result = done["status"]["metricResults"][0]
    assert result["name"] == "apdex"
    assert result["measurements"][0]["value"] == "0.995"


async def test_run_from_an_inline_spec(client: Client) -> None:
    reply = await client.post(
        RUNS,
        json={
            "spec": {"metrics": [replay_metric(0.5)]},
            "generateName": "inline-",
            "labels": {"team": "checkout"},
        },
    )
    assert reply.status_code == 201, reply.text
    run = reply.json()
    assert run["metadata"]["name"].startswith("inline-")
    assert run["metadata"]["labels"] == {"team": "checkout"}
    done = await wait_run_async(
        client, run["metadata"]["name"], phases={"Successful", "Failed", "Error"}
    )
    assert done["status"]["phase"] == "Failed"


async def test_run_from_a_whole_analysisrun_in_yaml(client: Client) -> None:
    document = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "by-hand", "labels": {"app": "reviews"}},
        "spec": {"metrics": [replay_metric(1.0)]},
    }
    reply = await client.post(
        RUNS, content=yaml.safe_dump(document), headers={"content-type": "application/yaml"}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["metadata"]["name"] == "by-hand"
    done = await wait_run_async(client, "by-hand", phases={"Successful", "Failed", "Error"})
    assert done["status"]["phase"] == "Successful"

    document["metadata"] = {"generateName": "by-hand-"}
    generated = await client.post(RUNS, json=document)
    assert generated.status_code == 201, generated.text
    assert generated.json()["metadata"]["name"].startswith("by-hand-")


REFUSED = [
    pytest.param(
        {"templates": [{"templateName": "apdex"}, {"templateName": "missing"}]},
        "templates[1].templateName",
        "analysistemplate default/missing not found; create it first",
        id="missing-template",
    ),
    pytest.param(
        {"templates": [{"templateName": "apdex"}]},
        "args",
        "args.service-name was not resolved (declared without a value; supply one)",
        id="missing-arg",
    ),
    pytest.param(
        {"spec": {"metrics": [{"name": "m", "provider": {"job": {"spec": {"template": {}}}}}]}},
        "spec.metrics[0].provider",
        "provider.job: Argo's job provider starts a Kubernetes Job and reads its outcome, which "
        "needs a cluster and Argo's controller; augur runs outside both.",
        id="unsupported-provider",
    ),
    pytest.param(
        {"spec": {"metrics": [{"name": "m", "provider": {"nosuch": {}}}]}},
        "spec.metrics[0].provider.nosuch",
        "unknown field",
        id="unknown-provider",
    ),
    pytest.param(
        {"spec": {"metrics": [{"name": "m", "provider": {"plugin": {"acme/nosuch": {}}}}]}},
        "spec.metrics[0].provider",
        "provider.plugin: no augur provider plugin 'acme/nosuch' is installed (installed: ",
        id="unknown-plugin",
    ),
    pytest.param(
        {"spec": {"metrics": [replay_metric(1, successCondition="result >")]}},
        "spec.metrics[0].successCondition",
        " | result >\n |         ^",
        id="bad-condition",
    ),
    pytest.param(
        {"templates": [{"templateName": "apdex"}], "spec": {"metrics": []}},
        "templates",
        "a list of {templateName, clusterScope}, or use spec",
        id="templates-and-spec",
    ),
    pytest.param(
        {"template": [{"templateName": "apdex"}]},
        "template",
        "",
        id="unknown-field",
    ),
    pytest.param(
        {
            "kind": "AnalysisRun",
            "metadata": {"name": "x", "namespace": "prod"},
            "spec": {"metrics": [replay_metric(1)]},
        },
        "metadata.namespace",
        "leave it out or make it 'default'",
        id="run-in-another-namespace",
    ),
    pytest.param(
        {"name": "Bad Name", "spec": {"metrics": [replay_metric(1)]}},
        "name",
        "lower-case letters, digits, '-' and '.'",
        id="bad-name",
    ),
    pytest.param(
        {"kind": "AnalysisRun", "spec": {"metrics": [replay_metric(1)]}},
        "metadata.name",
        "(or set generateName)",
        id="run-without-a-name",
    ),
    pytest.param(
        {
            "spec": {
                "metrics": [
                    {
                        "name": "m",
                        "provider": {"web": {"url": "http://169.254.169.254/latest/meta-data"}},
                    }
                ]
            }
        },
        "spec.metrics[0].provider.web.url",
        "169.254.169.254 is a cloud metadata address and is always refused",
        id="metadata-address",
    ),
]


@pytest.mark.parametrize(("document", "field", "message"), REFUSED)
async def test_refused_runs_name_the_field_and_store_nothing(
    client: Client, document: dict[str, Any], field: str, message: str
) -> None:
    await put_apdex(client, 1.0)
    reply = await client.post(RUNS, json=document)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == PROBLEM
    errors = reply.json()["errors"]
    assert errors[0]["field"] == field
    assert message in errors[0]["message"]
    assert (await client.get(RUNS)).json()["items"] == []


async def test_an_idempotency_key_makes_a_retry_return_the_same_run(client: Client) -> None:
    body = {"spec": {"metrics": [replay_metric(1.0)]}}
    headers = {"Idempotency-Key": "rollout-42-step-3"}
    first = await client.post(RUNS, json=body, headers=headers)
    again = await client.post(RUNS, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["metadata"]["uid"] == first.json()["metadata"]["uid"]
    other = await client.post(RUNS, json=body, headers={"Idempotency-Key": "another"})
    assert other.status_code == 201
    assert len((await client.get(RUNS)).json()["items"]) == 2


async def test_a_taken_name_is_a_conflict(client: Client) -> None:
    body = {"name": "once", "spec": {"metrics": [replay_metric(1.0)]}}
    assert (await client.post(RUNS, json=body)).status_code == 201
    again = await client.post(RUNS, json=body)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert "exists already" in again.json()["detail"]


async def test_unknown_run_is_404(client: Client) -> None:
    for reply in (
        await client.get(f"{RUNS}/nope"),
        await client.get(f"{RUNS}/nope/measurements"),
        await client.post(f"{RUNS}/nope/terminate"),
        await client.delete(f"{RUNS}/nope"),
    ):
        assert reply.status_code == 404
        assert reply.json()["detail"] == "analysisrun default/nope not found"


async def test_terminate_stops_a_running_run(client: Client) -> None:
    metric = replay_metric(1.0, 1.0, 1.0, count=3, interval="1h")
    created = await client.post(RUNS, json={"name": "long", "spec": {"metrics": [metric]}})
    assert created.status_code == 201
    await wait_run_async(client, "long", phases={"Running"})
    stopped = await client.post(f"{RUNS}/long/terminate")
    assert stopped.status_code == 200
    assert stopped.json()["spec"]["terminate"] is True
    done = await wait_run_async(client, "long")
    assert done["status"]["phase"] == "Successful"
    assert done["status"]["message"] == "Run Terminated"
    assert done["status"]["metricResults"][0]["count"] == 1


async def test_delete_removes_the_run(client: Client) -> None:
    await client.post(RUNS, json={"name": "gone", "spec": {"metrics": [replay_metric(1.0)]}})
    await wait_run_async(client, "gone", phases={"Successful"})
    deleted = await client.delete(f"{RUNS}/gone")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await client.get(f"{RUNS}/gone")).status_code == 404
    assert (await client.get(RUNS)).json()["items"] == []


async def test_idempotency_keys_are_scoped_to_the_namespace(client: Client) -> None:
    body = {"spec": {"metrics": [replay_metric(1.0)]}}
    headers = {"Idempotency-Key": "same-key"}
    here = await client.post(RUNS, json=body, headers=headers)
    elsewhere = await client.post(
        "/api/v1/namespaces/other/analysisruns", json=body, headers=headers
    )
    assert (here.status_code, elsewhere.status_code) == (201, 201)
    assert elsewhere.json()["metadata"]["namespace"] == "other"
