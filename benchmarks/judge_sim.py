"""How often each judge flags a canary: false positives on identical canary/baseline pairs,
detections on worse ones, NetflixACAJudge-v1.0 beside augur-v1 (the figures of docs/judge.md).

    python -m benchmarks.judge_sim              # every scenario, 1,000 pairs each (~4 min)
    python -m benchmarks.judge_sim --reps 200   # faster, coarser
    python -m benchmarks.judge_sim --quick      # smoke run: three scenarios, 20 pairs each
    python -m benchmarks.judge_sim --json       # machine-readable rows

Each scenario draws `reps` canary/baseline pairs of one metric, one point a minute (10-60 a
side), from a fixed seed, and judges each with both judges at their defaults (confLevel 0.98,
so α = 0.02 per metric; Kayenta's tolerance 0.25). A row's rate is the share of pairs whose
metric was not classified Pass. Null rows (identical distributions) are false-positive rates
and should stay at or under α (they draw 4 × `reps` pairs); the others are detection rates. The
Monte Carlo standard error of a rate p over N pairs is √(p(1−p)/N): ±0.2 points at p = 0.02,
N = 4,000; ±1.6 points at p = 0.5, N = 1,000.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from app.judge import AUGUR_JUDGE, KAYENTA_JUDGE, MetricSetPair, parse_canary_config
from app.judge.judgement import classify_pair

Draw = Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]  # (baseline, canary)
ALPHA = 0.02
#: False-positive rates sit near α, where a rate over 1,000 pairs is ±0.9 points (2 s.e.): the
#: null rows draw this many times more pairs.
NULL_FACTOR = 4


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # "null" (false positives) or "worse" (detections)
    n: int
    draw: Draw
    canary: dict[str, Any] = field(default_factory=dict)  # analysisConfigurations.canary


def _normal(shift: float = 0.0, scale: float = 1.0) -> Draw:
    return lambda rng, n: (rng.normal(100, 10, n), rng.normal(100 + shift * 10, 10 * scale, n))


def _lognormal(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.lognormal(4.6, 0.5, n).round(), rng.lognormal(4.6, 0.5, n).round()


def _errors(p_baseline: float, p_canary: float) -> Draw:
    """Errors a minute: a minute has errors with probability p, then 1 + Poisson(1) of them."""

    def draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        def side(p: float) -> np.ndarray:
            hit = rng.random(n) < p
            return np.where(hit, 1 + rng.poisson(1.0, n), 0).astype(float)

        return side(p_baseline), side(p_canary)

    return draw


def _bimodal(share: float, jump: float) -> Draw:
    """The canary is worse by `jump` sd on `share` of its points, the same on the rest."""

    def draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        worse = rng.random(n) < share
        return rng.normal(100, 10, n), rng.normal(100, 10, n) + np.where(worse, jump * 10, 0.0)

    return draw


def _constant(baseline: float, canary: float) -> Draw:
    return lambda rng, n: (np.full(n, baseline), np.full(n, canary))


UP = {"direction": "increase"}
SCENARIOS = [
    Scenario("identical normal", "null", 10, _normal()),
    Scenario("identical normal", "null", 30, _normal()),
    Scenario("identical normal", "null", 60, _normal()),
    Scenario("identical skewed latency (integer ms, ties)", "null", 30, _lognormal),
    Scenario("identical sparse errors (10% of minutes)", "null", 30, _errors(0.1, 0.1)),
    Scenario("identical constant", "null", 30, _constant(5.0, 5.0)),
    Scenario("shift +1 sd", "worse", 10, _normal(1.0), UP),
    Scenario("shift +0.75 sd", "worse", 30, _normal(0.75), UP),
    Scenario("shift +0.5 sd", "worse", 60, _normal(0.5), UP),
    Scenario("bimodal: +3 sd on 40% of points", "worse", 30, _bimodal(0.4, 3.0), UP),
    Scenario("worse on most points: +1 sd on 70%", "worse", 30, _bimodal(0.7, 1.0), UP),
    Scenario("few errors vs none (25% of minutes)", "worse", 30, _errors(0.0, 0.25), UP),
    Scenario(
        "few errors vs none, dataType count",
        "worse",
        30,
        _errors(0.0, 0.25),
        {**UP, "dataType": "count"},
    ),
    Scenario("sparse errors 5% -> 30% of minutes", "worse", 30, _errors(0.05, 0.3), UP),
    Scenario("spread x2.5, spread: true", "worse", 30, _normal(0.0, 2.5), {"spread": True}),
    Scenario("constant 10 vs 9", "worse", 30, _constant(9.0, 10.0), UP),
]
QUICK = [SCENARIOS[1], SCENARIOS[7], SCENARIOS[11]]


def _config(judge: str, canary: dict[str, Any]) -> Any:
    return parse_canary_config(
        {
            "judge": {"name": judge},
            "metrics": [
                {"name": "m", "groups": ["g"], "analysisConfigurations": {"canary": canary}}
            ],
        }
    )


def flag_rate(scenario: Scenario, judge: str, reps: int, seed: int) -> float:
    """Share of `reps` pairs, drawn from `seed`, whose metric the judge did not Pass."""
    config = _config(judge, scenario.canary)
    metric = config.metrics[0]
    rng = np.random.default_rng(seed)
    flagged = 0
    for _ in range(reps):
        baseline, canary = scenario.draw(rng, scenario.n)
        pair = MetricSetPair.model_validate(
            {"name": "m", "values": {"control": baseline.tolist(), "experiment": canary.tolist()}}
        )
        flagged += classify_pair(config, metric, pair).classification != "Pass"
    return flagged / reps


def run(scenarios: Sequence[Scenario], reps: int, seed: int) -> list[dict[str, Any]]:
    rows = []
    for index, scenario in enumerate(scenarios):
        count = reps * NULL_FACTOR if scenario.kind == "null" else reps
        row = {
            "scenario": scenario.name,
            "kind": scenario.kind,
            "n": scenario.n,
            "canary": scenario.canary,
            "reps": count,
            # both judges see the same pairs: the same seed per scenario
            "kayenta": flag_rate(scenario, KAYENTA_JUDGE, count, seed + index),
            "augur": flag_rate(scenario, AUGUR_JUDGE, count, seed + index),
        }
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Report:
    reps: int
    seed: int
    alpha: float
    rows: list[dict[str, Any]]


def _percent(rate: float) -> str:
    return f"{100 * rate:.1f}%"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=1000, help="pairs per scenario")
    parser.add_argument("--seed", type=int, default=20261205, help="the first scenario's seed")
    parser.add_argument("--quick", action="store_true", help="three scenarios, 20 pairs: smoke")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    options = parser.parse_args(argv)
    scenarios, reps = (QUICK, 20) if options.quick else (SCENARIOS, options.reps)
    report = Report(reps, options.seed, ALPHA, run(scenarios, reps, options.seed))
    if options.json:
        print(json.dumps(asdict(report), indent=2))
        return 0
    print(f"Share of pairs flagged (not Pass), seed {options.seed}, α = {ALPHA}")
    print("| scenario | n a side | pairs | rate is | NetflixACAJudge-v1.0 | augur-v1 |")
    print("| --- | ---: | ---: | --- | ---: | ---: |")
    for row in report.rows:
        what = "false positives" if row["kind"] == "null" else "detections"
        print(
            f"| {row['scenario']} | {row['n']} | {row['reps']} | {what} "
            f"| {_percent(row['kayenta'])} | {_percent(row['augur'])} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
