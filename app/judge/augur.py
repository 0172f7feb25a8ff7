"""augur-v1: is the canary worse than the baseline beside it, and which test says so.

Per metric, a family of tests, each at a Bonferroni share of α = 1 − confLevel (each tail gets
half of that share, so an identical canary is flagged with probability at most α):

* ``mann-whitney``: the location shift, Hodges–Lehmann estimate and exact interval (exact.py);
* ``brunner-munzel``: the probability that a canary point beats a baseline point, which catches
  "worse on most points" when the median shift is ambiguous (dominance.py); from 20 points a
  side, since below that its t approximation runs liberal;
* ``fisher`` or ``poisson-rate``: events against a clean baseline, when the metric is declared a
  rate or a count, or its data are zero-inflated (counts.py);
* ``ansari-bradley``: a wider canary, when ``spread: true`` (spread.py).

A rejection counts in the metric's direction only, and only when the configured effect size
(Kayenta's ``effectSize``: mean ratio or CLES) clears its threshold. Deterministic: no noise;
constant or identical data pass with their reason, all-tied data never crash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.judge.config import CanarySettings
from app.judge.counts import fisher_events, is_counts, poisson_rate, zero_inflated
from app.judge.dominance import brunner_munzel
from app.judge.evidence import Evidence
from app.judge.exact import mann_whitney_p, shift_interval
from app.judge.netflix import CONTROL_LABEL, EXPERIMENT_LABEL, missing_data
from app.judge.outcome import MetricOutcome
from app.judge.spread import ansari_bradley
from app.judge.stats import Values, cles, mean_ratio

__all__ = ["DOMINANCE_FROM", "AugurClassifier", "family_of"]

#: Brunner–Munzel's t approximation runs liberal on small samples (with it, 10 points a side gave
#: 2.6 % false positives against α = 2 % in benchmarks/judge_sim.py); below this many points a
#: side the exact Mann–Whitney test decides alone (P(canary>baseline) is still reported).
DOMINANCE_FROM = 20


def family_of(settings: CanarySettings, control: Values, experiment: Values) -> list[str]:
    """The tests a metric gets: the rule docs/judge.md states."""
    family = ["mann-whitney"]
    if min(control.size, experiment.size) >= DOMINANCE_FROM:
        family.append("brunner-munzel")
    if settings.data_type == "count":
        family.append("poisson-rate")
    elif settings.data_type == "rate" or (
        settings.data_type == "auto" and zero_inflated(experiment, control)
    ):
        family.append("fisher")
    if settings.spread:
        family.append("ansari-bradley")
    return family


def _ratio(p: float, alpha: float) -> float:
    return p / alpha if alpha > 0 else math.inf


@dataclass(frozen=True)
class AugurClassifier:
    conf_level: float = 0.98

    def level(self, tests: int) -> float:
        """The confidence level of each interval: 1 − α/k for a family of k tests."""
        return float(f"{1 - (1 - self.conf_level) / tests:.12g}")

    def _evidence(self, family: list[str], x: Values, y: Values) -> list[Evidence]:
        level = self.level(len(family))
        u, p_greater, p_less = mann_whitney_p(x, y)
        shift = shift_interval(x, y, level)
        found = [
            Evidence(
                "mann-whitney",
                u,
                p_greater,
                p_less,
                shift.estimate,
                "shift",
                shift.lower,
                shift.upper,
                0.0,
                method=shift.method,
            ),
        ]
        if "brunner-munzel" in family:
            found.append(brunner_munzel(x, y, level, (p_greater, p_less)))
        if "poisson-rate" in family:
            found.append(poisson_rate(x, y, level))
        if "fisher" in family:
            found.append(fisher_events(x, y, level))
        if "ansari-bradley" in family:
            found.append(ansari_bradley(x, y))
        return found

    def classify(
        self, name: str, control: Values, experiment: Values, settings: CanarySettings
    ) -> MetricOutcome:
        remove = settings.nan_strategy != "replace"
        if experiment.size == 0 or control.size == 0:
            return missing_data(name, settings, remove=remove)
        if np.array_equal(np.sort(experiment), np.sort(control)):
            reason = f"The {EXPERIMENT_LABEL} and {CONTROL_LABEL} data are identical"
            return MetricOutcome("Pass", reason, 1.0, False, {"test": "identical", "pValue": 1.0})
        pooled = np.unique(np.concatenate([experiment, control]))
        if pooled.size == 1:
            reason = f"Every point of both series is {pooled[0]:g}"
            return MetricOutcome("Pass", reason, 1.0, False, {"test": "constant", "pValue": 1.0})
        if settings.data_type == "count" and not (is_counts(experiment) and is_counts(control)):
            reason = (
                f"{name} is declared a count (dataType: count) but has negative or fractional "
                "points"
            )
            return MetricOutcome("Error", reason, math.nan, False, {"test": "poisson-rate"})
        family = family_of(settings, control, experiment)
        alpha = float(f"{(1 - self.conf_level) / len(family):.12g}")
        decided = [
            e.decide(settings.direction, alpha, high_only=e.test == "ansari-bradley")
            for e in self._evidence(family, experiment, control)
        ]
        return self._verdict(name, control, experiment, settings, decided)

    def _verdict(
        self,
        name: str,
        control: Values,
        experiment: Values,
        settings: CanarySettings,
        decided: list[Evidence],
    ) -> MetricOutcome:
        effect_size = settings.effect_size
        effect = (
            cles(control, experiment)
            if effect_size.measure == "cles"
            else mean_ratio(control, experiment)
        )
        allowed = {
            "High": effect_size.value("allowed_increase"),
            "Low": effect_size.value("allowed_decrease"),
        }
        critical_at = {
            "High": effect_size.value("critical_increase"),
            "Low": effect_size.value("critical_decrease"),
        }

        def clears(label: str, threshold: float) -> bool:
            if math.isnan(effect):
                return True
            return effect >= threshold if label == "High" else effect <= threshold

        # the effect-size gate is about location; a wider canary is its own effect (MAD ratio)
        rejected = [
            e
            for e in decided
            if e.rejected
            and (e.test == "ansari-bradley" or clears(e.rejected, allowed[e.rejected]))
        ]
        ranked = sorted(rejected or decided, key=lambda e: _ratio(e.p_value, e.alpha))
        decider = ranked[0]
        label = decider.rejected if rejected and decider.rejected else "Pass"
        critical = settings.critical and label != "Pass" and clears(label, critical_at[label])
        unmet = [e for e in decided if e.rejected and e not in rejected]
        statistics = self._statistics(
            decider, decided, (control, experiment), effect, effect_size.measure
        )
        statistics["confLevel"] = self.level(len(decided))
        if label != "Pass":
            statistics["effectThreshold"] = allowed[label]
        reason = self._reason(
            name, label, critical, decider, decided, unmet, effect, effect_size.measure
        )
        return MetricOutcome(label, reason, mean_ratio(control, experiment), critical, statistics)

    @staticmethod
    def _statistics(
        decider: Evidence,
        decided: list[Evidence],
        series: tuple[Values, Values],
        effect: float,
        measure: str,
    ) -> dict[str, Any]:
        control, experiment = series
        shift = decided[0]
        median = float(np.median(control))
        return {
            "test": decider.test,
            "estimate": shift.effect_size,
            "lower": shift.lower,
            "upper": shift.upper,
            "method": shift.method,
            "pValue": decider.p_value,
            "alpha": decider.alpha,
            "statistic": decider.statistic,
            "effectSize": decider.effect_size,
            "effectSizeName": decider.effect_name,
            "relativeShift": shift.effect_size / abs(median) if median else math.nan,
            "probabilityOfSuperiority": cles(control, experiment),
            "configuredEffectSize": {"measure": measure, "value": effect},
            "tests": [e.to_json() for e in decided],
        }

    @staticmethod
    def _reason(
        name: str,
        label: str,
        critical: bool,
        decider: Evidence,
        decided: list[Evidence],
        unmet: list[Evidence],
        effect: float,
        measure: str,
    ) -> str:
        if label == "Pass":
            text = f"{name}: no test found the canary worse: " + "; ".join(
                e.summary() for e in decided
            )
            if unmet:
                text += (
                    f" (significant, but the {measure} effect size {effect:.3g} is within the "
                    "allowed change)"
                )
            return text
        prefix = f"The metric {name} was classified as {label}" + (
            " (Critical)" if critical else ""
        )
        return f"{prefix} by {decider.summary()}"
