"""Kayenta's MetricSetPair: one metric's control and experiment series, as the judge gets them.

``{name, id, tags, values: {control: [...], experiment: [...]}, scopes?, attributes?}``; a gap
is ``"NaN"`` (how Jackson writes NaN) or null. Any other string, a boolean or a missing side is
refused with its path, since Kayenta would fail the judgement on it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.judge.errors import JudgeConfigError, problems_of, shown

__all__ = ["SIDES", "MetricSetPair", "parse_pairs"]

#: Kayenta's names for the two series: control is the baseline, experiment the canary.
SIDES = ("control", "experiment")


class Series(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    control: list[float]
    experiment: list[float]


class MetricSetPair(BaseModel):
    """One series pair. ``values.control`` is the baseline, ``values.experiment`` the canary;
    a gap is NaN."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    name: str
    id: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    values: Series
    scopes: dict[str, Any] | None = None
    attributes: dict[str, Any] | None = None

    @property
    def control(self) -> list[float]:
        return self.values.control

    @property
    def experiment(self) -> list[float]:
        return self.values.experiment


def _points(item: Any, where: str, problems: list[tuple[str, str]]) -> Any:
    """The pair with each side's gaps ("NaN", null) as NaN; bad points go to `problems`."""
    values = item.get("values") if isinstance(item, Mapping) else None
    if not isinstance(values, Mapping):
        return item
    converted = dict(values)
    for side in SIDES:
        points = values.get(side)
        if not isinstance(points, list):
            continue  # pydantic names a missing side or one that is not a list
        floats = []
        for index, point in enumerate(points):
            if point is None or point == "NaN" or (isinstance(point, float) and math.isnan(point)):
                floats.append(math.nan)
            elif isinstance(point, int | float) and not isinstance(point, bool):
                if math.isinf(point):
                    message = f"must be a finite number, got {shown(point)}"
                    problems.append((f"{where}.values.{side}[{index}]", message))
                floats.append(float(point))
            else:
                problems.append(
                    (
                        f"{where}.values.{side}[{index}]",
                        f'must be a number, "NaN" or null, got {shown(point)}',
                    )
                )
        converted[side] = floats
    return {**item, "values": converted}


def parse_pairs(data: Any) -> list[MetricSetPair]:
    """A JSON list of MetricSetPairs (Kayenta's MetricSetPairList); every problem at once."""
    if isinstance(data, Mapping) and "values" in data:
        data = [data]  # one pair on its own
    if not isinstance(data, list):
        raise JudgeConfigError([("pairs", f"must be a list of MetricSetPairs, got {shown(data)}")])
    pairs: list[MetricSetPair] = []
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(data):
        where = f"pairs[{index}]"
        found: list[tuple[str, str]] = []
        prepared = _points(item, where, found)
        try:
            pair = MetricSetPair.model_validate(prepared)
        except ValidationError as exc:
            found += problems_of(exc, prefix=where)
        else:
            if not found:
                pairs.append(pair)
        problems += found
    if problems:
        raise JudgeConfigError(problems)
    if not pairs:
        raise JudgeConfigError([("pairs", "must hold at least one MetricSetPair")])
    return pairs
