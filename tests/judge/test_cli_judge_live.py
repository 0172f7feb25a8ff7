"""`augur judge --control SCOPE --experiment SCOPE --window 30m`: the series fetched live.

The same fetch and judge as the server's, so the same result `--pairs` prints for the same
series; exit 0 Pass, 1 Fail, 3 Marginal, 2 when a series cannot be fetched, 64 for bad input,
naming the option or the config's field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.fakes.fake_oap import FakeOAP, Fault
from tests.support.canary import CANARY, STABLE, canary_config, seed

runner = CliRunner()
END = "2026-12-05T10:30:00Z"


def argv(tmp_path: Path, config: dict[str, Any], *extra: str) -> list[str]:
    file = tmp_path / "reviews-canary.json"
    file.write_text(json.dumps(config))
    return [
        "judge",
        "-f",
        str(file),
        "--control",
        STABLE,
        "--experiment",
        CANARY,
        "--window",
        "30m",
        "--end",
        END,
        "--pass",
        "90",
        "--marginal",
        "40",
        *extra,
    ]


@pytest.mark.parametrize(
    ("degraded", "code", "score"),
    [
        ((), 0, 100.0),
        (("service_resp_time",), 3, 50.0),
        (("service_apdex", "service_resp_time"), 1, 0.0),
    ],
    ids=["pass", "marginal", "fail"],
)
def test_live_series_judged(
    tmp_path: Path, fake_oap: FakeOAP, degraded: tuple[str, ...], code: int, score: float
) -> None:
    seed(fake_oap, degraded=degraded)
    done = runner.invoke(cli, argv(tmp_path, canary_config(fake_oap.url), "-o", "json"))
    assert done.exit_code == code, done.output
    result = json.loads(done.stdout)
    assert result["score"]["score"] == score
    assert [r["name"] for r in result["results"]] == ["apdex", "latency"]
    assert fake_oap.requests[0].variables["duration"] == {
        "start": "2026-12-05 1000",
        "end": "2026-12-05 1030",
        "step": "MINUTE",
    }


def test_the_same_result_as_recorded_pairs(tmp_path: Path, fake_oap: FakeOAP) -> None:
    """Record what live judging fetched, then judge the recording: the same document."""
    seed(fake_oap, degraded=("service_resp_time",))
    live = runner.invoke(cli, argv(tmp_path, canary_config(fake_oap.url), "-o", "json"))
    series: dict[str, list[float]] = {}
    for request in fake_oap.requests:
        answer = fake_oap.answer(request.body)[1]["data"]
        variables = request.variables
        if "condition" in variables:
            side = variables["condition"]["entity"]["serviceName"]
            points = answer["readMetricsValues"]["values"]["values"]
            series["apdex", side] = [p["value"] for p in points][:30]
        else:
            side = variables["entity"]["serviceName"]
            points = answer["execExpression"]["results"][0]["values"]
            series["latency", side] = [float(p["value"]) for p in points][:30]
    pairs = [
        {
            "name": name,
            "id": str(index),
            "values": {"control": series[name, STABLE], "experiment": series[name, CANARY]},
        }
        for index, name in enumerate(("apdex", "latency"))
    ]
    (tmp_path / "pairs.json").write_text(json.dumps(pairs))
    recorded = runner.invoke(
        cli,
        [
            "judge",
            "-f",
            str(tmp_path / "reviews-canary.json"),
            "--pairs",
            str(tmp_path / "pairs.json"),
            "--pass",
            "90",
            "--marginal",
            "40",
            "-o",
            "json",
        ],
    )
    assert (live.exit_code, recorded.exit_code) == (3, 3)
    assert json.loads(live.stdout) == json.loads(recorded.stdout)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--window", "half an hour"], '--window: time: invalid duration "half an hour"'),
        (
            ["--end", "yesterday"],
            "--end: an RFC 3339 time such as 2026-12-05T10:00:00Z, not 'yesterday'",
        ),
        (
            ["--step", "300"],
            "{config}: metrics[0].query: skywalking: step 300s: the OAP answers steps of 1 "
            "(SECOND), 60 (MINUTE), 3600 (HOUR), 86400 (DAY) seconds",
        ),
        (["--window", "30s"], "--end: must be at least one step (60s) after start"),
        (
            ["--pairs", "p.json"],
            "give --pairs PAIRS (recorded series) or --control SCOPE "
            "--experiment SCOPE (fetched live), not both",
        ),
    ],
    ids=["window", "end", "step", "short-window", "both-sources"],
)
def test_bad_options_name_themselves(
    tmp_path: Path, fake_oap: FakeOAP, change: list[str], message: str
) -> None:
    done = runner.invoke(cli, [*argv(tmp_path, canary_config(fake_oap.url)), *change])
    assert done.exit_code == 64, done.output
    config = tmp_path / "reviews-canary.json"
    assert done.stderr.startswith(f"augur: {message.format(config=config)}\n"), done.stderr


def test_a_query_that_cannot_be_fetched_names_the_config_field(tmp_path: Path) -> None:
    config = canary_config(None)  # no address, and no AUGUR_SKYWALKING_ADDRESS
    done = runner.invoke(cli, argv(tmp_path, config), env={"AUGUR_SKYWALKING_ADDRESS": ""})
    assert done.exit_code == 64
    assert done.stderr == (
        f"augur: {tmp_path / 'reviews-canary.json'}: metrics[0].query: address: required: the "
        "query names no address and no default is set for skywalking "
        "(AUGUR_SKYWALKING_ADDRESS)\n"
        f"augur: {tmp_path / 'reviews-canary.json'}: metrics[1].query: address: required: the "
        "query names no address and no default is set for skywalking "
        "(AUGUR_SKYWALKING_ADDRESS)\n"
    )


def test_the_default_address_and_a_fetch_failure(tmp_path: Path, fake_oap: FakeOAP) -> None:
    env = {"AUGUR_SKYWALKING_ADDRESS": fake_oap.url}
    with fake_oap.fault(Fault(status=503, body="maintenance")):
        done = runner.invoke(cli, argv(tmp_path, canary_config(None)), env=env)
    assert done.exit_code == 2
    # whichever fetch failed first: metric, side and scope named, then the OAP's answer
    assert re.fullmatch(
        r'augur judge: metric "(apdex|latency)", (control|experiment) scope "[^"]+": '
        r"skywalking: OAP answered 503 Service Unavailable: maintenance\n",
        done.stderr,
    ), done.stderr
