"""The gates rollout controllers call: Argo Rollouts' `web` metric provider and Flagger webhooks.

Both read the stored run and create it when needed; neither ever waits on a metric provider
(the scheduler measures), so every reply comes back in milliseconds. The one exception is
`POST /api/v1/gates/argo/evaluate`, which takes one measurement of each metric now, stores
nothing, and lets Argo's own `interval`/`count`/`failureLimit` do the repeating.

Argo (`/argo/{key}`, `/argo/evaluate`): a verdict is always `200` with
`{"phase", "message", "metrics", "run"}`, because Argo counts any non-2xx as an *Error*
measurement, not a Failure, so a verdict is never a status code. A malformed request, however
(a body that is not a JSON object, an unknown field, a template that does not exist, args that
do not resolve) is answered `4xx` problem+json naming the field, on purpose: it is a
configuration mistake, not a verdict about the canary. Answering `200 {"phase": "Error"}`
would make the template's `failureCondition` count the mistake as a failed canary; a `4xx` is
an Error measurement in Argo, retried and bounded by `consecutiveErrorLimit`, so a broken
template ends the analysis as *Error* ("could not measure"), never as *Failed*; the detail is in
the reply, in augur's log and in `augur_gate_calls{answer="422"}`.

Flagger (`/flagger/{hook}`): Flagger passes a hook when the status is `<= 202` and shows the
body of any other answer in its events, so refusals are problem+json saying why:

| hook | Pending/Running | Successful | Inconclusive | Failed/Error |
| --- | --- | --- | --- | --- |
| confirm-rollout, pre-rollout, rollout, confirm-traffic-increase | 200 | 200 | 200 | 412 |
| confirm-promotion | 423 (wait) | 200 | 412 | 412 |
| rollback (inverted: 200 rolls back) | 412 | 412 | 412 | 200 |
| post-rollout, event | 202 (recorded) | 202 | 202 | 202 |

A run is keyed on the canary's `namespace/name/checksum` (Flagger's checksum changes with every
new revision) and started by the first hook that needs it, from the webhook's string-only
metadata: `template: name` (or `namespace/name`, or a comma-separated list),
`clusterTemplate: name`, and `args.<name>: value`. Later hooks only read the run, so they may
carry no metadata at all. `post-rollout` ends a run that is still measuring: the rollout is over.

Tokens: Flagger cannot send headers, so gate URLs may carry `?token=` (`GateWriter`). Nothing
here logs a URL or query string.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Coroutine, Mapping
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from app.api.body import read_document
from app.api.deps import AppMetrics, GateWriter, Runs
from app.api.validate import problem_responses
from app.core.errors import AppError, FieldProblem, InvalidInput, NotFound
from app.core.metrics import Metrics
from app.engine.runner import Runner, SystemClock, provider_cache
from app.service.documents import phase_of, run_from_record
from app.service.runs import RunService
from app.spec.args import SecretSource
from app.spec.errors import SpecError
from app.spec.models import AnalysisRun
from app.spec.status import MetricResult, Phase
from providers import registry
from providers.base import Provider

__all__ = ["FLAGGER_HOOKS", "router"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/gates", tags=["gates"], dependencies=[GateWriter])

NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")
NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
CHECKSUM = re.compile(r"[A-Za-z0-9._-]{1,128}")

STARTS_RUN = ("confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase")
FLAGGER_HOOKS = (*STARTS_RUN, "confirm-promotion", "post-rollout", "rollback", "event")
NOT_GOOD = (Phase.FAILED, Phase.ERROR)


class Refused(AppError):
    status = 412
    title = "Precondition failed"


class Waiting(AppError):
    status = 423
    title = "Locked"


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class MetricVerdict(_Out):
    phase: str
    message: str = ""
    last_value: str = ""
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0


class Verdict(_Out):
    """What every gate answers; Argo's template reads `{$.phase}`."""

    phase: str
    message: str = ""
    metrics: dict[str, MetricVerdict] = Field(default_factory=dict)
    run: str | None = Field(default=None, description="namespace/name of the stored run")


class Recorded(_Out):
    recorded: str


