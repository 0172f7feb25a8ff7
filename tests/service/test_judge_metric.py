"""A canary judgement as a metric of augur's own templates (`provider.judge`).

The same judgement as Kayenta's API makes, as one metric whose `result` the conditions read:
with `augur run` (the config inline: the command has no store), and through Argo's web-provider
gate on a real server (the config by name, from the run's namespace), where each measurement's
metadata names the stored report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from tests.fakes.fake_oap import FakeOAP
from tests.support.canary import CANARY, STABLE, canary_config, seed
from tests.support.servers import Served
from tests.support.waiting import COMPLETED, phase_of, run_path, wait_for

runner = CliRunner()
ARGS = [{"name": "stable"}, {"name": "canary"}, {"name": "oap"}]
DEGRADED = ("service_apdex", "service_resp_time")


def template(judge: dict[str, Any], *, name: str = "reviews-judgement") -> dict[str, Any]:
    block = {
        "control": "{{args.stable}}",
        "experiment": "{{args.canary}}",
        "lookback": "30m",
        "thresholds": {"pass": 90, "marginal": 75},
        **judge,
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {
            "args": ARGS,
            "metrics": [
                {
                    "name": "judgement",
                    "successCondition": "result.score >= 90",
                    "failureCondition": 'result.classification == "Fail"',
                    "provider": {"judge": block},
                }
            ],
        },
    }


def cli_args(oap: str) -> list[str]:
    return ["-a", f"stable={STABLE}", "-a", f"canary={CANARY}", "-a", f"oap={oap}"]


@pytest.mark.parametrize(
    ("degraded", "code", "phase", "classification"),
    [((), 0, "Successful", "Pass"), (DEGRADED, 1, "Failed", "Fail")],
    ids=["healthy", "degraded"],
)
def test_augur_run_judges_with_an_inline_config(
    tmp_path: Path,
    fake_oap: FakeOAP,
    degraded: tuple[str, ...],
    code: int,
    phase: str,
    classification: str,
) -> None:
    seed(fake_oap, degraded=degraded)
    file = tmp_path / "judgement.yaml"
    file.write_text(yaml.safe_dump(template({"canaryConfig": canary_config("{{args.oap}}")})))
    done = runner.invoke(cli, ["run", "-f", str(file), *cli_args(fake_oap.url), "-o", "json"])
    assert done.exit_code == code, done.output
    run = json.loads(done.stdout)
    assert run["status"]["phase"] == phase
    measurement = run["status"]["metricResults"][0]["measurements"][0]
    assert measurement["phase"] == phase
    assert measurement["value"] == ("100" if code == 0 else "0")
    assert measurement["metadata"]["classification"] == classification
    assert measurement["metadata"]["experimentScope"] == CANARY
    assert "judgementId" not in measurement["metadata"]  # nothing is kept without a store


def test_augur_run_refuses_a_config_by_name(tmp_path: Path) -> None:
    file = tmp_path / "judgement.yaml"
    file.write_text(yaml.safe_dump(template({"canaryConfigName": "reviews"})))
    done = runner.invoke(cli, ["run", "-f", str(file), *cli_args("http://127.0.0.1:9")])
    assert done.exit_code == 64
    assert (
        "spec.metrics[0].provider: judge: canaryConfigName needs augur's store (augur serve); "
        "here, give the config inline as canaryConfig"
    ) in done.stderr


def test_augur_validate_lets_a_config_by_name_through(tmp_path: Path) -> None:
    """Checked here, run by the server, which finds the config in the run's namespace."""
    file = tmp_path / "judgement.yaml"
    file.write_text(yaml.safe_dump(template({"canaryConfigName": "reviews"})))
    done = runner.invoke(cli, ["validate", "-f", str(file), *cli_args("http://127.0.0.1:9")])
    assert done.exit_code == 0, done.output
    assert done.stdout == "valid: reviews-judgement (1 metric)\n"


# ------------------------------------------------------------------ a real server, Argo's gate


def stored(augur: Served, oap: str) -> None:
    """The canary config and the template that judges with it, by name, in `bookinfo`."""
    base = f"{augur.base_url}/api/v1/namespaces/bookinfo"
    reply = httpx.put(f"{base}/canaryconfigs/reviews", json=canary_config(oap), timeout=10)
    assert reply.status_code in (200, 201), reply.text
    body = template({"canaryConfigName": "reviews"})
    reply = httpx.put(f"{base}/analysistemplates/reviews-judgement", json=body, timeout=10)
    assert reply.status_code in (200, 201), reply.text


