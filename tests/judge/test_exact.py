"""augur-v1's statistics against brute force and scipy: the interval is the set of shifts the
test accepts, computed pair by pair; the p-values are scipy's."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import binomtest, brunnermunzel, fisher_exact, mannwhitneyu

from app.judge.counts import fisher_events, poisson_rate
from app.judge.dominance import brunner_munzel
from app.judge.exact import mann_whitney_p, shift_interval, u_counts
from app.judge.mannwhitney import mann_whitney_interval
from app.judge.stats import as_array, cles
from tests.judge.vectors import CASES, floats


def brute_interval(x: list[float], y: list[float], conf: float, method: str) -> tuple[float, float]:
    """Try a shift between every two consecutive pairwise differences (and beyond both ends);
    keep the differences that bound the shifts whose one-sided p-values are both ≥ α/2."""
    diffs = sorted({a - b for a in x for b in y})
    probes = [
        diffs[0] - 1,
        *((a + b) / 2 for a, b in itertools.pairwise(diffs)),
        diffs[-1] + 1,
    ]
    edges = [(-math.inf, diffs[0]), *itertools.pairwise(diffs), (diffs[-1], math.inf)]
    alpha = 1 - conf
    accepted = []
    for probe, (left, right) in zip(probes, edges, strict=True):
        shifted = [a - probe for a in x]
        greater = mannwhitneyu(shifted, y, alternative="greater", method=method).pvalue
        less = mannwhitneyu(shifted, y, alternative="less", method=method).pvalue
        if greater >= alpha / 2 and less >= alpha / 2:
            accepted.append((left, right))
    lower = max(accepted[0][0], diffs[0])
    upper = min(accepted[-1][1], diffs[-1])
    return lower, upper


SMALL = [
    pytest.param(seed, n, m, conf, id=f"seed{seed}-{n}x{m}-{conf}")
    for seed, n, m, conf in [
        (1, 3, 4, 0.9),
        (2, 5, 5, 0.95),
        (3, 8, 6, 0.98),
        (4, 10, 12, 0.95),
        (5, 12, 9, 0.98),
        (6, 4, 15, 0.9),
        (7, 20, 20, 0.98),
    ]
]


@pytest.mark.parametrize(("seed", "n", "m", "conf"), SMALL)
def test_the_exact_interval_is_the_set_of_shifts_the_exact_test_accepts(
    seed: int, n: int, m: int, conf: float
) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(1, 2, n).tolist(), rng.normal(0, 2, m).tolist()
    got = shift_interval(as_array(x), as_array(y), conf)
    assert got.method == "exact"
    assert (got.lower, got.upper) == brute_interval(x, y, conf, "exact")
    assert got.estimate == float(np.median([a - b for a in x for b in y]))


@pytest.mark.parametrize(
    ("seed", "n", "m", "conf"),
    [
        pytest.param(s, n, m, c, id=f"ties-seed{s}-{n}x{m}")
        for s, n, m, c in [
            (1, 10, 12, 0.95),
            (2, 30, 30, 0.98),
            (3, 15, 40, 0.9),
            (4, 60, 55, 0.98),
        ]
    ],
)
def test_the_normal_interval_with_ties_is_the_set_of_shifts_the_asymptotic_test_accepts(
    seed: int, n: int, m: int, conf: float
) -> None:
    rng = np.random.default_rng(seed)
    x, y = (
        rng.integers(0, 8, n).astype(float).tolist(),
        rng.integers(0, 6, m).astype(float).tolist(),
    )
    got = shift_interval(as_array(x), as_array(y), conf)
    assert got.method == "normal"
    assert (got.lower, got.upper) == brute_interval(x, y, conf, "asymptotic")


R_TIE_OUT = [c for c in CASES if c["kind"] == "mannwhitney_ci" and "Tie out" in c["name"]]


@pytest.mark.parametrize("case", R_TIE_OUT, ids=[c["name"] for c in R_TIE_OUT])
def test_the_interval_agrees_with_r_and_kayenta_to_their_solver_tolerance(case: dict) -> None:
    x, y = as_array(floats(case["inputs"]["x"])), as_array(floats(case["inputs"]["y"]))
    level = case["params"]["confidence_level"]
    exact, kayenta = shift_interval(x, y, level), mann_whitney_interval(x, y, level)
    assert abs(exact.lower - case["expected"]["ci_lower"]) < 1e-4
    assert abs(exact.upper - case["expected"]["ci_upper"]) < 1e-4
    assert abs(exact.lower - kayenta.lower) < 1e-4
    assert abs(exact.upper - kayenta.upper) < 1e-4


def test_below_kayentas_resolution_the_exact_interval_is_still_ordered() -> None:
    # Kayenta's "Intermediate Values" interval is reversed (3.5e-05 > 2.0e-05): its 1e-4
    # root-finder tolerance on data with 1e-5 steps. Order statistics cannot do that.
    [case] = [c for c in CASES if c["name"] == "Mann-Whitney Intermediate Values / Variables"]
    x, y = as_array(floats(case["inputs"]["x"])), as_array(floats(case["inputs"]["y"]))
    kayenta = mann_whitney_interval(x, y, 0.95)
    exact = shift_interval(x, y, 0.95)
    assert kayenta.lower > kayenta.upper
    assert exact.lower <= exact.estimate <= exact.upper


@pytest.mark.parametrize(("n", "m"), [(1, 1), (3, 4), (6, 6), (7, 2)])
def test_the_null_distribution_of_u_counts_every_arrangement(n: int, m: int) -> None:
    from itertools import combinations

    brute = [0] * (n * m + 1)
    for chosen in combinations(range(n + m), n):
        rest = [j for j in range(n + m) if j not in chosen]
        brute[sum(1 for i in chosen for j in rest if i > j)] += 1
    assert list(u_counts(n, m)) == brute


@pytest.mark.parametrize(
    ("x", "y", "method"),
    [
        pytest.param(
            [1.1, 2.3, 3.7, 4.2, 8.0], [0.5, 1.7, 2.9, 3.1, 5.5, 6.1], "exact", id="exact"
        ),
        pytest.param([1, 2, 2, 3, 5], [0, 1, 1, 2, 2, 2], "asymptotic", id="ties-normal"),
        pytest.param(list(range(60)), [v + 0.5 for v in range(55)], "asymptotic", id="large"),
    ],
)
def test_mann_whitney_p_values_are_scipys(x: list[float], y: list[float], method: str) -> None:
    u, greater, less = mann_whitney_p(as_array(x), as_array(y))
    want_g = mannwhitneyu(x, y, alternative="greater", method=method)
    want_l = mannwhitneyu(x, y, alternative="less", method=method)
    assert (u, greater, less) == (want_g.statistic, want_g.pvalue, want_l.pvalue)


def test_brunner_munzel_is_scipys_test_with_its_own_interval() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(1, 1, 25), rng.normal(0, 3, 30)
    got = brunner_munzel(x, y, 0.95, (math.nan, math.nan))
    want = brunnermunzel(x, y, alternative="greater")
    assert got.p_greater == want.pvalue
    assert got.p_less == brunnermunzel(x, y, alternative="less").pvalue
    assert got.effect_size == pytest.approx(cles(y, x), abs=1e-12)  # the same P(canary>baseline)
    assert got.lower < got.effect_size < got.upper
    # scipy's statistic is (½ − p̂)/se; augur reports it the canary's way round
    assert got.statistic == -want.statistic


def test_brunner_munzel_without_variance_falls_back_to_the_rank_test() -> None:
    got = brunner_munzel(as_array([10.0] * 5), as_array([1.0] * 5), 0.98, (0.004, 1.0))
    assert (got.p_greater, got.p_less, got.effect_size, got.method) == (
        0.004,
        1.0,
        1.0,
        "degenerate",
    )


def test_count_tests_are_scipys() -> None:
    x, y = as_array([0, 2, 0, 1, 3, 0]), as_array([0, 0, 1, 0, 0, 0, 0])
    rate = poisson_rate(x, y, 0.98)
    assert rate.p_greater == binomtest(6, 7, 6 / 13, alternative="greater").pvalue
    assert rate.effect_size == pytest.approx((6 / 6) / (1 / 7))
    events = fisher_events(x, y, 0.98)
    assert events.p_greater == fisher_exact([[3, 3], [1, 6]], alternative="greater").pvalue
    assert events.note == "points with events: canary 3/6, baseline 1/7"