class FlaggerPayload(BaseModel):
    """Flagger's `CanaryWebhookPayload`; fields Flagger may add later are ignored."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=253)
    namespace: str = Field(min_length=1, max_length=63)
    phase: str = ""
    checksum: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)


def _metric(result: MetricResult, *, phase: Phase | None = None) -> MetricVerdict:
    last = result.last_measurement
    return MetricVerdict(
        phase=(phase or result.phase).value,
        message=result.message or (last.message if last is not None else ""),
        last_value=last.value if last is not None else "",
        count=result.count,
        successful=result.successful,
        failed=result.failed,
        inconclusive=result.inconclusive,
        error=result.error,
    )


def verdict_of(run: AnalysisRun) -> Verdict:
    """The stored run as a verdict; metrics not measured yet are listed as Pending."""
    status = run.status
    results = {r.name: r for r in status.metric_results} if status is not None else {}
    metrics = {m.name: MetricVerdict(phase=Phase.PENDING.value) for m in run.spec.metrics}
    metrics |= {name: _metric(result) for name, result in results.items()}
    return Verdict(
        phase=phase_of(status),
        message=status.message if status is not None else "",
        metrics=metrics,
        run=f"{run.metadata.namespace}/{run.metadata.name}",
    )


def _count(metrics: Metrics, controller: str, hook: str, answer: str | int) -> None:
    metrics.gate_calls.labels(controller=controller, hook=hook, answer=str(answer)).inc()


async def _json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object. Argo sends `body:` text without a Content-Type unless the
    template adds one, so a missing Content-Type is read as JSON here."""
    if "content-type" not in request.headers:
        scope = dict(request.scope)
        scope["headers"] = [*request.scope["headers"], (b"content-type", b"application/json")]
        request = Request(scope, request.receive)
    document = await read_document(request, limit=request.app.state.settings.max_body_bytes)
    if not isinstance(document, dict):
        raise InvalidInput("the body must be a JSON object", [FieldProblem("body", "an object")])
    return document


def _check(pattern: re.Pattern[str], value: str, field: str, what: str) -> None:
    if not pattern.fullmatch(value):
        raise InvalidInput(f"{field} {value[:80]!r} is not {what}", [FieldProblem(field, what)])


# -- Argo Rollouts --------------------------------------------------------------------------

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


