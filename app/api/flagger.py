"""Flagger's webhooks: `/api/v1/gates/flagger/{hook}`.

Flagger passes a hook when the status is `<= 202` and shows the body of any other answer in its
events, so refusals are problem+json saying why:

| hook | Pending/Running | Successful | Inconclusive | Failed/Error |
| --- | --- | --- | --- | --- |
| confirm-rollout, pre-rollout, rollout, confirm-traffic-increase | 200 | 200 | 200 | 412 |
| confirm-promotion | 423 (wait) | 200 | 412 | 412 |
| rollback (inverted: 200 rolls back) | 412 | 412 | 412 | 200 |
| post-rollout, event | 202 (recorded) | 202 | 202 | 202 |

A run is keyed on the canary's `namespace/name/checksum` (Flagger's checksum changes with every
new revision) and started by the first hook that needs it, from the webhook's string-only
metadata: `template: name` (or `namespace/name`, or a comma-separated list),
`clusterTemplate: name`, and `args.<name>: value`; other keys are ignored. Later hooks only
read the run, so they may carry no metadata at all. `post-rollout` ends a run that is still
measuring: the rollout is over.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.api.deps import AppMetrics, Runs, authorize_namespace
from app.api.gates import (
    NAMESPACE,
    GateAnswer,
    Verdict,
    check_field,
    count,
    gate_router,
    json_object,
    log,
    refusals,
    verdict_answer,
    verdict_of,
)
from app.api.served import json_answer, json_bytes, served
from app.core.errors import AppError, FieldProblem, InvalidInput, NotFound
from app.core.metrics import Metrics
from app.service.runs import RunService
from app.spec.errors import SpecError
from app.spec.hints import closest
from app.spec.status import Phase

__all__ = ["CHECKSUM", "FLAGGER_HOOKS", "hook_answer", "payload_of", "router", "settle"]

router = gate_router()

NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
CHECKSUM = re.compile(r"[A-Za-z0-9._-]{1,128}")
_ARG_FIELD = re.compile(r"args\[(\d+)\](.*)")

STARTS_RUN = ("confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase")
FLAGGER_HOOKS = (*STARTS_RUN, "confirm-promotion", "post-rollout", "rollback", "event")
NOT_GOOD = (Phase.FAILED, Phase.ERROR)


class Refused(AppError):
    status = 412
    title = "Precondition failed"


class Waiting(AppError):
    status = 423
    title = "Locked"


class Recorded(GateAnswer):
    recorded: str


class FlaggerPayload(BaseModel):
    """Flagger's `CanaryWebhookPayload`; fields Flagger may add later are ignored."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=253)
    namespace: str = Field(min_length=1, max_length=63)
    phase: str = ""
    checksum: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)


_TEMPLATE_KEYS = ("template", "clusterTemplate")


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
        # Any other key is ignored: a Canary's webhook metadata often carries keys for other
        # tools (a load tester's `cmd`, `type`), and Flagger sends the same map to every hook.
    if not refs:
        message = "name the AnalysisTemplate to run (or clusterTemplate)"
        for key in payload.metadata:
            if (meant := closest(key, _TEMPLATE_KEYS)) is not None:
                message += f"; metadata.{key}: did you mean {meant}?"
                break
        problems.append(FieldProblem("metadata.template", message))
    if any(not ref["templateName"] for ref in refs):
        problems.append(FieldProblem("metadata.template", "a template name is empty"))
    if problems:
        raise InvalidInput("the webhook metadata does not describe an analysis", problems)
    check_field(NAMESPACE, namespace, "metadata.template", "a namespace/name reference")
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
    return payload_of(request, await json_object(request))


def payload_of(request: Request, document: dict[str, Any]) -> FlaggerPayload:
    """The body as Flagger's payload, its names checked and the token's namespace with them."""
    try:
        payload = FlaggerPayload.model_validate(document)
    except ValidationError as exc:
        found = [
            FieldProblem(i.path or "body", i.message) for i in SpecError.from_pydantic(exc).issues
        ]
        raise InvalidInput("the webhook payload is not Flagger's", found) from None
    check_field(NAMESPACE, payload.namespace, "namespace", "a Kubernetes namespace name")
    check_field(NAME, payload.name, "name", "a Kubernetes object name")
    authorize_namespace(request, payload.namespace)
    return payload


