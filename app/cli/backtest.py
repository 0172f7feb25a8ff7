"""Where a virtual run starts when its providers are live: a backtest over real history.

`--virtual-time` jumps from one measurement to the next without waiting. A replay provider has
no clock, so any start will do; a live one (SkyWalking, Prometheus, web, plugins) is asked
about the window ending at each measurement's time, and an OAP has no data for the future. So
a virtual run against a live provider replays the past: it starts early enough that its last
measurement's window ends no later than now (the wall clock), and the analysis is a backtest of
the template against what happened. With no `--start`, augur picks the latest start that works,
so the run ends now.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.spec.models import Metric
from providers.goduration import DurationError, parse_timedelta

__all__ = ["HORIZON_SLACK", "Backtest", "BacktestError", "plan_backtest", "short_duration"]

#: Providers with no clock of their own: they answer the same whenever they are asked.
CLOCKLESS = frozenset({"replay"})
#: How far past now the virtual clock may land: its timer lateness (a millisecond per wake-up),
#: never a window of the future.
HORIZON_SLACK = timedelta(seconds=1)


class BacktestError(ValueError):
    """A virtual run that cannot be a backtest; the message names the option and the fix."""


@dataclass(frozen=True, slots=True)
class Backtest:
    """The virtual run's start, when its last window ends, and whether augur chose the start."""

    start: datetime
    end: datetime
    chosen: bool
    #: Metrics whose provider reads the present whatever the clock says (web; graphite, whose
    #: query's `from` is relative to Graphite's own clock).
    present_only: tuple[str, ...] = ()

    def horizon(self, now: datetime) -> datetime:
        """The latest time the virtual clock may reach: now, give or take its lateness."""
        return now + HORIZON_SLACK

    def header(self, start_text: str | None) -> str:
        """What is replayed, and how to choose another start (the console wraps it)."""
        first, last = self.start.astimezone(UTC), self.end.astimezone(UTC)
        span = f"{first:%Y-%m-%d %H:%M:%S} to {last:%H:%M:%S} UTC"
        if first.date() != last.date():
            span = f"{first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} UTC"
        if self.chosen:
            line = f"virtual time: a backtest of {span}, ending now (--start to choose the start)"
        else:
            line = f"virtual time: a backtest of {span} (--start {start_text})"
        if self.present_only:
            names = ", ".join(self.present_only)
            line += f"; {names}: its provider reads the present, not the past"
        return line


def short_duration(delta: timedelta) -> str:
    """Whole seconds, rounded up, as Go writes them without zero parts: `1h5s`, `25m`, `0s`."""
    seconds = max(0, math.ceil(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return "".join(parts) or "0s"


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_start(text: str, *, now: datetime) -> datetime:
    """`-2h` (a Go duration before now) or an RFC 3339 time such as `2026-12-01T10:00:00Z`."""
    if text.startswith("-"):
        try:
            return now - parse_timedelta(text[1:])
        except DurationError as exc:
            raise BacktestError(f"--start {text}: {exc}") from None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parse_timedelta(text)
        except DurationError:
            pass
        else:
            raise BacktestError(
                f"--start {text} would start in the future; a backtest starts in the past: "
                f"--start -{text}"
            ) from None
        raise BacktestError(
            f"--start {text}: give a duration before now such as -2h, or an RFC 3339 time "
            "such as 2026-12-01T10:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise BacktestError(f"--start {text}: give the time zone too, e.g. {text}Z or {text}+02:00")
    return parsed


def _duration(text: str) -> timedelta:
    try:
        return parse_timedelta(text) if text else timedelta(0)
    except DurationError:
        return timedelta(0)  # validation has already refused it; nothing to add here


def _last_window_end(metric: Metric) -> tuple[timedelta, str]:
    """How long after the start the metric's last measurement is taken (its window ends then),
    and how to say so. (The virtual clock lands a millisecond after each wake-up, as a timer
    would; `HORIZON_SLACK` absorbs those.)"""
    count = metric.effective_count() or 1
    interval, delay = _duration(metric.interval), _duration(metric.initial_delay)
    offset = delay + (count - 1) * interval
    what = f"{count} measurement{'s' if count != 1 else ''}"
    if count > 1:
        what += f" {short_duration(interval)} apart"
    if delay:
        what += f" after {short_duration(delay)}"
    return offset, f"{metric.name}: {what}"


def _provider(metric: Metric) -> str:
    names = metric.provider.names()
    return names[0] if names else ""


def plan_backtest(
    metrics: Sequence[Metric], *, start_text: str | None, now: datetime
) -> Backtest | None:
    """The start of a virtual run, checked against the wall clock `now`.

    `None` when no metric has a live provider (the run needs no particular start). Raises
    `BacktestError` when a metric would measure forever (no count) or the start is too late.
    """
    live = [m for m in metrics if _provider(m) not in CLOCKLESS]
    if not live:
        return None
    endless = [m.name for m in live if m.effective_count() is None]
    if endless:
        names = ", ".join(endless)
        which = f"metric {names} has" if len(endless) == 1 else f"metrics {names} have"
        raise BacktestError(
            f"--virtual-time: {which} no count, so it measures until stopped and a virtual run "
            "would reach the future; give it a count to backtest it"
        )
    span, why = max(_last_window_end(m) for m in live)
    latest = now - span
    present_only = tuple(m.name for m in live if _provider(m) in ("web", "graphite"))
    if start_text is None:
        start = latest.replace(microsecond=0)
        return Backtest(start, start + span, chosen=True, present_only=present_only)
    start = parse_start(start_text, now=now)
    if start > latest:
        ahead = start + span - now
        raise BacktestError(
            f"--start {start_text} is too late: the run measures for {short_duration(span)} "
            f"({why}), so its last window would end {short_duration(ahead)} after now, in the "
            f"future. Use --start -{short_duration(span)} or earlier (at the latest "
            f"{_stamp(latest.replace(microsecond=0))})"
        )
    return Backtest(start, start + span, chosen=False, present_only=present_only)
