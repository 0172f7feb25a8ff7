"""Ad-hoc checks: one measurement of one series, with a verdict when a condition is given.

The third way people use augur (after the gates and the API): "what is the canary's apdex right
now, and would it pass?" from a terminal (`augur check ...`) or with curl. A check builds the
same provider block a template would hold, so it exercises exactly the code a run uses.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from app.engine.conditions import compile_conditions, evaluate_result, typed_result
from app.engine.offload import Judging, inline
from app.expr import Limits
from app.service.series import Point, PointTimes, points_of
from app.spec.args import redact
from app.spec.secrets import ProviderCredentials
from app.spec.status import Phase
from providers import registry
from providers.base import NO_CREDENTIALS, InFlight, MeasureContext
from providers.errors import ConfigError, ProviderError

__all__ = [
    "MQE_FIELD",
    "CheckOutcome",
    "Connection",
    "Point",
    "points",
    "prometheus_block",
    "run_check",
    "series_of",
    "skywalking_block",
    "web_block",
]

_METRIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach a provider behind auth or TLS, the same for every provider: headers in
    order, basic or bearer credentials (already read from wherever secrets live), TLS
    verification off, a timeout. Each builder writes them under its provider's field names."""

    headers: tuple[tuple[str, str], ...] = ()
    basic: tuple[str, str] | None = None
    bearer: str = ""
    insecure: bool = False
    timeout_seconds: float | None = None

    def fields(self, *, timeout: str, auth_as_header: bool = False) -> dict[str, Any]:
        """The provider-block fields that are set, under the provider's names: `timeout` is
        its timeout field; `auth_as_header` puts the credentials in an `Authorization` header
        (the web provider has no basicAuth or bearer)."""
        headers = [{"key": key, "value": value} for key, value in self.headers]
        authentication: dict[str, Any] = {}
        header = ""
        if self.basic is not None:
            authentication = {"basicAuth": {"username": self.basic[0], "password": self.basic[1]}}
            pair = base64.b64encode(f"{self.basic[0]}:{self.basic[1]}".encode()).decode("ascii")
            header = f"Basic {pair}"
        elif self.bearer:
            authentication, header = {"bearer": {"token": self.bearer}}, f"Bearer {self.bearer}"
        if authentication and auth_as_header:
            headers.append({"key": "Authorization", "value": header})
            authentication = {}
        found = {
            "headers": headers,
            "authentication": authentication,
            "insecure": self.insecure,
            timeout: self.timeout_seconds,
        }
        return {key: value for key, value in found.items() if value}


NO_CONNECTION = Connection()
#: The field `execExpression` answers under in a check's query: `result.mqe.results`.
MQE_FIELD = "mqe"


def _metric_query(metric: str) -> str:
    if not _METRIC_NAME.match(metric):
        raise ConfigError(
            f"metric {metric!r} is not a metric name such as service_apdex", provider="skywalking"
        )
    return (
        "query augurCheck($duration: Duration!, $service: String!) {\n"
        f"  {metric}: readMetricsValues(\n"
        f'    condition: {{name: "{metric}", '
        "entity: {scope: Service, serviceName: $service, normal: true}},\n"
        "    duration: $duration) {\n"
        "    label values { values { id value isEmptyValue } }\n"
        "  }\n"
        "}"
    )


#: MQE (`execExpression`), the expression and the service as variables: no escaping needed.
_MQE_QUERY = (
    "query augurCheck($duration: Duration!, $service: String!, $expression: String!) {\n"
    f"  {MQE_FIELD}: execExpression(\n"
    "    expression: $expression,\n"
    "    entity: {scope: Service, serviceName: $service, normal: true},\n"
    "    duration: $duration) {\n"
    "    type error results { metric { labels { key value } } values { id value } }\n"
    "  }\n"
    "}"
)


def skywalking_block(
    *,
    address: str,
    service: str,
    metric: str = "service_apdex",
    window: str = "10m",
    step: str = "",
    expression: str = "",
    timezone: str = "",
    connection: Connection = NO_CONNECTION,
) -> dict[str, Any]:
    """`readMetricsValues` of one service metric, or an MQE `expression` over the service; the
    service name travels as a variable, so TSB names such as
    `canary|reviews|bookinfo|cp-cluster-1|-` need no escaping."""
    variables = {"service": service}
    if expression:
        query = _MQE_QUERY
        variables["expression"] = expression
    else:
        query = _metric_query(metric)
    config: dict[str, Any] = {
        "address": address,
        "query": query,
        "interval": window,
        "variables": variables,
    }
    config.update({key: value for key, value in (("step", step), ("timezone", timezone)) if value})
    config.update(connection.fields(timeout="timeoutSeconds"))
    return {"skywalking": config}