def gate_body(oap: str) -> dict[str, Any]:
    args = {"stable": STABLE, "canary": CANARY, "oap": oap}
    return {
        "namespace": "bookinfo",
        "templates": [{"templateName": "reviews-judgement"}],
        "args": [{"name": name, "value": value} for name, value in args.items()],
    }


@pytest.mark.parametrize(
    ("degraded", "phase", "reasons"),
    [
        ((), "Successful", {}),
        (DEGRADED, "Failed", {"apdex": "Low", "latency": "High"}),
    ],
    ids=["healthy", "degraded"],
)
def test_argos_web_gate_answers_with_a_judgement(
    augur: Served,
    fake_oap: FakeOAP,
    degraded: tuple[str, ...],
    phase: str,
    reasons: dict[str, str],
) -> None:
    seed(fake_oap, degraded=degraded)
    stored(augur, fake_oap.url)
    key = f"reviews-{phase.lower()}"
    gate = f"{augur.base_url}/api/v1/gates/argo/{key}"
    verdict = wait_for(
        lambda: httpx.post(gate, json=gate_body(fake_oap.url), timeout=10).json(),
        lambda answer: answer["phase"] in COMPLETED,
        timeout=60,
        describe=lambda answer: f"verdict: {answer}",
    )
    assert verdict["phase"] == phase
    assert verdict["metrics"]["judgement"]["lastValue"] == ("100" if not degraded else "0")
    namespace, name = verdict["run"].split("/")
    run = httpx.get(augur.base_url + run_path(namespace, name), timeout=10).json()
    assert phase_of(run) == phase
    metadata = run["status"]["metricResults"][0]["measurements"][0]["metadata"]
    report = httpx.get(augur.base_url + metadata["judgement"], timeout=10).json()
    assert report["id"] == metadata["judgementId"]
    assert (report["origin"], report["run"], report["metric"]) == (
        "metric",
        f"bookinfo/{name}",
        "judgement",
    )
    assert report["canaryConfigName"] == "reviews"
    results = {r["name"]: r for r in report["judgeResult"]["results"]}
    for metric, cls in reasons.items():
        assert results[metric]["classificationReason"].startswith(
            f"The metric {metric} was classified as {cls} by "
        )
    listed = httpx.get(f"{augur.base_url}/api/v1/namespaces/bookinfo/judgements", timeout=10)
    assert report["id"] in [item["id"] for item in listed.json()["items"]]


def test_argos_evaluate_gate_judges_once(augur: Served, fake_oap: FakeOAP) -> None:
    seed(fake_oap, degraded=DEGRADED)
    stored(augur, fake_oap.url)
    reply = httpx.post(
        f"{augur.base_url}/api/v1/gates/argo/evaluate", json=gate_body(fake_oap.url), timeout=30
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["phase"] == "Failed"
    assert reply.json()["metrics"]["judgement"]["lastValue"] == "0"


@pytest.mark.parametrize(
    ("judge", "message"),
    [
        (
            {"canaryConfigName": "reviews", "canaryConfig": {"metrics": []}},
            "judge: set one of canaryConfigName (a stored canary config) or canaryConfig",
        ),
        (
            {"canaryConfigName": "reviews", "lookback": "half an hour"},
            'judge: lookback: time: invalid duration "half an hour"',
        ),
        (
            {"canaryConfigName": "reviews", "lookback": None},
            "judge: set one of lookback (30m: the window ending now) or start (and end)",
        ),
        (
            {"canaryConfigName": "reviews", "threshold": {"pass": 90}},
            "judge: unknown field(s) threshold; known: canaryConfig, canaryConfigName, control, "
            "end, experiment, location, lookback, start, step, thresholds",
        ),
        (
            {
                "canaryConfig": {
                    "metrics": [
                        {"name": "m", "query": {"type": "skywalking", "address": "{{args.oap}}"}}
                    ]
                }
            },
            "judge: canaryConfig.metrics[0].query: skywalking: set one of metricName "
            "(service_apdex) or expression (an MQE)",
        ),
    ],
    ids=["both-configs", "bad-lookback", "no-window", "argo-spelling", "bad-inline-query"],
)
def test_a_bad_judge_block_is_refused_naming_the_field(
    augur: Served, judge: dict[str, Any], message: str
) -> None:
    spec = template({k: v for k, v in judge.items() if v is not None}, name="broken")["spec"]
    if judge.get("lookback", "") is None:
        del spec["metrics"][0]["provider"]["judge"]["lookback"]
    body = {"name": "broken", "spec": spec, "args": gate_body("http://127.0.0.1:9")["args"]}
    reply = httpx.post(
        f"{augur.base_url}/api/v1/namespaces/bookinfo/analysisruns", json=body, timeout=10
    )
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"] == [{"field": "spec.metrics[0].provider", "message": message}]
