"""The app's own Prometheus registry.

One registry per app instance (never the process-global default), so two apps in one test
process do not collide and `/metrics` shows exactly what this app records.
"""

from __future__ import annotations

import platform

from prometheus_client import (
    CollectorRegistry,
    Gauge,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
)

__all__ = ["Metrics"]


class Metrics:
    """Holds the registry and every collector augur records into."""

    def __init__(self, *, version: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.build_info = Gauge(
            "augur_build_info",
            "augur build information; the value is always 1.",
            ["version", "python"],
            registry=self.registry,
        )
        self.build_info.labels(version=version, python=platform.python_version()).set(1)
