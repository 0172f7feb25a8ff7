"""The numbers both judges share: NaN handling, outlier detectors, summary statistics, R-7
percentiles and the effect sizes, as Kayenta's judge computes them.

Kept exact to Kayenta (``DescriptiveStatistics``, ``Transforms``, ``IQRDetector``,
``KSigmaDetector``, ``EffectSizes``) so both judges report the same ``stats`` block and the
NetflixACAJudge port reproduces Kayenta's vectors; augur-v1 reads the same summaries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

__all__ = [
    "Summary",
    "Values",
    "add_gaussian_noise",
    "as_array",
    "cles",
    "cohen_d",
    "iqr_outliers",
    "ksigma_outliers",
    "mean_ratio",
    "percentile",
    "remove_nans",
    "remove_outliers",
    "replace_nans",
    "summary",
]

Values = NDArray[np.float64]


def as_array(values: Sequence[float] | Values) -> Values:
    return np.asarray(values, dtype=np.float64)


def remove_nans(values: Values) -> Values:
    """Kayenta's `nanStrategy: remove` (its default): gaps are dropped."""
    return values[~np.isnan(values)]


def replace_nans(values: Values, value: float = 0.0) -> Values:
    """Kayenta's `nanStrategy: replace`: a gap counts as 0 (no requests, no errors)."""
    return np.where(np.isnan(values), value, values)


def percentile(values: Values, p: float) -> float:
    """Commons-math `Percentile` with `EstimationType.R_7` (numpy's `linear`); NaN when empty."""
    if values.size == 0:
        return math.nan
    return float(np.percentile(values, p, method="linear"))


def iqr_outliers(
    values: Values, factor: float = 1.5, *, reduce_sensitivity: bool = False
) -> NDArray[np.bool_]:
    """Tukey's fences at `factor` IQRs; with `reduce_sensitivity` (how the judge calls it) a
    fence is never inside the 1st/99th percentile, so at most the extreme tails go."""
    if values.size == 0:
        return np.zeros(0, dtype=np.bool_)
    p25, p75 = percentile(values, 25), percentile(values, 75)
    iqr = p75 - p25
    lower, upper = p25 - factor * iqr, p75 + factor * iqr
    if reduce_sensitivity:
        lower = min(percentile(values, 1), lower)
        upper = max(percentile(values, 99), upper)
    return (values > upper) | (values < lower)


def ksigma_outliers(values: Values, k: float = 3.0) -> NDArray[np.bool_]:
    """Points more than `k` population standard deviations from the mean (Kayenta's
    `KSigmaDetector`; the judge does not use it, the vectors do)."""
    if values.size == 0:
        return np.zeros(0, dtype=np.bool_)
    outliers: NDArray[np.bool_] = np.abs(values - values.mean()) > k * values.std()
    return outliers


def remove_outliers(values: Values, outliers: NDArray[np.bool_]) -> Values:
    return values[~outliers]


@dataclass(frozen=True)
class Summary:
    """`experimentMetadata.stats` / `controlMetadata.stats`: of the data the test saw."""

    min: float
    max: float
    mean: float
    std: float
    count: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "min": self.min,
            "max": self.max,
            "mean": self.mean,
            "std": self.std,
            "count": self.count,
        }


def summary(values: Values) -> Summary:
    """All zeros when empty; the sample (n-1) standard deviation, 0 for one point."""
    if values.size == 0:
        return Summary(0.0, 0.0, 0.0, 0.0, 0)
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return Summary(
        float(values.min()), float(values.max()), float(values.mean()), std, int(values.size)
    )


def mean_ratio(control: Values, experiment: Values) -> float:
    """mean(experiment) / mean(control); NaN when either mean is 0 (or a side is empty)."""
    if control.size == 0 or experiment.size == 0:
        return math.nan
    control_mean, experiment_mean = float(control.mean()), float(experiment.mean())
    if control_mean == 0.0 or experiment_mean == 0.0:
        return math.nan
    return experiment_mean / control_mean


def cohen_d(control: Values, experiment: Values) -> float:
    """|mean difference| over the pooled sample standard deviation (unused by the judge)."""
    c, e = summary(control), summary(experiment)
    pooled = math.sqrt(
        ((e.count - 1) * e.std**2 + (c.count - 1) * c.std**2) / (c.count + e.count - 2)
    )
    return abs(e.mean - c.mean) / pooled


def cles(control: Values, experiment: Values) -> float:
    """Common-language effect size P(experiment > control) + ½·P(tie), from average ranks in the
    pooled sample (Vargha and Delaney's A, as Kayenta computes it)."""
    m, n = experiment.size, control.size
    ranks = rankdata(np.concatenate([experiment, control]), method="average")
    r1 = float(ranks[:m].sum())
    return (2 * r1 - m * (m + 1)) / (2 * n * m)


def add_gaussian_noise(
    values: Values, rng: np.random.Generator, *, mean: float, stdev: float
) -> Values:
    """Kayenta's answer to constant data: N(mean, stdev²) added to every point. augur draws it
    from an injected generator, so a judgement is reproducible (Kayenta's is not)."""
    return values + rng.normal(mean, stdev, size=values.size)
