"""`augur check`: one series from a real loopback server, the verdict as the exit code."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from typer.testing import CliRunner

from app.cli import cli
from app.cli.check import sparkline
from providers.registry import BUILTIN
from tests.fakes.fake_oap import FakeOAP
from tests.fakes.scripted import Reply, ScriptedServer

runner = CliRunner()
CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
SEED = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
COLUMNS_80 = {"COLUMNS": "80"}


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


def test_providers_lists_the_built_ins_and_augurs_own() -> None:
    result = runner.invoke(cli, ["providers"])
    built_in = sorted([*BUILTIN, "judge"])  # judge: augur's own, built by app.service
    assert result.stdout.splitlines()[: len(built_in)] == built_in
    assert "kayenta" in built_in  # Argo's client of Kayenta, built in like the others


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


# ------------------------------------------------------------------ times, MQE, 80 columns


def test_the_point_column_shows_times_in_the_windows_zone(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    result = runner.invoke(
        cli, check_skywalking(fake_oap, "--window", "5m", "--condition", SEED), env=COLUMNS_80
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"service_apdex of {CANARY}"
    assert "time (UTC)" in lines[2]
    times = [re.search(r"│ (\S+)\s+│", line) for line in lines[4:10]]
    assert all(found and re.fullmatch(r"\d\d:\d\d", found.group(1)) for found in times)
    assert re.search(r"^verdict Successful", result.stdout, re.MULTILINE)
    assert max(len(line) for line in lines) <= 80


def test_an_mqe_expression_is_measured_with_execexpression(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    result = runner.invoke(
        cli,
        check_skywalking(
            fake_oap,
            "--expression",
            "service_apdex",
            "--window",
            "5m",
            "--condition",
            "all(result.mqe.results[0].values, {asFloat(.value) >= 9900})",
            "--json",
        ),
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["phase"] == "Successful"
    first = document["series"][0]
    assert re.fullmatch(r"\d{13}", first["id"])  # the OAP's epoch milliseconds...
    assert datetime.fromisoformat(first["time"]).timestamp() * 1000 == int(first["id"])  # as time
    assert fake_oap.requests[-1].variables["expression"] == "service_apdex"


def test_metric_and_expression_together_are_refused(fake_oap: FakeOAP) -> None:
    result = runner.invoke(
        cli, check_skywalking(fake_oap, "--metric", "service_sla", "--expression", "x")
    )
    assert result.exit_code == 64
    assert result.stderr == (
        "augur: --metric and --expression: give one (an expression names its metrics)\n"
    )


# ------------------------------------------------------------------ an OAP behind auth

USER, PASSWORD = "augur", "planted-oap-password-51c2"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
REQUIRED = {"authorization": BASIC, "x-tsb-tenant": "bookinfo"}


def requiring(app: ASGIApp, headers: dict[str, str]) -> ASGIApp:
    """The OAP behind a gateway: 401 unless every header is there with its value."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            got = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            if any(got.get(key) != value for key, value in headers.items()):
                denied = PlainTextResponse("missing credentials", status_code=401)
                await denied(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded


@pytest.fixture(scope="module")
def guarded_oap() -> Iterator[FakeOAP]:
    oap = FakeOAP()
    oap.app = requiring(oap.app, REQUIRED)  # type: ignore[assignment]
    oap.set_series(CANARY, "service_apdex", 9950)
    with oap:
        yield oap


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    folder = tmp_path / "secrets"
    (folder / "oap-auth").mkdir(parents=True)
    (folder / "oap-auth" / "password").write_text(PASSWORD + "\n")  # as `echo` writes it
    return folder


def test_headers_and_basic_auth_from_the_secrets_dir_reach_the_oap(
    guarded_oap: FakeOAP, secrets: Path
) -> None:
    result = runner.invoke(
        cli,
        check_skywalking(
            guarded_oap,
            "-H",
            "X-TSB-Tenant: bookinfo",
            "--username",
            USER,
            "--password-secret",
            "oap-auth/password",
            "--secrets-dir",
            str(secrets),
            "--condition",
            SEED,
        ),
    )
    assert result.exit_code == 0, result.output
    assert guarded_oap.requests[-1].headers["authorization"] == BASIC
    assert PASSWORD not in result.output


def test_without_credentials_the_oap_refuses(guarded_oap: FakeOAP) -> None:
    result = runner.invoke(cli, check_skywalking(guarded_oap, "--condition", SEED))
    assert result.exit_code == 2
    assert "skywalking: OAP answered 401 Unauthorized: missing credentials" in " ".join(
        result.stdout.split()
    )


PROVIDER_FILE = """
skywalking:
  address: {url}
  interval: 5m
  headers:
    - {{key: X-TSB-Tenant, value: bookinfo}}
  authentication:
    basicAuth: {{username: {user}, password: {password}}}
  query: |
    query q($duration: Duration!) {{
      service_apdex: readMetricsValues(
        condition: {{name: "service_apdex",
                     entity: {{scope: Service, serviceName: "{service}", normal: true}}}},
        duration: $duration) {{ label values {{ values {{ id value }} }} }}
    }}
"""


def test_a_provider_file_holds_the_block_as_a_template_does(
    guarded_oap: FakeOAP, tmp_path: Path
) -> None:
    block = tmp_path / "oap.yaml"
    block.write_text(
        PROVIDER_FILE.format(url=guarded_oap.url, user=USER, password=PASSWORD, service=CANARY)
    )
    result = runner.invoke(
        cli, ["check", "skywalking", "--provider-file", str(block), "--condition", SEED]
    )
    assert result.exit_code == 0, result.output
    # the title is the file's path, folded at 80 columns when the path is longer
    assert "".join(result.stdout.splitlines()).startswith(str(block))
    assert "verdict Successful" in result.stdout
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    ("command", "message"),
    [
        pytest.param(
            ["check", "skywalking", "--address", "http://oap:12800"],
            "augur: --provider-file and --address both set the provider: the file holds the "
            "whole block, so write that value in the file (or drop --provider-file)\n",
            id="flag-beside-file",
        ),
        pytest.param(
            ["check", "prometheus"],
            "augur: --provider-file {file} holds a skywalking block, not prometheus; use augur "
            "check skywalking\n",
            id="wrong-kind",
        ),
    ],
)
def test_provider_file_mistakes_exit_64(tmp_path: Path, command: list[str], message: str) -> None:
    block = tmp_path / "oap.yaml"
    block.write_text("skywalking: {address: http://oap:12800, interval: 5m, query: q}\n")
    result = runner.invoke(cli, [*command, "--provider-file", str(block)])
    assert result.exit_code == 64
    assert result.stderr == message.format(file=block)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            ["--username", "augur"],
            "augur: basic auth takes both --username and --password-secret\n",
            id="user-without-password",
        ),
        pytest.param(
            ["--username", "augur", "--password-secret", "oap-auth/password"],
            "augur: --password-secret needs --secrets-dir (or AUGUR_SECRETS_DIR), the folder it "
            "is in\n",
            id="no-secrets-dir",
        ),
        pytest.param(
            ["--token-secret", "oap-auth/token", "--secrets-dir", "{dir}"],
            "augur: --token-secret oap-auth/token: key 'token' does not exist in secret "
            "'oap-auth' (in --secrets-dir {dir})\n",
            id="no-such-key",
        ),
        pytest.param(
            ["-H", "no colon"],
            "augur: -H 'no colon': a header is 'Key: value'\n",
            id="bad-header",
        ),
        pytest.param(
            ["--timezone", "Mars/Olympus"],
            "augur: skywalking: unknown timezone 'Mars/Olympus': use UTC, an IANA name, +HHMM or "
            "auto\n",
            id="provider-message",
        ),
    ],
)
def test_provider_option_mistakes_exit_64(
    fake_oap: FakeOAP, secrets: Path, options: list[str], message: str
) -> None:
    given = [option.format(dir=secrets) for option in options]
    result = runner.invoke(cli, check_skywalking(fake_oap, *given))
    assert result.exit_code == 64
    assert result.stderr == message.format(dir=secrets)
    assert fake_oap.requests == []


def test_web_check_with_a_bearer_token_file_and_headers(
    scripted: ScriptedServer, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("planted-token-9d1e\n")
    url = scripted.reply("/health", Reply(body='{"ok": true}'))
    result = runner.invoke(
        cli,
        ["check", "web", "--url", url, "--token-file", str(token), "-H", "X-Team: canary"],
    )
    assert result.exit_code == 0, result.output
    sent = scripted.last("/health").headers
    assert sent["authorization"] == "Bearer planted-token-9d1e"
    assert sent["x-team"] == "canary"
    assert "planted-token" not in result.output


def test_zone_step_timeout_and_tls_options_shape_the_window(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    options = ["--timezone", "+0800", "--step", "HOUR", "--window", "3h", "--timeout", "5"]
    result = runner.invoke(cli, check_skywalking(fake_oap, *options, "--insecure", "--json"))
    assert result.exit_code == 0, result.output
    metadata = json.loads(result.stdout)["metadata"]
    assert (metadata["durationStep"], metadata["timezone"]) == ("HOUR", "+0800")
    sent = fake_oap.requests[-1].variables["duration"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d", sent["end"])  # the OAP's HOUR layout
