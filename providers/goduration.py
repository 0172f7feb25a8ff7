"""Go's ``time.ParseDuration``, byte for byte, and how Go's ``time`` prints durations and times.

Argo parses ``interval``/``initialDelay`` with Go, and its error texts end up in run messages
(``invalid interval string: time: unknown unit "s-typo" in duration "60s-typo"``), so the grammar,
the overflow rules and the quoting of the messages are copied exactly rather than approximated.
``Duration.String`` and ``Time.String`` are what Go's ``%v`` prints (InfluxDB's values).
"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = [
    "DurationError",
    "format_go_duration",
    "format_go_time",
    "go_quote_time",
    "parse_duration",
    "parse_timedelta",
]

_UNITS: dict[bytes, int] = {
    b"ns": 1,
    b"us": 1_000,
    "µs".encode(): 1_000,  # U+00B5 micro sign
    "μs".encode(): 1_000,  # U+03BC Greek mu
    b"ms": 1_000_000,
    b"s": 1_000_000_000,
    b"m": 60_000_000_000,
    b"h": 3_600_000_000_000,
}
_LIMIT = 1 << 63
_HEX = "0123456789abcdef"


class DurationError(ValueError):
    """A duration Go would refuse; ``str()`` is Go's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def go_quote_time(raw: bytes) -> str:
    """The ``time`` package's own ``quote``: non-ASCII and control bytes become ``\\xNN``."""
    out = ['"']
    for byte in raw:
        if byte >= 0x80 or byte < 0x20:
            out.append("\\x" + _HEX[byte >> 4] + _HEX[byte & 0xF])
        else:
            char = chr(byte)
            if char in '"\\':
                out.append("\\")
            out.append(char)
    out.append('"')
    return "".join(out)


def _leading_int(s: bytes) -> tuple[int, bytes]:
    x = 0
    i = 0
    while i < len(s) and 0x30 <= s[i] <= 0x39:
        if x > _LIMIT // 10:
            raise OverflowError
        x = x * 10 + (s[i] - 0x30)
        if x > _LIMIT:
            raise OverflowError
        i += 1
    return x, s[i:]


def _leading_fraction(s: bytes) -> tuple[int, float, bytes]:
    x = 0
    scale = 1.0
    overflow = False
    i = 0
    while i < len(s) and 0x30 <= s[i] <= 0x39:
        if not overflow:
            if x > (_LIMIT - 1) // 10:
                overflow = True
            else:
                y = x * 10 + (s[i] - 0x30)
                if y > _LIMIT:
                    overflow = True
                else:
                    x = y
                    scale *= 10
        i += 1
    return x, scale, s[i:]


def parse_duration(text: str) -> int:
    """Parse like Go's ``time.ParseDuration``; returns nanoseconds."""
    orig = text.encode("utf-8", "surrogatepass")
    invalid = DurationError("time: invalid duration " + go_quote_time(orig))
    s = orig
    neg = False
    if s and s[0] in b"-+":
        neg = s[0] == ord("-")
        s = s[1:]
    if s == b"0":
        return 0
    if not s:
        raise invalid
    total = 0
    while s:
        if not (s[0] == ord(".") or 0x30 <= s[0] <= 0x39):
            raise invalid
        before = len(s)
        try:
            whole, s = _leading_int(s)
        except OverflowError:
            raise invalid from None
        pre = before != len(s)
        frac, scale, post = 0, 1.0, False
        if s and s[0] == ord("."):
            s = s[1:]
            before = len(s)
            frac, scale, s = _leading_fraction(s)
            post = before != len(s)
        if not pre and not post:
            raise invalid
        i = 0
        while i < len(s) and not (s[i] == ord(".") or 0x30 <= s[i] <= 0x39):
            i += 1
        if i == 0:
            raise DurationError("time: missing unit in duration " + go_quote_time(orig))
        unit_text, s = s[:i], s[i:]
        unit = _UNITS.get(unit_text)
        if unit is None:
            raise DurationError(
                f"time: unknown unit {go_quote_time(unit_text)} in duration {go_quote_time(orig)}"
            )
        if whole > _LIMIT // unit:
            raise invalid
        value = whole * unit
        if frac > 0:
            value += int(float(frac) * (float(unit) / scale))
            if value > _LIMIT:
                raise invalid
        total += value
        if total > _LIMIT:
            raise invalid
    if neg:
        return -total
    if total > _LIMIT - 1:
        raise invalid
    return total


def parse_timedelta(text: str) -> timedelta:
    """:func:`parse_duration` as a ``timedelta`` (microsecond precision, as Python allows)."""
    return timedelta(microseconds=parse_duration(text) // 1000)


_DURATION_UNITS = (("h", 3_600_000_000_000), ("m", 60_000_000_000))


def format_go_duration(nanoseconds: int) -> str:
    """Go's ``time.Duration.String``: ``1h2m3.5s``, ``1.5ms``, ``0s``; under a second in the
    largest unit that keeps the number at least 1 (``ns``, ``µs``, ``ms``)."""
    if nanoseconds == 0:
        return "0s"
    sign, left = ("-" if nanoseconds < 0 else ""), abs(nanoseconds)
    if left < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if left >= size:
                return sign + _decimal(left, size) + unit
    parts: list[str] = []
    for unit, size in _DURATION_UNITS:
        if left >= size or parts:
            parts.append(f"{left // size}{unit}")
            left %= size
    return sign + "".join(parts) + _decimal(left, 1_000_000_000) + "s"


def _decimal(value: int, unit: int) -> str:
    whole, fraction = divmod(value, unit)
    digits = len(str(unit)) - 1
    tail = f"{fraction:0{digits}d}".rstrip("0") if digits else ""
    return f"{whole}.{tail}" if tail else str(whole)


def format_go_time(moment: datetime, nanosecond: int | None = None) -> str:
    """Go's ``time.Time.String`` of a parsed RFC 3339 time: ``2020-02-18 10:34:08.135814545
    +0000 UTC`` (a zone with no name, as ``time.Parse`` makes for an offset, prints the offset
    twice). `nanosecond` (0-999999999) replaces the microseconds a ``datetime`` holds."""
    nanos = moment.microsecond * 1000 if nanosecond is None else nanosecond
    fraction = f".{nanos:09d}".rstrip("0") if nanos else ""
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    sign, minutes = ("-" if seconds < 0 else "+"), abs(seconds) // 60
    zone = f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    name = "UTC" if seconds == 0 and moment.tzname() in ("UTC", None) else zone
    return f"{moment:%Y-%m-%d %H:%M:%S}{fraction} {zone} {name}"
