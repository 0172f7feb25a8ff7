"""A small model of Go's time.Time / time.Duration for ``now``, ``date`` and ``duration``.

Only what conditions use: parsing, comparison, ``time ± duration``, ``time - time`` and a few
methods (``Hour()``, ``Unix()``, ``Minutes()`` ...). Dates are evaluated in UTC like the vectors.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .runtime import HOOK_TYPES, fail

__all__ = ["GoDuration", "GoTime", "date", "duration", "now", "timezone"]

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000,
          "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}  # fmt: skip
_DUR_RE = re.compile(r"([0-9]*(?:\.[0-9]*)?)([a-zµμ]*)")


class GoDuration:
    GO_NAME = "time.Duration"
    ORDERED = True
    __slots__ = ("ns",)

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoDuration) and other.ns == self.ns

    def __hash__(self) -> int:
        return hash(self.ns)

    def __lt__(self, other: GoDuration) -> bool:
        return self.ns < other.ns

    def __le__(self, other: GoDuration) -> bool:
        return self.ns <= other.ns

    def __gt__(self, other: GoDuration) -> bool:
        return self.ns > other.ns

    def __ge__(self, other: GoDuration) -> bool:
        return self.ns >= other.ns

    def expr_add(self, other: Any) -> Any:
        if isinstance(other, GoDuration):
            return GoDuration(self.ns + other.ns)
        if isinstance(other, GoTime):
            return other.expr_add(self)
        return NotImplemented

    def expr_sub(self, other: Any) -> Any:
        if isinstance(other, GoDuration):
            return GoDuration(self.ns - other.ns)
        return NotImplemented

    def expr_neg(self) -> GoDuration:
        return GoDuration(-self.ns)

    def method(self, name: str) -> Any:
        table = {"Hours": 3_600e9, "Minutes": 60e9, "Seconds": 1e9, "Milliseconds": None,
                 "Microseconds": None, "Nanoseconds": None}  # fmt: skip
        if name not in table:
            fail(f"type time.Duration has no method {name}")
        div = table[name]
        if div is not None:
            return self.ns / div
        return {"Milliseconds": self.ns // 1_000_000, "Microseconds": self.ns // 1_000,
                "Nanoseconds": self.ns}[name]  # fmt: skip

    def __str__(self) -> str:
        """Go's Duration.String: ``1h30m0s``, ``1.5s``, ``300ms``, ``0s``."""
        ns = self.ns
        if ns == 0:
            return "0s"
        sign, u = ("-" if ns < 0 else ""), abs(ns)
        if u < 1_000_000_000:
            for unit, size in (("ns", 1), ("µs", 1_000), ("ms", 1_000_000)):
                if u < size * 1000:
                    return sign + _decimal(u, size) + unit
        hours, rest = divmod(u, 3_600_000_000_000)
        minutes, rest = divmod(rest, 60_000_000_000)
        text = _decimal(rest, 1_000_000_000) + "s"
        if hours or minutes:
            text = f"{minutes}m" + text
        if hours:
            text = f"{hours}h" + text
        return sign + text


def _decimal(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


class GoTime:
    GO_NAME = "time.Time"
    ORDERED = True
    __slots__ = ("dt",)

    def __init__(self, dt: datetime) -> None:
        self.dt = dt

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoTime) and other.dt == self.dt

    def __hash__(self) -> int:
        return hash(self.dt)

    def __lt__(self, other: GoTime) -> bool:
        return self.dt < other.dt

    def __le__(self, other: GoTime) -> bool:
        return self.dt <= other.dt

    def __gt__(self, other: GoTime) -> bool:
        return self.dt > other.dt

    def __ge__(self, other: GoTime) -> bool:
        return self.dt >= other.dt

    def expr_add(self, other: Any) -> Any:
        if isinstance(other, GoDuration):
            return GoTime(self.dt + timedelta(microseconds=other.ns / 1000))
        return NotImplemented

    def expr_sub(self, other: Any) -> Any:
        if isinstance(other, GoDuration):
            return GoTime(self.dt - timedelta(microseconds=other.ns / 1000))
        if isinstance(other, GoTime):
            delta = self.dt - other.dt
            return GoDuration(
                (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
            )
        return NotImplemented

    def method(self, name: str) -> Any:
        dt = self.dt
        table = {"Year": dt.year, "Month": dt.month, "Day": dt.day, "Hour": dt.hour,
                 "Minute": dt.minute, "Second": dt.second, "Unix": int(dt.timestamp()),
                 "Weekday": (dt.weekday() + 1) % 7, "YearDay": dt.timetuple().tm_yday}  # fmt: skip
        if name in table:
            return table[name]
        if name == "String":
            return str(dt)
        fail(f"type time.Time has no method {name}")

    def __str__(self) -> str:
        return self.dt.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


class _Zone:
    GO_NAME = "*time.Location"
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def method(self, name: str) -> Any:
        if name == "String":
            return self.name
        fail(f"type *time.Location has no method {name}")


def now() -> GoTime:
    return GoTime(datetime.now(UTC))


def duration(text: Any) -> GoDuration:
    if type(text) is not str:
        fail("invalid argument for duration")
    return GoDuration(parse_duration(text))


def parse_duration(text: str) -> int:
    """Go's ``time.ParseDuration``."""
    rest, sign = text, 1
    if rest[:1] in "+-" and rest:
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        fail(f'time: invalid duration "{text}"')
    total = 0.0
    while rest:
        m = _DUR_RE.match(rest)
        if m is None or m.group(1) in ("", "."):
            fail(f'time: invalid duration "{text}"')
        number, unit = m.group(1), m.group(2)
        if not unit:
            fail(f'time: missing unit in duration "{text}"')
        if unit not in _UNITS:
            fail(f'time: unknown unit "{unit}" in duration "{text}"')
        total += float(number) * _UNITS[unit]
        rest = rest[m.end() :]
    return sign * int(total)


_LAYOUTS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")  # fmt: skip
_GO_TOKENS = (
    ("2006", "%Y"), ("01", "%m"), ("02", "%d"), ("15", "%H"), ("04", "%M"), ("05", "%S"),
    ("Jan", "%b"), ("Mon", "%a"), ("MST", "%Z"), ("-0700", "%z"),
)  # fmt: skip


def date(text: Any, *args: Any) -> GoTime:
    if type(text) is not str:
        fail("invalid argument for date")
    layouts: tuple[str, ...] = _LAYOUTS
    if args and type(args[0]) is str:
        layout = args[0]
        for go, py in _GO_TOKENS:
            layout = layout.replace(go, py)
        layouts = (layout,)
    for layout in layouts:
        try:
            dt = datetime.strptime(text.replace("Z", "+0000"), layout)
        except ValueError:
            continue
        return GoTime(dt if dt.tzinfo else dt.replace(tzinfo=UTC))
    fail(f"invalid date {text}")


def timezone(name: Any) -> _Zone:
    if type(name) is not str:
        fail("invalid argument for timezone")
    if name in ("UTC", "Local", ""):
        return _Zone(name or "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"unknown time zone {name}")
    return _Zone(name)


HOOK_TYPES.update({GoDuration, GoTime, _Zone})
