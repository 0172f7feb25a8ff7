"""The provider contract: a provider fetches, the engine judges.

A provider is built once per metric from its (argument-resolved) provider block and an injected
``httpx.AsyncClient``; :meth:`Provider.measure` turns one fetch into a :class:`Measured` or raises
a :class:`~providers.errors.ProviderError`. It never evaluates conditions, never sleeps between
measurements and never swallows an error into a made-up value.

**Secrets.** A provider is handed its block with every ``{{args.x}}`` resolved, secrets included
(it must send them), and cannot tell which values were secret: it never imports ``app``, where
the run's secrets are known. So it need not try. Whatever it returns or raises (``value``,
``metadata`` such as ``resolvedQuery``, an error's message, an upstream's echo of a header or
body) enters the run in one place, the engine's ``record_measurement_in_place``
(``app/engine/reconcile.py``), which replaces every secret read for the run, raw, JSON-escaped,
URL-encoded or in base64, with ``*****`` before anything is stored, served or logged. A provider
that builds ``resolvedQuery`` from its resolved query therefore stores the query with ``*****``
where a secret was. What a provider must not do is transform a credential into a form that
redaction cannot recognise (a hash, a signature, its own encoding) and put that in its output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import httpx

from providers.client import GuardedClient
from providers.errors import ProviderError

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "NO_CREDENTIALS",
    "Credentials",
    "InFlight",
    "MeasureContext",
    "Measured",
    "Outcome",
    "Provider",
    "ProviderFactory",
    "insecure_client",
    "metric_metadata",
    "resume_measurement",
]

#: How long a provider whose upstream works on its own (Argo's ``kayenta``) waits before it asks
#: again: Argo's 15 s. The host may shorten it (``AUGUR_KAYENTA_POLL_SECONDS``).
DEFAULT_POLL_INTERVAL = timedelta(seconds=15)


class Credentials(Protocol):
    """Where a provider finds what Argo's providers read from Kubernetes Secrets and the
    controller's environment (Datadog's `datadog` Secret, New Relic's `newrelic`, `DD_API_KEY`,
    ...). The host decides where those live (a secrets folder, laid out per namespace or flat)
    and redacts every value read from whatever it stores or logs. A provider never logs or
    echoes a value it got here.

    `redact=False` reads a value that is not a credential (New Relic's `region`, an account id,
    an InfluxDB `org`): it is then not redacted, so a short one such as `us` does not turn
    every word containing it into `*****` in every run's messages."""

    def secret(
        self, name: str, key: str, *, namespace: str | None = None, redact: bool = True
    ) -> str | None:
        """The value of `key` in Secret `name` of the namespace Argo's controller runs in
        (`namespace=None`), or of `namespace`; None when the Secret or the key is absent.
        Raises :class:`~providers.errors.ConfigError` when it exists but may not be read."""
        ...

    def env(self, name: str, *, redact: bool = True) -> str | None:
        """An environment variable of augur's process (Argo honours some, e.g. `DD_API_KEY`)."""
        ...


class _NoCredentials:
    """No secrets and no environment: every lookup is absent."""

    def secret(
        self, name: str, key: str, *, namespace: str | None = None, redact: bool = True
    ) -> str | None:
        return None

    def env(self, name: str, *, redact: bool = True) -> str | None:
        return None


NO_CREDENTIALS: Credentials = _NoCredentials()


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureContext:
    """What a provider may know about the measurement it is asked for.

    ``now`` is injected (never read from the clock inside a provider) so windows are testable.
    ``config`` is the provider's own block (the value under ``provider.<name>``), after argument
    resolution, secrets included; it is the block the provider was built from, handed over for
    messages and plugins that build lazily (what it echoes is redacted: see the module's
    docstring).
    """

    now: datetime
    metric_name: str
    config: Mapping[str, Any] = field(default_factory=dict)
    run_name: str = ""
    #: Measurements of this metric taken before this one (errors included). Providers keep no
    #: state between measurements; this lets one that answers by position (replay) answer the
    #: same after a restart.
    attempt: int = 0
    #: The run's namespace (Datadog's `secretRef.namespaced` reads its Secret there).
    namespace: str = ""
    #: Secrets and environment, for providers that read credentials as Argo's do.
    credentials: Credentials = NO_CREDENTIALS
    #: The metric's ``interval`` as written (Argo's kayenta starts its window that long ago).
    interval: str = ""
    #: The run's ``status.startedAt`` (Argo's kayenta ``lookback``); None before the first pass.
    run_started_at: datetime | None = None
    #: How long to wait before polling an upstream that is still working (:class:`InFlight`).
    poll_interval: timedelta = DEFAULT_POLL_INTERVAL

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("MeasureContext.now must be timezone-aware")


