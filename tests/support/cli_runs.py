"""Analyses for the CLI's tests: a replay template (no upstream needed) and line widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WIDTH = 80
METRIC = "reviews-canary-apdex"


def apdex(*values: float) -> dict[str, Any]:
    return {"value": {"service_apdex": {"values": {"values": [{"value": v} for v in values]}}}}


def replay_template(path: Path, results: list[dict[str, Any]], **metric: Any) -> Path:
    """An AnalysisTemplate whose metric answers from `results` (no upstream needed)."""
    document = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "apdex", "namespace": "bookinfo"},
        "spec": {
            "metrics": [
                {
                    "name": METRIC,
                    "interval": "5m",
                    "count": len(results),
                    "failureLimit": 1,
                    "successCondition": (
                        "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
                    ),
                    "provider": {"replay": {"results": results}},
                    **metric,
                }
            ]
        },
    }
    path.write_text(yaml.safe_dump(document))
    return path


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())
