"""Kayenta's CanaryExecutionRequest: the scopes and windows to fetch, and the score thresholds.

``{"scopes": {"default": {"controlScope": {scope, location, start, end, step,
extendedScopeParams}, "experimentScope": {...}}}, "thresholds": {"pass": 90, "marginal": 75}}``,
read as Kayenta reads it (unknown fields such as ``metadata`` and ``siteLocal`` kept and ignored,
integers where Kayenta has doubles) and checked against the config up front, every problem named
by its field: a window that is empty or not a whole number of steps long, a metric whose
``scopeName`` the request has no scope for, a step its metric's source cannot answer. Kayenta
finds most of these only when its pipeline runs; here they are a 400 before anything is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.judge import CanaryConfig, JudgeConfigError
from app.spec.status import format_time
from providers.errors import ConfigError
from providers.series import MAX_POINTS, SeriesSource, SeriesWindow

__all__ = ["SIDES", "ExecutionRequest", "ScopePair", "parse_request"]

#: Kayenta's two sides, as the request names them, and as the pairs do.
SIDES = (("controlScope", "control"), ("experimentScope", "experiment"))
DEFAULT_STEP = 60
Problems = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ScopePair:
    control: SeriesWindow
    experiment: SeriesWindow
    extended: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def side(self, name: str) -> SeriesWindow:
        return self.control if name == "control" else self.experiment


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    scopes: Mapping[str, ScopePair]
    pass_threshold: float
    marginal_threshold: float

    def to_json(self) -> dict[str, Any]:
        """The request again, normalised (times in UTC), in Kayenta's shape."""
        scopes: dict[str, Any] = {}
        for name, pair in self.scopes.items():
            sides = {}
            for key, side in SIDES:
                window = pair.side(side)
                sides[key] = {
                    "scope": window.scope,
                    "location": window.location,
                    "start": format_time(window.start),
                    "end": format_time(window.end),
                    "step": int(window.step.total_seconds()),
                    "extendedScopeParams": dict(pair.extended.get(side, {})),
                }
            scopes[name] = sides
        thresholds = {"pass": self.pass_threshold, "marginal": self.marginal_threshold}
        return {"scopes": scopes, "thresholds": thresholds}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _time(value: Any, where: str, problems: Problems) -> datetime | None:
    if not isinstance(value, str) or not value:
        problems.append((where, "is required: an ISO-8601 instant such as 2026-12-05T10:00:00Z"))
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        problems.append(
            (where, f"must be an ISO-8601 instant (2026-12-05T10:00:00Z), got {value!r}")
        )
        return None
    if when.tzinfo is None:
        problems.append((where, f"must carry its zone (Z or +01:00), got {value!r}"))
        return None
    return when


def _scope(
    given: Any, where: str, problems: Problems
) -> tuple[SeriesWindow | None, dict[str, Any]]:
    if not isinstance(given, Mapping):
        problems.append((where, "is required: {scope, location, start, end, step}"))
        return None, {}
    before = len(problems)
    scope, location = given.get("scope"), given.get("location") or ""
    if not isinstance(scope, str) or not scope:
        problems.append((f"{where}.scope", "is required: the service or label value to fetch"))
    if not isinstance(location, str):
        problems.append((f"{where}.location", f"must be a string, got {location!r}"))
    step = given.get("step", DEFAULT_STEP)
    if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
        problems.append((f"{where}.step", f"must be a whole number of seconds > 0, got {step!r}"))
    extended = given.get("extendedScopeParams") or {}
    if not isinstance(extended, Mapping):
        problems.append((f"{where}.extendedScopeParams", "must be an object of strings"))
        extended = {}
    start = _time(given.get("start"), f"{where}.start", problems)
    end = _time(given.get("end"), f"{where}.end", problems)
    if start is not None and end is not None and isinstance(step, int) and step > 0:
        length = (end - start).total_seconds()
        if length < step:
            problems.append((f"{where}.end", f"must be at least one step ({step}s) after start"))
        elif length / step > MAX_POINTS:
            problems.append(
                (where, f"the window holds {int(length // step)} steps; at most {MAX_POINTS}")
            )
    if len(problems) > before:
        return None, dict(extended)
    assert isinstance(scope, str)
    assert isinstance(location, str)
    assert start is not None
    assert end is not None
    assert isinstance(step, int)
    window = SeriesWindow(
        scope=scope, location=location, start=start, end=end, step=timedelta(seconds=step)
    )
    return window, dict(extended)


def _thresholds(given: Any, problems: Problems) -> tuple[float, float]:
    if not isinstance(given, Mapping):
        problems.append(("thresholds", "is required: {pass, marginal}, scores from 0 to 100"))
        return 0.0, 0.0
    found: list[float] = []
    for name in ("pass", "marginal"):
        value: Any = given.get(name)
        if not _number(value) or not 0 <= value <= 100:
            problems.append(
                (f"thresholds.{name}", f"must be a number from 0 to 100, got {value!r}")
            )
            value = 0.0
        found.append(float(value))
    if found[1] > found[0]:
        problems.append(
            ("thresholds.marginal", f"must not be above thresholds.pass ({found[0]:g})")
        )
    return found[0], found[1]


def parse_request(
    data: Any, config: CanaryConfig, sources: Sequence[SeriesSource] = ()
) -> ExecutionRequest:
    """The request, checked against `config` (and each metric's source, when given, for the
    steps it can answer); JudgeConfigError lists every problem with its field."""
    if not isinstance(data, Mapping):
        raise JudgeConfigError([("request", "must be a JSON object (a CanaryExecutionRequest)")])
    problems: Problems = []
    scopes: dict[str, ScopePair] = {}
    given = data.get("scopes")
    if not isinstance(given, Mapping) or not given:
        problems.append(("scopes", 'is required: {"default": {controlScope, experimentScope}}'))
        given = {}
    for name, pair in given.items():
        where = f"scopes.{name}"
        if not isinstance(pair, Mapping):
            problems.append((where, "must be {controlScope, experimentScope}"))
            continue
        control, control_extended = _scope(
            pair.get("controlScope"), f"{where}.controlScope", problems
        )
        experiment, experiment_extended = _scope(
            pair.get("experimentScope"), f"{where}.experimentScope", problems
        )
        if control is not None and experiment is not None:
            extended = {"control": control_extended, "experiment": experiment_extended}
            scopes[str(name)] = ScopePair(control, experiment, extended)
    pass_threshold, marginal_threshold = _thresholds(data.get("thresholds"), problems)
    for index, metric in enumerate(config.metrics):
        name = metric.scope_name or "default"
        if given and name not in given:
            problems.append(
                (f"metrics[{index}].scopeName", f'the request has no scope "{name}" for it')
            )
        elif name in scopes and index < len(sources):
            for side in ("control", "experiment"):
                try:
                    sources[index].check_window(scopes[name].side(side))
                except ConfigError as exc:
                    problems.append((f"metrics[{index}].query", str(exc)))
                    break
    if problems:
        raise JudgeConfigError(problems)
    return ExecutionRequest(scopes, pass_threshold, marginal_threshold)
