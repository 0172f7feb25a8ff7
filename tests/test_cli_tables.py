"""`augur run` and `validate` as a user meets them: tables that read at 80 columns, flags,
help, and secrets.

The tables are checked through the real command (typer's runner with `COLUMNS=80`, and once as
`python -m app`) and, for the live view, by rendering a frame of the running analysis in an
80-column console.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from app.cli import cli
from app.cli.local import run_locally
from app.cli.render import RunView
from app.engine.reconcile import ReconcileResult
from app.engine.runner import VirtualClock
from app.service.submit import build_run, read_documents
from app.spec.models import AnalysisRun
from tests.support.cli_runs import METRIC, WIDTH, apdex, replay_template, widest
from tests.support.servers import REPO

runner = CliRunner()
LONG_ERROR = (
    'Post "http://skywalking-oap.skywalking:12800/graphql": dial tcp 10.0.0.7:12800: connect: '
    "connection refused (the OAP behind the TSB gateway did not answer)"
)


# ------------------------------------------------------------------ tables at 80 columns

SCENARIOS = {
    "healthy": ([apdex(9950, 9960, 9940)] * 3, "Successful", "9950 9960 9940"),
    "failing": ([apdex(9950, 9400)] * 3, "Failed", "1 of 2 points fails"),
    "erroring": ([{"error": LONG_ERROR}] * 5, "Error", 'Post "http://'),
}


@pytest.mark.parametrize(
    ("results", "phase", "last"),
    [pytest.param(*value, id=key) for key, value in SCENARIOS.items()],
)
def test_the_final_table_reads_at_80_columns(
    tmp_path: Path, results: list[dict[str, Any]], phase: str, last: str
) -> None:
    template = replay_template(tmp_path / "t.yaml", results)
    result = runner.invoke(
        cli, ["run", "-f", str(template), "--virtual-time"], env={"COLUMNS": str(WIDTH)}
    )
    assert result.stdout.startswith(f"bookinfo/apdex: {phase}")
    row = next(line for line in result.stdout.splitlines() if line.startswith(METRIC))
    assert row.split()[1] == phase
    assert last in row  # the last value cut to its numbers, why it failed, or the error
    assert widest(result.stdout) <= WIDTH


def test_wide_and_json_show_the_full_value_and_message(tmp_path: Path) -> None:
    template = replay_template(tmp_path / "t.yaml", [{"error": LONG_ERROR}] * 5)
    narrow = runner.invoke(cli, ["run", "-f", str(template), "--virtual-time"])
    wide = runner.invoke(
        cli, ["run", "-f", str(template), "--virtual-time", "--wide"], env={"COLUMNS": "80"}
    )
    as_json = runner.invoke(cli, ["run", "-f", str(template), "--virtual-time", "-o", "json"])
    assert LONG_ERROR not in narrow.stdout  # clipped
    assert f"{METRIC} message: {LONG_ERROR}" in " ".join(wide.stdout.split())
    assert widest(wide.stdout) <= WIDTH
    last = json.loads(as_json.stdout)["status"]["metricResults"][0]["measurements"][-1]
    assert last["message"] == LONG_ERROR


def test_a_live_frame_reads_at_80_columns_and_says_elapsed_and_next(tmp_path: Path) -> None:
    """The live view is re-rendered at every refresh: render the frame after the second
    measurement, at a moment between two measurements."""
    template = replay_template(tmp_path / "t.yaml", [apdex(9950, 9960)] * 4)
    run = build_run(read_documents([("t", template.read_text())]))
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    frames: list[tuple[AnalysisRun, ReconcileResult | None]] = []

    async def record(current: AnalysisRun, result: ReconcileResult | None) -> None:
        frames.append((current, result))

    asyncio.run(run_locally(run, clock=VirtualClock(start), on_status=record))
    second = next(
        (r, res) for r, res in frames if r.status and r.status.metric_results[0].count == 2
    )
    view = RunView(second[0], clock=lambda: start + timedelta(minutes=7, seconds=30))
    view.next_at = second[1].next_at if second[1] else None
    console = Console(width=WIDTH, record=True)
    console.print(view)
    frame = console.export_text()
    assert frame.splitlines()[0].rstrip() == (
        "bookinfo/apdex: Running · 7m30s elapsed · next in 2m31s"
    )
    assert frame.splitlines()[3].split()[:2] == [METRIC, "Running"]
    assert widest(frame) <= WIDTH


def test_the_first_frame_before_any_measurement(tmp_path: Path) -> None:
    template = replay_template(tmp_path / "t.yaml", [apdex(9950)])
    run = build_run(read_documents([("t", template.read_text())]))
    console = Console(width=WIDTH, record=True)
    console.print(RunView(run, clock=lambda: datetime(2026, 12, 1, tzinfo=UTC)))
    assert console.export_text().splitlines()[0].rstrip() == "bookinfo/apdex: -"


def test_python_dash_m_app_run_reads_at_80_columns(tmp_path: Path) -> None:
    template = replay_template(tmp_path / "t.yaml", [apdex(9950, 9960, 9940)] * 3)
    done = subprocess.run(
        [sys.executable, "-m", "app", "run", "-f", str(template), "--virtual-time"],
        cwd=REPO,
        env={**os.environ, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"{METRIC}  Successful" in done.stdout
    assert widest(done.stdout) <= WIDTH


# ------------------------------------------------------------------ flags


@pytest.mark.parametrize(
    ("flag", "exit_code"),
    [
        pytest.param("--virtual-time", 0, id="flag"),
        pytest.param("--virtual-time=true", 0, id="equals-true"),
        pytest.param("--virtual-time=false", 0, id="equals-false"),
        pytest.param("--no-virtual-time", 0, id="negative"),
    ],
)
def test_boolean_flags_take_true_or_false(tmp_path: Path, flag: str, exit_code: int) -> None:
    """A count-1 replay metric measures at once, so the wall clock is not waited on either."""
    template = replay_template(tmp_path / "t.yaml", [apdex(9950)])
    result = runner.invoke(cli, ["run", "-f", str(template), flag])
    assert result.exit_code == exit_code, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--virtual-time=maybe"],
            "Error: --virtual-time is true or false, not 'maybe'",
            id="not-a-bool",
        ),
        pytest.param(["--bogus"], "Error: No such option: --bogus", id="unknown-option"),
    ],
)
def test_usage_errors_exit_64(tmp_path: Path, args: list[str], message: str) -> None:
    template = replay_template(tmp_path / "t.yaml", [apdex(9950)])
    result = runner.invoke(cli, ["run", "-f", str(template), *args])
    assert result.exit_code == 64
    assert result.stderr.splitlines()[-1] == message


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["run"], id="run"),
        pytest.param(["validate"], id="validate"),
        pytest.param(["check", "skywalking"], id="check"),
        pytest.param(["serve"], id="serve"),
    ],
)
def test_help_shows_no_bool_metavar(command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    assert "<str>" not in result.stdout


# ------------------------------------------------------------------ validate --secrets-dir

SECRET_TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: apdex}
spec:
  args:
    - name: oap-password
      valueFrom: {secretKeyRef: {name: oap-auth, key: password}}
  metrics:
    - name: apdex
      successCondition: "result.service_apdex > 0"
      provider:
        skywalking:
          address: http://oap:12800
          interval: 5m
          query: |
            query q($duration: Duration!) {
              service_apdex: readMetricsValue(
                condition: {name: "service_apdex", entity: {scope: Service, serviceName: "x"}},
                duration: $duration)
            }
          authentication:
            basicAuth: {username: augur, password: "{{args.oap-password}}"}
"""


