"""Browser sessions: a login turns an API token into a cookie; forms carry a synchronizer token.

A browser cannot attach `Authorization: Bearer` to a page load, a form or an `EventSource`, so
the pages (`app/api/ui/`) log in once: `POST /ui/login` with a token sets `augur_session`, an
HttpOnly, SameSite=Strict cookie (Secure when the page came over HTTPS) that holds
`<expiry>.<nonce>.<mac>`, the MAC an HMAC-SHA256 of expiry and nonce under a key derived from
the token. The token itself is never in the cookie, a URL or a page, and the cookie cannot be
turned back into it. The session is stateless, so every replica with the same tokens reads it
and a restart keeps it; it ends at its expiry (12 hours), at logout (the cookie is deleted), or
when its token is removed from the configuration.

Writes from the pages are forms, protected twice: the SameSite=Strict cookie is not sent with a
request another site makes, and each form carries a synchronizer token, an HMAC bound to the
session's nonce (or, before a login and in loopback mode, to a random `augur_csrf` cookie) that a
page of another origin cannot read. The HMAC key is derived from the configured tokens, so
replicas agree on it; in loopback mode (no tokens: one local process) it is random per process.

For other routes: `session_access` turns a valid cookie into the `Access` its token gives, and
`StreamReader` is `deps.Reader` that also takes the cookie on GET and HEAD, for the event
streams (`EventSource` sends cookies but no header). A cookie is refused for anything that
changes state outside the pages' own forms, which check the synchronizer token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request, Response

# deps' own checks, so a cookie is judged and refused in the same words as a bearer token
from app.api.deps import Unauthorized, _authorize, _presented
from app.core.auth import Access, Scope, Tokens

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "Session",
    "StreamReader",
    "csrf_matches",
    "csrf_token",
    "form_key",
    "issue_session",
    "read_session",
    "session_access",
    "session_of",
    "set_cookie",
]

SESSION_COOKIE = "augur_session"
CSRF_COOKIE = "augur_csrf"
#: The form field that carries the synchronizer token.
CSRF_FIELD = "csrf"
SESSION_SECONDS = 12 * 3600
_SAFE = frozenset({"GET", "HEAD"})
_MAX_COOKIE = 200


@dataclass(frozen=True)
class Session:
    """A valid session: what its token may do, and the nonce its forms are bound to."""

    access: Access
    nonce: str
    expires: int


def _mac(key: bytes, text: str) -> str:
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _token_key(token: bytes) -> bytes:
    return hmac.new(b"augur-session-v1", token, hashlib.sha256).digest()


def issue_session(token: str, *, now: float | None = None) -> str:
    """The cookie value for a session of `token` (checked by the caller)."""
    expires = int(time.time() if now is None else now) + SESSION_SECONDS
    body = f"{expires}.{secrets.token_urlsafe(18)}"
    return f"{body}.{_mac(_token_key(token.encode()), body)}"


def read_session(tokens: Tokens, cookie: str, *, now: float | None = None) -> Session | None:
    """The session `cookie` stands for, or None: malformed, expired, or made with a token that
    is no longer configured. Every token is tried (no early exit), as `Tokens.access` does."""
    parts = cookie.split(".")
    if len(cookie) > _MAX_COOKIE or len(parts) != 3 or not parts[0].isdigit():
        return None
    expires = int(parts[0])
    if expires <= (time.time() if now is None else now):
        return None
    body = f"{parts[0]}.{parts[1]}"
    matched: bytes | None = None
    for token in sorted({token for _grant, token in tokens.entries}):
        if hmac.compare_digest(_mac(_token_key(token), body), parts[2]):
            matched = token
    if matched is None:
        return None
    access = tokens.access(matched.decode())
    return None if access is None else Session(access, parts[1], expires)


def form_key(tokens: Tokens) -> bytes:
    """The synchronizer tokens' HMAC key: derived from the configured tokens, so every replica
    has it; random (one local process) when there are none."""
    if not tokens.configured:
        return secrets.token_bytes(32)
    every = b"\0".join(sorted({token for _grant, token in tokens.entries}))
    return hashlib.sha256(b"augur-forms-v1\0" + every).digest()


def csrf_token(key: bytes, binding: str) -> str:
    """The synchronizer token of a session nonce or an `augur_csrf` cookie."""
    return _mac(key, f"csrf.{binding}")


def csrf_matches(key: bytes, binding: str, presented: str) -> bool:
    return hmac.compare_digest(csrf_token(key, binding), presented)


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None
) -> None:
    """HttpOnly, SameSite=Strict, on the pages' path root; Secure over HTTPS."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=f"{root}/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def session_of(request: Request) -> Session | None:
    """The request's session, whatever its method (the pages check their forms' tokens)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    tokens: Tokens = request.app.state.tokens
    if not cookie or not tokens.configured:
        return None
    return read_session(tokens, cookie)


def session_access(request: Request) -> Access | None:
    """What a valid session cookie lets a GET or HEAD do: the same `Access` its token gives as a
    bearer token. None without a valid cookie, and for any other method (a cookie-authorised
    write would be open to cross-site requests; the pages' forms check their own token)."""
    if request.method not in _SAFE:
        return None
    found = session_of(request)
    return None if found is None else found.access


def _stream_reader() -> Any:
    """`deps.Reader` that also accepts the session cookie; the namespace is the path's
    `{namespace}`, else the `?namespace=` query; without either, a namespace-limited token sees
    its own namespaces (`deps.visible_namespaces`)."""

    async def check(request: Request) -> None:
        tokens: Tokens = request.app.state.tokens
        if not tokens.configured or request.app.state.settings.anonymous_reads:
            return
        # ?token= as on the gates: a non-browser EventSource cannot send headers (never logged)
        presented = _presented(request, allow_query=True)
        access = tokens.access(presented) if presented else session_access(request)
        if access is None:
            if presented:
                raise Unauthorized("the token is not valid")
            raise Unauthorized(
                "this endpoint needs a token: send an Authorization: Bearer header or ?token=, "
                "or log in at /ui/login"
            )
        namespace = request.path_params.get("namespace") or request.query_params.get("namespace")
        if not namespace and access.namespaces is not None and access.best >= Scope.READ:
            request.state.access = (access, Scope.READ)  # limited: sees its namespaces only
            return
        _authorize(access, Scope.READ, namespace or None)

    return Depends(check)


#: For the event streams: a bearer token, or the pages' session cookie, with `read` scope.
StreamReader = _stream_reader()
