"""`POST /api/v1/validate`: every problem as data, a 200 either way, nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from providers.registry import ARGO_ONLY
from tests.api.conftest import NS, Client, replay_metric, template

APDEX = template(replay_metric(1.0), args=[{"name": "service-name"}])


@pytest.mark.parametrize(
    ("document", "problems"),
    [
        pytest.param(
            {
                "templates": [{"templateName": "apdex"}],
                "args": [{"name": "service-name", "value": "x"}],
            },
            [],
            id="reference-and-args",
        ),
        pytest.param(
            {
                "namespace": "prod",
                "templates": [{"templateName": "apdex"}],
                "args": [{"name": "service-name", "value": "x"}],
            },
            [
                {
                    "field": "templates[0].templateName",
                    "message": "analysistemplate prod/apdex not found; create it first",
                }
            ],
            id="looked-up-in-the-namespace-given",
        ),
        pytest.param(
            {"templates": [{"templateName": "apdex"}]},
            [
                {
                    "field": "args",
                    "message": "args.service-name was not resolved "
                    "(declared without a value; supply one)",
                }
            ],
            id="missing-arg",
        ),
        pytest.param(
            {
                "templates": [{"templateName": "apdex"}],
                "args": [{"name": "service", "value": "x"}],
            },
            [
                {
                    "field": "args[0]",
                    "message": 'unknown arg "service"; the templates declare service-name; '
                    "did you mean service-name?",
                },
                {
                    "field": "args",
                    "message": "args.service-name was not resolved "
                    "(declared without a value; supply one)",
                },
            ],
            id="undeclared-arg",
        ),
        pytest.param(
            {
                "spec": {
                    "metrics": [replay_metric(1.0, successConditon="result > 1")],
                    "dryrun": [],
                },
                "arg": [],
            },
            [
                {
                    "field": "spec.metrics[0].successConditon",
                    "message": "unknown field (did you mean successCondition?)",
                },
                {"field": "spec.dryrun", "message": "unknown field (did you mean dryRun?)"},
                {"field": "arg", "message": "unknown field (did you mean args?)"},
            ],
            id="misspelt-fields-all-named",
        ),
        pytest.param({"spec": {"metrics": [replay_metric(1.0)]}}, [], id="inline-spec"),
        pytest.param(
            {
                "spec": {
                    "metrics": [
                        replay_metric(1.0, successCondition="result >"),
                        {"name": "b", "provider": {"job": {}}},
                    ]
                }
            },
            [
                {
                    "field": "spec.metrics[0].successCondition",
                    "message": "unexpected token EOF (1:9)\n | result >\n |         ^ "
                    "(an expr-lang expression over `result` that yields a bool)",
                },
                {
                    "field": "spec.metrics[1].provider",
                    "message": ARGO_ONLY["job"],
                },
            ],
            id="every-problem-at-once",
        ),
        pytest.param(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "AnalysisRun",
                "metadata": {"name": "x", "namespace": "prod"},
                "spec": {"metrics": [replay_metric(1.0)]},
            },
            [],
            id="analysisrun-in-its-own-namespace",
        ),
        pytest.param(
            {"namespace": 3, "spec": {"metrics": []}},
            [{"field": "namespace", "message": "a namespace name such as default"}],
            id="namespace-not-a-string",
        ),
        pytest.param(
            {"namespace": "Prod", "spec": {"metrics": []}},
            [{"field": "namespace", "message": "a namespace name such as default"}],
            id="namespace-not-a-name",
        ),
    ],
)
async def test_validate(
    client: Client, document: dict[str, Any], problems: list[dict[str, str]]
) -> None:
    await client.put(f"{NS}/analysistemplates/apdex", json=APDEX)
    reply = await client.post("/api/v1/validate", json=document)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"valid": not problems, "problems": problems}
    # Nothing is ever stored.
    listed = await client.get("/api/v1/analysisruns")
    assert listed.json()["items"] == []


async def test_validate_reads_yaml_and_refuses_what_it_cannot_read(client: Client) -> None:
    yaml_body = (
        "spec:\n  metrics:\n    - name: a\n      provider: {replay: {results: [{value: 1}]}}\n"
    )
    reply = await client.post(
        "/api/v1/validate", content=yaml_body, headers={"content-type": "application/yaml"}
    )
    assert reply.json() == {"valid": True, "problems": []}
    broken = await client.post(
        "/api/v1/validate", content="{", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"] == "body"
