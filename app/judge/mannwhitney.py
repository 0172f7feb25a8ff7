"""Kayenta's Mann-Whitney confidence interval, ported so it gives Kayenta's numbers.

Kayenta (``MannWhitney.scala`` + ``BrentSolver.java``) inverts R's asymptotic
``wilcox.test(x, y, conf.int=TRUE, correct=TRUE)`` with R's ``zeroin`` root finder at an absolute
tolerance of 1e-4. The function it solves is a step function of the shift, so its "roots" are
points within ~5e-5 of a jump and its estimate is any point of the zero plateau, not the
Hodges–Lehmann median; below a resolution of 1e-4 the interval can even come out reversed.
NetflixACAJudge-v1.0 needs exactly those numbers, so this module keeps every quirk; augur-v1
uses ``exact.py`` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from scipy.stats import rankdata

from app.judge.stats import Values

__all__ = [
    "AllTiedError",
    "KayentaInterval",
    "brent_solve",
    "mann_whitney_interval",
    "normal_quantile",
    "wilcoxon_diff",
]

MAX_ITERATIONS = 1000
TOLERANCE = 1e-4  # absolute, as BrentSolver.java
EPSILON = 2.220446049250313e-16
_SMALLEST = 5e-324  # commons-math Precision.equals(x, 0): within one ulp of zero


class AllTiedError(ValueError):
    """Kayenta's IllegalArgumentException: the rank variance is zero."""


@dataclass(frozen=True)
class KayentaInterval:
    lower: float
    upper: float
    estimate: float


def normal_quantile(p: float) -> float:
    """Φ⁻¹(p); agrees with commons-math's erfInv-based inverse to ~1e-16."""
    return NormalDist().inv_cdf(p)


def wilcoxon_diff(mu: float, quantile: float, x: Values, y: Values) -> float:
    """The continuity-corrected, tie-corrected z of the rank-sum test of shift `mu`, minus
    `quantile`: the function whose roots are the interval's ends."""
    nx, ny = float(x.size), float(y.size)
    ranks = rankdata(np.concatenate([x - mu, y]), method="average")
    dz = float(ranks[: x.size].sum()) - nx * (nx + 1) / 2 - nx * ny / 2
    correction = math.copysign(0.5, dz) if dz != 0 else 0.0
    _, ties = np.unique(ranks, return_counts=True)
    tie_sum = float(np.sum(ties.astype(np.float64) ** 3 - ties))
    sigma = math.sqrt((nx * ny / 12) * ((nx + ny + 1) - tie_sum / ((nx + ny) * (nx + ny - 1))))
    if sigma == 0:
        raise AllTiedError("cannot compute confidence interval when all observations are tied")
    return (dz - correction) / sigma - quantile


def _is_zero(value: float) -> bool:
    return abs(value) <= _SMALLEST


def brent_solve(
    ax: float, bx: float, fa: float, fb: float, func: Callable[[float], float]
) -> float:
    """R's ``zeroin`` (``R_zeroin2``) as BrentSolver.java has it, line for line."""
    a, b = ax, bx
    c, fc = a, fa
    if _is_zero(fa):
        return a
    if _is_zero(fb):
        return b
    for _ in range(MAX_ITERATIONS + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * EPSILON * abs(b) + TOLERANCE / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or _is_zero(fb):
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:  # two distinct points: linear interpolation
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:  # inverse quadratic interpolation
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = func(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b  # Kayenta returns the last guess rather than failing


def mann_whitney_interval(x: Values, y: Values, conf_level: float) -> KayentaInterval:
    """Kayenta's ``mannWhitneyUTest(x=experiment, y=control, confLevel)``: the interval of the
    shift experiment − control and Kayenta's estimate. Raises AllTiedError as Kayenta does."""
    alpha = 1.0 - conf_level
    mu_min = float(x.min() - y.max())
    mu_max = float(x.max() - y.min())

    def root(zq: float) -> float:
        f_lower = wilcoxon_diff(mu_min, zq, x, y)
        f_upper = wilcoxon_diff(mu_max, zq, x, y)
        if f_lower <= 0:
            return mu_min
        if f_upper >= 0:
            return mu_max
        return brent_solve(mu_min, mu_max, f_lower, f_upper, lambda d: wilcoxon_diff(d, zq, x, y))

    z_quant = normal_quantile(alpha / 2)
    lower, upper = root(-z_quant), root(z_quant)
    f_lower = wilcoxon_diff(mu_min, 0.0, x, y)
    f_upper = wilcoxon_diff(mu_max, 0.0, x, y)
    estimate = brent_solve(mu_min, mu_max, f_lower, f_upper, lambda d: wilcoxon_diff(d, 0.0, x, y))
    return KayentaInterval(lower, upper, estimate)
