"""Logging in and out of the pages.

    GET  /ui/login[?next=]   the form: one field, the API token
    POST /ui/login           a valid token sets the session cookie (app/api/session.py)
    POST /ui/logout          the cookie is deleted

The token travels once, in the login form's body; it is never echoed back, not even after a
typing mistake. `next` may only name one of the pages, so the login cannot be used to send
someone elsewhere. With no tokens configured there is nothing to log in to, and the page says so.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.api.session import SESSION_COOKIE, SESSION_SECONDS, issue_session, set_cookie
from app.api.ui.render import base_url, checked_form, html_errors, page
from app.api.ui.viewer import viewer_of
from app.core.auth import Tokens

__all__ = ["router", "safe_next"]

router = APIRouter(prefix="/ui", include_in_schema=False)

_LOCAL = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*\Z")


def safe_next(request: Request, target: str) -> str:
    """`target` when it is one of the pages (a path under /ui/, nothing else), else the runs."""
    base = base_url(request)
    if _LOCAL.match(target) and target.startswith(base + "/") and "//" not in target:
        return target
    return base + "/"


@router.get("/login")
@html_errors
async def login_form(request: Request, next: str = "") -> Response:
    viewer = viewer_of(request)
    out = request.query_params.get("out") == "1"
    return page(
        request,
        viewer,
        "login.html",
        section="login",
        next=safe_next(request, next),
        failed=False,
        out=out,
    )


@router.post("/login")
@html_errors
async def login(request: Request) -> Response:
    viewer = viewer_of(request)
    form = await checked_form(request, viewer)
    target = safe_next(request, form.get("next", ""))
    tokens: Tokens = request.app.state.tokens
    token = form.get("token", "").strip()
    if not tokens.configured:
        return RedirectResponse(target, status_code=303)
    if not token or tokens.access(token) is None:
        return page(
            request,
            viewer,
            "login.html",
            status=401,
            section="login",
            next=target,
            failed=True,
            out=False,
        )
    answer = RedirectResponse(target, status_code=303)
    set_cookie(answer, request, SESSION_COOKIE, issue_session(token), max_age=SESSION_SECONDS)
    return answer


@router.post("/logout")
@html_errors
async def logout(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer.logged_in:  # a session that already ended has nothing to end
        await checked_form(request, viewer)
    answer = RedirectResponse(f"{base_url(request)}/login?out=1", status_code=303)
    set_cookie(answer, request, SESSION_COOKIE, "", max_age=0)
    return answer
