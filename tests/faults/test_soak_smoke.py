"""`benchmarks/soak.py --quick` runs end to end and its report is complete.

No timing or memory thresholds: the soak reports those (the steady runs' measurements/s and
lateness among them), a person reads them. What is asserted is
that every part of the report is there and filled in, and the correctness it checks (nothing
lost or duplicated, every finished run with its kind's verdict, the server alive throughout).
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.soak import KINDS
from tests.support.servers import REPO

KEYS = {
    "runs_created",
    "runs_finished",
    "runs_unfinished",
    "verdicts",
    "wrong_verdicts",
    "measurements",
    "error_measurements",
    "lost",
    "duplicated",
    "http_answers",
    "transport_errors",
    "rss_samples",
    "rss_start_mib",
    "rss_peak_mib",
    "rss_end_mib",
    "rss_growth_mib",
    "rss_timeline_mib",
    "steady",
    "server_alive",
    "log_tracebacks",
}
STEADY = {
    "runs",
    "interval_s",
    "window_s",
    "target_per_s",
    "per_s",
    "late_p50_s",
    "late_p99_s",
    "late_max_s",
    "overdue_at_end",
    "server_cpu_share",
}


def test_quick_soak_reports_everything() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak", "--quick", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert set(report) == KEYS
    assert set(report["verdicts"]) == {kind.name for kind in KINDS} | {
        "argo-gate",
        "flagger",
        "steady",
    }
    # The steady runs all measured through the load, then ended Successful when terminated.
    steady = report["steady"]
    assert set(steady) == STEADY
    assert steady["runs"] == 300
    assert report["verdicts"]["steady"] == {"Successful": 300}
    assert steady["per_s"] > 0
    assert steady["target_per_s"] == 150.0
    assert isinstance(steady["server_cpu_share"], float)
    assert set(report["error_measurements"]) >= {"timeout", "reset", "truncated", "5xx", "graphql"}
    assert report["runs_finished"] > 0
    assert report["measurements"] > 0
    assert report["rss_samples"] > 0
    for figure in ("start", "peak", "end", "growth"):
        assert isinstance(report[f"rss_{figure}_mib"], float)
    assert report["rss_timeline_mib"]
    assert {what.rsplit(" ", 1)[0] for what in report["http_answers"]} >= {
        "create-run",
        "argo-gate",
        "argo-evaluate",
        "flagger",
        "get-run",
        "measurements",
        "list-runs",
        "metrics",
        "readyz",
        "terminate-run",
    }
    assert report["lost"] == 0
    assert report["duplicated"] == 0
    assert report["wrong_verdicts"] == 0
    assert report["server_alive"] is True
    assert report["log_tracebacks"] == 0
