"""Canary against baseline: Kayenta's judge exactly, and augur's own.

Given a Kayenta CanaryConfig and the recorded series of each metric (MetricSetPairs), a judge
classifies every metric (Pass, High, Low, Nodata, ...) and scores the canary as Kayenta does.
``NetflixACAJudge-v1.0`` reproduces Kayenta's judge, quirks included; ``augur-v1`` answers the
same question with exact intervals, p-values and tests for the cases Kayenta's users say it
misses. docs/judge.md describes both.

Pure: no I/O, no clock. May import: nothing from ``app`` (numpy, scipy and pydantic only).
"""

from __future__ import annotations

from app.judge.config import AUGUR_JUDGE, JUDGES, KAYENTA_JUDGE, CanaryConfig, parse_canary_config
from app.judge.errors import JudgeConfigError
from app.judge.judgement import judge
from app.judge.pairs import MetricSetPair, parse_pairs

__all__ = [
    "AUGUR_JUDGE",
    "JUDGES",
    "KAYENTA_JUDGE",
    "CanaryConfig",
    "JudgeConfigError",
    "MetricSetPair",
    "judge",
    "parse_canary_config",
    "parse_pairs",
]
