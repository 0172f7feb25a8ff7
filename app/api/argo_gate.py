"""Argo Rollouts' `web` metric provider: `/api/v1/gates/argo/{key}` and `/argo/evaluate`.

A verdict is always `200` with `{"phase", "message", "metrics", "run"}`, because Argo counts any
non-2xx as an *Error* measurement, not a Failure, so a verdict is never a status code. A
malformed request, however (a body that is not a JSON object, an unknown field, a template that
does not exist, args that do not resolve) is answered `4xx` problem+json naming the field, on
purpose: it is a configuration mistake, not a verdict about the canary. Answering
`200 {"phase": "Error"}` would make the template's `failureCondition` count the mistake as a
failed canary; a `4xx` is an Error measurement in Argo, retried and bounded by
`consecutiveErrorLimit`, so a broken template ends the analysis as *Error* ("could not
measure"), never as *Failed*; the detail is in the reply, in augur's log and in
`augur_gate_calls{answer="422"}`.

`/argo/{key}` starts the run keyed by `key` on its first call and answers its stored verdict;
`/argo/evaluate` measures each metric once now and stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

import httpx
from fastapi import Request, Response

from app.api.deps import AppMetrics, Runs, authorize_namespace
from app.api.gates import (
    NAMESPACE,
    MetricVerdict,
    Verdict,
    check_field,
    count,
    gate_router,
    json_object,
    log,
    metric_verdict,
    refusals,
    verdict_answer,
    verdict_of,
)
from app.api.served import json_answer, json_bytes, served
from app.core.errors import AppError, FieldProblem, InvalidInput
from app.core.metrics import Metrics
from app.engine.offload import Judging, inline
from app.engine.runner import Runner, SystemClock, provider_cache
from app.expr import Limits
from app.spec.args import SecretSource
from app.spec.models import AnalysisRun
from app.spec.status import Phase
from providers import registry
from providers.base import Provider, ProviderFactory

__all__ = ["evaluate_once", "router"]

router = gate_router()
T = TypeVar("T", Verdict, tuple[Verdict, bytes])

KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")

ARGO_BODY = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": (
                    "`namespace` (default `default`), then what `POST .../analysisruns` takes: "
                    "`templates` ([{templateName, clusterScope}]) or an inline `spec`, and `args` "
                    "([{name, value}])."
                ),
            },
            "example": {
                "namespace": "bookinfo",
                "templates": [{"templateName": "apdex"}],
                "args": [
                    {"name": "service-name", "value": "canary|reviews|bookinfo|cp-cluster-1|-"}
                ],
            },
        }
    },
    "required": True,
}

MALFORMED = "The request is malformed (a configuration mistake)"


async def _argo_request(request: Request) -> tuple[str, dict[str, Any]]:
    document = await json_object(request)
    namespace = document.pop("namespace", "default")
    if not isinstance(namespace, str):
        raise InvalidInput("namespace must be a string", [FieldProblem("namespace", "a string")])
    check_field(NAMESPACE, namespace, "namespace", "a Kubernetes namespace name")
    authorize_namespace(request, namespace)
    return namespace, document


async def _argo_gate(hook: str, metrics: Metrics, work: Coroutine[Any, Any, T], *, where: str) -> T:
    try:
        answer = await work
    except AppError as exc:
        count(metrics, "argo", hook, exc.status)
        log.warning("argo %s gate %s: %s %s", hook, where, exc.status, exc.detail)
        raise
    verdict = answer if isinstance(answer, Verdict) else answer[0]
    count(metrics, "argo", hook, verdict.phase)
    return answer


@router.post(
    "/argo/evaluate",
    summary="Argo web provider: one measurement of each metric now",
    response_model_exclude_none=True,
    openapi_extra={"requestBody": ARGO_BODY},
    responses=refusals(s422=MALFORMED),
)
async def argo_evaluate(request: Request, runs: Runs, metrics: AppMetrics) -> Verdict:
    """Nothing is stored: the template's `interval`/`count` in Argo do the repeating."""

    async def work() -> Verdict:
        namespace, document = await _argo_request(request)
        run = await runs.build_run(namespace, document)
        state = request.app.state
        secrets = state.scheduler.secrets  # the run's namespace's, as a run reads
        scoped = secrets.for_namespace(run.metadata.namespace) if secrets else None
        return await evaluate_once(
            run,
            http=state.http,
            secrets=scoped,
            limits=state.limits,
            judging=state.offload,
            extra=state.providers_extra,
        )

    return await _argo_gate("evaluate", metrics, work(), where="evaluate")


