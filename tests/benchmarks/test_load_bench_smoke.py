"""The gate-load and offload benchmarks run and measure what they say (their `--quick` modes);
nothing here asserts a timing."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import pytest

from benchmarks import gate_load_bench, http_bench, offload_bench

T0 = datetime(2026, 1, 1, 12, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_lateness_is_measured_from_the_previous_finish_plus_the_interval() -> None:
    rows = [
        ("b", 1, at(0.0), at(0.1)),
        ("a", 2, at(1.3), at(1.4)),  # due at 1.2: 0.1 s late
        ("a", 1, at(0.0), at(0.2)),
        ("b", 2, at(1.1), at(1.2)),  # due at 1.1: on time
    ]
    found = gate_load_bench.lateness(rows, interval=1.0)
    assert [(when, round(late, 6)) for when, late in found] == [(at(1.3), 0.1), (at(1.1), 0.0)]


def test_the_gate_load_benchmark_measures_three_phases(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert shutil.which("wrk"), f"wrk is missing: {http_bench.INSTALL} (make test does this)"
    assert gate_load_bench.main(["--quick", "--json"]) == 0
    phases = json.loads(capsys.readouterr().out)["phases"]
    assert [p["phase"] for p in phases] == ["idle", "gate load", "costly checks"]
    assert all(p["measurements"] > 0 for p in phases)
    assert phases[1]["gate_per_s"] > 0
    assert phases[2]["checks_per_s"] > 0  # each answered with its verdict, not a failure


def test_the_offload_benchmark_judges_in_place_then_off_the_loop(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert offload_bench.main(["--quick", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["scenario"], r["judgements"], r["moved"]) for r in rows] == [
        ("in place", 2, 0),
        ("offload", 2, 2),
    ]
    assert all(r["ticks"] > 0 for r in rows)
