"""Tests made for events: sparse errors against a clean baseline.

A rank test sees "3 errors against none" as a pile of ties at zero (the Hodges–Lehmann shift is
0), which is how Kayenta passes it. Two tests look at the events instead:

* ``poisson-rate`` (``dataType: count``): the canary's share of all events, given the total,
  is Binomial(total, n/(n+m)) when both rates are equal; an exact binomial test and the
  Clopper–Pearson interval of the rate ratio. Assumes Poisson-like counts; bursty counts
  (one minute of 20 errors) make it too eager, so it is only used when declared.
* ``fisher`` (``dataType: rate``, or zero-inflated data under ``auto``): points with an event
  against points without, Fisher's exact test and the conditional odds-ratio interval. Robust to
  bursts: it counts the minutes with errors, not the errors.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest, fisher_exact
from scipy.stats.contingency import odds_ratio

from app.judge.evidence import Evidence
from app.judge.stats import Values

__all__ = ["fisher_events", "is_counts", "poisson_rate", "zero_inflated"]


def zero_inflated(x: Values, y: Values) -> bool:
    """Half or more of all points are exactly 0, and none is negative."""
    pooled = np.concatenate([x, y])
    return (
        pooled.size > 0
        and bool(np.all(pooled >= 0))
        and int(np.count_nonzero(pooled == 0)) * 2 >= pooled.size
    )


def is_counts(values: Values) -> bool:
    return bool(np.all(values >= 0) and np.all(values == np.floor(values)))


def poisson_rate(x: Values, y: Values, conf_level: float) -> Evidence:
    """x the canary's counts per step, y the baseline's."""
    n, m = x.size, y.size
    events_x, events_y = int(x.sum()), int(y.sum())
    total = events_x + events_y
    rate_x, rate_y = events_x / n, events_y / m
    ratio = rate_x / rate_y if rate_y else (math.nan if rate_x == 0 else math.inf)
    if total == 0:
        return Evidence(
            "poisson-rate",
            0.0,
            1.0,
            1.0,
            ratio,
            "rate ratio",
            0.0,
            math.inf,
            1.0,
            method="exact",
            note="no events on either side",
        )
    share = n / (n + m)
    greater = binomtest(events_x, total, share, alternative="greater")
    less = binomtest(events_x, total, share, alternative="less")
    interval = greater.proportion_ci(confidence_level=conf_level, method="exact")

    def as_ratio(p: float) -> float:
        return math.inf if p >= 1 else (p / (1 - p)) * (m / n)

    return Evidence(
        "poisson-rate",
        float(events_x),
        float(greater.pvalue),
        float(less.pvalue),
        ratio,
        "rate ratio",
        as_ratio(float(interval.low)),
        as_ratio(float(interval.high)),
        1.0,
        method="exact",
    )


def fisher_events(x: Values, y: Values, conf_level: float) -> Evidence:
    """Points with any event (≠ 0) against points without, canary against baseline."""
    hits_x, hits_y = int(np.count_nonzero(x)), int(np.count_nonzero(y))
    table = [[hits_x, x.size - hits_x], [hits_y, y.size - hits_y]]
    greater = fisher_exact(table, alternative="greater")
    less = fisher_exact(table, alternative="less")
    if hits_x + hits_y == 0 or hits_x + hits_y == x.size + y.size:
        lower, upper, estimate = 0.0, math.inf, math.nan
    else:
        result = odds_ratio(table, kind="conditional")
        interval = result.confidence_interval(confidence_level=conf_level)
        lower, upper, estimate = float(interval.low), float(interval.high), float(result.statistic)
    return Evidence(
        "fisher",
        float(hits_x),
        float(greater.pvalue),
        float(less.pvalue),
        estimate,
        "odds ratio",
        lower,
        upper,
        1.0,
        method="exact",
        note=f"points with events: canary {hits_x}/{x.size}, baseline {hits_y}/{y.size}",
    )