@router.post(
    "/argo/{key}",
    summary="Argo web provider: the verdict of the run keyed by `key`, started on first call",
    response_model=Verdict,
    openapi_extra={"requestBody": ARGO_BODY},
    responses=refusals(409, s422=MALFORMED),
)
async def argo_keyed(key: str, request: Request, runs: Runs, metrics: AppMetrics) -> Response:
    """Always `200` with the phase (`Pending` before the first measurement) for a good request."""

    async def work() -> tuple[Verdict, bytes]:
        check_field(KEY, key, "key", "1-253 letters, digits, '.', '_' or '-'")
        namespace, document = await _argo_request(request)
        idempotency_key = f"argo:{namespace}:{key}"
        stored = await runs.store.stored_run(idempotency_key=idempotency_key)
        if stored is not None:  # every call but the first: the verdict as stored
            return served(request).get("verdict", stored, verdict_answer)
        labels = document.get("labels")
        if isinstance(labels, dict):
            document["labels"] = {**labels, "augur/gate": "argo", "augur/gate-key": key}
        elif labels is None:
            document["labels"] = {"augur/gate": "argo", "augur/gate-key": key}
        run, _ = await runs.create_run(namespace, document, idempotency_key=idempotency_key)
        verdict = verdict_of(run)
        return verdict, json_bytes(verdict.model_dump(mode="json", by_alias=True))

    _, body = await _argo_gate("run", metrics, work(), where=key)
    return json_answer(body)


async def evaluate_once(
    run: AnalysisRun,
    *,
    http: httpx.AsyncClient,
    secrets: SecretSource | None,
    limits: Limits | None = None,
    judging: Judging = inline,
    extra: Mapping[str, ProviderFactory] | None = None,
) -> Verdict:
    """One reconcile pass with every metric due now (initial delays ignored), judged per
    measurement: any Failed → Failed, any Error → Error, any Inconclusive → Inconclusive."""
    metrics = [m.model_copy(update={"initial_delay": ""}) for m in run.spec.metrics]
    run = run.model_copy(update={"spec": run.spec.model_copy(update={"metrics": metrics})})

    def build(block: Mapping[str, Any]) -> Provider:
        return registry.build(block, http=http, extra=extra)

    source, built = provider_cache(build)
    runner = Runner(
        clock=SystemClock(),
        providers=source,
        secrets=secrets,
        run_name="evaluate",
        limits=limits,
        judging=judging,
    )
    try:
        run, _ = await runner.reconcile(run)
    finally:
        for provider in built():
            await provider.aclose()
    status = run.status
    if status is None or (status.phase is Phase.ERROR and not status.metric_results):
        message = status.message if status is not None else "nothing was measured"
        return Verdict(phase=Phase.ERROR.value, message=message)
    found: dict[str, MetricVerdict] = {}
    phases: list[Phase] = []
    for result in status.metric_results:
        last = result.last_measurement
        phase = last.phase if last is not None else Phase.ERROR
        found[result.name] = metric_verdict(result, phase=phase)
        if not result.dry_run:
            phases.append(phase)
    overall = next(
        (p for p in (Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE) if p in phases),
        Phase.SUCCESSFUL,
    )
    bad = [
        f"{name}: {m.phase}" + (f" ({m.message})" if m.message else "")
        for name, m in found.items()
        if m.phase == overall
    ]
    message = "; ".join(bad) if overall is not Phase.SUCCESSFUL else ""
    return Verdict(phase=overall.value, message=message, metrics=found)
