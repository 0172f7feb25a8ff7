"""Datadog from the command line: Argo's own example template run whole against the fake Datadog
API (`augur run`), `augur check datadog`, `augur validate` and `augur providers`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from providers.datadog.credentials import ENVIRONMENT
from tests.fakes.datadog import API_KEY, APP_KEY, V1, V2, FakeDatadog
from tests.fakes.scripted import Reply
from tests.providers.datadog_cases import write_keys

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "datadog-error-rate.yaml"
QUERY = "sum:requests.error.rate{service:reviews}\n"  # the example's `|` block keeps its newline
GROUPED = json.dumps(
    {
        "data": {
            "attributes": {
                "columns": [
                    {"name": "resource_name", "type": "group", "values": [["GET /a"], ["GET /b"]]},
                    {"name": "query1", "type": "number", "values": [0.01, 0.087]},
                ]
            }
        }
    }
)


#: The runner's process may have Datadog variables of its own: these tests decide them.
NO_DD_VARIABLES: dict[str, str | None] = dict.fromkeys(ENVIRONMENT.values())


def scalar(value: float) -> Reply:
    return Reply(body=json.dumps({"data": {"attributes": {"columns": [{"values": [value]}]}}}))


def run_example(secrets: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    argv = ["run", "-f", str(EXAMPLE), "-a", "service-name=reviews", "--virtual-time"]
    argv += ["-o", "json", "--secrets-dir", str(secrets), *extra]
    result = runner.invoke(cli, argv, env=NO_DD_VARIABLES)
    return result.exit_code, json.loads(result.stdout), result.output


def test_argos_example_runs_successful_against_datadog(
    datadog: FakeDatadog, tmp_path: Path
) -> None:
    datadog.answer(V2, scalar(0.005))
    write_keys(tmp_path, "", "datadog", datadog.base_url)
    code, run, output = run_example(tmp_path)
    assert code == 0, output
    [metric] = run["status"]["metricResults"]
    assert (run["status"]["phase"], metric["phase"], metric["count"]) == ("Successful",) * 2 + (3,)
    assert [m["value"] for m in metric["measurements"]] == ["0.005"] * 3
    assert datadog.violations == []
    bodies = [json.loads(r.body)["data"]["attributes"] for r in datadog.requests]
    assert [b["queries"] for b in bodies] == [
        [{"aggregator": "last", "data_source": "metrics", "name": "query", "query": QUERY}]
    ] * 3
    assert {b["to"] - b["from"] for b in bodies} == {300_000}  # the provider's interval: 5m
    assert bodies[1]["to"] - bodies[0]["to"] == 300_000  # the metric's interval: 5m
    assert API_KEY not in output
    assert APP_KEY not in output


def test_argos_example_without_keys_is_an_error_naming_the_secret(tmp_path: Path) -> None:
    code, run, output = run_example(tmp_path)
    assert code == 2, output
    [metric] = run["status"]["metricResults"]
    assert metric["phase"] == "Error"
    assert metric["consecutiveError"] == 5  # Argo's default consecutiveErrorLimit is 4
    assert metric["measurements"][-1]["message"] == (
        "failed to find the credentials for datadog metrics provider: DD_API_KEY, DD_APP_KEY, "
        "DD_ADDRESS are not all set (DD_API_KEY, DD_APP_KEY, DD_ADDRESS unset); Secret "
        "'datadog' in the namespace augur runs in has no non-empty api-key and app-key (or does "
        "not exist)"
    )


def test_a_namespaced_secret_ref_reads_the_runs_namespace(
    datadog: FakeDatadog, tmp_path: Path
) -> None:
    document = yaml.safe_load(EXAMPLE.read_text())
    provider = document["spec"]["metrics"][0]["provider"]["datadog"]
    provider["secretRef"] = {"name": "team-keys", "namespaced": True}
    document["spec"]["metrics"][0].update(count=1, failureLimit=0)
    template = tmp_path / "template.yaml"
    template.write_text(yaml.safe_dump(document))
    secrets = tmp_path / "secrets"
    write_keys(secrets, "team-a", "team-keys", datadog.base_url)
    write_keys(secrets, "team-a", "datadog", "http://127.0.0.1:1")  # not looked at
    datadog.answer(V2, scalar(0.02))
    argv = ["run", "-f", str(template), "-a", "service-name=reviews", "--virtual-time"]
    argv += ["--secrets-dir", str(secrets), "-n", "team-a"]
    result = runner.invoke(cli, argv, env=NO_DD_VARIABLES)
    assert result.exit_code == 1, result.output  # 0.02 > 0.01: Failed
    assert len(datadog.requests) == 1
    assert datadog.violations == []


def check(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(cli, ["check", "datadog", *args], env={**NO_DD_VARIABLES, **(env or {})})


def test_check_judges_a_grouped_query(datadog: FakeDatadog, tmp_path: Path) -> None:
    datadog.answer(V2, Reply(body=GROUPED))
    write_keys(tmp_path, "", "datadog", datadog.base_url)
    query = "sum:trace.http.request.errors{service:my-service} by {resource_name}.as_count()"
    result = check(
        "--query", query, "--api-version", "v2", "--secrets-dir", str(tmp_path), "--json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["value"] == "[0.01,0.087]"
    assert json.loads(document["metadata"]["groups"]) == [
        {"name": "GET /a", "value": 0.01},
        {"name": "GET /b", "value": 0.087},
    ]
    failed = check(
        "--query", query, "--api-version", "v2", "--secrets-dir", str(tmp_path),
        "-c", "max(result) < 0.05",
    )  # fmt: skip
    assert failed.exit_code == 1
    assert "verdict Failed: successCondition max(result) < 0.05 is false" in failed.stdout


def test_check_reads_the_environment_and_address(datadog: FakeDatadog) -> None:
    datadog.answer(V1, Reply(body='{"series": [{"pointlist": [[1, 0.25]]}]}'))
    env = {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DD_ADDRESS": "http://127.0.0.1:1"}
    result = check(
        "--query", "avg:q{*}", "--interval", "10m", "--address", datadog.base_url, "-c",
        "result < 1", env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [sent] = datadog.requests
    assert sent.path == V1
    assert "avg%3Aq%7B%2A%7D" in sent.query  # the query as Go's url.Values encodes it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param((), "--query required", id="no-query"),
        pytest.param(
            ("--query", "q", "--api-version", "v3"),
            'datadog: apiVersion: Unsupported value: "v3": supported values: "v1", "v2"',
            id="api-version",
        ),
        pytest.param(
            ("--query", "q", "--interval", "5 minutes"),
            'time: unknown unit " minutes" in duration "5 minutes"',
            id="interval",
        ),
    ],
)
def test_check_refuses_invalid_input(args: tuple[str, ...], message: str) -> None:
    result = check(*args)
    assert result.exit_code == 64
    assert message in result.stderr


def test_check_without_keys_says_where_it_looked(tmp_path: Path) -> None:
    result = check("--query", "q", "--secrets-dir", str(tmp_path), "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error.startswith("failed to find the credentials for datadog metrics provider: ")


INVALID = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: both}
spec:
  metrics:
  - name: m
    provider:
      datadog: {apiVersion: v2, query: q, queries: {a: q}}
"""


def test_validate_refuses_a_block_argo_would_error_on_with_argos_message() -> None:
    result = runner.invoke(cli, ["validate", "-f", "-"], input=INVALID)
    assert result.exit_code == 64
    assert "Cannot have both a query and queries. Please review the Analysis Template." in (
        result.output
    )


def test_providers_lists_datadog() -> None:
    result = runner.invoke(cli, ["providers"])
    assert "datadog" in result.stdout.splitlines()
