"""The pages' access rules in one place: who may read a page, and what a refusal looks like.

A visitor who could read after logging in (tokens configured, no session) is sent to the login
page and brought back; anyone else refused gets a 403 page naming what their token lacks, in
the API's words.
"""

from __future__ import annotations

import urllib.parse

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.api.ui.render import base_url, error_page
from app.api.ui.viewer import Viewer
from app.api.validate import NAMESPACE
from app.core.auth import Scope
from app.core.errors import FieldProblem, InvalidInput

__all__ = ["checked_namespace", "refusal"]


def checked_namespace(text: str, *, field: str = "namespace") -> str | None:
    """A namespace filter: empty for every namespace, else a namespace name."""
    text = text.strip()
    if not text:
        return None
    if not NAMESPACE.match(text):
        raise InvalidInput(
            f"{field}: {text[:70]!r} is not a namespace name",
            [FieldProblem(field, "lower-case letters, digits and '-', such as default")],
        )
    return text


def _where(namespace: str | None) -> str:
    return "cluster-wide" if namespace is None else f'in namespace "{namespace}"'


def refusal(
    request: Request, viewer: Viewer, scope: Scope, namespace: str | None
) -> Response | None:
    """None when `viewer` may act with `scope` in `namespace` (None: cluster-wide); else the
    login page (no session yet) or a 403 page."""
    if viewer.can(scope, namespace):
        return None
    needs = scope.name.lower()
    if not viewer.logged_in:
        if request.method in ("GET", "HEAD"):
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            query = urllib.parse.urlencode({"next": here})
            return RedirectResponse(f"{base_url(request)}/login?{query}", status_code=303)
        detail = f"this needs a token with {needs} scope {_where(namespace)}: log in with one"
        return error_page(request, viewer, 403, "Forbidden", detail)
    limited = viewer.namespaces
    if limited is not None and (namespace is None or namespace not in limited):
        shown = ", ".join(sorted(limited))
        detail = (
            f"your token is limited to namespaces {shown}; {_where(namespace)} needs a token "
            "that reaches it"
        )
    else:
        detail = f"your token has {viewer.scope_name} scope; this needs {needs} {_where(namespace)}"
    return error_page(request, viewer, 403, "Forbidden", detail)
