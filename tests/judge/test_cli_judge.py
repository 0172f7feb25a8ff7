"""`augur judge --pairs` as a user meets it: exit codes, Kayenta's JSON, an 80-column table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.judge.samples import BLUNT, FEW_ERRORS, WIDER, config, metric, pair
from tests.support.cli_runs import WIDTH, widest
from tests.support.servers import REPO

runner = CliRunner()
SAME = {"control": [1.0, 2.0, 3.0, 4.0], "experiment": [4.0, 3.0, 2.0, 1.0]}


def files(tmp_path: Path, judge_name: str, pairs: list[dict[str, Any]], **canary: Any) -> list[str]:
    metrics = [metric(p["name"], group="golden", **canary) for p in pairs]
    (tmp_path / "config.json").write_text(json.dumps(config(judge_name, *metrics)))
    (tmp_path / "pairs.json").write_text(json.dumps(pairs))
    return ["judge", "-f", str(tmp_path / "config.json"), "--pairs", str(tmp_path / "pairs.json")]


def four(high: int) -> list[dict[str, Any]]:
    """Four metrics in one group, `high` of them a slower canary."""
    return [pair(f"m{i}", BLUNT if i < high else SAME) for i in range(4)]


@pytest.mark.parametrize(
    ("pairs", "classification", "code"),
    [
        pytest.param(four(0), "Pass", 0, id="pass"),
        pytest.param(four(1), "Marginal", 3, id="marginal-75"),
        pytest.param(four(2), "Fail", 1, id="fail-50"),
    ],
)
def test_the_exit_code_is_the_classification(
    tmp_path: Path, pairs: list[dict[str, Any]], classification: str, code: int
) -> None:
    done = runner.invoke(
        cli, [*files(tmp_path, "augur-v1", pairs, direction="increase"), "-o", "json"]
    )
    assert done.exit_code == code, done.output
    document = json.loads(done.stdout)
    assert list(document) == ["judgeName", "results", "groupScores", "score"]
    assert document["score"]["classification"] == classification
    assert document["groupScores"] == [
        {
            "name": "golden",
            "score": document["score"]["score"],
            "classification": "",
            "classificationReason": "",
        }
    ]


def test_the_json_is_kayentas_result_with_statistics(tmp_path: Path) -> None:
    pairs = [pair("errors", FEW_ERRORS, tags={"service": "reviews"})]
    done = runner.invoke(
        cli, [*files(tmp_path, "augur-v1", pairs, direction="increase"), "-o", "json"]
    )
    [result] = json.loads(done.stdout)["results"]
    assert list(result) == [
        "name",
        "id",
        "tags",
        "classification",
        "classificationReason",
        "groups",
        "experimentMetadata",
        "controlMetadata",
        "resultMetadata",
        "critical",
        "muted",
        "statistics",
    ]
    assert result["resultMetadata"] == {"ratio": "NaN"}  # baseline mean 0, as Jackson writes NaN
    assert result["controlMetadata"] == {
        "stats": {"min": 0.0, "max": 0.0, "mean": 0.0, "std": 0.0, "count": 30}
    }


def test_the_table_reads_at_80_columns(tmp_path: Path) -> None:
    pairs = [
        pair("reviews-latency-p99-milliseconds", BLUNT),
        pair("errors", FEW_ERRORS),
        pair("apdex", WIDER),
    ]
    done = runner.invoke(cli, files(tmp_path, "augur-v1", pairs), env={"COLUMNS": str(WIDTH)})
    assert done.exit_code == 1
    lines = done.stdout.splitlines()
    assert widest(done.stdout) <= WIDTH
    assert lines[0].rstrip() == "reviews-canary: Fail · score 33.33 · augur-v1"
    header = next(line for line in lines if line.startswith("metric"))
    assert header.split() == ["metric", "class", "estimate", "interval", "p", "why"]
    row = next(line for line in lines if line.startswith("errors"))
    assert row.split()[:5] == ["errors", "High", "0", "[0,", "0]"]
    assert lines[-1].rstrip() == "groups: golden 33.33"


def test_kayentas_judge_prints_its_bound(tmp_path: Path) -> None:
    done = runner.invoke(
        cli,
        files(tmp_path, "NetflixACAJudge-v1.0", [pair("latency", BLUNT)], direction="increase"),
        env={"COLUMNS": str(WIDTH)},
    )
    assert done.exit_code == 0
    row = next(line for line in done.stdout.splitlines() if line.startswith("latency"))
    assert "bound ±1.48, meanRatio 1.05" in row


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            ["--pass", "120"],
            "augur: --pass: must be a number from 0 to 100, got 120.0",
            id="pass-range",
        ),
        pytest.param(
            ["--marginal", "99"],
            "augur: --marginal: must not be above thresholds.pass (95), got 99",
            id="order",
        ),
        pytest.param(
            ["--pairs", "nowhere.json"],
            "augur: nowhere.json: cannot read the metric pairs: No such file or directory",
            id="no-file",
        ),
    ],
)
def test_invalid_input_exits_64_naming_what(
    tmp_path: Path, change: list[str], message: str
) -> None:
    argv = files(tmp_path, "augur-v1", [pair("a", SAME)])
    if change[0] == "--pairs":
        argv = argv[:3] + change
    else:
        argv += change
    done = runner.invoke(cli, argv)
    assert done.exit_code == 64
    assert done.stderr.splitlines()[0] == message


def test_config_and_pair_problems_name_the_file_and_field(tmp_path: Path) -> None:
    argv = files(tmp_path, "augur-v1", [pair("a", SAME)], critical="yes")
    done = runner.invoke(cli, argv)
    assert done.exit_code == 64
    assert done.stderr == (
        f"augur: {tmp_path / 'config.json'}: metrics[0].analysisConfigurations.canary.critical: "
        'must be a boolean, got "yes"\n'
    )
    (tmp_path / "config.json").write_text(json.dumps(config("augur-v1", metric("b"))))
    done = runner.invoke(cli, [*argv[:4], argv[4]])
    assert done.exit_code == 64
    assert done.stderr == (
        f"augur: {tmp_path / 'pairs.json'}: pairs[0].name: "
        'no metric named "a" in the canary config\n'
    )


def test_a_source_of_series_is_required(tmp_path: Path) -> None:
    argv = files(tmp_path, "augur-v1", [pair("a", SAME)])
    done = runner.invoke(cli, argv[:3])
    assert done.exit_code == 64
    assert done.stderr == (
        "augur: --pairs PAIRS (recorded series) or --control SCOPE --experiment SCOPE "
        "(fetched live) is required\n"
    )


def test_the_installed_command_judges_over_a_real_process(tmp_path: Path) -> None:
    argv = files(tmp_path, "augur-v1", [pair("errors", FEW_ERRORS)], direction="increase")
    done = subprocess.run(
        [sys.executable, "-m", "app", *argv, "-o", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert document["results"][0]["statistics"]["test"] == "mann-whitney"
    assert document["score"] == {"score": 0.0, "classification": "Fail", "classificationReason": ""}
