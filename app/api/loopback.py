"""Loopback mode's defence against the web browser beside it (CSRF and DNS rebinding).

With no token configured augur is a local tool: the API is open and `augur serve` binds to
127.0.0.1. Whatever can send a request to 127.0.0.1 can use it, and that includes a web page in
the user's browser: a cross-site form or `no-cors` fetch (a POST with `text/plain`, no CORS
preflight) can start runs or make augur fetch a URL, and DNS rebinding (the page's own name
re-resolved to 127.0.0.1) lets a page read the answers as well. So in loopback mode a request
must:

- name augur by a loopback `Host`: `localhost`, `127.x.y.z` or `[::1]`, any port (a rebinding
  page sends its own name);
- come from augur's own origin when it says where it comes from: `Origin`, when sent, is
  `http://<that Host>`; `Sec-Fetch-Site`, when sent, is `same-origin` or `none` (an address typed
  in the browser);
- send a state-changing body as JSON or YAML: a POST, PUT, PATCH or DELETE says
  `Content-Type: application/json` or a YAML type (app/api/body.py), or sends no body and no type.
  Those are the types a page cannot send to another origin without a CORS preflight, and augur
  answers no preflight permissively (it sends no `Access-Control-Allow-*` header at all).
  augur's own pages (`/ui/`) post forms: there a form is accepted, since every one of them
  carries a synchronizer token that another page cannot read (app/api/session.py), on top of
  the Host, Origin and Sec-Fetch-Site rules above.

A refusal is a 403 (Host, Origin, Sec-Fetch-Site) or 415 (Content-Type) problem+json saying why
and what to do. Scripts (curl, CI jobs, the docs page's own requests) pass unchanged. With tokens
configured none of this is installed: a browser cannot attach a bearer token on its own.
"""

from __future__ import annotations

import ipaddress

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.body import JSON_TYPES, YAML_TYPES
from app.api.problems import problem

__all__ = ["LoopbackOnly", "refusal"]

_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OWN_SITE = frozenset({"same-origin", "none"})
_FIX = "call augur from a script or its own pages, or configure API tokens (AUGUR_TOKENS)"


def _loopback_name(host: str) -> bool:
    """`localhost`, a 127/8 address or `[::1]`, with or without a port."""
    if host.startswith("["):
        name, _, port = host[1:].partition("]")
        if port and not port.startswith(":"):
            return False
        port = port[1:]
    else:
        name, _, port = host.partition(":")
    if port and not port.isdigit():
        return False
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _forbidden(detail: str) -> JSONResponse:
    return problem(403, "Forbidden", detail)


_FORM = "application/x-www-form-urlencoded"


def refusal(headers: Headers, method: str, *, form_ok: bool = False) -> JSONResponse | None:
    """The answer to a request loopback mode refuses, or None to let it through; `form_ok`:
    the path checks its forms' synchronizer token, so a form may come in."""
    host = headers.get("host", "")
    if not _loopback_name(host):
        return _forbidden(
            f"Host {host[:100]!r} is not a loopback name: without API tokens augur answers only "
            "to localhost, 127.0.0.1 or [::1] (protection against DNS rebinding); use one of "
            "those, or configure API tokens (AUGUR_TOKENS) to serve other names"
        )
    origin = headers.get("origin")
    if origin is not None and origin.lower() != f"http://{host.lower()}":
        return _forbidden(
            f"Origin {origin[:100]!r} is not augur's own (http://{host}): without API tokens "
            f"augur refuses requests from other web pages (protection against cross-site "
            f"requests); {_FIX}"
        )
    site = headers.get("sec-fetch-site")
    if site is not None and site.lower() not in _OWN_SITE:
        return _forbidden(
            f"Sec-Fetch-Site is {site[:40]!r}: without API tokens augur refuses requests "
            f"another web page made (protection against cross-site requests); {_FIX}"
        )
    if method in _CHANGES:
        media = headers.get("content-type", "").partition(";")[0].strip().lower()
        body = "transfer-encoding" in headers or headers.get("content-length", "0") != "0"
        accepted = JSON_TYPES | YAML_TYPES | ({_FORM} if form_ok else set())
        if (media or body) and media not in accepted:
            return problem(
                415,
                "Unsupported media type",
                f"Content-Type {media or '(none)'!r} is not accepted; send application/json or "
                f"application/yaml (without API tokens augur refuses any other {method} before "
                "reading it: a web page can send those to it unasked)",
            )
    return None


class LoopbackOnly:
    """ASGI middleware applying `refusal` to every HTTP request; paths under one of `forms`
    may post forms."""

    def __init__(self, app: ASGIApp, *, forms: tuple[str, ...] = ()) -> None:
        self.app = app
        self.forms = tuple(prefix.rstrip("/") + "/" for prefix in forms)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            form_ok = str(scope["path"]).startswith(self.forms) if self.forms else False
            refused = refusal(Headers(scope=scope), scope["method"], form_ok=form_ok)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)
