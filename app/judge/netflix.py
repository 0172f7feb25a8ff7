"""NetflixACAJudge-v1.0's metric classifier, as Kayenta has it (``MannWhitneyClassifier``).

The decision: High when the confidence interval of the shift lies above ``tolerance·|estimate|``
and the effect size clears ``allowedIncrease`` (Low mirrored); critical metrics fail the canary
past ``criticalIncrease``/``criticalDecrease``. Kayenta hard-codes tolerance 0.25 and confidence
0.98; augur reads them from ``judge.judgeConfigurations``. Where both series are constant Kayenta
adds Gaussian noise of scale ``value·1e-5``; augur draws it from a generator seeded per metric, so
the same input gives the same verdict (Kayenta's is random).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.judge.config import CanarySettings
from app.judge.mannwhitney import mann_whitney_interval
from app.judge.outcome import MetricOutcome
from app.judge.stats import Values, add_gaussian_noise, as_array, cles, mean_ratio

__all__ = [
    "CONTROL_LABEL",
    "EXPERIMENT_LABEL",
    "KayentaClassifier",
    "mean_inequality",
    "missing_data",
]

EXPERIMENT_LABEL = "Canary"
CONTROL_LABEL = "Baseline"
NOISE_SCALE = 1e-5


def missing_data(name: str, settings: CanarySettings, *, remove: bool) -> MetricOutcome:
    """An empty side. Under nanStrategy remove: Nodata (NodataFailMetric when mustHaveData
    and not critical); under replace Kayenta passes it."""
    statistics = {"test": "no-data"}
    if not remove:
        return MetricOutcome("Pass", None, 1.0, False, statistics)
    reason = f"Missing data for {name}"
    if settings.must_have_data and not settings.critical:
        return MetricOutcome("NodataFailMetric", reason, 1.0, False, statistics)
    return MetricOutcome("Nodata", reason, 1.0, settings.critical, statistics)


@dataclass(frozen=True)
class KayentaClassifier:
    """One metric's thresholds, as ``MannWhitneyClassifier``'s constructor takes them."""

    tolerance: float = 0.25
    conf_level: float = 0.98
    effect_thresholds: tuple[float, float] = (1.0, 1.0)  # (decrease, increase)
    critical_thresholds: tuple[float, float] = (1.0, 1.0)
    measure: str = "meanRatio"

    @classmethod
    def of(
        cls, settings: CanarySettings, *, tolerance: float, conf_level: float
    ) -> KayentaClassifier:
        effect = settings.effect_size
        return cls(
            tolerance=tolerance,
            conf_level=conf_level,
            effect_thresholds=(effect.value("allowed_decrease"), effect.value("allowed_increase")),
            critical_thresholds=(
                effect.value("critical_decrease"),
                effect.value("critical_increase"),
            ),
            measure=effect.measure,
        )

    def _noise(self, values: Values, rng: np.random.Generator) -> Values:
        scale = abs(float(values[0]) * NOISE_SCALE)
        return add_gaussian_noise(values, rng, mean=0.0, stdev=scale)

    def compare(
        self,
        name: str,
        control: Values,
        experiment: Values,
        direction: str,
        rng: np.random.Generator,
    ) -> MetricOutcome:
        noisy = np.unique(experiment).size == 1 and np.unique(control).size == 1
        if noisy:
            experiment, control = self._noise(experiment, rng), self._noise(control, rng)
        interval = mann_whitney_interval(experiment, control, self.conf_level)
        deviation = mean_ratio(control, experiment)
        effect = (
            cles(control, experiment) if self.measure == "cles" else mean_ratio(control, experiment)
        )
        bound = self.tolerance * abs(interval.estimate)
        high = (
            direction in ("increase", "either")
            and interval.lower > bound
            and (math.isnan(effect) or effect >= self.effect_thresholds[1])
        )
        low = (
            direction in ("decrease", "either")
            and interval.upper < -bound
            and (math.isnan(effect) or effect <= self.effect_thresholds[0])
        )
        label = "High" if high else "Low" if low else "Pass"
        statistics = {
            "test": "mann-whitney-interval",
            "estimate": interval.estimate,
            "lower": interval.lower,
            "upper": interval.upper,
            "confLevel": self.conf_level,
            "bound": bound,
            "effectSize": effect,
            "effectSizeMeasure": self.measure,
            "noiseAdded": noisy,
        }
        reason = None if label == "Pass" else f"{name} was classified as {label}"
        return MetricOutcome(label, reason, deviation, False, statistics)

    def classify(
        self,
        name: str,
        control: Values,
        experiment: Values,
        settings: CanarySettings,
        rng: np.random.Generator,
    ) -> MetricOutcome:
        """``MannWhitneyClassifier.classify``: shortcuts, the comparison, the critical rule.
        All-tied data raises AllTiedError, which the judge reports as Error (as Kayenta)."""
        remove = settings.nan_strategy != "replace"
        if experiment.size == 0 or control.size == 0:
            return missing_data(name, settings, remove=remove)
        if np.array_equal(np.sort(experiment), np.sort(control)):
            reason = f"The {EXPERIMENT_LABEL} and {CONTROL_LABEL} data are identical"
            return MetricOutcome("Pass", reason, 1.0, False, {"test": "identical"})
        if np.unique(np.concatenate([experiment, control])).size == 1:
            return MetricOutcome("Pass", None, 1.0, False, {"test": "constant"})
        compared = self.compare(name, control, experiment, settings.direction, rng)
        effect = compared.statistics["effectSize"]
        critical = settings.critical
        if (
            critical
            and compared.classification == "High"
            and (math.isnan(effect) or effect >= self.critical_thresholds[1])
        ):
            reason = f"The metric {name} was classified as High (Critical)"
            return MetricOutcome("High", reason, compared.deviation, True, compared.statistics)
        if (
            critical
            and compared.classification == "Low"
            and (math.isnan(effect) or effect <= self.critical_thresholds[0])
        ):
            reason = f"The metric {name} was classified as Low (Critical)"
            return MetricOutcome("Low", reason, compared.deviation, True, compared.statistics)
        return compared


def mean_inequality(control: list[float], experiment: list[float], direction: str) -> str:
    """Kayenta's ``MeanInequalityClassifier`` (a benchmark baseline, not used by the judge):
    High when the canary's mean is above the baseline's, Low below."""
    experiment_mean, control_mean = (
        float(as_array(experiment).mean()),
        float(as_array(control).mean()),
    )
    if direction in ("increase", "either") and experiment_mean > control_mean:
        return "High"
    if direction in ("decrease", "either") and experiment_mean < control_mean:
        return "Low"
    return "Pass"
