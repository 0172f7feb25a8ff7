"""The app's own Prometheus registry and every collector augur records into.

One registry per app instance (never the process-global default), so two apps in one test
process do not collide and `/metrics` shows exactly what this app records.
"""

from __future__ import annotations

import platform

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

__all__ = ["Metrics"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
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
        self.runs = Gauge(
            "augur_runs", "Analysis runs in the store, by phase.", ["phase"], registry=self.registry
        )
        self.active_runs = Gauge(
            "augur_active_runs",
            "Runs this process is reconciling right now.",
            registry=self.registry,
        )
        self.measurements = Counter(
            "augur_measurements",
            "Measurements taken, by provider and phase.",
            ["provider", "phase"],
            registry=self.registry,
        )
        self.measurement_latency = Histogram(
            "augur_measurement_latency_seconds",
            "Time a provider took to answer one measurement.",
            ["provider"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.gate_calls = Counter(
            "augur_gate_calls",
            "Calls of the rollout-controller gates, by controller, hook and answer.",
            ["controller", "hook", "answer"],
            registry=self.registry,
        )
        self.last_value = Gauge(
            "augur_metric_last_value",
            "Last numeric value measured for each metric of a running analysis.",
            ["namespace", "run", "metric"],
            registry=self.registry,
        )
        self.notifications = Counter(
            "augur_notifications",
            "Notification attempts, by receiver and outcome: delivered, failed (retried later) "
            "or gave_up (not retried).",
            ["receiver", "outcome"],
            registry=self.registry,
        )
        self.notification_latency = Histogram(
            "augur_notification_latency_seconds",
            "Time one notification attempt took, answered or not.",
            ["receiver"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.event_streams = Gauge(
            "augur_event_streams",
            "Event streams open in this process.",
            registry=self.registry,
        )