def prometheus_block(
    *, address: str, query: str, connection: Connection = NO_CONNECTION
) -> dict[str, Any]:
    config: dict[str, Any] = {"address": address, "query": query}
    config.update(connection.fields(timeout="timeout"))
    return {"prometheus": config}


def web_block(
    *, url: str, json_path: str = "", connection: Connection = NO_CONNECTION
) -> dict[str, Any]:
    config: dict[str, Any] = {"url": url}
    if json_path:
        config["jsonPath"] = json_path
    config.update(connection.fields(timeout="timeoutSeconds", auth_as_header=True))
    return {"web": config}


@dataclass
class CheckOutcome:
    """What one check found. `phase` is None when no condition was given; `message` says why
    a verdict is not Successful (the condition and the values that decided it), as a run's
    measurement would."""

    provider: str
    result: Any = None
    value: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    error: str = ""
    phase: Phase | None = None
    message: str = ""
    #: When each point of a series in `result` was measured, as the provider said (if it did).
    point_times: PointTimes = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error and self.phase in (None, Phase.SUCCESSFUL)


async def run_check(
    block: Mapping[str, Any],
    *,
    condition: str,
    http: httpx.AsyncClient,
    now: datetime,
    limits: Limits | None = None,
    judging: Judging = inline,
    credentials: ProviderCredentials | None = None,
) -> CheckOutcome:
    """Measure once; judge with `condition` (expr-lang, or `cel:`) when one is given, within
    `limits`, where `judging` says (off the event loop in the server).

    A bad block or condition raises `ConfigError`; an upstream failure is reported in the
    outcome, as it would be in a run's Error measurement.
    """
    conditions = compile_conditions(success=condition, limits=limits) if condition else None
    broken = conditions.success.compile_error if conditions and conditions.success else None
    if broken is not None:
        raise ConfigError(f"condition: {broken}")
    kind = next(iter(block))
    provider = registry.build(block, http=http)
    try:
        measured = await provider.measure(
            MeasureContext(
                now=now,
                metric_name="check",
                config=block[kind],
                credentials=credentials or NO_CREDENTIALS,
            )
        )
    except ProviderError as exc:
        error = redact(str(exc), credentials.seen) if credentials else str(exc)
        return CheckOutcome(
            provider=kind,
            error=error,
            phase=Phase.ERROR if condition else None,
            metadata=exc.metadata,
        )
    finally:
        await provider.aclose()
    if isinstance(measured, InFlight):  # Argo's kayenta: its verdict comes from a later poll
        return CheckOutcome(
            provider=kind,
            error=f"provider {kind!r} answers later, when its upstream has finished: "
            "a check measures once, so run it in an AnalysisRun (augur run)",
            phase=Phase.ERROR if condition else None,
        )
    outcome = CheckOutcome(
        provider=kind,
        result=measured.result,
        value=redact(measured.value, credentials.seen) if credentials else measured.value,
        metadata=measured.metadata,
        point_times=measured.point_times,
    )
    if conditions is not None:
        judged = conditions
        evaluation = await judging(
            lambda: evaluate_result(
                typed_result(measured.result, measured.go_type),
                judged,
                point_times=measured.point_times,
            )
        )
        outcome.phase, outcome.message = evaluation.phase, evaluation.message
    return outcome


def points(outcome: CheckOutcome, *, metric: str = "") -> list[Point]:
    """The points to draw, each with its time: SkyWalking's series (readMetricsValues or MQE),
    a Prometheus vector, or one number."""
    return points_of(
        outcome.result,
        provider=outcome.provider,
        metric=metric,
        metadata=outcome.metadata,
        point_times=outcome.point_times,
    )


def series_of(outcome: CheckOutcome, *, metric: str = "") -> list[tuple[str, float | None]]:
    """(label, value) points: a SkyWalking point's label is its time bucket as the OAP wrote it,
    a vector's its position."""
    return [(point.label, point.value) for point in points(outcome, metric=metric)]
