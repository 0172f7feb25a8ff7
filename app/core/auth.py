"""Bearer tokens with a `read` or `write` scope, each for every namespace or for a few, for the
API (the operational endpoints stay open).

Tokens come from `AUGUR_TOKENS` (`scope:token,scope:token`) and/or `AUGUR_TOKENS_FILE` (one
`scope token` pair a line; `#` starts a comment), the shape a mounted Kubernetes Secret gives.
`write` includes `read`. A scope written `scope@ns` or `scope@ns+ns` (`write@team-a:TOKEN`,
`read@team-a+team-b TOKEN`) limits the token to those namespaces: it reaches the runs, templates
and gates of those namespaces only, and nothing cluster-wide (ClusterAnalysisTemplates, the run
list of every namespace, ad-hoc checks), as a Kubernetes Role differs from a ClusterRole. The same
token may appear on several lines; it then holds every grant written for it.

Flagger cannot send headers, so gate URLs may carry `?token=`; the access log never shows query
strings (see `app/core/logs.py`), so the token is never written anywhere.

With no token configured at all, augur is a local tool: the API is open and `augur serve` binds
to loopback only, saying so at start-up.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

__all__ = ["Access", "Grant", "Scope", "TokenError", "Tokens", "load_tokens"]

#: A Kubernetes namespace name (an RFC 1123 label).
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")


class Scope(IntEnum):
    READ = 1
    WRITE = 2


class TokenError(ValueError):
    """The token configuration is malformed; the message never contains a token."""


@dataclass(frozen=True)
class Grant:
    """One configured line: a scope, in every namespace (`namespaces` None) or in those."""

    scope: Scope
    namespaces: frozenset[str] | None = None

    def covers(self, namespace: str | None) -> bool:
        """Whether it reaches `namespace`; `None` asks about cluster-wide resources."""
        if self.namespaces is None:
            return True
        return namespace is not None and namespace in self.namespaces


@dataclass(frozen=True)
class Access:
    """What one presented token may do: the grants of every line it matched."""

    grants: tuple[Grant, ...]

    def scope_in(self, namespace: str | None) -> Scope | None:
        """The best scope the token has in `namespace` (`None`: cluster-wide), if any."""
        return max((g.scope for g in self.grants if g.covers(namespace)), default=None)

    @property
    def best(self) -> Scope:
        return max(g.scope for g in self.grants)

    @property
    def namespaces(self) -> frozenset[str] | None:
        """The namespaces the token is limited to; `None` when it reaches every namespace."""
        found: set[str] = set()
        for grant in self.grants:
            if grant.namespaces is None:
                return None
            found |= grant.namespaces
        return frozenset(found)


@dataclass(frozen=True)
class Tokens:
    """The configured tokens; `access` compares in constant time."""

    entries: tuple[tuple[Grant, bytes], ...]

    @property
    def configured(self) -> bool:
        return bool(self.entries)

    def access(self, presented: str) -> Access | None:
        """Every grant of `presented`, or `None` for a token that is not configured."""
        candidate = presented.encode()
        grants: list[Grant] = []
        for grant, token in self.entries:
            # Check every entry (no early exit) so timing does not tell which one matched.
            if hmac.compare_digest(candidate, token):
                grants.append(grant)
        return Access(tuple(grants)) if grants else None

    def scope_of(self, presented: str) -> Scope | None:
        """The best scope `presented` has anywhere (namespaces aside)."""
        found = self.access(presented)
        return None if found is None else found.best


def _grant(text: str, where: str, number: int) -> Grant:
    scope_text, at, limit = text.strip().partition("@")
    try:
        scope = Scope[scope_text.strip().upper()]
    except KeyError:
        raise TokenError(
            f"{where}: entry {number} has scope {scope_text.strip()!r}; use 'read' or 'write'"
        ) from None
    if not at:
        return Grant(scope)
    names = [name.strip() for name in limit.split("+")]
    for name in names:
        if not _NAMESPACE.match(name):
            raise TokenError(
                f"{where}: entry {number} limits the token to namespace {name!r}, which is not a "
                "namespace name (lower-case letters, digits and '-'); write scope@ns or "
                "scope@ns+ns"
            )
    return Grant(scope, frozenset(names))


def _parse(pairs: Iterable[tuple[str, str]], where: str) -> list[tuple[Grant, bytes]]:
    found = []
    for number, (scope, token) in enumerate(pairs, start=1):
        grant = _grant(scope, where, number)
        if len(token.strip()) < 16:
            raise TokenError(f"{where}: entry {number} has a token shorter than 16 characters")
        found.append((grant, token.strip().encode()))
    return found


def load_tokens(inline: str = "", file: Path | None = None) -> Tokens:
    entries: list[tuple[Grant, bytes]] = []
    if inline.strip():
        pairs = []
        for number, item in enumerate(inline.split(","), start=1):
            scope, sep, token = item.partition(":")
            if not sep:
                raise TokenError(f"AUGUR_TOKENS: entry {number} is not 'scope:token'")
            pairs.append((scope, token))
        entries += _parse(pairs, "AUGUR_TOKENS")
    if file is not None:
        try:
            lines = file.read_text().splitlines()
        except OSError as exc:
            raise TokenError(f"AUGUR_TOKENS_FILE: cannot read {file}: {exc.strerror}") from None
        pairs = []
        for number, line in enumerate(lines, start=1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.split()
            if len(parts) != 2:
                raise TokenError(f"AUGUR_TOKENS_FILE: line {number} is not 'scope token'")
            pairs.append((parts[0], parts[1]))
        entries += _parse(pairs, "AUGUR_TOKENS_FILE")
    return Tokens(entries=tuple(entries))
