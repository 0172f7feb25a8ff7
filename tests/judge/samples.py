"""Series for the judge's tests: fixed numbers, each shaped like one of Kayenta's users' cases
(docs/judge.md), so a verdict can be asserted exactly."""

from __future__ import annotations

from typing import Any

import numpy as np


def normal(seed: int, mean: float, sd: float, n: int = 30) -> list[float]:
    return [float(v) for v in np.random.default_rng(seed).normal(mean, sd, n).round(1)]


#: Latency whose canary is ~6 ms slower on a spread of 8: Kayenta's interval [1.1, ...] does not
#: clear its bound 0.25·|estimate| = 1.48 (spinnaker/spinnaker#6278).
BLUNT = {"control": normal(11, 120, 8), "experiment": normal(111, 126, 8)}

#: Nine minutes with 1-3 errors in the canary, none in the baseline (spinnaker/kayenta#426).
FEW_ERRORS = {
    "control": [0.0] * 30,
    "experiment": [
        0,
        0,
        1,
        0,
        2,
        0,
        0,
        1,
        0,
        0,
        3,
        0,
        0,
        1,
        0,
        0,
        0,
        2,
        0,
        0,
        1,
        0,
        0,
        0,
        1,
        0,
        0,
        2,
        0,
        0,
    ],
}

#: Worse on 60 % of points by a lot, the same on the rest: bimodal (spinnaker/kayenta#780).
BIMODAL = {
    "control": normal(21, 100, 5),
    "experiment": [v + (40.0 if i % 5 < 3 else 0.0) for i, v in enumerate(normal(22, 100, 5))],
}

#: Constant series, different values: Kayenta adds noise to judge them (spinnaker/kayenta#301).
CONSTANT = {"control": [1.0] * 10, "experiment": [10.0] * 10}

#: The same median, three times the spread.
WIDER = {"control": normal(31, 100, 4, 40), "experiment": normal(32, 100, 12, 40)}


def pair(name: str, series: dict[str, list[float]], **extra: Any) -> dict[str, Any]:
    return {"name": name, "id": name, "tags": {}, "values": dict(series), **extra}


def config(judge: str, *metrics: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": "reviews-canary",
        "judge": {"name": judge, "judgeConfigurations": {}},
        "metrics": list(metrics),
        **extra,
    }


def metric(name: str, group: str = "default", **canary: Any) -> dict[str, Any]:
    return {
        "name": name,
        "query": {"type": "skywalking", "mqe": f"{name}"},
        "groups": [group],
        "analysisConfigurations": {"canary": canary},
    }
