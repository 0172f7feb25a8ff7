"""Kayenta's score: group scores, the weighted sum, the critical and NODATA rules, and the
Pass/Marginal/Fail classification (``WeightedSumScorer``, ``ScoringHelper``,
``ThresholdScoreClassifier``). Both judges score the same way, so a config's weights and
thresholds mean the same thing whichever judge runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

__all__ = ["NODATA_THRESHOLD", "GroupScore", "Score", "classify_score", "round_half_up", "score"]

NODATA_THRESHOLD = 50  # percent of results that are Nodata that fails the canary
_COUNTED = ("Pass", "High", "Low", "NodataFailMetric")


@dataclass(frozen=True)
class GroupScore:
    name: str
    score: float
    no_data: bool


@dataclass(frozen=True)
class Score:
    groups: list[GroupScore]
    summary: float
    reason: str | None


class Scored(Protocol):
    """What the scorer needs of a metric result."""

    @property
    def classification(self) -> str: ...
    @property
    def critical(self) -> bool: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def groups(self) -> list[str]: ...
    @property
    def muted(self) -> bool: ...


def round_half_up(value: float, places: int = 2) -> float:
    """commons-math ``Precision.round``: the decimal text of the double, rounded half up."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _group_scores(results: Sequence[Scored]) -> list[GroupScore]:
    labels: dict[str, list[str]] = {}
    for result in results:
        for group in result.groups:
            labels.setdefault(group, []).append(result.classification)
    scores = []
    for name, found in labels.items():
        total = sum(found.count(label) for label in _COUNTED)
        passed = found.count("Pass")
        scores.append(GroupScore(name, 0.0 if total == 0 else passed / total * 100, total == 0))
    return scores


def _summary(groups: list[GroupScore], weights: Mapping[str, float]) -> float:
    """Σ score·weight/100; a group without a weight shares what the weights leave of 100, and a
    group with nothing scoreable counts as 100."""
    unweighted = {g.name for g in groups} - set(weights)
    share = (100 - sum(weights.values())) / len(unweighted) if unweighted else 0.0
    total = 0.0
    for group in groups:
        effective = 100.0 if group.no_data else group.score
        total += effective * (weights.get(group.name, share) / 100)
    return round_half_up(total, 2)


def score(results: Sequence[Scored], weights: Mapping[str, float]) -> Score:
    """Muted results are left out first (they stay in the judge's ``results``)."""
    counted = [r for r in results if not r.muted]
    groups = _group_scores(counted)
    failures = [r for r in counted if r.critical and r.classification != "Pass"]
    if failures:
        return Score(groups, 0.0, f"Canary Failed: {failures[0].reason}")
    nodata = sum(1 for r in counted if r.classification == "Nodata")
    if counted and nodata / len(counted) * 100 >= NODATA_THRESHOLD:
        reason = f"Canary Failed: {NODATA_THRESHOLD}% or more metrics returned NODATA"
        return Score(groups, 0.0, reason)
    return Score(groups, _summary(groups, weights), None)


def classify_score(summary: float, *, pass_threshold: float, marginal_threshold: float) -> str:
    """On the unrounded-by-Argo score: ≥ pass Pass, ≥ marginal Marginal, else Fail."""
    if summary >= pass_threshold:
        return "Pass"
    if summary >= marginal_threshold:
        return "Marginal"
    return "Fail"
