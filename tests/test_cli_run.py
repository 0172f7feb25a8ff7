"""`augur run` and `augur validate`: exit codes, one JSON document, every problem at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli

runner = CliRunner()
SEED = Path(__file__).resolve().parent / "data" / "seed-apdex-replay.yaml"
SERVICE_ARG = "service-name=canary|reviews|bookinfo|cp-cluster-1|-"


def apdex(value: float) -> dict[str, Any]:
    return {"value": {"service_apdex": {"values": {"values": [{"value": value}]}}}}


def template(tmp_path: Path, results: list[dict[str, Any]], **metric: Any) -> str:
    document = yaml.safe_load(SEED.read_text())
    document["spec"]["metrics"][0]["provider"]["replay"]["results"] = results
    document["spec"]["metrics"][0].update(metric)
    path = tmp_path / "apdex.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


@pytest.mark.parametrize(
    ("results", "exit_code", "phase"),
    [
        pytest.param([apdex(9950)] * 4, 0, "Successful", id="successful"),
        pytest.param([apdex(9000)] * 4, 1, "Failed", id="failed"),
        pytest.param([{"error": "down"}] * 6, 2, "Error", id="error"),
    ],
)
def test_run_exit_code_and_one_json_document(
    tmp_path: Path, results: list[dict[str, Any]], exit_code: int, phase: str
) -> None:
    file = template(tmp_path, results, count=4)
    result = runner.invoke(
        cli, ["run", "-f", file, "-a", SERVICE_ARG, "--virtual-time", "-o", "json"]
    )
    assert result.exit_code == exit_code, result.output
    document = json.loads(result.stdout)  # exactly one document: json.loads refuses trailing text
    assert document["kind"] == "AnalysisRun"
    assert document["apiVersion"] == "argoproj.io/v1alpha1"
    assert document["status"]["phase"] == phase
    assert document["status"]["startedAt"].endswith("Z")
    assert document["metadata"] == {"name": "apdex", "namespace": "bookinfo"}


def test_inconclusive_exits_3(tmp_path: Path) -> None:
    # Neither condition met: Inconclusive; inconclusiveLimit 0 ends the run at once.
    file = template(
        tmp_path,
        [apdex(9950)],
        count=4,
        successCondition="false",
        failureCondition="false",
    )
    result = runner.invoke(cli, ["run", "-f", file, "-a", SERVICE_ARG, "--virtual-time"])
    assert result.exit_code == 3
    assert "Inconclusive" in result.stdout


def test_run_table_and_yaml_outputs(tmp_path: Path) -> None:
    file = template(tmp_path, [apdex(9950)] * 4, count=4)
    table = runner.invoke(cli, ["run", "-f", file, "-a", SERVICE_ARG, "--virtual-time"])
    assert table.exit_code == 0
    assert "bookinfo/apdex: Successful" in table.stdout
    as_yaml = runner.invoke(
        cli, ["run", "-f", file, "-a", SERVICE_ARG, "--virtual-time", "-o", "yaml"]
    )
    assert yaml.safe_load(as_yaml.stdout)["status"]["phase"] == "Successful"


def test_validate_clean(tmp_path: Path) -> None:
    file = template(tmp_path, [apdex(9950)], count=4)
    result = runner.invoke(cli, ["validate", "-f", file, "-a", SERVICE_ARG])
    assert result.exit_code == 0
    assert result.stdout == "valid: apdex (1 metric)\n"


def test_validate_reports_every_condition_problem_with_a_caret(tmp_path: Path) -> None:
    file = template(
        tmp_path,
        [apdex(9950)],
        count=4,
        successCondition="result.x >= ",
        failureCondition="nosuch(result)",
    )
    result = runner.invoke(cli, ["validate", "-f", file, "-a", SERVICE_ARG])
    assert result.exit_code == 64
    assert "augur: spec.metrics[0].successCondition: " in result.stderr
    assert "augur: spec.metrics[0].failureCondition: " in result.stderr
    assert "^" in result.stderr


@pytest.mark.parametrize(
    ("args", "mutate", "message"),
    [
        pytest.param(
            [],
            {},
            "spec.args: args.service-name was not resolved (declared without a value; supply one)",
            id="missing-arg",
        ),
        pytest.param([SERVICE_ARG, "oops"], {}, "args[1]: 'oops' is not name=value", id="bad-arg"),
        pytest.param(
            [SERVICE_ARG],
            {"interval": "5 minutes"},
            "spec.metrics[0].interval: metrics[0]: invalid interval string: time: unknown unit "
            '" minutes" in duration "5 minutes" (a Go duration such as "30s", "5m" or "1h30m")',
            id="bad-interval",
        ),
        pytest.param(
            [SERVICE_ARG],
            {"provider": {"job": {"spec": {"template": {}}}}},
            "spec.metrics[0].provider: provider.job: Argo's job provider starts a Kubernetes Job "
            "and reads its outcome, which needs a cluster and Argo's controller",
            id="unsupported-provider",
        ),
        pytest.param(
            [SERVICE_ARG],
            {"provider": {"replay": {"results": []}}},
            "provider.replay.results must be a non-empty list",
            id="bad-provider-block",
        ),
    ],
)
def test_invalid_input_exits_64_naming_the_field(
    tmp_path: Path, args: list[str], mutate: dict[str, Any], message: str
) -> None:
    file = template(tmp_path, [apdex(9950)], count=4, **mutate)
    command = ["run", "-f", file, "--virtual-time"]
    for arg in args:
        command += ["-a", arg]
    result = runner.invoke(cli, command)
    assert result.exit_code == 64, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    missing = runner.invoke(cli, ["validate", "-f", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 64
    assert "nope.yaml: cannot read" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("spec: [\n")
    malformed = runner.invoke(cli, ["validate", "-f", str(bad)])
    assert malformed.exit_code == 64
    assert "invalid YAML" in malformed.stderr


def test_secret_args_are_read_from_the_folder_and_never_printed(tmp_path: Path) -> None:
    secret = "planted-oap-token-7f3a9c"
    (tmp_path / "secrets" / "oap-auth").mkdir(parents=True)
    (tmp_path / "secrets" / "oap-auth" / "token").write_text(secret)
    document = yaml.safe_load(SEED.read_text())
    document["spec"]["args"].append(
        {"name": "api-token", "valueFrom": {"secretKeyRef": {"name": "oap-auth", "key": "token"}}}
    )
    metric = document["spec"]["metrics"][0]
    metric["count"] = 4
    # An upstream that echoes the credential back in its error, as some do.
    metric["provider"]["replay"]["results"] = [{"error": "401: bad token {{args.api-token}}"}]
    path = tmp_path / "apdex.yaml"
    path.write_text(yaml.safe_dump(document))
    result = runner.invoke(
        cli,
        [
            "run",
            "-f",
            str(path),
            "-a",
            SERVICE_ARG,
            "--secrets-dir",
            str(tmp_path / "secrets"),
            "--virtual-time",
            "-o",
            "json",
        ],
    )
    assert result.exit_code == 2, result.output
    assert secret not in result.output
    run = json.loads(result.stdout)
    first = run["status"]["metricResults"][0]["measurements"][0]
    assert first["message"] == "401: bad token *****"


def test_a_missing_secret_is_an_error_run_naming_it(tmp_path: Path) -> None:
    document = yaml.safe_load(SEED.read_text())
    document["spec"]["args"].append(
        {"name": "api-token", "valueFrom": {"secretKeyRef": {"name": "oap-auth", "key": "token"}}}
    )
    document["spec"]["metrics"][0]["count"] = 4
    document["spec"]["metrics"][0]["provider"]["replay"]["results"] = [apdex(9950)]
    path = tmp_path / "apdex.yaml"
    path.write_text(yaml.safe_dump(document))
    result = runner.invoke(
        cli,
        ["run", "-f", str(path), "-a", SERVICE_ARG, "--secrets-dir", str(tmp_path), "-o", "json"],
    )
    assert result.exit_code == 2
    status = json.loads(result.stdout)["status"]
    assert status["phase"] == "Error"
    assert status["message"] == 'Unable to resolve metric arguments: secrets "oap-auth" not found'


def test_n_reads_the_namespace_folder_and_an_echoed_secret_is_stars(tmp_path: Path) -> None:
    secret = "planted-ns-token-20e4b7"
    (tmp_path / "secrets" / "bookinfo" / "oap-auth").mkdir(parents=True)
    (tmp_path / "secrets" / "bookinfo" / "oap-auth" / "token").write_text(secret)
    document = yaml.safe_load(SEED.read_text())
    document["spec"]["args"].append(
        {"name": "api-token", "valueFrom": {"secretKeyRef": {"name": "oap-auth", "key": "token"}}}
    )
    metric = document["spec"]["metrics"][0]
    metric["count"], metric["failureLimit"] = 1, 0
    metric["successCondition"] = "true"
    # A recorded answer that echoes the credential, as an upstream may.
    metric["provider"]["replay"]["results"] = [{"value": {"echo": "Bearer {{args.api-token}}"}}]
    path = tmp_path / "apdex.yaml"
    path.write_text(yaml.safe_dump(document))
    command = ["run", "-f", str(path), "-a", SERVICE_ARG, "-n", "bookinfo", "--virtual-time"]
    result = runner.invoke(
        cli, [*command, "--secrets-dir", str(tmp_path / "secrets"), "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    measurement = json.loads(result.stdout)["status"]["metricResults"][0]["measurements"][0]
    assert measurement["value"] == '{"echo":"Bearer *****"}'
