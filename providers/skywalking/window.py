"""The ``$duration`` variable: the look-back window formatted the way the OAP parses it.

Argo sends ``{start: now - interval, end: now, step: MINUTE}`` formatted with Go's
``2006-01-02 1504`` (the OAP's ``yyyy-MM-dd HHmm``) in the controller's local time; the OAP
reads those wall-clock strings in *its* time zone. augur formats in UTC by default (or the zone
configured, or the OAP's own with ``timezone: auto``) so the window means the same instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["MAX_POINTS", "STEPS", "Window", "auto_step", "compute_window", "parse_timezone"]

STEPS = ("SECOND", "MINUTE", "HOUR", "DAY")
STEP_LENGTH = {
    "SECOND": timedelta(seconds=1),
    "MINUTE": timedelta(minutes=1),
    "HOUR": timedelta(hours=1),
    "DAY": timedelta(days=1),
}
#: The OAP's layouts per step (``DurationUtils``); MINUTE is Go's ``2006-01-02 1504``.
FORMATS = {
    "SECOND": "%Y-%m-%d %H%M%S",
    "MINUTE": "%Y-%m-%d %H%M",
    "HOUR": "%Y-%m-%d %H",
    "DAY": "%Y-%m-%d",
}
#: The OAP refuses a duration spanning more than this many steps (``MAX_TIME_RANGE``).
MAX_POINTS = 500
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})?$")


def parse_timezone(text: str) -> tzinfo:
    """``UTC``, an IANA name (``Asia/Shanghai``) or a fixed offset (``+0800``, ``-05:30``)."""
    if text.upper() in ("UTC", "Z", "GMT"):
        return UTC
    if match := _OFFSET.match(text):
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"timezone offset out of range: {text!r}")
        offset = timedelta(hours=hours, minutes=minutes)
        return timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown timezone {text!r}: use UTC, an IANA name, +HHMM or auto"
        ) from exc


def auto_step(interval: timedelta) -> str:
    """The finest of MINUTE/HOUR/DAY that keeps the window within the OAP's point limit."""
    for step in ("MINUTE", "HOUR"):
        if interval <= STEP_LENGTH[step] * (MAX_POINTS - 1):
            return step
    return "DAY"


@dataclass(frozen=True, slots=True)
class Window:
    start: str
    end: str
    step: str
    timezone: str
    tz: tzinfo = UTC

    def variable(self) -> dict[str, str]:
        """The GraphQL ``Duration`` input, keys in Argo's order."""
        return {"start": self.start, "end": self.end, "step": self.step}

    def point_time(self, index: int) -> datetime:
        """When the OAP's ``index``-th point of this window starts: it answers one point per step
        from ``start`` to ``end``, its buckets read as wall-clock time in its own zone."""
        first = datetime.strptime(self.start, FORMATS[self.step])
        return (first + STEP_LENGTH[self.step] * index).replace(tzinfo=self.tz)


def compute_window(
    now: datetime,
    *,
    interval: timedelta,
    step: str,
    tz: tzinfo,
    tz_label: str,
    exclude_latest: bool = False,
) -> Window:
    """``[now - interval, now]`` (or one step earlier with ``exclude_latest``), formatted."""
    resolved = auto_step(interval) if step == "AUTO" else step
    end = now.astimezone(UTC)  # absolute arithmetic, as Go's time.Add
    if exclude_latest:
        end -= STEP_LENGTH[resolved]
    start = end - interval
    layout = FORMATS[resolved]
    return Window(
        start=start.astimezone(tz).strftime(layout),
        end=end.astimezone(tz).strftime(layout),
        step=resolved,
        timezone=tz_label,
        tz=tz,
    )
