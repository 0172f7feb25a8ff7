"""The scheduler, HTTP, per-measurement, judge and dashboard benchmarks run and compare like with
like.

Each runs in its `--quick` mode (a few seconds); nothing here asserts a timing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks import (
    http_bench,
    judge_sim,
    measurement_bench,
    paced,
    replicas_bench,
    scheduler_bench,
    ui_bench,
)


def test_the_scheduler_benchmark_measures_every_run_on_a_real_store(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert scheduler_bench.main(["--quick", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["rows"]
    assert (row["store"], row["runs"], row["interval_s"]) == ("sqlite", 100, 1)
    assert row["target_per_s"] == 100
    assert row["measurements"] > 0
    assert set(row["phases"]) == {"Successful"}  # the loopback answer passes the condition
    assert row["log_errors"] == 0
    assert row["log_lines"] >= row["measurements"]  # one JSON line per measurement, at least
    assert row["cpu_s"] > 0
    assert row["peak_rss_mb"] > 0
    assert row["runs_lost_or_duplicated"] == 0


def test_the_replicas_benchmark_shares_one_database_between_processes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert replicas_bench.main(["--quick", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["store"], r["runs"], r["processes"]) for r in rows] == [
        ("postgresql", 200, 1),
        ("postgresql", 200, 2),
    ]
    assert rows[0]["x_one"] == 1.0
    for row in rows:
        assert row["measurements"] > 0
        assert set(row["phases"]) == {"Successful"}
        assert row["runs_lost_or_duplicated"] == 0


def test_the_measurement_benchmark_compares_three_paths_on_one_provider(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert measurement_bench.main(["--quick", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["store"], r["path"]) for r in rows] == [
        ("sqlite", "provider"),
        ("sqlite", "judged"),
        ("sqlite", "augur"),
        ("sqlite", "provider x8"),
        ("sqlite", "augur x8"),
    ]
    assert rows[3]["ratio"] == 1.0
    assert rows[0]["ratio"] == 1.0
    assert all(r["ms"] > 0 for r in rows)


def test_wrk_is_driven_with_the_argo_body_as_a_json_post(tmp_path: Path) -> None:
    body = http_bench.gate_body("http://127.0.0.1:9")
    script = tmp_path / "post.lua"
    script.write_text(http_bench.lua_script(body))
    lua = script.read_text().splitlines()
    assert lua[0] == 'wrk.method = "POST"'
    assert json.loads(json.loads(lua[1].removeprefix("wrk.body = "))) == json.loads(body)
    assert lua[2] == 'wrk.headers["Content-Type"] = "application/json"'
    assert json.loads(body)["spec"]["metrics"][0]["provider"]["web"]["url"].endswith("/ok")
    command = http_bench.wrk_command(
        "wrk", "http://127.0.0.1:1/x", threads=2, connections=32, seconds=10, script=script
    )
    assert command == [
        "wrk",
        "-t2",
        "-c32",
        "-d10s",
        "--latency",
        "-s",
        str(script),
        "http://127.0.0.1:1/x",
    ]


def test_wrk_output_is_read_in_its_units() -> None:
    output = (
        "  2 threads and 32 connections\n"
        "  Latency Distribution\n"
        "     50%    1.20ms\n"
        "     99%  850.00us\n"
        "  12000 requests in 10.00s, 3.00MB read\n"
        "  Non-2xx or 3xx responses: 3\n"
        "Requests/sec:   1200.50\n"
    )
    assert http_bench.parse_wrk(output) == {
        "requests": 12000.0,
        "per_s": 1200.5,
        "p99_ms": 0.85,
        "non_2xx": 3.0,
        "socket_errors": 0.0,
    }


def test_the_http_benchmark_pairs_each_augur_route_with_the_floor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `make test` installs wrk (SYSTEM_PACKAGES); without it this fails, it does not skip.
    assert shutil.which("wrk"), f"wrk is missing: {http_bench.INSTALL} (make test does this)"
    assert http_bench.main(["--quick", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["store"], r["method"], r["route"], r["server"]) for r in rows] == [
        ("-", "GET", "run status", "floor"),
        ("-", "POST", "argo gate", "floor"),
        ("-", "POST", "flagger gate", "floor"),
        ("sqlite", "GET", "run status", "augur"),
        ("sqlite", "POST", "argo gate", "augur"),
        ("sqlite", "POST", "flagger gate", "augur"),
    ]
    for row in rows:
        assert row["requests"] > 0
        assert row["non_2xx"] == 0  # every answer was a 200: the same work was measured
        assert row["socket_errors"] == 0
        assert row["paced_rate"] == http_bench.PACED_RATE
        assert row["paced_requests"] == http_bench.PACED_RATE * 0.5  # every paced request answered
        assert row["paced_non_2xx"] == row["paced_errors"] == 0
        pair = [r["command"].split()[:-1] for r in rows if r["route"] == row["route"]]
        assert pair[0] == pair[1]  # the same wrk flags (and Lua body) for augur and the floor
    assert [r["over_floor"] for r in rows[:3]] == [1.0, 1.0, 1.0]
    table = http_bench.table(rows)
    assert "× floor (goal ≥ 0.5)" in table[0]
    assert "p99 ms at 500/s (goal < 15)" in table[0]


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([], 0.99, 0.0),
        ([5.0], 0.99, 5.0),
        ([float(i) for i in range(1, 101)], 0.99, 99.0),
        ([float(i) for i in range(1, 101)], 0.5, 50.0),
        ([1.0, 2.0], 0.99, 2.0),
    ],
    ids=["none", "one", "p99 of 100", "p50 of 100", "p99 of 2 is the larger"],
)
def test_paced_percentiles_are_nearest_rank(
    values: list[float], share: float, expected: float
) -> None:
    assert paced.percentile(values, share) == expected


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        ("GET", None, b"GET /a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n"),
        (
            "POST",
            '{"a":1}',
            b"POST /a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Type: application/json"
            b'\r\nContent-Length: 7\r\n\r\n{"a":1}',
        ),
    ],
    ids=["GET", "POST with a JSON body"],
)
def test_the_paced_client_sends_keep_alive_requests_built_once(
    method: str, body: str | None, expected: bytes
) -> None:
    assert paced.request_bytes("http://127.0.0.1:9/a/b?x=1", method=method, body=body) == expected


def test_the_judge_simulation_puts_both_judges_on_the_same_pairs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert judge_sim.main(["--quick", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["reps"], report["alpha"]) == (20, 0.02)
    assert [r["reps"] for r in report["rows"]] == [80, 20, 20]  # null rows: 4 × the pairs
    assert [(r["scenario"], r["kind"], r["n"]) for r in report["rows"]] == [
        ("identical normal", "null", 30),
        ("shift +0.75 sd", "worse", 30),
        ("few errors vs none (25% of minutes)", "worse", 30),
    ]
    for row in report["rows"]:
        assert 0.0 <= row["kayenta"] <= 1.0
        assert 0.0 <= row["augur"] <= 1.0
    assert report["rows"][2]["kayenta"] == 0.0  # Kayenta never sees errors against none


def test_the_dashboard_benchmark_renders_a_run_page_beside_its_goal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ui_bench.main(["--quick", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert (row["measurements"], row["rounds"], row["goal_ms"]) == (100, 3, 100.0)
    assert row["points"] == row["rows"] == 100  # one chart point per measurement
    assert row["render_ms"] > 0
    assert row["request_ms"] > 0
    assert 0 < row["page_bytes"] < row["goal_bytes"]
