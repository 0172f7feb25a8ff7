"""`augur check newrelic|influxdb|wavefront`: the real command, in a process of its own, against
the provider fakes, with credentials where Argo reads them (a Secret in `--secrets-dir`, the
environment) and a private CA trusted the way a user trusts one: `SSL_CERT_FILE`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from providers.registry import BUILTIN
from tests.fakes.influxdb import FakeInflux, csv_reply
from tests.fakes.newrelic import FakeNerdGraph, results_reply
from tests.fakes.wavefront import FakeWavefront, chart_reply
from tests.providers.token_runs import write_secret
from tests.support.servers import REPO
from tests.support.tls import self_signed

runner = CliRunner()
NR_KEY, INFLUX_TOKEN, WF_TOKEN = "NRAK-cli-key-0001", "influx-cli-token", "wf-cli-token"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"), "127.0.0.1")


def augur(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *argv],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def outcome(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.stderr == ""
    document: dict[str, Any] = json.loads(done.stdout)
    return document


@pytest.fixture(scope="module")
def nerdgraph(certificate: tuple[Path, Path]) -> Iterator[FakeNerdGraph]:
    with FakeNerdGraph({NR_KEY: {99}}, tls=certificate) as fake:
        yield fake


def test_newrelic_check_reads_the_profile_and_the_environment(
    nerdgraph: FakeNerdGraph, certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    write_secret(tmp_path, "nr-prod", {"personal-api-key": NR_KEY, "account-id": "99"})
    nerdgraph.script(results_reply([{"successRate": 0.97}]))
    done = augur(
        *("check", "newrelic", "--profile", "nr-prod", "--timeout", "9"),
        *("--query", "SELECT percentage(count(*), WHERE error IS false) AS successRate"),
        *("--secrets-dir", str(tmp_path), "--condition", "result.successRate >= 0.95", "--json"),
        env={
            "SSL_CERT_FILE": str(certificate[0]),
            "NEW_RELIC_NERDGRAPH_BASE_URL": f"{nerdgraph.url}/graphql",
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found = outcome(done)
    assert (found["provider"], found["value"], found["phase"]) == (
        "newRelic",
        '{"successRate":0.97}',
        "Successful",
    )
    (request,) = nerdgraph.requests
    assert json.loads(request.body)["variables"]["timeout"] == 9
    assert NR_KEY not in done.stdout


def test_influxdb_check_fails_the_condition(tmp_path: Path) -> None:
    with FakeInflux({"ops": {INFLUX_TOKEN}}) as influx:
        write_secret(
            tmp_path, "influxdb", {"address": influx.url, "authToken": INFLUX_TOKEN, "org": "ops"}
        )
        influx.script(
            csv_reply(
                "#datatype,string,long,double\n#group,false,false,false\n#default,_result,,\n"
                ",result,table,_value\n,,0,0.02\n,,0,0.5\n"
            )
        )
        done = augur(
            *("check", "influxdb", "--query", 'from(bucket: "b") |> range(start: -5m)'),
            *("--secrets-dir", str(tmp_path), "-c", "result[0] <= 0.01", "--json"),
        )
    assert done.returncode == 1, done.stdout + done.stderr
    found = outcome(done)
    assert (found["value"], found["phase"]) == ("[0.02 0.5]", "Failed")


def test_wavefront_check_over_tls_with_the_token_of_its_address(
    certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    with FakeWavefront({WF_TOKEN}, tls=certificate) as wavefront:
        address = f"127.0.0.1:{wavefront.port}"
        write_secret(tmp_path, "wavefront-api-tokens", {address: WF_TOKEN})
        wavefront.script(chart_reply([[[0, 0.98]]]))
        argv = ("check", "wavefront", "--address", address, "--query", "ts(cpu)")
        trusted = augur(
            *argv,
            *("--secrets-dir", str(tmp_path), "--json"),
            env={"SSL_CERT_FILE": str(certificate[0])},
        )
        untrusted = augur(*argv, "--secrets-dir", str(tmp_path), env={"SSL_CERT_FILE": ""})
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert outcome(trusted)["value"] == "0.98"
    assert untrusted.returncode == 2
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stdout


def test_a_missing_secret_is_an_error_naming_it(tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        ["check", "newrelic", "--query", "SELECT 1", "--secrets-dir", str(tmp_path), "--json"],
    )
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == (
        'secrets "newrelic" not found in augur\'s namespace (it holds keys personal-api-key, '
        "account-id)"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["check", "newrelic"], "augur: --query required, or --provider-file", id="no-query"
        ),
        pytest.param(
            ["check", "wavefront", "--query", "ts(x)"],
            "augur: --address required, or --provider-file",
            id="no-address",
        ),
        pytest.param(
            ["check", "newrelic", "--query", "SELECT 1", "--timeout", "-1"],
            "augur: timeout value needs to be a positive value",
            id="negative-timeout",
        ),
    ],
)
def test_invalid_input_exits_64(argv: list[str], message: str) -> None:
    result = runner.invoke(cli, argv)
    assert result.exit_code == 64
    assert message in result.output


def test_a_provider_file_holds_argos_block(tmp_path: Path) -> None:
    block = tmp_path / "block.yaml"
    block.write_text("newRelic:\n  query: SELECT 1\n  profiles: typo\n")
    result = runner.invoke(cli, ["check", "newrelic", "--provider-file", str(block)])
    assert result.exit_code == 64
    assert "newRelic: unknown field(s) profiles; known: profile, query, timeout" in result.output


def test_providers_lists_them() -> None:
    result = runner.invoke(cli, ["providers"])
    assert {"newRelic", "influxdb", "wavefront"} <= set(result.stdout.split())
    assert [line for line in result.stdout.split() if ":" not in line] == sorted(BUILTIN)
