"""Times written as Argo's expr expressions, in the forms ``rangeQuery.start``/``end`` use.

Argo evaluates those fields with expr-lang; augur evaluates ``now()`` or ``date("…"[, layout[,
zone]])`` plus or minus ``duration("…")`` terms (a Go layout such as ``2006-01-02 15:04:05``,
an IANA zone), compiled once and evaluated against each measurement's ``now``. Anything else is
refused when the provider is built. Errors are :class:`TimeExpressionError` with the bare
reason; the caller names the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from providers.golang import parse_duration

__all__ = ["TimeExpression", "TimeExpressionError", "compile_time"]

_TERM = re.compile(r"\s*(now|date|duration)\s*\(\s*((?:\"(?:[^\"\\]|\\.)*\"\s*,?\s*)*)\)\s*")
_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"")
_GO_LAYOUT = (("2006", "%Y"), ("01", "%m"), ("02", "%d"), ("15", "%H"), ("04", "%M"), ("05", "%S"))
TimeExpression = Callable[[datetime], datetime]


class TimeExpressionError(ValueError):
    """The text is not a time augur can evaluate; ``str(err)`` is the reason."""


def _date(args: list[str]) -> datetime:
    text, layout, zone = [*args, "", "", ""][:3]
    tz = ZoneInfo(zone) if zone else UTC
    if layout:
        for go, python in _GO_LAYOUT:
            layout = layout.replace(go, python)
        parsed = datetime.strptime(text, layout)  # the zone is applied below
    else:
        parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _terms(text: str) -> list[tuple[str, str, list[str]]]:
    """``(sign, function, string arguments)`` of each term, in order."""
    parts: list[tuple[str, str, list[str]]] = []
    rest, sign = text, "+"
    while True:
        match = _TERM.match(rest)
        if match is None:
            raise TimeExpressionError(
                f"augur evaluates now(), date(...) and duration(...) joined by + and - "
                f"here, not {text!r}"
            )
        args = [json.loads(f'"{s}"') for s in _STRING.findall(match[2])]
        parts.append((sign, match[1], args))
        rest = rest[match.end() :]
        if not rest:
            return parts
        sign, rest = rest[0], rest[1:]
        if sign not in "+-":
            raise TimeExpressionError(f"unexpected {sign!r} in {text!r}")


def compile_time(text: str) -> TimeExpression:
    """Compile ``now() - duration("1h")``-like text; raises TimeExpressionError."""
    fixed: list[tuple[str, datetime | timedelta | None]] = []
    for sign, function, args in _terms(text):
        try:
            if function == "duration":
                fixed.append((sign, parse_duration(args[0] if args else "")))
            elif function == "date":
                fixed.append((sign, _date(args)))
            else:
                fixed.append((sign, None))  # now(): filled in per measurement
        except (ValueError, KeyError) as exc:
            raise TimeExpressionError(str(exc)) from exc
    anchors = [i for i, (_, v) in enumerate(fixed) if not isinstance(v, timedelta)]
    if not anchors:
        raise TimeExpressionError("expected time.Time, but got time.Duration")
    if len(anchors) > 1 or fixed[anchors[0]][0] == "-":
        raise TimeExpressionError(f"augur needs exactly one now() or date(...), added, in {text!r}")

    def evaluate(now: datetime) -> datetime:
        total = timedelta(0)
        anchor = now
        for sign, value in fixed:
            if isinstance(value, timedelta):
                total += value if sign == "+" else -value
            else:
                anchor = now if value is None else value
        return anchor + total

    return evaluate
