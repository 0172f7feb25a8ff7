"""What the scheduler says about each measurement it stores: a JSON log line with the run's
labels (the message says why a measurement is not Successful, redacted when recorded) and the
Prometheus counters and gauges (`augur_measurements_total`, `augur_last_value`)."""

from __future__ import annotations

import contextlib
import logging

from app.core.metrics import Metrics
from app.service.documents import phase_of
from app.spec.models import AnalysisRun
from app.store.records import NewMeasurement

__all__ = ["observe"]

#: The scheduler's logger: an operator filters on it.
log = logging.getLogger("app.service.scheduler")


def observe(metrics: Metrics, run: AnalysisRun, new: list[NewMeasurement], done: bool) -> None:
    """Log a line per new measurement and per finished run; count them for Prometheus."""
    labels = {"namespace": run.metadata.namespace, "run": run.metadata.name}
    for measurement in new:
        # The message says why (an error, or the values that failed a condition); it was
        # redacted with the run's secrets when recorded, and the log formatter redacts too.
        log.info(
            "measured %s/%s %s #%d: %s%s",
            labels["namespace"],
            labels["run"],
            measurement.metric,
            measurement.seq,
            measurement.phase,
            f": {measurement.message}" if measurement.message else "",
            extra={
                **labels,
                "metric": measurement.metric,
                "seq": measurement.seq,
                "phase": measurement.phase,
            },
        )
        provider = _provider_of(run, measurement.metric)
        metrics.measurements.labels(provider=provider, phase=measurement.phase).inc()
        number = _number(measurement.value)
        if number is not None and not done:
            metrics.last_value.labels(**labels, metric=measurement.metric).set(number)
    if done:
        phase = phase_of(run.status)
        log.info(
            "run %s/%s finished: %s",
            labels["namespace"],
            labels["run"],
            phase,
            extra={**labels, "phase": phase},
        )
        for metric in run.spec.metrics:
            with contextlib.suppress(KeyError):
                metrics.last_value.remove(labels["namespace"], labels["run"], metric.name)


def _provider_of(run: AnalysisRun, metric: str) -> str:
    for candidate in run.spec.metrics:
        if candidate.name == metric:
            names = candidate.provider.names()
            return names[0] if names else ""
    return ""


def _number(value: str) -> float | None:
    """The gauge value of a measurement: a number, or the last number of a list of them."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].rsplit(",", 1)[-1]
    try:
        return float(text)
    except ValueError:
        return None
