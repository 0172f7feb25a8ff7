"""Kayenta's canary API as augur answers it: configs for an application, executions started from
a stored config or an ad-hoc one, and each execution's status in Kayenta's shape.

What Argo's `kayenta` provider reads (README §1 of the Kayenta notes): `GET /canaryConfig` gives
`[{id, name, updatedTimestamp (an integer), updatedTimestampIso, applications}]`; `POST
/canary/{id}` answers `{"canaryExecutionId"}`; `GET /canary/{id}` always has `complete`, and once
the judgement is made, `result.judgeResult.score.score`, a Fail included (Argo then shows
Failed). A judgement that could not be made is `terminal` with no result, as in Kayenta: Argo
counts an Error and retries, it never promotes or aborts on data it could not read.

Applications: a config is listed for an application it names in `applications`, or, when it
names none, for the application spelt as its namespace. Account names are opaque: Kayenta picks
storage and metrics accounts by them, augur has one store and takes each query's address from
the query or its type's default.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.core.errors import InvalidInput
from app.judge import CanaryConfig, JudgeConfigError, parse_canary_config
from app.service.canary_request import parse_request
from app.service.canaryconfigs import CanaryConfigs, config_json, judge_problems
from app.service.metricsets import MetricSets
from app.spec.status import format_time
from app.store.judgements import RUNNING
from app.store.records import CanaryConfigRecord, JudgementRecord, NewJudgement
from app.store.sql import SqlStore

__all__ = ["ACCOUNT_PARAMS", "Kayenta", "config_summary", "listed_for", "status_document"]

#: Query parameters Kayenta takes and augur keeps with an execution (and answers back).
ACCOUNT_PARAMS = (
    "application",
    "parentPipelineExecutionId",
    "metricsAccountName",
    "configurationAccountName",
    "storageAccountName",
)


def listed_for(record: CanaryConfigRecord, applications: Iterable[str]) -> bool:
    """Whether `GET /canaryConfig?application=...` lists the config (no filter: always)."""
    wanted = set(applications)
    if not wanted:
        return True
    named = record.body.get("applications")
    if isinstance(named, list) and named:
        return bool(wanted & {str(a) for a in named})
    return record.namespace in wanted


def config_summary(record: CanaryConfigRecord) -> dict[str, Any]:
    """One entry of Kayenta's config listing; `updatedTimestamp` an integer, as Argo decodes."""
    full = config_json(record)
    named = record.body.get("applications")
    return {
        "id": record.id,
        "name": record.name,
        "updatedTimestamp": full["updatedTimestamp"],
        "updatedTimestampIso": full["updatedTimestampIso"],
        "applications": list(named) if isinstance(named, list) and named else [record.namespace],
    }


def _millis(record: JudgementRecord, which: str) -> dict[str, Any]:
    when = record.created_at if which != "end" else record.completed_at
    if when is None:
        return {}
    key = {"build": "buildTime", "start": "startTime", "end": "endTime"}[which]
    return {f"{key}Millis": int(when.timestamp() * 1000), f"{key}Iso": format_time(when)}


def _stages(record: JudgementRecord) -> dict[str, str]:
    metrics = len(record.config.get("metrics") or [])
    fetch = {"running": "running", "succeeded": "succeeded"}.get(record.status, "terminal")
    later = "succeeded" if record.status == "succeeded" else "not_started"
    stages = {"setupContext": "succeeded"}
    for index in range(metrics):
        stages[f"fetchControl{index}"] = fetch
        stages[f"fetchExperiment{index}"] = fetch
    return stages | {"mixMetrics": later, "judge": later}


def status_document(record: JudgementRecord, *, full: bool = True) -> dict[str, Any]:
    """Kayenta's CanaryExecutionStatusResponse. `full=False` is what an unauthenticated poll
    gets: whether it is done and the score, nothing about the config, scopes or series."""
    document: dict[str, Any] = {
        "pipelineId": record.id,
        "complete": record.status != RUNNING,
        "status": record.status,
    }
    if record.status == "succeeded" and record.report is not None:
        judged = record.report.get("judgeResult") or {}
        result: dict[str, Any] = {"judgeResult": judged if full else {"score": judged.get("score")}}
        if full and "canaryDuration" in record.report:
            result["canaryDuration"] = record.report["canaryDuration"]
        document["result"] = result
    if record.status == "terminal":
        document["exception"] = {"details": {"errors": [record.error or "the judgement failed"]}}
    if not full:
        return document
    params = {k: v for k, v in record.params.items() if k in ACCOUNT_PARAMS and v is not None}
    document |= {"application": "ad-hoc", **params, "stageStatus": _stages(record)}
    document |= {
        "config": record.config,
        "canaryConfigId": record.config_id,
        "canaryExecutionRequest": record.request,
        "metricSetPairListId": record.id,
        **_millis(record, "build"),
        **_millis(record, "start"),
        **_millis(record, "end"),
    }
    return {k: v for k, v in document.items() if v is not None}


@dataclass
class Kayenta:
    store: SqlStore
    configs: CanaryConfigs
    metricsets: MetricSets
    wake: Callable[[], None]

    async def start(
        self,
        *,
        namespace: str,
        config: CanaryConfig,
        request: Any,
        params: Mapping[str, str],
        stored: CanaryConfigRecord | None = None,
        prefix: str = "",
    ) -> str:
        """Check the request against the config, keep the execution, wake the worker; the
        execution's id. A request that cannot be judged is a 422 naming each field (after
        `prefix`, where the request sits in the body)."""
        try:
            sources = self.metricsets.sources(config)
            checked = parse_request(request, config, sources)
        except JudgeConfigError as exc:
            problems = judge_problems(exc, prefix=prefix)
            raise InvalidInput("the execution request is invalid", problems) from None
        execution = str(uuid.uuid4())
        await self.store.add_judgement(
            NewJudgement(
                id=execution,
                namespace=namespace,
                origin="kayenta",
                config=config_json(stored) if stored is not None else config.to_json(),
                request=checked.to_json(),
                params=dict(params),
                config_id=stored.id if stored is not None else None,
                config_name=stored.name if stored is not None else config.name,
            )
        )
        self.wake()
        return execution

    def adhoc_config(self, document: Any) -> CanaryConfig:
        """`POST /canary`'s `canaryConfig`, checked as a stored one would be."""
        try:
            return self.configs.check(document)
        except InvalidInput as exc:
            problems = [type(p)(f"canaryConfig.{p.field}", p.message) for p in exc.problems]
            raise InvalidInput(exc.detail, problems) from None

    @staticmethod
    def stored_config(record: CanaryConfigRecord) -> CanaryConfig:
        return parse_canary_config(config_json(record))
