"""Who is looking at a page, and what they may do: the API's rules, read from a session cookie.

With no tokens configured (loopback mode) everyone may do everything, as on the API. With
tokens, a logged-in visitor has the scopes of the token they logged in with (namespace limits
included); a visitor without a session may read when `AUGUR_ANONYMOUS_READS` is on, and nothing
else. Every page's forms carry the synchronizer token of `app/api/session.py`, bound to the
session, or before a login to the `augur_csrf` cookie this module hands out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request

from app.api.session import CSRF_COOKIE, Session, csrf_matches, csrf_token, session_of
from app.core.auth import Scope, Tokens

__all__ = ["Viewer", "viewer_of"]

_COOKIE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Viewer:
    """The visitor of one request."""

    tokens_configured: bool
    anonymous_reads: bool
    session: Session | None
    #: What this visitor's forms are bound to: the session's nonce, else the `augur_csrf` cookie.
    binding: str
    #: An `augur_csrf` value to hand out with the page (the visitor had none).
    new_binding: bool
    form_key: bytes

    @property
    def logged_in(self) -> bool:
        return self.session is not None

    @property
    def csrf(self) -> str:
        """The synchronizer token the page's forms send back."""
        return csrf_token(self.form_key, self.binding)

    def can(self, scope: Scope, namespace: str | None) -> bool:
        """Whether the visitor may act with `scope` in `namespace` (None: cluster-wide)."""
        if not self.tokens_configured:
            return True
        if self.session is not None:
            granted = self.session.access.scope_in(namespace)
            return granted is not None and granted >= scope
        return scope is Scope.READ and self.anonymous_reads

    @property
    def namespaces(self) -> frozenset[str] | None:
        """The namespaces a limited token reaches; None when the visitor reaches every one."""
        if self.session is None:
            return None
        return self.session.access.namespaces

    @property
    def scope_name(self) -> str:
        if self.session is None:
            return ""
        return self.session.access.best.name.lower()

    def form_is_genuine(self, presented: str | None) -> bool:
        """Whether a posted form carries this visitor's synchronizer token."""
        return (
            not self.new_binding
            and presented is not None
            and csrf_matches(self.form_key, self.binding, presented)
        )


def _usable(value: str | None) -> bool:
    return value is not None and 16 <= len(value) <= 64 and set(value) <= _COOKIE_CHARS


def viewer_of(request: Request) -> Viewer:
    tokens: Tokens = request.app.state.tokens
    session = session_of(request)
    cookie = request.cookies.get(CSRF_COOKIE)
    if session is not None:
        binding, new = session.nonce, False
    elif _usable(cookie):
        assert cookie is not None
        binding, new = cookie, False
    else:
        binding, new = secrets.token_urlsafe(24), True
    return Viewer(
        tokens_configured=tokens.configured,
        anonymous_reads=bool(request.app.state.settings.anonymous_reads),
        session=session,
        binding=binding,
        new_binding=new,
        form_key=request.app.state.ui_form_key,
    )
