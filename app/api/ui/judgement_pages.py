"""A judgement's page: `GET /ui/namespaces/{ns}/judgements/{id}`.

The page reads the stored report through `JudgementReports`, one method that answers what
`GET /api/v1/namespaces/{ns}/judgements/{id}` answers (the shape is in `judgement_view`). The
server that stores judgements hangs its reader on `app.state.judgement_reports`; until one does,
the page says that this server stores no judgements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api.templates import Namespace
from app.api.ui.gate import refusal
from app.api.ui.judgement_view import judgement_view
from app.api.ui.render import error_page, html_errors, page
from app.api.ui.viewer import viewer_of
from app.core.auth import Scope

__all__ = ["JudgementReports", "router"]

router = APIRouter(prefix="/ui", include_in_schema=False)

JudgementId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][-A-Za-z0-9._]{0,252}$")]


class JudgementReports(Protocol):
    """Where the page reads a stored judgement report (None: there is no such judgement)."""

    async def judgement_report(
        self, namespace: str, judgement_id: str
    ) -> Mapping[str, Any] | None: ...


@router.get("/namespaces/{namespace}/judgements/{judgement_id}")
@html_errors
async def judgement_page(
    request: Request, namespace: Namespace, judgement_id: JudgementId
) -> Response:
    viewer = viewer_of(request)
    refused = refusal(request, viewer, Scope.READ, namespace)
    if refused is not None:
        return refused
    reports: JudgementReports | None = getattr(request.app.state, "judgement_reports", None)
    if reports is None:
        detail = "this server stores no judgements; run `augur judge` to judge a canary"
        return error_page(request, viewer, 404, "Not found", detail)
    report = await reports.judgement_report(namespace, judgement_id)
    if report is None:
        detail = f"judgement {namespace}/{judgement_id} not found"
        return error_page(request, viewer, 404, "Not found", detail)
    view = judgement_view({"namespace": namespace, "id": judgement_id, **report})
    return page(request, viewer, "judgement.html", section="runs", view=view)
