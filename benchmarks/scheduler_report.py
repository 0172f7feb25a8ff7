"""The scheduler benchmarks' report: lateness, rates, CPU and memory of one scenario from the
measurements the store holds, the table and the goal beside what was measured (shared by
`scheduler_bench` and `replicas_bench`)."""

from __future__ import annotations

import resource
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "GOAL_P99_S",
    "GOAL_RSS_MB",
    "GOAL_RUNS",
    "Lateness",
    "goal",
    "lateness",
    "summary",
    "table",
]

GOAL_RUNS, GOAL_P99_S, GOAL_RSS_MB = 10_000, 1.0, 1024.0


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Lateness:
    """How late the measurements of a window started, from the rows a store holds."""

    measurements: int  # started within the window
    phases: dict[str, int]
    late: list[float]  # seconds, one per measurement due in the window
    overdue: int  # due before the window's end, not started by then

    @property
    def quantiles(self) -> tuple[float, float, float]:
        """p50, p99 and max, in seconds."""
        late = self.late
        if len(late) < 2:
            only = late[0] if late else 0.0
            return only, only, only
        cuts = statistics.quantiles(late, n=100, method="inclusive")
        return cuts[49], cuts[98], max(late)


def lateness(
    rows: Sequence[Any], *, due: dict[str, datetime], stopping: datetime, interval: float
) -> Lateness:
    """`rows` are (run id, seq, phase, started, finished) in each run's seq order; `due` is each
    run's first scheduled pass. A measurement is late by started - (previous finished +
    interval), the first by started - due; a measurement due before `stopping` but not started
    by then counts with its lateness so far, so a scheduler that falls behind cannot hide it."""
    gap = timedelta(seconds=interval)
    late: list[float] = []
    next_due = dict(due)  # run id -> when its next measurement is due
    phases: dict[str, int] = {}
    in_window = 0
    for run_id, _seq, phase, began, finished in rows:
        began, finished = _utc(began), _utc(finished)
        phases[phase] = phases.get(phase, 0) + 1
        if began <= stopping:
            in_window += 1
            late.append((began - next_due[run_id]).total_seconds())
        next_due[run_id] = finished + gap
    overdue = [(stopping - when).total_seconds() for when in next_due.values() if when < stopping]
    return Lateness(in_window, phases, late + overdue, len(overdue))


def summary(
    rows: Sequence[Any],
    *,
    due: dict[str, datetime],
    started: datetime,
    stopping: datetime,
    interval: int,
    runs: int,
    cpu: float,
    url: str,
) -> dict[str, Any]:
    seen = lateness(rows, due=due, stopping=stopping, interval=interval)
    in_window = seen.measurements
    p50, p99, worst = seen.quantiles
    window = (stopping - started).total_seconds()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "store": url.split(":", 1)[0].split("+", 1)[0],
        "runs": runs,
        "interval_s": interval,
        "window_s": round(window, 2),
        "measurements": in_window,
        "phases": seen.phases,
        "per_s": in_window / window,
        "target_per_s": runs / interval,
        "late_p50_s": p50,
        "late_p99_s": p99,
        "late_max_s": worst,
        "overdue_at_end": seen.overdue,
        "cpu_s": cpu,
        "cpu_s_per_1k_runs": cpu / runs * 1000,
        "cpu_share": cpu / window,
        "cpu_us_per_measurement": cpu / in_window * 1e6 if in_window else None,
        "peak_rss_mb": peak_mb,
        "rss_mb_per_1k_runs": peak_mb / runs * 1000,
    }


def table(
    rows: Sequence[dict[str, Any]],
    *,
    first: tuple[str, Callable[[dict[str, Any]], str]] = ("store", lambda r: str(r["store"])),
) -> str:
    """A Markdown table, one row a scenario; `first` names the first column and its cells."""
    head = (
        first[0],
        "runs",
        "meas/s",
        "target/s",
        "× target",
        "late p50 s",
        "late p99 s",
        "late max s",
        "CPU s",
        "CPU s /1k runs",
        "CPU ms /meas",
        "core",
        "peak RSS MB",
        "MB /1k runs",
    )
    body = [
        (
            first[1](r),
            f"{r['runs']:,}",
            f"{r['per_s']:,.0f}",
            f"{r['target_per_s']:,.0f}",
            f"{r['per_s'] / r['target_per_s']:.2f}",
            f"{r['late_p50_s']:.3f}",
            f"{r['late_p99_s']:.3f}",
            f"{r['late_max_s']:.3f}",
            f"{r['cpu_s']:.1f}",
            f"{r['cpu_s_per_1k_runs']:.2f}",
            f"{(r['cpu_us_per_measurement'] or 0) / 1000:.2f}",
            f"{r['cpu_share']:.0%}",
            f"{r['peak_rss_mb']:,.0f}",
            f"{r['rss_mb_per_1k_runs']:.1f}",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(len(head))]
    lines = []
    for line in (head, tuple("-" * w for w in widths), *body):
        cells = [line[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goal(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The stated goal beside what was measured, for each scenario at the goal's size."""
    verdicts = []
    for r in rows:
        if r["runs"] != GOAL_RUNS:
            continue
        met = r["late_p99_s"] < GOAL_P99_S and r["peak_rss_mb"] < GOAL_RSS_MB
        verdicts.append(
            f"goal on {r['store']}: {GOAL_RUNS:,} runs every {r['interval_s']} s = "
            f"{r['target_per_s']:,.0f} measurements/s, p99 lateness < {GOAL_P99_S:g} s, "
            f"RSS < {GOAL_RSS_MB:,.0f} MB; measured {r['per_s']:,.0f}/s, p99 "
            f"{r['late_p99_s']:.3f} s, {r['peak_rss_mb']:,.0f} MB, "
            f"{(r['cpu_us_per_measurement'] or 0) / 1000:.2f} ms CPU a measurement: "
            f"{'met' if met else 'MISSED'}"
        )
    return verdicts
