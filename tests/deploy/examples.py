"""The example manifests in examples/, read as their callers read them."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.deploy.tools import REPO

__all__ = [
    "ARGO_DOCS",
    "ARGO_DOC_ARGS",
    "EXAMPLES",
    "GATE_HOST",
    "SERVICE",
    "TEMPLATE_ARGS",
    "documents",
    "of_kind",
    "resolve",
    "templates",
]

EXAMPLES = REPO / "examples"
TEMPLATE_KINDS = {"AnalysisTemplate", "ClusterAnalysisTemplate"}
GATE_HOST = "http://augur.augur:8080"
SERVICE = "canary|reviews|bookinfo|cp-cluster-1|-"

#: What a caller gives each example template: what a person would pass with `-a`.
TEMPLATE_ARGS: dict[str, dict[str, str]] = {
    "apdex": {"service-name": SERVICE},
    "success-rate": {"service-name": "reviews", "namespace": "bookinfo"},
    "loq-error-rate": {"service-name": "reviews"},
    "cloudwatch-success-rate": {},
    "graphite-success-rate": {"service-name": "reviews"},
    "kayenta-canary": {"baseline": "reviews|bookinfo|cp-cluster-1|-", "canary": SERVICE},
    "augur-gate": {
        "rollout": "reviews",
        "revision": "6d4f8b9c7",
        "namespace": "bookinfo",
        "service-name": SERVICE,
    },
}


#: Argo Rollouts' own example templates, one per provider, copied from its docs byte for byte
#: (not linted: they are Argo's text), and the args a caller gives each.
ARGO_DOCS = EXAMPLES / "argo-docs"
ARGO_DOC_ARGS: dict[str, dict[str, str]] = {
    "influxdb.yaml": {"application-name": "checkout"},
    "newrelic.yaml": {"application-name": "checkout"},
    "wavefront.yaml": {"service-name": "checkout"},
}


def documents() -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) for every YAML document of every example."""
    return [
        (path.name, doc)
        for path in sorted(EXAMPLES.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def templates() -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] in TEMPLATE_KINDS}


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in documents() if doc["kind"] == kind]


def resolve(text: str, args: dict[str, str]) -> str:
    """`{{args.name}}` filled in as Argo fills it in; names not given stay as they are."""
    return re.sub(
        r"\{\{args\.([A-Za-z0-9_-]+)\}\}", lambda m: args.get(m.group(1), m.group(0)), text
    )
