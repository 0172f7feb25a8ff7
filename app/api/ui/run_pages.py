"""The runs list and a run's page, their live updates, and Terminate.

    GET  /ui/                                         runs, newest first (?namespace=&phase=)
    GET  /ui/live/runs?since=                         the list's rows, when they changed
    GET  /ui/namespaces/{ns}/runs/{name}              one run
    GET  /ui/namespaces/{ns}/runs/{name}/live?since=  its changing part, when it changed
    POST /ui/namespaces/{ns}/runs/{name}/terminate    Argo's spec.terminate, from the page's form

A live update is a fragment of the page rendered by the same template as the page: answered
`204` when nothing changed since the stamp the page holds, else `200` with the HTML and its new
stamp in `X-Augur-Stamp`. The page's script asks for it when the event stream says something
happened (`data-events`, set when this server serves the streams), or every few seconds when
there is no stream, and stops once the run has finished.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from app.api.deps import Runs
from app.api.templates import Name, Namespace
from app.api.ui.gate import checked_namespace, refusal
from app.api.ui.render import (
    PAGE_HEADERS,
    api_url,
    base_url,
    checked_form,
    html_errors,
    page,
    render,
)
from app.api.ui.run_list import list_runs, stamp_of
from app.api.ui.run_view import RunView, run_view
from app.api.ui.viewer import Viewer, viewer_of
from app.core.auth import Scope
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.engine.runner import attempts_of
from app.service.documents import run_from_record
from app.service.runs import RunService
from app.spec.status import Phase
from app.store.records import MeasurementRecord, RunRecord

__all__ = ["PER_METRIC", "router"]

router = APIRouter(prefix="/ui", include_in_schema=False)

#: The newest measurements a run's page shows per metric (the API pages through every one).
PER_METRIC = 1000
#: How often the page asks for a fragment when there is no event stream (milliseconds).
POLL_MS = 2000
PHASES = [phase.value for phase in Phase]
RUN_EVENTS = "/api/v1/namespaces/{}/analysisruns/{}/events"
ALL_EVENTS = "/api/v1/events"
Since = Annotated[str, Query(max_length=64)]


def _streams(request: Request, shape: str) -> bool:
    """Whether this server serves the event stream at `shape` (its parameters as `{}`)."""
    for route in request.app.routes:
        path = getattr(route, "path", "")
        if re.sub(r"\{[^}]*\}", "{}", path) == shape:
            return True
    return False


def _phase(text: str) -> str | None:
    if not text:
        return None
    if text not in PHASES:
        raise InvalidInput(
            f"phase: {text[:40]!r} is not a phase",
            [FieldProblem("phase", f"one of {', '.join(PHASES)}, or none for every phase")],
        )
    return text


async def _rows(
    request: Request, runs: RunService, viewer: Viewer, namespace: str | None, phase: str | None
) -> str:
    limited = viewer.namespaces
    scopes: list[str | None] = [namespace]
    if namespace is None and limited is not None:
        scopes = [*sorted(limited)]
    rows = await list_runs(runs, namespaces=scopes, phase=phase)
    return render("runs_rows.html", rows=rows, base=base_url(request), filtered=bool(phase))


def _filters(namespace: str, phase: str) -> tuple[str | None, str | None]:
    return checked_namespace(namespace), _phase(phase)


def _may_list(viewer: Viewer, namespace: str | None) -> bool:
    """One namespace's runs, or every namespace's: a limited token lists its own namespaces."""
    if namespace is not None or viewer.namespaces is None:
        return viewer.can(Scope.READ, namespace)
    return True


@router.get("/")
@html_errors
async def runs_page(request: Request, runs: Runs, namespace: str = "", phase: str = "") -> Response:
    viewer = viewer_of(request)
    chosen, phase_filter = _filters(namespace, phase)
    if not _may_list(viewer, chosen):
        refused = refusal(request, viewer, Scope.READ, chosen)
        assert refused is not None
        return refused
    rows = await _rows(request, runs, viewer, chosen, phase_filter)
    query = {"namespace": chosen or "", "phase": phase_filter or ""}
    events = None
    if _streams(request, ALL_EVENTS) and (chosen or viewer.namespaces is None):
        events = api_url(request, ALL_EVENTS) + (f"?namespace={chosen}" if chosen else "")
    return page(
        request,
        viewer,
        "runs.html",
        section="runs",
        rows=Markup(rows),  # noqa: S704 - rendered by the autoescaping templates
        stamp=stamp_of(rows),
        query=query,
        phases=PHASES,
        live_url=f"{base_url(request)}/live/runs",
        events_url=events,
        poll_ms=POLL_MS,
    )


def _fragment(html: str, stamp: str) -> HTMLResponse:
    return HTMLResponse(html, headers={**PAGE_HEADERS, "X-Augur-Stamp": stamp})


@router.get("/live/runs")
@html_errors
async def runs_live(
    request: Request, runs: Runs, namespace: str = "", phase: str = "", since: Since = ""
) -> Response:
    viewer = viewer_of(request)
    chosen, phase_filter = _filters(namespace, phase)
    if not _may_list(viewer, chosen):
        return Response(status_code=403, headers=PAGE_HEADERS)
    rows = await _rows(request, runs, viewer, chosen, phase_filter)
    stamp = stamp_of(rows)
    return Response(status_code=204) if stamp == since else _fragment(rows, stamp)


async def _record(runs: RunService, namespace: str, name: str) -> RunRecord:
    record = await runs.store.get_run(namespace=namespace, name=name)
    if record is None:
        raise NotFound(f"analysisrun {namespace}/{name} not found")
    return record


async def _view(runs: RunService, record: RunRecord) -> RunView:
    """The run with the newest `PER_METRIC` measurements of each metric (a measurement's seq
    counts the metric's measurements, so the newest follow `attempts - PER_METRIC`)."""
    run = run_from_record(record)
    found: list[MeasurementRecord] = []
    for metric in run.spec.metrics:
        taken = attempts_of(run.status, metric.name) if run.status else 0
        found += await runs.store.measurements(
            record.id, metric=metric.name, after_seq=max(0, taken - PER_METRIC), limit=PER_METRIC
        )
    return run_view(run, found, created=record.created_at)


def _stamp(record: RunRecord) -> str:
    return f"{record.updated_at.timestamp():.6f}"


def _run_base(request: Request, namespace: str, name: str) -> str:
    return f"{base_url(request)}/namespaces/{namespace}/runs/{name}"


@router.get("/namespaces/{namespace}/runs/{name}")
@html_errors
async def run_page(request: Request, namespace: Namespace, name: Name, runs: Runs) -> Response:
    viewer = viewer_of(request)
    refused = refusal(request, viewer, Scope.READ, namespace)
    if refused is not None:
        return refused
    record = await _record(runs, namespace, name)
    view = await _view(runs, record)
    here = _run_base(request, namespace, name)
    served = _streams(request, RUN_EVENTS)
    return page(
        request,
        viewer,
        "run.html",
        section="runs",
        view=view,
        stamp=_stamp(record),
        live_url=f"{here}/live",
        events_url=api_url(request, RUN_EVENTS.format(namespace, name)) if served else None,
        poll_ms=POLL_MS,
        terminate_url=f"{here}/terminate",
        can_write=viewer.can(Scope.WRITE, namespace),
        per_metric=PER_METRIC,
    )


@router.get("/namespaces/{namespace}/runs/{name}/live")
@html_errors
async def run_live(
    request: Request, namespace: Namespace, name: Name, runs: Runs, since: Since = ""
) -> Response:
    viewer = viewer_of(request)
    if not viewer.can(Scope.READ, namespace):
        return Response(status_code=403, headers=PAGE_HEADERS)
    record = await _record(runs, namespace, name)
    stamp = _stamp(record)
    if stamp == since:
        return Response(status_code=204)
    view = await _view(runs, record)
    html = render("run_live.html", view=view, base=base_url(request), per_metric=PER_METRIC)
    return _fragment(html, stamp)


@router.post("/namespaces/{namespace}/runs/{name}/terminate")
@html_errors
async def terminate(request: Request, namespace: Namespace, name: Name, runs: Runs) -> Response:
    viewer = viewer_of(request)
    await checked_form(request, viewer)
    refused = refusal(request, viewer, Scope.WRITE, namespace)
    if refused is not None:
        return refused
    await runs.terminate(namespace, name)
    return RedirectResponse(_run_base(request, namespace, name), status_code=303)
