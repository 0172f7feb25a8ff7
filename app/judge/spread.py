"""A change in spread (``analysisConfigurations.canary.spread: true``): a canary whose latency
is as good on the median but swings twice as wide (spinnaker/kayenta#780).

Ansari–Bradley on each side centred on its own median, so a shift in location does not read as
a change in scale; one-sided, since only a wider canary is worse. Exact for small samples
without ties (scipy's choice), normal otherwise. The effect is the ratio of median absolute
deviations, canary over baseline (no interval: descriptive).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import ansari, median_abs_deviation

from app.judge.evidence import Evidence
from app.judge.stats import Values

__all__ = ["ansari_bradley"]


def ansari_bradley(x: Values, y: Values) -> Evidence:
    cx, cy = x - np.median(x), y - np.median(y)
    mad_x, mad_y = float(median_abs_deviation(x)), float(median_abs_deviation(y))
    ratio = mad_x / mad_y if mad_y else (math.nan if mad_x == 0 else math.inf)
    if np.unique(np.concatenate([cx, cy])).size == 1:
        return Evidence(
            "ansari-bradley",
            math.nan,
            1.0,
            1.0,
            ratio,
            "MAD ratio",
            math.nan,
            math.nan,
            1.0,
            note="every centred point tied",
        )
    greater = ansari(cx, cy, alternative="greater")
    less = ansari(cx, cy, alternative="less")
    return Evidence(
        "ansari-bradley",
        float(greater.statistic),
        float(greater.pvalue),
        float(less.pvalue),
        ratio,
        "MAD ratio",
        math.nan,
        math.nan,
        1.0,
        note="no interval: the ratio is descriptive",
    )
