"""`provider.judge`: a canary judgement as a metric of augur's own templates.

    provider:
      judge:
        canaryConfigName: reviews-canary          # in the run's namespace; or canaryConfig: {...}
        control: "reviews|bookinfo|cp-cluster-1|-"
        experiment: "{{args.canary-service}}"
        lookback: 30m                             # or start (and end), RFC 3339
        step: 60                                  # seconds, the default
        thresholds: {pass: 90, marginal: 75}      # the default: 95, 75

Each measurement fetches both sides of every metric of the config over the window ending now,
judges them (`app.service.judging`, the same code as Kayenta's executions) and answers
`result = {score, classification, reason, groups, metrics: {<name>: {classification, reason,
critical, muted}}}`, so `successCondition: result.score >= 90` and every limit work as for any
metric. The measurement's value is the score; its metadata names the judgement, whose whole
report the store keeps (`GET /api/v1/namespaces/{ns}/judgements/{id}`).

Built by the host (it reads the store, which providers may not import), and handed to
`providers.registry.build` as an extra: `judge_providers` makes the factory once per store.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.judge import CanaryConfig, JudgeConfigError, parse_canary_config
from app.service.canary_request import parse_request
from app.service.canaryconfigs import config_json
from app.service.judging import Report, judge_live
from app.service.metricsets import MetricSets
from app.spec.status import format_time
from app.store.records import CanaryConfigRecord, NewJudgement
from app.store.sql import SqlStore
from providers.base import MeasureContext, Measured, Provider, ProviderFactory
from providers.errors import ConfigError, reject_unknown_fields
from providers.golang import format_float_f, parse_duration

__all__ = ["PROVIDER", "JudgeProvider", "judge_providers"]

PROVIDER = "judge"
FIELDS = frozenset(
    {
        "canaryConfigName",
        "canaryConfig",
        "control",
        "experiment",
        "location",
        "step",
        "lookback",
        "start",
        "end",
        "thresholds",
    }
)
DEFAULT_THRESHOLDS = {"pass": 95, "marginal": 75}
NEEDS_STORE = (
    "canaryConfigName needs augur's store (augur serve); here, give the config inline as "
    "canaryConfig"
)


def _fail(message: str) -> ConfigError:
    return ConfigError(f"judge: {message}", provider=PROVIDER)


def _problems(exc: JudgeConfigError, prefix: str = "") -> ConfigError:
    return _fail("; ".join(f"{prefix}{where}: {message}" for where, message in exc.problems))


def _text(block: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = block.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise _fail(f"{key} must be a non-empty string, got {value!r}")
    return value


def _instant(block: Mapping[str, Any], key: str) -> datetime | None:
    text = _text(block, key)
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise _fail(f"{key} must be an RFC 3339 time such as 2026-12-05T10:00:00Z, got {text!r}")
    return when


class JudgeProvider:
    """One `judge` block, ready to judge at any `now`."""

    kind = PROVIDER

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        http: httpx.AsyncClient,
        store: SqlStore | None,
        addresses: Mapping[str, str],
        stored_elsewhere: bool = False,
    ) -> None:
        reject_unknown_fields(dict(config), FIELDS, provider=PROVIDER)
        self._store = store
        self._metricsets = MetricSets(http, addresses)
        self._name = _text(config, "canaryConfigName")
        inline = config.get("canaryConfig")
        if (self._name is None) == (inline is None):
            raise _fail("set one of canaryConfigName (a stored canary config) or canaryConfig")
        self._inline: CanaryConfig | None = None
        if inline is not None:
            try:
                self._inline = parse_canary_config(inline)
                self._metricsets.sources(self._inline)
            except JudgeConfigError as exc:
                raise _problems(exc, "canaryConfig.") from None
        elif store is None and not stored_elsewhere:
            raise _fail(NEEDS_STORE)
        self._control = _text(config, "control", required=True) or ""
        self._experiment = _text(config, "experiment", required=True) or ""
        self._location = _text(config, "location") or ""
        self._step = config.get("step", 60)
        self._start, self._end = _instant(config, "start"), _instant(config, "end")
        lookback = _text(config, "lookback")
        self._lookback: timedelta | None = None
        if lookback is not None:
            try:
                self._lookback = parse_duration(lookback)
            except ValueError as exc:
                raise _fail(f"lookback: {exc}") from None
        if (self._lookback is None) == (self._start is None):
            raise _fail("set one of lookback (30m: the window ending now) or start (and end)")
        if self._end is not None and self._start is None:
            raise _fail("end needs start")
        self._thresholds = config.get("thresholds", DEFAULT_THRESHOLDS)
        if self._inline is not None:
            self._request(datetime.now().astimezone(), self._inline)  # the rest, now

    def _request(self, now: datetime, config: CanaryConfig) -> Any:
        end = self._end or now
        start = self._start or end - (self._lookback or timedelta(0))
        side = {"location": self._location, "step": self._step}
        side |= {"start": format_time(start), "end": format_time(end)}
        scopes = {
            "controlScope": {**side, "scope": self._control},
            "experimentScope": {**side, "scope": self._experiment},
        }
        document = {"scopes": {"default": scopes}, "thresholds": self._thresholds}
        try:
            return parse_request(document, config, self._metricsets.sources(config))
        except JudgeConfigError as exc:
            found = [
                (
                    where.replace("scopes.default.controlScope.", "").replace(
                        "scopes.default.experimentScope.", ""
                    ),
                    message,
                )
                for where, message in exc.problems
            ]
            raise _problems(JudgeConfigError(found)) from None

    async def _config(self, namespace: str) -> tuple[CanaryConfig, CanaryConfigRecord | None]:
        if self._inline is not None:
            return self._inline, None
        if self._store is None:
            raise _fail(NEEDS_STORE)
        assert self._name is not None
        record = await self._store.get_canary_config(namespace=namespace, name=self._name)
        if record is None:
            raise _fail(
                f'canaryConfigName: no canary config "{self._name}" in namespace "{namespace}"'
            )
        try:
            return parse_canary_config(config_json(record)), record
        except JudgeConfigError as exc:
            raise _problems(exc, f"canary config {self._name}: ") from None

    async def measure(self, ctx: MeasureContext) -> Measured:
        config, record = await self._config(ctx.namespace)
        request = self._request(ctx.now, config)
        try:
            report = await judge_live(
                config,
                request,
                metricsets=self._metricsets,
                credentials=ctx.credentials,
                namespace=ctx.namespace,
            )
        except JudgeConfigError as exc:
            raise _problems(exc) from None
        window = request.scopes["default"].control
        metadata: dict[str, str] = {
            "canaryConfigName": self._name or config.name or "(inline)",
            "classification": report.classification,
            "controlScope": self._control,
            "experimentScope": self._experiment,
            "windowStart": format_time(window.start),
            "windowEnd": format_time(window.end),
        }
        if self._store is not None:
            judgement = await self._keep(ctx, config, record, request.to_json(), report)
            metadata["judgementId"] = judgement
            metadata["judgement"] = f"/api/v1/namespaces/{ctx.namespace}/judgements/{judgement}"
        return Measured(
            result=_result(report), value=format_float_f(report.score), metadata=metadata
        )

    async def _keep(
        self,
        ctx: MeasureContext,
        config: CanaryConfig,
        record: CanaryConfigRecord | None,
        request: Mapping[str, Any],
        report: Report,
    ) -> str:
        assert self._store is not None
        judgement = str(uuid.uuid4())
        await self._store.add_judgement(
            NewJudgement(
                id=judgement,
                namespace=ctx.namespace,
                origin="metric",
                config=config_json(record) if record is not None else config.to_json(),
                request=request,
                params={"run": ctx.run_name, "metric": ctx.metric_name},
                config_id=record.id if record is not None else None,
                config_name=self._name or config.name,
                status="succeeded",
                score=report.score,
                classification=report.classification,
                report=report.document,
            )
        )
        return judgement

    async def check(self) -> None:
        """Nothing to probe of its own: each metric's source is reached when it measures."""

    async def aclose(self) -> None:
        """It holds nothing: the HTTP client is the host's."""


def _result(report: Report) -> dict[str, Any]:
    judged = report.document["judgeResult"]
    metrics = {
        m["name"]: {
            "classification": m["classification"],
            "reason": m.get("classificationReason") or "",
            "critical": bool(m.get("critical")),
            "muted": bool(m.get("muted")),
        }
        for m in judged["results"]
    }
    groups = {g["name"]: g["score"] for g in judged["groupScores"]}
    return {
        "score": report.score,
        "classification": report.classification,
        "reason": report.reason,
        "groups": groups,
        "metrics": metrics,
    }


def judge_providers(
    *, store: SqlStore | None, addresses: Mapping[str, str], stored_elsewhere: bool = False
) -> dict[str, ProviderFactory]:
    """The host's providers for `providers.registry.build(extra=...)`: `judge`, bound to
    `store`. None where there is none: `augur run` then takes inline configs only, and
    `augur validate` (`stored_elsewhere`) lets a config by name through for the server to find."""

    def judge(config: Mapping[str, Any], *, http: httpx.AsyncClient) -> Provider:
        return JudgeProvider(
            config,
            http=http,
            store=store,
            addresses=addresses,
            stored_elsewhere=stored_elsewhere,
        )

    return {PROVIDER: judge}