@dataclass(frozen=True, slots=True, kw_only=True)
class Measured:
    """One successful fetch.

    ``result`` is bound to ``result`` in the conditions, exactly as Argo would hand it over (JSON
    numbers as floats); ``value`` is the text stored in ``measurement.value`` (Go's compact JSON
    for JSON providers); ``metadata`` goes to ``measurement.metadata`` (strings only, as in Argo).
    All three may carry resolved text; the engine redacts secrets from them before they are
    stored (see the module's docstring). ``latency_seconds`` is the upstream round trip.
    """

    result: Any
    value: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    latency_seconds: float = 0.0
    #: The Go type Argo hands its conditions when it is not decoded JSON: ``"float64"`` (a
    #: Prometheus scalar) or ``"[]float64"`` (a vector). It changes only how strictly the
    #: expression checker types ``result``; empty for JSON values.
    go_type: str = ""
    #: When each point of a time series in ``result`` was measured, for messages that say which
    #: points decided a verdict ("9512 at 10:31"). Keyed by the path of the list inside
    #: ``result`` (``("service_apdex", "values", "values")``; ``()`` when ``result`` itself is
    #: the list), one aware time per element of that list, in order. Empty when the provider
    #: cannot tell. Never stored: it only shapes the measurement's message.
    point_times: Mapping[tuple[str | int, ...], Sequence[datetime]] = field(default_factory=dict)
    #: Keep ``value`` when the conditions fail to evaluate. Argo's graphite and CloudWatch
    #: providers store the value before they evaluate, so their Error measurements keep it;
    #: the others clear it.
    keep_value_on_error: bool = False
    #: The phase the provider itself decided (``Successful``, ``Failed``, ``Inconclusive``):
    #: Argo's kayenta maps its score to a phase by its thresholds and ignores the conditions.
    #: Empty (every other provider): the engine judges ``result`` with the conditions.
    phase: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class InFlight:
    """A measurement the upstream is still working on: Argo's ``Running`` with ``resumeAt``.

    The engine stores it as a Running measurement (``metadata`` included, so it survives a
    restart of the host) and, at or after ``resume_at``, calls the provider's ``resume`` with
    that metadata, until the answer is a :class:`Measured`. A provider that returns one from
    ``measure`` must define ``resume`` (see :func:`resume_measurement`).
    """

    metadata: Mapping[str, str]
    resume_at: datetime


@runtime_checkable
class Provider(Protocol):
    """What the engine calls. Implementations are cheap to build and own no global state."""

    @property
    def kind(self) -> str:
        """The provider key as written in templates (``skywalking``, ``org/name`` for plugins)."""
        ...

    async def measure(self, ctx: MeasureContext) -> Measured | InFlight:
        """Fetch once, or start work the upstream finishes later (:class:`InFlight`). Raises
        ``ProviderError`` (never anything else on upstream trouble)."""
        ...

    async def check(self) -> None:
        """Probe that the upstream is reachable and speaks the expected protocol; raise if not."""
        ...

    async def aclose(self) -> None:
        """Release what the provider created itself (never the injected client)."""
        ...


class ProviderFactory(Protocol):
    """How the registry builds a provider: its block plus the shared HTTP client."""

    def __call__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> Provider: ...


def insecure_client(shared: httpx.AsyncClient) -> httpx.AsyncClient:
    """A client of the provider's own for `insecure: true` (httpx sets TLS verification per
    client). From augur's shared `GuardedClient` it keeps the address check on every connection
    and the answer size limit; from any other client, its event hooks. The provider closes it in
    `aclose`."""
    if isinstance(shared, GuardedClient):
        return shared.insecure()
    return httpx.AsyncClient(verify=False, event_hooks=shared.event_hooks)  # noqa: S501


def metric_metadata(provider: object) -> dict[str, str]:
    """Argo's ``GetMetadata``: what a provider stores once, on the metric's result, when the
    metric is first measured (New Relic's ``ResolvedNewRelicQuery``). A provider that has some
    defines ``metric_metadata()``; for the others, plugins included, it is empty."""
    method = getattr(provider, "metric_metadata", None)
    return dict(method()) if callable(method) else {}


#: What ``measure`` and ``resume`` answer: a finished fetch, or work still in flight.
Outcome = Measured | InFlight


async def resume_measurement(
    provider: object, ctx: MeasureContext, metadata: Mapping[str, str]
) -> Outcome:
    """Argo's ``Resume``: ask again about a measurement left :class:`InFlight`, given the
    metadata it was stored with. A provider that starts such work defines
    ``async resume(ctx, metadata)``; the others never leave one, so one found (a store written
    by another provider version, say) is an error, not a hang."""
    method = getattr(provider, "resume", None)
    if not callable(method):
        kind = getattr(provider, "kind", type(provider).__name__)
        raise ProviderError(
            f"provider {kind!r} cannot resume a measurement left running", provider=str(kind)
        )
    answer: Measured | InFlight = await method(ctx, metadata)
    return answer
