"""The location shift exactly: Hodges–Lehmann estimate and interval from the order statistics
of the n·m pairwise differences, and the Mann–Whitney p-value.

The rank-sum statistic of a shift d, U(d) = #{x_i − d > y_j}, only changes where d crosses a
pairwise difference, so its confidence set is bounded by order statistics of those differences
and no root finder is needed (Kayenta solves for the same points to within 1e-4, which is why
its intervals can be reversed or sit off the data's resolution). Without ties and with both
sides under 50 points the bounds come from the exact null distribution of U (R's ``qwilcox``
rule); otherwise from the normal approximation with tie and continuity correction, evaluated
between consecutive differences, where its tie structure is fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from scipy.stats import mannwhitneyu

from app.judge.stats import Values

__all__ = [
    "EXACT_BELOW",
    "ShiftInterval",
    "exact_applies",
    "mann_whitney_p",
    "pairwise_differences",
    "qwilcox",
    "shift_interval",
    "u_counts",
]

#: Exact methods while both sides have fewer points than this and no value repeats (R's rule).
EXACT_BELOW = 50


@dataclass(frozen=True)
class ShiftInterval:
    estimate: float  # Hodges–Lehmann: the median of the pairwise differences
    lower: float
    upper: float
    conf_level: float
    method: str  # "exact" or "normal"


def pairwise_differences(x: Values, y: Values) -> Values:
    """Every x_i − y_j, sorted."""
    return np.sort(np.subtract.outer(x, y).ravel())


def exact_applies(x: Values, y: Values) -> bool:
    pooled = np.concatenate([x, y])
    return x.size < EXACT_BELOW and y.size < EXACT_BELOW and np.unique(pooled).size == pooled.size


@lru_cache(maxsize=256)
def u_counts(n: int, m: int) -> tuple[int, ...]:
    """How many of the C(n+m, n) rank arrangements give U = 0, 1, …, n·m: the coefficients of
    the Gaussian binomial [n+m choose n]_q, in exact integers."""
    counts = [0] * (n * m + 1)
    counts[0] = 1
    size = 1  # highest degree reached so far + 1
    for i in range(1, n + 1):
        # multiply by (1 − q^(m+i)), then divide by (1 − q^i)
        grow = m + i
        size = min(size + grow, n * m + 1)
        for k in range(size - 1, grow - 1, -1):
            counts[k] -= counts[k - grow]
        for k in range(i, size):
            counts[k] += counts[k - i]
    return tuple(counts)


def qwilcox(p: float, n: int, m: int) -> int:
    """The smallest q with P(U ≤ q) ≥ p under no shift (R's ``qwilcox``)."""
    counts = u_counts(n, m)
    total = sum(counts)
    running = 0
    for q, count in enumerate(counts):
        running += count
        if running >= p * total:
            return q
    return n * m


def _tie_term(values: Values) -> float:
    _, sizes = np.unique(values, return_counts=True)
    return float(np.sum(sizes.astype(np.float64) ** 3 - sizes))


def _normal_bounds(x: Values, y: Values, diffs: Values, z: float) -> tuple[float, float]:
    """Between consecutive differences U is n·m − k and the only ties are those within each
    side; accept a shift when |U − nm/2| (continuity-corrected) ≤ z·σ there."""
    n, m = float(x.size), float(y.size)
    nm, big_n = n * m, n + m
    ties = _tie_term(x) + _tie_term(y)
    sigma = math.sqrt(nm / 12 * ((big_n + 1) - ties / (big_n * (big_n - 1))))
    k = np.arange(diffs.size + 1, dtype=np.float64)  # U = nm − k on (d_k, d_k+1)
    dz = (nm - k) - nm / 2
    stat = (dz - np.sign(dz) * 0.5) / sigma
    accepted_low = np.flatnonzero(stat <= z)
    accepted_high = np.flatnonzero(stat >= -z)
    first = int(accepted_low[0]) if accepted_low.size else diffs.size
    last = int(accepted_high[-1]) if accepted_high.size else 0
    lower = diffs[min(max(first, 1), diffs.size) - 1]
    upper = diffs[min(last + 1, diffs.size) - 1]
    return float(lower), float(upper)


def shift_interval(x: Values, y: Values, conf_level: float) -> ShiftInterval:
    """The interval of the shift x − y (canary − baseline) at `conf_level`, two-sided."""
    diffs = pairwise_differences(x, y)
    estimate = float(np.median(diffs))
    alpha = 1.0 - conf_level
    if exact_applies(x, y):
        qu = max(qwilcox(alpha / 2, x.size, y.size), 1)
        ql = diffs.size - qu
        return ShiftInterval(estimate, float(diffs[qu - 1]), float(diffs[ql]), conf_level, "exact")
    z = NormalDist().inv_cdf(1 - alpha / 2)
    lower, upper = _normal_bounds(x, y, diffs, z)
    return ShiftInterval(estimate, lower, upper, conf_level, "normal")


def mann_whitney_p(x: Values, y: Values) -> tuple[float, float, float]:
    """(U, p that x tends larger, p that x tends smaller): scipy's exact test where
    ``exact_applies``, else its normal approximation with tie and continuity correction.
    With every point tied the test has no information: both p are 1."""
    pooled = np.concatenate([x, y])
    if np.unique(pooled).size == 1:
        return x.size * y.size / 2, 1.0, 1.0
    method = "exact" if exact_applies(x, y) else "asymptotic"
    greater = mannwhitneyu(x, y, alternative="greater", method=method)
    less = mannwhitneyu(x, y, alternative="less", method=method)
    return float(greater.statistic), float(greater.pvalue), float(less.pvalue)