async def _verdict_for(
    request: Request, runs: RunService, payload: FlaggerPayload, *, create: bool
) -> tuple[Verdict, bytes] | None:
    """The verdict of the canary revision's run and its JSON (`app.api.served`), None when no
    run exists and `create` is off."""
    if not payload.checksum:
        raise InvalidInput(
            "checksum is empty; augur keys a canary's analysis on namespace/name/checksum "
            "(Flagger sends its checksum with every webhook; upgrade an older Flagger)",
            [FieldProblem("checksum", "required")],
        )
    check_field(CHECKSUM, payload.checksum, "checksum", "a Flagger checksum")
    key = f"flagger:{payload.namespace}/{payload.name}/{payload.checksum}"
    existing = await runs.store.stored_run(idempotency_key=key)
    if existing is not None:
        answer: tuple[Verdict, bytes] = served(request).get("verdict", existing, verdict_answer)
        return answer
    if not create:
        return None
    namespace, document = _flagger_document(payload)
    try:
        run, _ = await runs.create_run(namespace, document, idempotency_key=key)
    except InvalidInput as exc:
        raise _as_metadata(exc, document["args"]) from None
    verdict = verdict_of(run)
    return verdict, json_bytes(verdict.model_dump(mode="json", by_alias=True))


def _as_metadata(exc: InvalidInput, args: list[dict[str, str]]) -> InvalidInput:
    """Problems with `args[i]` of the run request, named as the webhook's `metadata.args.x`
    key that gave the arg (an arg no template declares is refused by name)."""
    problems = []
    for problem in exc.problems:
        match = _ARG_FIELD.fullmatch(problem.field)
        if match is not None and int(match[1]) < len(args):
            field = f"metadata.args.{args[int(match[1])]['name']}{match[2]}"
            problem = FieldProblem(field, problem.message)
        problems.append(problem)
    return InvalidInput(exc.detail, problems)


def hook_answer(hook: str, verdict: Verdict | None) -> tuple[int, str]:
    """(status, why) for one hook and the verdict of the run as stored."""
    if verdict is None:
        return 412, "no analysis has started for this canary revision; nothing to roll back"
    phase = Phase(verdict.phase)
    said = f"analysis {verdict.run} is {phase.value}" + (
        f": {verdict.message}" if verdict.message else ""
    )
    if hook == "rollback":
        return (200, said) if phase in NOT_GOOD else (412, f"{said}; no rollback")
    if phase in NOT_GOOD:
        return 412, said
    if hook == "confirm-promotion" and phase is not Phase.SUCCESSFUL:
        if phase.completed:
            return 412, f"{said}; a person must decide"
        return 423, f"{said}; promotion waits for a Successful analysis"
    return 200, said


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
        **refusals(
            s404="Unknown hook",
            s412="The analysis says no (rollback: says nothing is wrong)",
            s422="The payload or its metadata is malformed",
            s423="confirm-promotion: the analysis is still running",
        ),
    },
)
async def flagger_hook(hook: str, request: Request, runs: Runs, metrics: AppMetrics) -> Response:
    """`200` with the verdict when the hook passes (for `rollback`: roll back now)."""
    if hook not in FLAGGER_HOOKS:
        count(metrics, "flagger", "unknown", 404)
        raise NotFound(
            f"unknown Flagger hook {hook[:40]!r}; known hooks: {', '.join(FLAGGER_HOOKS)}",
            [FieldProblem("hook", f"one of {', '.join(FLAGGER_HOOKS)}")],
        )
    try:
        payload = await _flagger_payload(request)
        canary = f"{payload.namespace}/{payload.name}"
        if hook in ("post-rollout", "event"):
            return await _record(hook, payload, runs, metrics)
        answer = await _verdict_for(request, runs, payload, create=hook != "rollback")
    except AppError as exc:
        count(metrics, "flagger", hook, exc.status)
        log.warning("flagger %s: %s %s", hook, exc.status, exc.detail)
        raise
    status, why = settle(hook, canary, answer[0] if answer is not None else None, metrics)
    if status == 412:
        raise Refused(why)
    if status == 423:
        raise Waiting(why)
    assert answer is not None
    return json_answer(answer[1])


def settle(hook: str, canary: str, verdict: Verdict | None, metrics: Metrics) -> tuple[int, str]:
    """The hook's answer to the verdict (`answer`), counted and logged."""
    status, why = hook_answer(hook, verdict)
    count(metrics, "flagger", hook, status)
    log.info(
        "flagger %s %s: %d (%s)",
        hook,
        canary,
        status,
        why,
        extra={"controller": "flagger", "hook": hook, "canary": canary, "answer": status},
    )
    return status, why


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
    count(metrics, "flagger", hook, 202)
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