@pytest.mark.parametrize(
    ("files", "exit_code", "out"),
    [
        pytest.param(
            {"oap-auth/password": "s3cret-planted"}, 0, "valid: apdex (1 metric)\n", id="ok"
        ),
        pytest.param(
            {},
            64,
            'augur: spec.args: secrets "oap-auth" not found (in --secrets-dir {dir})\n',
            id="no-secret",
        ),
        pytest.param(
            {"oap-auth/user": "augur"},
            64,
            "augur: spec.args: key 'password' does not exist in secret 'oap-auth' "
            "(in --secrets-dir {dir})\n",
            id="no-key",
        ),
    ],
)
def test_validate_reads_secrets_from_the_secrets_dir(
    tmp_path: Path, files: dict[str, str], exit_code: int, out: str
) -> None:
    secrets = tmp_path / "secrets"
    for name, value in files.items():
        (secrets / name).parent.mkdir(parents=True, exist_ok=True)
        (secrets / name).write_text(value)
    secrets.mkdir(exist_ok=True)
    template = tmp_path / "t.yaml"
    template.write_text(SECRET_TEMPLATE)
    result = runner.invoke(cli, ["validate", "-f", str(template), "--secrets-dir", str(secrets)])
    assert result.exit_code == exit_code
    assert result.output == out.format(dir=secrets)
    assert "s3cret-planted" not in result.output


@pytest.mark.parametrize(
    ("files", "namespace", "exit_code", "out"),
    [
        pytest.param(
            {"bookinfo/oap-auth/password": "s3cret-planted"},
            ["-n", "bookinfo"],
            0,
            "valid: apdex (1 metric)\n",
            id="n-reads-the-namespace-folder",
        ),
        pytest.param(
            {"oap-auth/password": "s3cret-planted"},
            ["-n", "bookinfo"],
            64,
            'augur: spec.args: secrets "oap-auth" not found in namespace "bookinfo" '
            "(in --secrets-dir {dir})\n",
            id="n-ignores-the-top-level",
        ),
        pytest.param(
            {"bookinfo/oap-auth/password": "s3cret-planted"},
            [],
            64,
            'augur: spec.args: secrets "oap-auth" not found (in --secrets-dir {dir})\n',
            id="without-n-the-top-level",
        ),
        pytest.param(
            {"other/oap-auth/password": "s3cret-planted"},
            ["-n", "bookinfo"],
            64,
            'augur: spec.args: secrets "oap-auth" not found in namespace "bookinfo" '
            "(in --secrets-dir {dir})\n",
            id="another-namespace-is-not-read",
        ),
    ],
)
def test_n_selects_the_namespace_folder_of_the_secrets_dir(
    tmp_path: Path, files: dict[str, str], namespace: list[str], exit_code: int, out: str
) -> None:
    secrets = tmp_path / "secrets"
    for name, value in files.items():
        (secrets / name).parent.mkdir(parents=True, exist_ok=True)
        (secrets / name).write_text(value)
    template = tmp_path / "t.yaml"
    template.write_text(SECRET_TEMPLATE)
    result = runner.invoke(
        cli, ["validate", "-f", str(template), "--secrets-dir", str(secrets), *namespace]
    )
    assert result.exit_code == exit_code
    assert result.output == out.format(dir=secrets)
    assert "s3cret-planted" not in result.output
