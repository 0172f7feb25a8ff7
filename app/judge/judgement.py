"""A judgement: every pair classified by the config's judge, then scored as Kayenta scores.

Both judges share the pipeline of Kayenta's ``NetflixACAJudge.classifyMetric``: find the
metric's config by name, apply ``nanStrategy`` and ``outliers``, summarise what is left, classify,
and turn a classifier failure into an ``Error`` result (Kayenta: "Metric Classification
Failed"). Kayenta's noise for constant data comes from a generator seeded with a hash of the
pair (name, tags, values), so a judgement is reproducible.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from app.judge.augur import AugurClassifier
from app.judge.config import AUGUR_JUDGE, CanaryConfig, MetricConfig
from app.judge.errors import JudgeConfigError
from app.judge.netflix import KayentaClassifier
from app.judge.outcome import MetricOutcome, MetricResult, json_safe
from app.judge.pairs import MetricSetPair
from app.judge.scoring import classify_score, score
from app.judge.stats import (
    Values,
    as_array,
    iqr_outliers,
    remove_nans,
    remove_outliers,
    replace_nans,
    summary,
)

__all__ = ["classify_pair", "judge", "noise_source", "prepare"]


def noise_source(pair: MetricSetPair) -> np.random.Generator:
    """The generator for one pair's Gaussian noise: seeded by the pair itself."""
    text = json.dumps(
        [pair.name, sorted(pair.tags.items()), pair.control, pair.experiment], allow_nan=True
    )
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return np.random.default_rng(seed)


def prepare(values: Sequence[float], metric: MetricConfig) -> Values:
    """``nanStrategy`` then ``outliers``, as Kayenta transforms each series."""
    settings = metric.canary
    data = as_array(values)
    data = replace_nans(data) if settings.nan_strategy == "replace" else remove_nans(data)
    if settings.outliers.strategy == "remove":
        outliers = iqr_outliers(data, settings.outliers.outlier_factor, reduce_sensitivity=True)
        data = remove_outliers(data, outliers)
    return data


def classify_pair(config: CanaryConfig, metric: MetricConfig, pair: MetricSetPair) -> MetricResult:
    settings = metric.canary
    experiment = prepare(pair.experiment, metric)
    control = prepare(pair.control, metric)
    judge_settings = config.judge.judge_configurations
    outcome: MetricOutcome
    try:
        if config.judge.name == AUGUR_JUDGE:
            classifier = AugurClassifier(conf_level=judge_settings.conf_level)
            outcome = classifier.classify(pair.name, control, experiment, settings)
        else:
            kayenta = KayentaClassifier.of(
                settings, tolerance=judge_settings.tolerance, conf_level=judge_settings.conf_level
            )
            outcome = kayenta.classify(pair.name, control, experiment, settings, noise_source(pair))
    except (ValueError, ArithmeticError) as exc:  # Kayenta: any RuntimeException (AllTiedError)
        reason = "Metric Classification Failed"
        outcome = MetricOutcome(
            "Error", reason, math.nan, False, {"test": "none", "error": str(exc)}
        )
    return MetricResult(
        name=pair.name,
        id=pair.id,
        tags=dict(pair.tags),
        groups=list(metric.groups),
        muted=settings.muted,
        experiment=summary(experiment),
        control=summary(control),
        outcome=outcome,
    )


def _check_thresholds(pass_threshold: float, marginal_threshold: float) -> None:
    problems = []
    for name, value in (("pass", pass_threshold), ("marginal", marginal_threshold)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            problems.append(
                (f"thresholds.{name}", f"must be a number from 0 to 100, got {value!r}")
            )
    if not problems and marginal_threshold > pass_threshold:
        problems.append(
            (
                "thresholds.marginal",
                f"must not be above thresholds.pass ({pass_threshold:g}), "
                f"got {marginal_threshold:g}",
            )
        )
    if problems:
        raise JudgeConfigError(problems)


def judge(
    config: CanaryConfig,
    pairs: Sequence[MetricSetPair],
    *,
    pass_threshold: float,
    marginal_threshold: float,
) -> dict[str, Any]:
    """Kayenta's CanaryJudgeResult as JSON (NaN as "NaN"): ``judgeName, results, groupScores,
    score``. Raises JudgeConfigError for thresholds out of range or a pair whose metric the
    config does not have (Kayenta fails the whole judgement there too)."""
    _check_thresholds(pass_threshold, marginal_threshold)
    metrics: list[MetricConfig] = []
    problems = []
    for index, pair in enumerate(pairs):
        metric = config.metric(pair.name)
        if metric is None:
            problems.append(
                (f"pairs[{index}].name", f'no metric named "{pair.name}" in the canary config')
            )
        else:
            metrics.append(metric)
    if problems:
        raise JudgeConfigError(problems)
    results = [classify_pair(config, m, p) for m, p in zip(metrics, pairs, strict=True)]
    scored = score(results, config.classifier.group_weights)
    classification = classify_score(
        scored.summary, pass_threshold=pass_threshold, marginal_threshold=marginal_threshold
    )
    document = {
        "judgeName": config.judge.name,
        "results": [r.to_json() for r in results],
        "groupScores": [
            {"name": g.name, "score": g.score, "classification": "", "classificationReason": ""}
            for g in scored.groups
        ],
        "score": {
            "score": scored.summary,
            "classification": classification,
            "classificationReason": scored.reason or "",
        },
    }
    result: dict[str, Any] = json_safe(document)
    return result
