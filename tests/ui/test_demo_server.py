"""`make demo-server`: four runs started on a real augur, each ending as the README tells."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from tests.fakes import demo_server
from tests.support.servers import REPO, augur_server


def test_the_demo_starts_its_runs_on_a_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path}/augur.db", log=tmp_path / "augur.log", ready=True
    ) as served:
        assert demo_server.main(["--server", served.base_url]) == 0
        listed = httpx.get(f"{served.base_url}/api/v1/analysisruns").json()["items"]
    out = capsys.readouterr().out
    assert out.startswith(f"started 4 runs; watch them at {served.base_url}/ui/\n")
    names = sorted(run["metadata"]["name"].rsplit("-", 1)[0] for run in listed)
    assert names == ["checkout-canary", "details-canary", "ratings-canary", "reviews-canary"]
    assert {run["metadata"]["labels"]["app"] for run in listed} == {
        "checkout",
        "details",
        "ratings",
        "reviews",
    }


def test_the_demo_says_where_augur_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo_server.main(["--server", "http://127.0.0.1:9"]) == 1
    assert "cannot reach augur at http://127.0.0.1:9/" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ratings-canary", 0),
        ("reviews-canary", 1),  # it rolls back: Failed
        ("details-canary", 0),  # errors now and then, never four in a row
        ("checkout-canary", 0),
    ],
)
def test_each_demo_run_ends_as_its_story_says(tmp_path: Path, name: str, code: int) -> None:
    [(namespace, _, interval, lows)] = [r for r in demo_server.RUNS if r[1] == name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(demo_server.template(name, interval, lows)))
    ran = subprocess.run(
        [sys.executable, "-m", "app", "run", "-f", str(path), "-n", namespace, "--virtual-time"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == code, ran.stdout + ran.stderr
