"""An AnalysisRun as the document Argo writes, served by the API and printed by `augur run`."""

from __future__ import annotations

from typing import Any

from app.spec.models import AnalysisRun

__all__ = ["run_document"]


def run_document(run: AnalysisRun) -> dict[str, Any]:
    """The AnalysisRun in Argo's shape: camelCase, RFC 3339 times. Metadata and spec leave
    empty fields out as Argo writes them; the status keeps every counter, zeros included, and
    both summaries, so a reader never has to guess what a missing field means."""
    document: dict[str, Any] = {
        "apiVersion": run.api_version,
        "kind": run.kind,
        "metadata": run.metadata.model_dump(mode="json", by_alias=True, exclude_defaults=True),
        "spec": run.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True),
    }
    if run.status is not None:
        document["status"] = run.status.model_dump(mode="json", by_alias=True, exclude_none=True)
    return document
