"""One statistical test's answer, in the shape augur-v1 reports and decides on.

Every test gives both one-sided p-values (canary larger, canary smaller) and an interval for its
effect at the level the metric's family is tested at; ``decide`` turns them into a verdict for a
metric's direction and a Bonferroni share of its alpha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Evidence", "two_sided"]


def two_sided(p_greater: float, p_less: float) -> float:
    return min(1.0, 2 * min(p_greater, p_less))


@dataclass(frozen=True)
class Evidence:
    test: str
    statistic: float
    p_greater: float  # the canary tends larger
    p_less: float  # the canary tends smaller
    effect_size: float
    effect_name: str
    lower: float  # interval of the effect
    upper: float
    no_change: float  # the effect's value when nothing changed (0 for a shift, 0.5, 1 for ratios)
    method: str = ""
    note: str = ""
    # filled in by decide()
    p_value: float = math.nan
    alpha: float = math.nan
    rejected: str | None = None  # "High" or "Low"

    def decide(self, direction: str, alpha: float, *, high_only: bool = False) -> Evidence:
        """The p-value for `direction` (two-sided for either) against `alpha` (the two-sided
        level: each tail gets alpha/2). `high_only`: only an increase counts (spread)."""
        if direction == "either" and not high_only:
            p = two_sided(self.p_greater, self.p_less)
            tail = "High" if self.p_greater <= self.p_less else "Low"
            limit = alpha
        elif direction == "decrease" and not high_only:
            p, tail, limit = self.p_less, "Low", alpha / 2
        else:
            p, tail, limit = self.p_greater, "High", alpha / 2
        rejected = tail if p < limit else None
        return replace(self, p_value=p, alpha=limit, rejected=rejected)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "test": self.test,
            "statistic": self.statistic,
            "pValue": self.p_value,
            "alpha": self.alpha,
            "rejected": self.rejected,
            "effectSize": self.effect_size,
            "effectSizeName": self.effect_name,
            "lower": self.lower,
            "upper": self.upper,
        }
        if self.method:
            document["method"] = self.method
        if self.note:
            document["note"] = self.note
        return document

    def summary(self) -> str:
        """`mann-whitney p=0.0012 < 0.005, shift 3.2 [1.1, 5.0]`."""
        verdict = "<" if self.rejected else "≥"
        return (
            f"{self.test} p={_g(self.p_value)} {verdict} {_g(self.alpha)}, "
            f"{self.effect_name} {_g(self.effect_size)} [{_g(self.lower)}, {_g(self.upper)}]"
        )


def _g(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.3g}"
