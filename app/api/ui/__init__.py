"""The dashboard: pages at `/ui/`, rendered on the server, served with their files by augur.

``run_pages`` (the runs list, a run, Terminate), ``template_pages`` (templates, Validate),
``judgement_pages`` (a stored judgement) and ``login`` are the routes; ``render`` answers with a
page (Jinja2 templates in ``html/``, files in ``static/``, both package data), ``viewer`` and
``gate`` decide who may see and do what, ``run_view``, ``run_list``, ``history`` and
``judgement_view`` shape what a page shows, ``charts`` draws SVG and ``thresholds`` finds the
lines to draw in a metric's conditions. Sessions and form tokens are ``app/api/session.py``.

May import: what ``app.api`` may (``app.service``, ``app.store``, ``app.engine``, ``app.spec``,
``app.expr``, ``app.core``), and ``app.api``'s own modules. Only ``app.main`` imports it.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from app.api.session import form_key
from app.api.ui import judgement_pages, login, run_pages, template_pages
from app.api.ui.render import STATIC, Assets, error_page
from app.api.ui.viewer import viewer_of

__all__ = ["PREFIX", "install"]

#: Where the pages are; loopback mode accepts their forms (app/api/loopback.py).
PREFIX = "/ui"

_fallback = APIRouter(prefix=PREFIX, include_in_schema=False)


@_fallback.get("/{rest:path}")
async def not_found(request: Request, rest: str) -> Response:
    """A page that does not exist, as a page (the API answers problem+json)."""
    detail = f"there is no page at /ui/{rest[:100]}"
    return error_page(request, viewer_of(request), 404, "Not found", detail)


def install(app: FastAPI) -> None:
    """Serve the pages and their files; `app.state.tokens` must be set (the forms' key)."""
    app.state.ui_form_key = form_key(app.state.tokens)
    app.mount(f"{PREFIX}/static", Assets(directory=STATIC), name="ui-static")
    for module in (run_pages, template_pages, judgement_pages, login):
        app.include_router(module.router)
    app.include_router(_fallback)
