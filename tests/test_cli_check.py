"""`augur check`: one series from a real loopback server, the verdict as the exit code."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.cli.check import sparkline
from tests.fakes.fake_oap import FakeOAP
from tests.fakes.scripted import Reply, ScriptedServer

runner = CliRunner()
CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
SEED = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"


def check_skywalking(oap: FakeOAP, *extra: str) -> list[str]:
    return ["check", "skywalking", "--address", oap.url, "--service", CANARY, *extra]


@pytest.mark.parametrize(
    ("apdex", "exit_code", "verdict"),
    [
        pytest.param(9950, 0, "verdict Successful", id="healthy"),
        pytest.param(9500, 1, "verdict Failed", id="degraded"),
    ],
)
def test_skywalking_verdict_is_the_exit_code(
    fake_oap: FakeOAP, apdex: int, exit_code: int, verdict: str
) -> None:
    fake_oap.set_series(CANARY, "service_apdex", apdex)
    result = runner.invoke(cli, check_skywalking(fake_oap, "--window", "5m", "--condition", SEED))
    assert result.exit_code == exit_code, result.output
    assert verdict in result.stdout
    assert f"{apdex / 10000:.4f}" in result.stdout  # apdex also shown as 0..1
    # The fake validated the query against the OAP's schema, and the window is 5 minutes.
    variables = fake_oap.requests[-1].variables
    assert variables["service"] == CANARY
    assert variables["duration"]["step"] == "MINUTE"


def test_skywalking_json_has_the_series(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_sla", 10000)
    result = runner.invoke(cli, check_skywalking(fake_oap, "--metric", "service_sla", "--json"))
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["phase"] is None
    assert {point["value"] for point in document["series"]} == {10000.0}
    assert len(document["series"]) == 11  # 10 minutes, both ends included


def test_skywalking_without_data_is_an_error_naming_the_service(fake_oap: FakeOAP) -> None:
    result = runner.invoke(cli, check_skywalking(fake_oap, "--condition", SEED))
    assert result.exit_code == 2
    assert "Error" in result.stdout


def test_a_bad_metric_name_or_condition_is_invalid_input(fake_oap: FakeOAP) -> None:
    bad_metric = runner.invoke(cli, check_skywalking(fake_oap, "--metric", "apdex){"))
    assert bad_metric.exit_code == 64
    assert "is not a metric name such as service_apdex" in bad_metric.stderr
    bad_condition = runner.invoke(cli, check_skywalking(fake_oap, "--condition", "result >"))
    assert bad_condition.exit_code == 64
    assert "condition: " in bad_condition.stderr


def test_web_check_with_json_path(scripted: ScriptedServer) -> None:
    url = scripted.reply("/health", Reply(body='{"data": {"errorRate": 0.004}}'))
    result = runner.invoke(
        cli,
        [
            "check",
            "web",
            "--url",
            url,
            "--json-path",
            "{$.data.errorRate}",
            "--condition",
            "result < 0.01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "verdict Successful" in result.stdout


def test_web_check_of_a_failing_endpoint(scripted: ScriptedServer) -> None:
    url = scripted.reply("/down", Reply(status=503, body="busy"))
    result = runner.invoke(cli, ["check", "web", "--url", url])
    assert result.exit_code == 2
    assert "error" in result.stdout


def test_providers_lists_the_built_ins() -> None:
    result = runner.invoke(cli, ["providers"])
    assert result.stdout.splitlines()[:4] == ["prometheus", "replay", "skywalking", "web"]


@pytest.mark.parametrize(
    ("values", "line"),
    [
        pytest.param([1.0, 2.0, 3.0], "▁▅█", id="rising"),
        pytest.param([5.0, 5.0], "▁▁", id="flat"),
        pytest.param([1.0, None, 2.0], "▁ █", id="gap"),
        pytest.param([], "", id="empty"),
    ],
)
def test_sparkline(values: list[float | None], line: str) -> None:
    assert sparkline(values) == line
