"""Rendering augur's chart with the real Helm engine (helm-python-sdk embeds Helm's Go library)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.tools import CHART, python_tool

__all__ = ["NAMESPACE", "RELEASE", "Rendered", "load_values", "render", "render_error"]

RELEASE = "augur"
NAMESPACE = "augur"


@dataclass(frozen=True)
class Rendered:
    """Every manifest the chart produced (in template order) and the NOTES text."""

    manifests: list[dict[str, Any]]
    notes: str
    text: str  # everything rendered, NOTES included, as one string

    def kinds(self) -> list[str]:
        return sorted(doc["kind"] for doc in self.manifests)

    def one(self, kind: str) -> dict[str, Any]:
        found = [doc for doc in self.manifests if doc["kind"] == kind]
        assert len(found) == 1, f"expected one {kind}, got {len(found)}"
        return found[0]

    def deployment(self) -> dict[str, Any]:
        return self.one("Deployment")

    def container(self) -> dict[str, Any]:
        containers = self.deployment()["spec"]["template"]["spec"]["containers"]
        assert [c["name"] for c in containers] == ["augur"]
        return containers[0]

    def env(self) -> dict[str, dict[str, Any]]:
        return {item["name"]: item for item in self.container()["env"]}


def load_values(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def _chart() -> Any:
    helm = python_tool("helm_python", "helm-python-sdk")
    return helm.Chart.load(str(CHART))


def render(values: dict[str, Any] | None = None, *, release: str = RELEASE) -> Rendered:
    with _chart() as chart:
        out: dict[str, str] = chart.render(
            values or {}, name=release, namespace=NAMESPACE, is_install=True
        )
    notes = "".join(text for path, text in out.items() if path.endswith("NOTES.txt"))
    manifests = [
        doc
        for path, text in sorted(out.items())
        if path.endswith((".yaml", ".yml"))
        for doc in yaml.safe_load_all(text)
        if doc
    ]
    return Rendered(manifests=manifests, notes=notes, text="\n".join(out.values()))


def render_error(values: dict[str, Any]) -> str:
    """The message Helm refuses `values` with; fails the test when the chart renders."""
    helm = python_tool("helm_python", "helm-python-sdk")
    with _chart() as chart:
        try:
            chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
        except helm.HelmRenderError as exc:
            return str(exc)
    raise AssertionError(f"the chart rendered values it should refuse: {values}")