def _refusals(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """problem+json answers for `codes` (auth and body-reading ones included), and for the
    gate-specific statuses named in `described` as `s412="..."`."""
    found = problem_responses(413, 415, *codes)
    content = found[401]["content"]
    for key, description in described.items():
        found[int(key[1:])] = {"description": description, "content": content}
    return found


MALFORMED = "The request is malformed (a configuration mistake)"


async def _argo_request(request: Request) -> tuple[str, dict[str, Any]]:
    document = await _json_object(request)
    namespace = document.pop("namespace", "default")
    if not isinstance(namespace, str):
        raise InvalidInput("namespace must be a string", [FieldProblem("namespace", "a string")])
    _check(NAMESPACE, namespace, "namespace", "a Kubernetes namespace name")
    return namespace, document


async def _argo_gate(
    hook: str, metrics: Metrics, work: Coroutine[Any, Any, Verdict], *, where: str
) -> Verdict:
    try:
        verdict = await work
    except AppError as exc:
        _count(metrics, "argo", hook, exc.status)
        log.warning("argo %s gate %s: %s %s", hook, where, exc.status, exc.detail)
        raise
    _count(metrics, "argo", hook, verdict.phase)
    return verdict


@router.post(
    "/argo/evaluate",
    summary="Argo web provider: one measurement of each metric now",
    response_model_exclude_none=True,
    openapi_extra={"requestBody": ARGO_BODY},
    responses=_refusals(s422=MALFORMED),
)
async def argo_evaluate(request: Request, runs: Runs, metrics: AppMetrics) -> Verdict:
    """Nothing is stored: the template's `interval`/`count` in Argo do the repeating."""

    async def work() -> Verdict:
        namespace, document = await _argo_request(request)
        run = await runs.build_run(namespace, document)
        secrets = request.app.state.scheduler.secrets
        return await evaluate_once(run, http=request.app.state.http, secrets=secrets)

    return await _argo_gate("evaluate", metrics, work(), where="evaluate")


@router.post(
    "/argo/{key}",
    summary="Argo web provider: the verdict of the run keyed by `key`, started on first call",
    openapi_extra={"requestBody": ARGO_BODY},
    responses=_refusals(409, s422=MALFORMED),
)
async def argo_keyed(key: str, request: Request, runs: Runs, metrics: AppMetrics) -> Verdict:
    """Always `200` with the phase (`Pending` before the first measurement) for a good request."""

    async def work() -> Verdict:
        _check(KEY, key, "key", "1-253 letters, digits, '.', '_' or '-'")
        namespace, document = await _argo_request(request)
        labels = document.get("labels")
        if isinstance(labels, dict):
            document["labels"] = {**labels, "augur/gate": "argo", "augur/gate-key": key}
        elif labels is None:
            document["labels"] = {"augur/gate": "argo", "augur/gate-key": key}
        run, _ = await runs.create_run(
            namespace, document, idempotency_key=f"argo:{namespace}:{key}"
        )
        return verdict_of(run)

    return await _argo_gate("run", metrics, work(), where=key)


async def evaluate_once(
    run: AnalysisRun, *, http: httpx.AsyncClient, secrets: SecretSource | None
) -> Verdict:
    """One reconcile pass with every metric due now (initial delays ignored), judged per
    measurement: any Failed → Failed, any Error → Error, any Inconclusive → Inconclusive."""
    metrics = [m.model_copy(update={"initial_delay": ""}) for m in run.spec.metrics]
    run = run.model_copy(update={"spec": run.spec.model_copy(update={"metrics": metrics})})

    def build(block: Mapping[str, Any]) -> Provider:
        return registry.build(block, http=http)

    source, built = provider_cache(build)
    runner = Runner(clock=SystemClock(), providers=source, secrets=secrets, run_name="evaluate")
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
        found[result.name] = _metric(result, phase=phase)
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


# -- Flagger --------------------------------------------------------------------------------


def _flagger_document(payload: FlaggerPayload) -> tuple[str, dict[str, Any]]:
    """The run request Flagger's string-only metadata describes, and the run's namespace."""
    namespace = payload.namespace
    refs: list[dict[str, Any]] = []
    args: list[dict[str, str]] = []
    problems: list[FieldProblem] = []
    for key, value in payload.metadata.items():
        field = f"metadata.{key}"
        if key == "template":
            for item in (part.strip() for part in value.split(",")):
                where, _, name = item.rpartition("/")
                if where and where != namespace and refs:
                    problems.append(FieldProblem(field, "all templates must share one namespace"))
                namespace = where or namespace
                refs.append({"templateName": name, "clusterScope": False})
        elif key == "clusterTemplate":
            refs += [{"templateName": n.strip(), "clusterScope": True} for n in value.split(",")]
        elif key.startswith("args.") and len(key) > 5:
            args.append({"name": key[5:], "value": value})
        else:
            problems.append(
                FieldProblem(field, "unknown key; use template, clusterTemplate or args.<name>")
            )
    if not refs:
        problems.append(
            FieldProblem(
                "metadata.template", "name the AnalysisTemplate to run (or clusterTemplate)"
            )
        )
    if any(not ref["templateName"] for ref in refs):
        problems.append(FieldProblem("metadata.template", "a template name is empty"))
    if problems:
        raise InvalidInput("the webhook metadata does not describe an analysis", problems)
    _check(NAMESPACE, namespace, "metadata.template", "a namespace/name reference")
    labels = {
        "augur/gate": "flagger",
        "flagger/canary": payload.name,
        "flagger/namespace": payload.namespace,
        "flagger/checksum": payload.checksum,
    }
    document = {
        "templates": refs,
        "args": args,
        "generateName": f"{payload.name}-",
        "labels": labels,
    }
    return namespace, document


async def _flagger_payload(request: Request) -> FlaggerPayload:
    document = await _json_object(request)
    try:
        payload = FlaggerPayload.model_validate(document)
    except ValidationError as exc:
        found = [
            FieldProblem(i.path or "body", i.message) for i in SpecError.from_pydantic(exc).issues
        ]
        raise InvalidInput("the webhook payload is not Flagger's", found) from None
    _check(NAMESPACE, payload.namespace, "namespace", "a Kubernetes namespace name")
    _check(NAME, payload.name, "name", "a Kubernetes object name")
    return payload


async def _run_for(
    runs: RunService, payload: FlaggerPayload, *, create: bool
) -> AnalysisRun | None:
    if not payload.checksum:
        raise InvalidInput(
            "checksum is empty; augur keys a canary's analysis on namespace/name/checksum "
            "(Flagger sends its checksum with every webhook; upgrade an older Flagger)",
            [FieldProblem("checksum", "required")],
        )
    _check(CHECKSUM, payload.checksum, "checksum", "a Flagger checksum")
    key = f"flagger:{payload.namespace}/{payload.name}/{payload.checksum}"
    existing = await runs.store.run_by_key(key)
    if existing is not None:
        return run_from_record(existing)
    if not create:
        return None
    namespace, document = _flagger_document(payload)
    run, _ = await runs.create_run(namespace, document, idempotency_key=key)
    return run


def _answer(hook: str, run: AnalysisRun | None) -> tuple[int, Verdict | None, str]:
    """(status, verdict, why) for one hook and the run as stored."""
    if run is None:
        return 412, None, "no analysis has started for this canary revision; nothing to roll back"
    verdict = verdict_of(run)
    phase = Phase(verdict.phase)
    said = f"analysis {verdict.run} is {phase.value}" + (
        f": {verdict.message}" if verdict.message else ""
    )
    if hook == "rollback":
        return (200, verdict, said) if phase in NOT_GOOD else (412, verdict, f"{said}; no rollback")
    if phase in NOT_GOOD:
        return 412, verdict, said
    if hook == "confirm-promotion" and phase is not Phase.SUCCESSFUL:
        if phase.completed:
            return 412, verdict, f"{said}; a person must decide"
        return 423, verdict, f"{said}; promotion waits for a Successful analysis"
    return 200, verdict, said


@router.post(
    "/flagger/{hook}",
    summary="Flagger webhook: passes (<= 202) or refuses with the reason",
    response_model=Verdict,
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": FlaggerPayload.model_json_schema()}},
            "required": True,
        }
    },
    responses={
        202: {"model": Recorded, "description": "post-rollout and event hooks: recorded"},
        **_refusals(
            s404="Unknown hook",
            s412="The analysis says no (rollback: says nothing is wrong)",
            s422="The payload or its metadata is malformed",
            s423="confirm-promotion: the analysis is still running",
        ),
    },
)
async def flagger_hook(
    hook: str, request: Request, runs: Runs, metrics: AppMetrics
) -> Verdict | JSONResponse:
    """`200` with the verdict when the hook passes (for `rollback`: roll back now)."""
    if hook not in FLAGGER_HOOKS:
        _count(metrics, "flagger", "unknown", 404)
        raise NotFound(
            f"unknown Flagger hook {hook[:40]!r}; known hooks: {', '.join(FLAGGER_HOOKS)}",
            [FieldProblem("hook", f"one of {', '.join(FLAGGER_HOOKS)}")],
        )
    try:
        payload = await _flagger_payload(request)
        canary = f"{payload.namespace}/{payload.name}"
        if hook in ("post-rollout", "event"):
            return await _record(hook, payload, runs, metrics)
        run = await _run_for(runs, payload, create=hook != "rollback")
    except AppError as exc:
        _count(metrics, "flagger", hook, exc.status)
        log.warning("flagger %s: %s %s", hook, exc.status, exc.detail)
        raise
    status, verdict, why = _answer(hook, run)
    _count(metrics, "flagger", hook, status)
    log.info(
        "flagger %s %s: %d (%s)",
        hook,
        canary,
        status,
        why,
        extra={"controller": "flagger", "hook": hook, "canary": canary, "answer": status},
    )
    if status == 412:
        raise Refused(why)
    if status == 423:
        raise Waiting(why)
    assert verdict is not None
    return verdict


async def _record(
    hook: str, payload: FlaggerPayload, runs: RunService, metrics: Metrics
) -> JSONResponse:
    canary = f"{payload.namespace}/{payload.name}"
    event = {k: payload.metadata[k] for k in ("eventType", "eventMessage") if k in payload.metadata}
    ended = ""
    if hook == "post-rollout" and CHECKSUM.fullmatch(payload.checksum):
        key = f"flagger:{payload.namespace}/{payload.name}/{payload.checksum}"
        record = await runs.store.run_by_key(key)
        if record is not None and not Phase(record.phase).completed:
            await runs.terminate(record.namespace, record.name)
            ended = f"; analysis {record.namespace}/{record.name} ended"
    _count(metrics, "flagger", hook, 202)
    log.info(
        "flagger %s %s: phase %s%s%s",
        hook,
        canary,
        payload.phase or "-",
        f" {event}" if event else "",
        ended,
        extra={"controller": "flagger", "hook": hook, "canary": canary, "answer": 202},
    )
    return JSONResponse(Recorded(recorded=hook).model_dump(by_alias=True), status_code=202)
