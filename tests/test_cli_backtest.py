"""`augur run --virtual-time` against a live provider: a backtest that asks only for the past.

The seed template runs against the schema-validating fake OAP (which answers any window), and
the tests read back the windows augur asked it for.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from tests.fakes.fake_oap import FakeOAP, Fault
from tests.support.cli_runs import apdex, replay_template
from tests.support.servers import REPO

runner = CliRunner()
CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
SEED = REPO / "examples" / "skywalking-apdex.yaml"


def seed_args(oap: FakeOAP) -> list[str]:
    return ["-f", str(SEED), "-a", f"service-name={CANARY}", "-a", f"oap-address={oap.url}"]


# ------------------------------------------------------------------ backtests


def windows(oap: FakeOAP) -> list[tuple[datetime, datetime]]:
    """The (start, end) of every window augur asked the fake OAP for, in UTC."""
    found = []
    for request in oap.requests:
        duration = request.variables["duration"]
        found.append(
            tuple(
                datetime.strptime(duration[key], "%Y-%m-%d %H%M").replace(tzinfo=UTC)
                for key in ("start", "end")
            )
        )
    return found  # type: ignore[return-value]


def minute(when: datetime) -> datetime:
    return when.replace(second=0, microsecond=0)


def test_a_backtest_from_start_asks_only_for_the_past(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    before = datetime.now(UTC)
    result = runner.invoke(cli, ["run", *seed_args(fake_oap), "--virtual-time", "--start", "-2h"])
    after = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("virtual time: a backtest of ")
    asked = windows(fake_oap)
    assert len(asked) == 6  # count 6, every 5 minutes
    for k, (first, last) in enumerate(asked):
        low, high = before - timedelta(hours=2), after - timedelta(hours=2)
        step = timedelta(minutes=5 * k)
        assert minute(low + step) <= last <= minute(high + step + timedelta(seconds=1))
        assert last - first == timedelta(minutes=5)  # the provider's interval
        assert last < before  # the past, all of it


def test_a_backtest_without_start_ends_now(fake_oap: FakeOAP) -> None:
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    before = datetime.now(UTC)
    result = runner.invoke(cli, ["run", *seed_args(fake_oap), "--virtual-time"])
    after = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    assert ", ending now (--start to choose the start)" in " ".join(result.stdout.split())
    last = windows(fake_oap)[-1][1]
    assert minute(before - timedelta(seconds=1)) <= last <= after


def test_a_start_that_reaches_the_future_is_refused(fake_oap: FakeOAP) -> None:
    result = runner.invoke(cli, ["run", *seed_args(fake_oap), "--virtual-time", "--start", "-10m"])
    assert result.exit_code == 64
    assert re.fullmatch(
        r"augur: --start -10m is too late: the run measures for 25m \(apdex: 6 measurements 5m "
        r"apart\), so its last window would end 15m after now, in the future\. Use --start -25m "
        r"or earlier \(at the latest \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\n",
        result.stderr,
    )
    assert fake_oap.requests == []  # refused up front


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            ["--start", "-2h"],
            "augur: --start needs --virtual-time: a run on the wall clock starts now\n",
            id="start-without-virtual-time",
        ),
        pytest.param(
            ["--virtual-time", "--start", "2h"],
            "augur: --start 2h would start in the future; a backtest starts in the past: "
            "--start -2h\n",
            id="positive-duration",
        ),
        pytest.param(
            ["--virtual-time", "--start", "2026-12-01T10:00:00"],
            "augur: --start 2026-12-01T10:00:00: give the time zone too, e.g. "
            "2026-12-01T10:00:00Z or 2026-12-01T10:00:00+02:00\n",
            id="no-zone",
        ),
        pytest.param(
            ["--virtual-time", "--start", "yesterday"],
            "augur: --start yesterday: give a duration before now such as -2h, or an RFC 3339 "
            "time such as 2026-12-01T10:00:00Z\n",
            id="not-a-time",
        ),
        pytest.param(
            ["--virtual-time", "--start", "2999-01-01T00:00:00Z"],
            "augur: --start 2999-01-01T00:00:00Z is too late",
            id="future-time",
        ),
    ],
)
def test_bad_starts_exit_64(fake_oap: FakeOAP, options: list[str], message: str) -> None:
    result = runner.invoke(cli, ["run", *seed_args(fake_oap), *options])
    assert result.exit_code == 64
    assert result.stderr.startswith(message)


def test_a_metric_without_count_cannot_be_backtested(fake_oap: FakeOAP, tmp_path: Path) -> None:
    document = yaml.safe_load(SEED.read_text())
    del document["spec"]["metrics"][0]["count"]
    endless = tmp_path / "endless.yaml"
    endless.write_text(yaml.safe_dump(document))
    args = ["-a", f"service-name={CANARY}", "-a", f"oap-address={fake_oap.url}"]
    result = runner.invoke(cli, ["run", "-f", str(endless), *args, "--virtual-time"])
    assert result.exit_code == 64
    assert result.stderr == (
        "augur: --virtual-time: metric apdex has no count, so it measures until stopped and a "
        "virtual run would reach the future; give it a count to backtest it\n"
    )


def test_errors_that_push_the_run_past_now_stop_it(fake_oap: FakeOAP) -> None:
    """An Error is retried 10 s later, so a run that ends exactly now would overrun."""
    fake_oap.set_series(CANARY, "service_apdex", 9950)
    fake_oap.set_fault(Fault(status=503, times=1))
    before = datetime.now(UTC)
    result = runner.invoke(cli, ["run", *seed_args(fake_oap), "--virtual-time"])
    assert result.exit_code == 64
    assert result.stderr == (
        "augur: the run reached now before it finished: errors added measurements (each "
        "retried 10s later), so the next one would read the future; start earlier, e.g. "
        "--start -25m11s\n"
    )
    assert all(end <= before for _, end in windows(fake_oap))


def test_replay_runs_keep_their_own_start(tmp_path: Path) -> None:
    template = replay_template(tmp_path / "t.yaml", [apdex(9950)] * 3)
    result = runner.invoke(cli, ["run", "-f", str(template), "--virtual-time"])
    assert result.exit_code == 0
    assert "virtual time" not in result.output
