"""The provider benchmark runs and compares like with like (no timing assertions here)."""

from __future__ import annotations

import json

import pytest

from benchmarks import provider_bench


def test_quick_run_reports_four_paths(capsys: pytest.CaptureFixture[str]) -> None:
    assert provider_bench.main(["--quick", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [row["path"] for row in document["rows"]] == ["floor", "provider", "judged", "served"]
    assert document["rows"][0]["ratio"] == 1.0
    assert all(row["ms"] > 0 for row in document["rows"])
