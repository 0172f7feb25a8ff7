"""Answering with a page: the Jinja2 templates, the headers every page carries, forms read and
checked, and augur's errors shown as a page instead of problem+json.

Every page is rendered on the server (no script is needed to read one) and says, with its
Content-Security-Policy, that it loads nothing but augur's own files: no CDN, no inline script
or style, no frame. Pages carry a synchronizer token, so none is cached (`no-store`); the static
files are named with a hash of their content and cached for a year.
"""

from __future__ import annotations

import functools
import hashlib
import urllib.parse
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any, ParamSpec

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.api.session import CSRF_COOKIE, CSRF_FIELD, set_cookie
from app.api.ui.viewer import Viewer, viewer_of
from app.core.errors import AppError, FieldProblem, InvalidInput

__all__ = [
    "PAGE_HEADERS",
    "STATIC",
    "Assets",
    "FormRefused",
    "api_url",
    "base_url",
    "checked_form",
    "error_page",
    "html_errors",
    "page",
]

STATIC = Path(str(resources.files("app.api.ui") / "static"))
#: The most a page's form may send (a template's args, a token): far below the API's body limit.
MAX_FORM_BYTES = 64 * 1024

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_ENV = Environment(
    loader=PackageLoader("app.api.ui", "html"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fingerprints() -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in STATIC.iterdir()
        if path.is_file()
    }


_VERSIONS = _fingerprints()


class Assets(StaticFiles):
    """The pages' files; a request naming the current fingerprint (`?v=`) may cache for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode())
        if response.status_code == 200 and query.get("v") == [_VERSIONS.get(path)]:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def api_url(request: Request, path: str) -> str:
    """`path` under the prefix a proxy serves augur at (`--root-path`)."""
    return str(request.scope.get("root_path", "")).rstrip("/") + path


def base_url(request: Request) -> str:
    """Where the pages are."""
    return api_url(request, "/ui")


def _asset(base: str) -> Callable[[str], str]:
    def url(name: str) -> str:
        return f"{base}/static/{name}?v={_VERSIONS[name]}"

    return url


def render(name: str, **context: Any) -> str:
    return _ENV.get_template(name).render(**context)


def page(
    request: Request,
    viewer: Viewer,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A whole page; hands out the visitor's `augur_csrf` cookie when they had none."""
    base = base_url(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context.setdefault("section", "")
    html = render(
        template,
        base=base,
        asset=_asset(base),
        viewer=viewer,
        csrf_field=CSRF_FIELD,
        here=here,
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})
    if viewer.new_binding:
        set_cookie(response, request, CSRF_COOKIE, viewer.binding, max_age=None)
    return response


def error_page(request: Request, viewer: Viewer, status: int, title: str, detail: str) -> Response:
    return page(request, viewer, "error.html", status=status, title=title, detail=detail)


P = ParamSpec("P")


def html_errors(route: Callable[P, Awaitable[Response]]) -> Callable[P, Awaitable[Response]]:
    """augur's errors (a run not found, a refused form) as a page with the same status and
    words the API would answer with; the route must take `request`."""

    @functools.wraps(route)
    async def answer(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return await route(*args, **kwargs)
        except AppError as exc:
            request = kwargs["request"]
            assert isinstance(request, Request)
            detail = exc.detail
            if exc.problems:
                detail += " (" + "; ".join(f"{p.field}: {p.message}" for p in exc.problems) + ")"
            return error_page(request, viewer_of(request), exc.status, exc.title, detail)

    return answer


class FormRefused(AppError):
    status = 403
    title = "Forbidden"


async def _read_form(request: Request) -> dict[str, str]:
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if not media and request.headers.get("content-length", "0") == "0":
        return {}  # an empty form: its missing token is what gets refused
    if media != "application/x-www-form-urlencoded":
        raise InvalidInput(
            f"the pages post forms, not {media or 'an untyped body'}",
            [FieldProblem("body", "send application/x-www-form-urlencoded, as the page does")],
        )
    size, chunks = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise InvalidInput(
                f"the form is larger than {MAX_FORM_BYTES} bytes",
                [FieldProblem("body", "send less: a form here holds a few fields")],
            )
        chunks.append(chunk)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    try:
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=50))
    except ValueError:  # more fields than any of the pages' forms has
        raise InvalidInput(
            "the form has more than 50 fields", [FieldProblem("body", "send the page's form")]
        ) from None


async def checked_form(request: Request, viewer: Viewer) -> dict[str, str]:
    """A form one of augur's own pages posted: from augur's origin when the browser says where
    it comes from, and carrying the visitor's synchronizer token; else a 403 saying why."""
    origin = request.headers.get("origin")
    host = request.headers.get("host", "")
    if origin is not None and urllib.parse.urlsplit(origin).netloc.lower() != host.lower():
        raise FormRefused(
            f"the form came from {origin[:100]!r}, not from augur's own pages; open the page "
            "from augur and send it again"
        )
    form = await _read_form(request)
    if not viewer.form_is_genuine(form.get(CSRF_FIELD)):
        raise FormRefused(
            "the form's security token is missing or out of date (the session ended, or the "
            "page was opened before augur restarted); reload the page and send it again"
        )
    return form
