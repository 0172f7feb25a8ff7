"""What the gates rollout controllers call share: Argo Rollouts' `web` metric provider
(`app.api.argo_gate`) and Flagger's webhooks (`app.api.flagger`).

Both read the stored run and create it when needed; neither ever waits on a metric provider
(the scheduler measures), so every reply comes back in milliseconds. The one exception is
`POST /api/v1/gates/argo/evaluate`, which takes one measurement of each metric now, stores
nothing, and lets Argo's own `interval`/`count`/`failureLimit` do the repeating.

Here: the verdict both answer with (built once per stored version of the run, in
`app.api.served`), the JSON-object body reader, the field checks, the
`augur_gate_calls` counter, the problem+json answers each route documents, and the one logger
both write to (`app.api.gates`).

Tokens: Flagger cannot send headers, so gate URLs may carry `?token=` (`GateWriter`). Nothing
in the gates logs a URL or query string.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from app.api.body import read_document
from app.api.deps import GateWriter
from app.api.served import json_bytes
from app.api.validate import problem_responses
from app.core.errors import FieldProblem, InvalidInput
from app.core.metrics import Metrics
from app.service.documents import phase_of, run_from_record
from app.spec.models import AnalysisRun
from app.spec.status import MetricResult, Phase
from app.store.records import RunRecord

__all__ = [
    "NAMESPACE",
    "GateAnswer",
    "MetricVerdict",
    "Verdict",
    "check_field",
    "count",
    "gate_router",
    "json_object",
    "log",
    "metric_verdict",
    "refusals",
    "verdict_answer",
    "verdict_of",
]

#: Both gates log here, under one name an operator can filter on.
log = logging.getLogger(__name__)

NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def gate_router() -> APIRouter:
    """A router under `/api/v1/gates`, tagged `gates`, that takes a write token."""
    return APIRouter(prefix="/api/v1/gates", tags=["gates"], dependencies=[GateWriter])


class GateAnswer(BaseModel):
    """A gate's JSON answer, in camelCase."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class MetricVerdict(GateAnswer):
    phase: str
    message: str = ""
    last_value: str = ""
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0


class Verdict(GateAnswer):
    """What every gate answers; Argo's template reads `{$.phase}`."""

    phase: str
    message: str = ""
    metrics: dict[str, MetricVerdict] = Field(default_factory=dict)
    run: str | None = Field(default=None, description="namespace/name of the stored run")


def metric_verdict(result: MetricResult, *, phase: Phase | None = None) -> MetricVerdict:
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
    metrics |= {name: metric_verdict(result) for name, result in results.items()}
    return Verdict(
        phase=phase_of(status),
        message=status.message if status is not None else "",
        metrics=metrics,
        run=f"{run.metadata.namespace}/{run.metadata.name}",
    )


def verdict_answer(record: RunRecord) -> tuple[Verdict, bytes]:
    """The stored run's verdict and its JSON (every field, as `response_model=Verdict` writes
    it): what `app.api.served` keeps per version of the run."""
    verdict = verdict_of(run_from_record(record))
    return verdict, json_bytes(verdict.model_dump(mode="json", by_alias=True))


def count(metrics: Metrics, controller: str, hook: str, answer: str | int) -> None:
    metrics.gate_calls.labels(controller=controller, hook=hook, answer=str(answer)).inc()


async def json_object(request: Request) -> dict[str, Any]:
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


def check_field(pattern: re.Pattern[str], value: str, field: str, what: str) -> None:
    if not pattern.fullmatch(value):
        raise InvalidInput(f"{field} {value[:80]!r} is not {what}", [FieldProblem(field, what)])


def refusals(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """problem+json answers for `codes` (auth and body-reading ones included), and for the
    gate-specific statuses named in `described` as `s412="..."`."""
    found = problem_responses(413, 415, *codes)
    content = found[401]["content"]
    for key, description in described.items():
        found[int(key[1:])] = {"description": description, "content": content}
    return found
