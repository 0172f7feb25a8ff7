"""Probability of superiority: P(canary > baseline) + ½P(tie), with Brunner and Munzel's test
and interval.

This is what "worse on most points" means, whatever the median shift says: a bimodal canary,
or one worse on 70 % of its points, has a probability well above ½ even when the
Hodges–Lehmann shift is ambiguous. Brunner–Munzel does not assume equal shapes, so a canary
that is only noisier does not pass for a worse one. scipy gives the p-value; the interval is
p̂ ± t·se with the same variance estimate and Welch–Satterthwaite degrees of freedom.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import brunnermunzel, rankdata
from scipy.stats import t as student_t

from app.judge.evidence import Evidence
from app.judge.stats import Values

__all__ = ["brunner_munzel"]


def _placement_variance(pooled_ranks: Values, own: Values) -> float:
    """Sample variance of (pooled rank − own rank): the spread of each point's placement."""
    placements = pooled_ranks - rankdata(own, method="average")
    return float(np.var(placements, ddof=1)) if placements.size > 1 else 0.0


def brunner_munzel(
    x: Values, y: Values, conf_level: float, p_exact: tuple[float, float]
) -> Evidence:
    """x the canary, y the baseline. `p_exact` (p greater, p less) from the Mann–Whitney test
    stands in when the variance is zero (complete separation or every point tied), where
    Brunner–Munzel has no answer."""
    n, m = x.size, y.size
    ranks = rankdata(np.concatenate([x, y]), method="average")
    p_hat = (float(ranks[:n].mean()) - (n + 1) / 2) / m
    sx = _placement_variance(ranks[:n], x)
    sy = _placement_variance(ranks[n:], y)
    spread = n * sx + m * sy
    if spread == 0 or n < 2 or m < 2:
        note = "no variance (complete separation or all tied): p from the Mann-Whitney test"
        return Evidence(
            "brunner-munzel",
            math.nan,
            p_exact[0],
            p_exact[1],
            p_hat,
            "P(canary>baseline)",
            p_hat,
            p_hat,
            0.5,
            method="degenerate",
            note=note,
        )
    se = math.sqrt(spread) / (n * m)
    df = spread**2 / ((n * sx) ** 2 / (n - 1) + (m * sy) ** 2 / (m - 1))
    greater = brunnermunzel(x, y, alternative="greater")
    less = brunnermunzel(x, y, alternative="less")
    half = float(student_t.ppf(1 - (1 - conf_level) / 2, df)) * se
    return Evidence(
        "brunner-munzel",
        -float(greater.statistic),  # scipy's sign is baseline-over-canary; report canary's way
        float(greater.pvalue),
        float(less.pvalue),
        p_hat,
        "P(canary>baseline)",
        max(0.0, p_hat - half),
        min(1.0, p_hat + half),
        0.5,
        method="t",
    )
