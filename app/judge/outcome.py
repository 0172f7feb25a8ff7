"""What a metric judgement produces, whichever judge made it, and its Kayenta JSON.

``MetricOutcome`` is the classifier's answer (Kayenta's ``MetricClassification`` plus augur's
``statistics``); ``MetricResult`` adds what the judge knows about the pair and the config, and
renders Kayenta's ``CanaryAnalysisResult``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from app.judge.stats import Summary

__all__ = ["LABELS", "MetricOutcome", "MetricResult", "json_safe"]

#: Kayenta's metric labels (BaseMetricClassifier.scala).
LABELS = ("Pass", "High", "Low", "Nodata", "NodataFailMetric", "Error")


@dataclass(frozen=True)
class MetricOutcome:
    classification: str
    reason: str | None
    deviation: float
    critical: bool
    statistics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricResult:
    name: str
    id: str | None
    tags: dict[str, str]
    groups: list[str]
    muted: bool
    experiment: Summary
    control: Summary
    outcome: MetricOutcome

    @property
    def classification(self) -> str:
        return self.outcome.classification

    @property
    def critical(self) -> bool:
        return self.outcome.critical

    @property
    def reason(self) -> str | None:
        return self.outcome.reason

    def to_json(self) -> dict[str, Any]:
        """Kayenta's CanaryAnalysisResult (null fields left out, as Kayenta's mapper does) plus
        ``statistics``."""
        document: dict[str, Any] = {"name": self.name}
        if self.id is not None:
            document["id"] = self.id
        document["tags"] = dict(self.tags)
        document["classification"] = self.classification
        if self.reason is not None:
            document["classificationReason"] = self.reason
        document["groups"] = list(self.groups)
        document["experimentMetadata"] = {"stats": self.experiment.as_dict()}
        document["controlMetadata"] = {"stats": self.control.as_dict()}
        if self.classification != "Error":
            document["resultMetadata"] = {"ratio": self.outcome.deviation}
        document["critical"] = self.critical
        document["muted"] = self.muted
        document["statistics"] = dict(self.outcome.statistics)
        return document


def json_safe(node: Any) -> Any:
    """NaN and the infinities as Jackson writes them ("NaN", "Infinity", "-Infinity"), so the
    document is plain JSON."""
    if isinstance(node, float) and not math.isfinite(node):
        return "NaN" if math.isnan(node) else ("Infinity" if node > 0 else "-Infinity")
    if isinstance(node, dict):
        return {key: json_safe(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [json_safe(value) for value in node]
    return node
